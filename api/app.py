"""`create_app`: the FastAPI app over one `QA`, with its limits, key check and error handlers."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Security
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from swagger_ui_bundle import swagger_ui_path

from api import chat, routes
from api.backend import Backend
from api.deps import answer_slots
from api.errors import DeclaredBodyLimit, install_error_handlers
from api.guard import KEY_SCHEME, Guard
from qa import QA, Settings

__all__ = ["create_app"]

DESCRIPTION = """Questions answered from your documents, every sentence backed by a cited,
verbatim passage (with character offsets); OpenAI-compatible chat completions on top."""


def create_app(settings: Settings, qa_factory: Callable[[], QA] | None = None) -> FastAPI:
    """The HTTP API over the `QA` that `qa_factory` makes (default: `QA.from_settings(settings,
    create=True)`), loaded once, in the background at start-up (tried again until it loads;
    until then requests get 503 with the reason).

    Answering runs in FastAPI's worker threads, never on the event loop, at most half as many
    questions at once as there are threads (see `api.deps.answer_slots`). Every request passes
    `Guard` first (Host, Origin and, with `settings.api_key`, the key); bodies over
    `settings.max_body_mb` are refused (413); CORS headers only for `settings.cors_origins`.
    Refusing a non-loopback address without a key is `qa serve`'s: it alone knows the address.
    """
    if settings.cpu_threads is None:
        # Requests are answered in parallel threads, so each runs the embedding model on one
        # CPU thread: torch's default (one per core, per request) oversubscribes the cores, and
        # with another busy process on the machine a single request took ~1 s instead of ~25 ms
        # (bench/bench_api.py, see docs/api.md).
        settings = settings.with_(cpu_threads=1)
    backend = Backend(qa_factory or (lambda: QA.from_settings(settings, create=True)))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.answer_slots = answer_slots()
        threading.Thread(target=backend.load, name="qa-load", daemon=True).start()
        yield
        backend.stop()

    app = FastAPI(
        title="cited-qa",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _offline_docs(app)
    app.state.settings = settings
    app.state.backend = backend
    documented_key = [Security(KEY_SCHEME)] if settings.api_key else []  # checked by Guard
    app.include_router(routes.live)
    for router in (routes.health, routes.router, chat.router):
        app.include_router(router, dependencies=documented_key)
    install_error_handlers(app, max_body_mb=settings.max_body_mb)
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_body_bytes)
    app.add_middleware(DeclaredBodyLimit, max_body_mb=settings.max_body_mb)
    app.add_middleware(Guard, settings=settings)  # before the body is read or limited
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app


def _offline_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs, with Swagger UI served from the `swagger-ui-bundle-v2`
    package instead of a CDN, so that it works offline."""
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title=f"{app.title} API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="data:,",
        )
