"""Request and response bodies, as pydantic models (for validation and the OpenAPI page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.duplicates import NearDuplicate
from core.limits import MAX_TOP_K, MIN_TOP_K
from core.types import Citation, DateWindow, DocumentInfo, Status, Timings
from qa import Skipped

__all__ = [
    "AnswerOut",
    "AskRequest",
    "ChatMessage",
    "ChatRequest",
    "DeletedOut",
    "DocumentsOut",
    "IngestOut",
    "LinksRequest",
    "ReingestRequest",
]

_K = Field(
    default=None,
    strict=True,
    description=f"passages to retrieve ({MIN_TOP_K}-{MAX_TOP_K}; default QA_TOP_K)",
)


class Dates(BaseModel):
    """The publication dates to search among, and the date relative time is counted from."""

    since: dt.date | None = Field(
        default=None, description="only documents published on or after this date (YYYY-MM-DD)"
    )
    until: dt.date | None = Field(
        default=None, description="only documents published on or before this date"
    )
    as_of: dt.date | None = Field(
        default=None,
        description="the date that 'this week', "
        "'yesterday', 'latest' are counted from (default today)",
    )

    def dates(self) -> dict[str, dt.date | None]:
        """As keyword arguments of `QA.ask` and `QA.stream`."""
        return {"since": self.since, "until": self.until, "as_of": self.as_of}


class AskRequest(Dates):
    """A question, with the earlier questions of the conversation (oldest first)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="the question (at most QA_MAX_QUESTION_CHARS characters)")
    history: list[str] = Field(default=[], description="earlier questions, oldest first")
    k: int | None = _K


class AnswerOut(BaseModel):
    """The answer: the same object as `qa ask --json` (`Answer.to_dict()`)."""

    question: str
    answer: str = Field(description="the answer text, with [n] markers that refer to citations")
    status: Status = Field(
        description="answered, partial (written, some sentences unsupported), "
        "uncertain (weak evidence: the closest passage) or not_found"
    )
    query: str = Field(description="what was searched for (a follow-up folds in earlier turns)")
    score: float
    short: str | None = Field(description="a short answer phrase, when the question asks one")
    citations: list[Citation] = Field(description="quote == source_text[start:end]")
    timings: Timings
    window: DateWindow | None = Field(
        default=None, description="the publication dates the passages were searched among, if any"
    )


class DocumentsOut(BaseModel):
    """What the store holds, one entry per document, sorted by title."""

    documents: list[DocumentInfo]


class IngestOut(BaseModel):
    """What an upload or re-ingest did; `skipped` files carry their reason."""

    added: int
    updated: int
    unchanged: int
    removed: int
    skipped: list[Skipped]
    chunks_embedded: int
    seconds: float
    doc_ids: list[str] = Field(description="the documents this run read")
    near_duplicates: list[NearDuplicate] = Field(
        default=[], description="added or updated documents that repeat stored ones"
    )
    summary: str


class LinksRequest(BaseModel):
    """Links of pages or PDFs to fetch and ingest, and feeds whose new entries to ingest."""

    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(default=[], description="http(s) links of pages or PDFs")
    feeds: list[str] = Field(default=[], description="RSS or Atom feeds")


class ReingestRequest(BaseModel):
    """The documents whose files are read again (all of them when `doc_ids` is left out)."""

    model_config = ConfigDict(extra="forbid")

    doc_ids: list[str] | None = None


class DeletedOut(BaseModel):
    """A removed document."""

    doc_id: str
    chunks_removed: int


class ChatMessage(BaseModel):
    """One message of an OpenAI chat; `content` is text or a list of parts."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text (the text parts of a list, joined)."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(Dates):
    """An OpenAI chat-completions request. The last user message is the question and earlier
    user messages are the history; sampling options (temperature, max_tokens, ...) are ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = "cited-qa"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    k: int | None = _K
