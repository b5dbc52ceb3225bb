"""Fixtures of the HTTP API tests: a real store, a `QA` over it, real uvicorn servers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import SEEDS
from tests.servers import uvicorn_thread

Serve = Callable[..., AbstractContextManager[str]]


@pytest.fixture(scope="module")
def seeded_qa(embeddings) -> Iterator[Any]:
    """A `QA` over a new store holding the seed article (uploads go beside it)."""
    from ingest.loaders import load_paths
    from qa.evaluation.scratch import scratch_qa

    with scratch_qa(load_paths([SEEDS])[0], embeddings=embeddings) as scratch:
        yield scratch.qa


@contextmanager
def serve_app(app: Any, key: str | None = None) -> Iterator[str]:
    """A real uvicorn serving the ASGI `app` (sent `key`, if any), once its `QA` has loaded or
    failed to: its base URL."""
    with uvicorn_thread(app) as base:
        ready_within(base, 120, **({"Authorization": f"Bearer {key}"} if key else {}))
        yield base


def serve_qa(qa: Any, **changes: Any) -> AbstractContextManager[str]:
    """A real uvicorn serving the API over `qa`, with settings changed by `changes`."""
    from api import create_app

    settings = qa.settings.with_(**changes)
    return serve_app(create_app(settings, qa_factory=lambda: qa), settings.api_key)


@pytest.fixture(scope="module")
def url(seeded_qa: Any) -> Iterator[str]:
    """The API over the seed store, without a key: its base URL."""
    with serve_qa(seeded_qa) as base:
        yield base


@pytest.fixture
def client(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=120) as c:
        yield c


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """`(event name, data)` of each server-sent event in `lines` (comments skipped)."""
    name: str | None = None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = None, []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield name, "\n".join(data)


def read_stream(
    client: httpx.Client, path: str, body: dict[str, Any]
) -> list[tuple[str | None, Any]]:
    """POST `body` and read the whole event stream, each event's data parsed as JSON."""
    with client.stream("POST", path, json=body) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        return [(n, d if d == "[DONE]" else json.loads(d)) for n, d in sse_events(r.iter_lines())]


def one_line_error(r: httpx.Response, status: int, needle: str) -> dict[str, Any]:
    """Check that `r` is `status` with a one-line JSON error holding `needle`; its `error`."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    error = r.json()["error"]
    assert needle in error["message"], error
    assert "\n" not in error["message"] and "Traceback" not in r.text
    return error  # type: ignore[no-any-return]


def ready_within(base: str, seconds: float, **headers: str) -> httpx.Response:
    """Poll `base`/readyz until it is no longer "still loading" (at most `seconds`); its answer."""
    deadline = time.monotonic() + seconds
    while True:
        r = httpx.get(f"{base}/readyz", headers=headers)
        if "still loading" not in r.text:
            return r
        assert time.monotonic() < deadline, f"still loading after {seconds:g} s"
        time.sleep(0.1)
