"""Server-sent events over an answer that is being written."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, TypeVar

from fastapi.sse import EventSourceResponse, format_sse_event

from api.errors import status_of
from qa import QAError

__all__ = ["event", "event_stream", "started", "stream_error"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def started(items: Iterator[T]) -> Iterator[T]:
    """`items` with its first item taken now, so that what fails as the work starts (bad input,
    a busy model, a store that is down) is raised before the response, as an HTTP error."""
    first = next(items)

    def resumed() -> Iterator[T]:
        try:
            yield first
            yield from items
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a client that left: the model is freed at once

    return resumed()


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
    return EventSourceResponse(events, headers={"Cache-Control": "no-cache",
                                                "X-Accel-Buffering": "no"})  # fmt: skip
