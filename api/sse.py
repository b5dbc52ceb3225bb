"""Server-sent events over an answer that is being written."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi.sse import EventSourceResponse, format_sse_event

from api.errors import status_of
from qa import QAError

__all__ = ["event", "event_stream", "opened", "stream_error"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@contextmanager
def opened(items: Iterator[T]) -> Iterator[Iterator[T]]:
    """`items` with its first item taken now, and closed when the block ends.

    What fails as the work starts (bad input, a busy model, a store that is down) is raised
    here, before the response, as an HTTP error. In a dependency with `yield` the block ends
    with the request: after the last event, or as soon as a client that left is noticed, so a
    local model is freed then, not whenever the garbage collector runs.
    """
    try:
        first = next(items)
        yield itertools.chain((first,), items)
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def event(data: Any, name: str | None = None) -> bytes:
    """One event: `data` as JSON (or as it is, when it is a `str`), with an optional name."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return format_sse_event(data_str=text, event=name)


def stream_error(exc: Exception) -> dict[str, Any]:
    """The error body of an exception raised after the stream began (logged unless a
    `QAError`)."""
    if not isinstance(exc, QAError):
        log.error("unexpected error while streaming", exc_info=exc)
    return status_of(exc)[1]


def event_stream(events: Iterator[bytes]) -> EventSourceResponse:
    """A `text/event-stream` response; a sync iterator is run in the worker threads."""
    return EventSourceResponse(
        events, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
