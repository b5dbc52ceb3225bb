"""The OpenAI-compatible surface: `POST /v1/chat/completions` and `GET /v1/models`.

The last user message is the question and earlier user messages are the history. The reply's
content is the answer with its `[n]` markers, then a short "Sources" list, so that plain chat
clients show them; the whole answer (citations with quotes and offsets, status, ...) is also in
the extra field `cited_qa` of the response, and of the last chunk of a stream.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse

from api.deps import AnswerSlot, QADep
from api.schemas import ChatMessage, ChatRequest
from api.sse import event, event_stream, opened, stream_error
from qa import Answer, QuestionError

__all__ = ["MODEL_ID", "conversation", "reply_text", "router", "sources_text"]

MODEL_ID = "cited-qa"
router = APIRouter(tags=["openai"])
_CREATED = int(time.time())


def conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[str]]:
    """The question (the last user message) and the history (the user messages before it)."""
    asked = [i for i, m in enumerate(messages) if m.role == "user"]
    if not asked:
        raise QuestionError("the chat has no user message: the last user message is the question")
    texts = [messages[i].text() for i in asked]
    return texts[-1], texts[:-1]


def sources_text(answer: Answer) -> str:
    """ "\\n\\nSources:" and one line per citation (title, date, quote, and the other sources
    of a passage several carry), or "" for none."""
    lines = [
        f"{c.heading()}: {c.quote_line()}" + (f" ({c.also_in_line()})" if c.also_in else "")
        for c in answer.citations
    ]
    return "\n\nSources:\n" + "\n".join(lines) if lines else ""


def reply_text(answer: Answer) -> str:
    """The content of the reply: the answer with its `[n]` markers, then its sources."""
    return answer.text + sources_text(answer)


class _Reply:
    """The fields every completion and chunk of one reply share."""

    def __init__(self, kind: str) -> None:
        self.head = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": kind,
            "created": int(time.time()),
            "model": MODEL_ID,
        }

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return event({**self.head, "choices": [choice], **extra})


def _chunks(pieces: Iterator[str | Answer]) -> Iterator[bytes]:
    """The chunks of a streamed reply: the text as it is written, the checked answer when it
    differs (a written answer whose sentences were marked), the sources, then `[DONE]`."""
    reply = _Reply("chat.completion.chunk")
    yield reply.chunk({"role": "assistant", "content": ""})
    streamed: list[str] = []
    try:
        for piece in pieces:
            if not isinstance(piece, Answer):
                streamed.append(piece)
                yield reply.chunk({"content": piece})
                continue
            piece = piece.shown()
            if "".join(streamed) != piece.text:
                yield reply.chunk({"content": f"\n\nChecked answer:\n{piece.text}"})
            if piece.citations:
                yield reply.chunk({"content": sources_text(piece)})
            yield reply.chunk({}, "stop", cited_qa=piece.to_dict())
    except Exception as exc:
        yield event(stream_error(exc))
    yield event("[DONE]")


def _chat_stream(
    body: ChatRequest, qa: QADep, slot: AnswerSlot
) -> Iterator[Iterator[str | Answer] | None]:
    """For `"stream": true`, the answer's pieces, started here (what fails as answering starts
    is an HTTP error, before the stream) and closed when the request ends; else None."""
    if not body.stream:
        yield None
        return
    question, history = conversation(body.messages)
    with opened(qa.stream(question, history, k=body.k, **body.dates())) as pieces:
        yield pieces


@router.post(
    "/v1/chat/completions",
    response_model=None,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def chat_completions(
    body: ChatRequest,
    qa: QADep,
    pieces: Annotated[Iterator[str | Answer] | None, Depends(_chat_stream)],
) -> JSONResponse | EventSourceResponse:
    """OpenAI chat completions, streamed (`"stream": true`) or not; the model name is ignored."""
    if pieces is not None:
        return event_stream(_chunks(pieces))
    question, history = conversation(body.messages)
    answer = qa.ask(question, history, k=body.k, **body.dates()).shown()
    reply = _Reply("chat.completion")
    message = {"role": "assistant", "content": reply_text(answer)}
    return JSONResponse(
        {
            **reply.head,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": None,
            "cited_qa": answer.to_dict(),
        }
    )


@router.get("/v1/models")
def models() -> dict[str, Any]:
    """The one model this server answers as, `cited-qa`."""
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": _CREATED, "owned_by": "cited-qa"}],
    }
