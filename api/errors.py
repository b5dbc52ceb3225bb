"""Errors as HTTP: one status per kind of `QAError`, one line of JSON, never a traceback.

Every error body has the shape of the OpenAI API's: `{"error": {"message", "type", "code"}}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from qa import ConfigError, DocumentNotFoundError, IngestError, QAError, QuestionError

__all__ = [
    "DeclaredBodyLimit",
    "error_body",
    "error_response",
    "hide_paths",
    "install_error_handlers",
    "status_of",
]


# First match wins. Any other QAError (a store, collection or Chroma server that is missing or
# down, a language model that is busy, down or failed) is 503.
_KINDS: tuple[tuple[type[QAError], int], ...] = (
    (DocumentNotFoundError, 404),
    (QuestionError, 400),
    (ConfigError, 400),
    (IngestError, 400),
    (QAError, 503),
)
# OpenAI's error types.
_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    500: "server_error",
    503: "service_unavailable",
}


# An absolute path in a message (a store, uploads or models folder, a file): not an API route,
# not the path of a link (after its host).
_SERVER_PATH = re.compile(r"(?<![\w.:/~-])/(?!v1/)[^\s'\",;:()]+")


def hide_paths(message: str) -> str:
    """`message` with every absolute path replaced: errors tell no folder of the server."""
    return _SERVER_PATH.sub("(a path on the server)", message)


def error_body(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    """`{"error": {"message": ..., "type": ..., "code": ...}}` with the message on one line
    and no server path (`hide_paths`)."""
    text = hide_paths(" ".join(message.split()))
    return {"error": {"message": text, "type": type_, "code": code}}


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one-line JSON error of `status` (its type is OpenAI's for that status)."""
    body = error_body(message, _TYPES.get(status, _TYPES[500]))
    return JSONResponse(body, status_code=status, headers=headers)


def status_of(exc: Exception) -> tuple[int, dict[str, Any]]:
    """The HTTP status and error body of `exc` (its `code` is the class name of a `QAError`,
    e.g. `LLMBusyError`); 500 for any other exception, whose traceback is for the server's log,
    never for the body."""
    for kind, status in _KINDS:
        if isinstance(exc, kind):
            return status, error_body(str(exc), _TYPES[status], type(exc).__name__)
    message = f"unexpected error: {type(exc).__name__} (see the server's log)"
    return 500, error_body(message, _TYPES[500])


def _one_line(exc: RequestValidationError) -> str:
    errors = exc.errors()
    first: dict[str, Any] = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
    if first.get("type") == "json_invalid":  # loc: ("body", the character where it failed)
        why = first.get("ctx", {}).get("error", "")
        return f"the body is not valid JSON: {why} (at character {first['loc'][-1]})"
    where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"invalid request: {where}: {first.get('msg', 'invalid')}{more}"


def _too_large(max_body_mb: float) -> JSONResponse:
    return error_response(
        413,
        f"the request body is over the {max_body_mb:g} MB limit; send "
        "less per request, or raise QA_MAX_BODY_MB",
    )


class DeclaredBodyLimit:
    """Refuses a request whose Content-Length is over `max_body_mb` at once, with the one-line
    JSON 413, before its body is read. (Starlette's `RequestBodyLimitMiddleware`, inside it,
    counts the bytes of a body sent without a length.)"""

    def __init__(self, app: ASGIApp, max_body_mb: float) -> None:
        self.app = app
        self.max_body_mb = max_body_mb

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length", "")
            if length.isdigit() and int(length) > self.max_body_mb * 1024 * 1024:
                await _too_large(self.max_body_mb)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_error_handlers(app: FastAPI, *, max_body_mb: float) -> None:
    """Register the handlers that turn every error into a one-line JSON body."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 413:  # a body without a length, counted
            return _too_large(max_body_mb)
        return error_response(exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, _one_line(exc))

    @app.exception_handler(QAError)
    @app.exception_handler(Exception)  # and Starlette logs the traceback of an unexpected one
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        status, body = status_of(exc)
        return JSONResponse(body, status_code=status)
