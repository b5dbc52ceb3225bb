"""FastAPI dependencies: the backend and `QA` of the app, and a place among the questions being
answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request

from api.backend import Backend
from qa import QA, LLMBusyError

__all__ = ["AnswerSlot", "BackendDep", "QADep", "answer_slots"]


async def _backend(request: Request) -> Backend:
    return request.app.state.backend


BackendDep = Annotated[Backend, Depends(_backend)]


async def _qa(backend: BackendDep) -> QA:
    """The loaded `QA`; 503 "not ready" with the reason until it is (never loads nor waits)."""
    if backend.loaded is None:
        raise HTTPException(503, f"not ready: {backend.reason}")
    return backend.loaded


def answer_slots() -> anyio.Semaphore:
    """The places of questions answered at once: half of anyio's worker threads (at least one).

    Made where the app starts, in its event loop. Questions beyond them wait on the event loop,
    not in a worker thread, so that the threads a local model's waiters hold never starve the
    stream of the question that has the model, nor `/readyz` and the other requests.
    """
    places = max(1, int(anyio.to_thread.current_default_thread_limiter().total_tokens) // 2)
    return anyio.Semaphore(places, max_value=places)


async def _answer_slot(request: Request) -> AsyncIterator[None]:
    """A place among the questions being answered, held until the response ends; 503
    `LLMBusyError` after QA_LLM_TIMEOUT seconds without one."""
    slots: anyio.Semaphore = request.app.state.answer_slots
    timeout = request.app.state.settings.llm_timeout  # the time a question waits for the model
    try:
        with anyio.fail_after(timeout):
            await slots.acquire()
    except TimeoutError:
        raise LLMBusyError(
            f"the server stayed busy with {slots.max_value} other questions for "
            f"{timeout:g} s; try again"
        ) from None
    try:
        yield
    finally:
        slots.release()


AnswerSlot = Annotated[None, Depends(_answer_slot)]
QADep = Annotated[QA, Depends(_qa)]
