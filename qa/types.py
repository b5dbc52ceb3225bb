"""Typed, frozen result and record types shared by ingest and answering."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = [
    "Answer",
    "Chunk",
    "Citation",
    "DocumentInfo",
    "Passage",
    "SourceDocument",
    "Status",
    "Timings",
]

# "partial": a written answer of which some sentences are not supported by the passages;
# "uncertain": the evidence is weak but present, so the closest passage is given, cited, under a
# caveat that the documents may not answer the question.
Status = Literal["answered", "partial", "uncertain", "not_found"]


@dataclass(frozen=True)
class SourceDocument:
    """A loaded document: its text is what chunk and quote offsets refer to.

    For `.txt` and `.md` files `text` is the file's content; for `.html` it is the text extracted
    from the markup.
    """

    doc_id: str
    source: str
    title: str
    text: str
    published: str | None = None  # ISO 8601 date, e.g. "2025-10-29"
    section: str | None = None
    dateline: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A span of a source document, with its provenance: `document.text[start:end] == text`."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    published: str | None
    section: str | None
    index: int
    start: int
    end: int
    text: str
    doc_hash: str = ""


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its retrieval score (cosine similarity, higher is closer).

    Hybrid search also records the chunk's 0-based rank in the dense and BM25 rankings (None
    where it was not among their first results), its BM25 score relative to the best chunk's
    (0-1), and its reciprocal-rank-fusion score.
    """

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    lexical: float = 0.0
    fused: float = 0.0


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: `quote` is verbatim `source_text[start:end]`."""

    n: int
    doc_id: str
    source: str
    title: str
    published: str | None
    chunk_id: str
    text: str
    quote: str
    start: int
    end: int
    score: float
    support: float | None = None  # written answers: how well the quote backs its sentence

    def heading(self) -> str:
        """`[n] title, date` (without the date when unknown): how text replies name the source."""
        date = f", {self.published}" if self.published else ""
        return f"[{self.n}] {self.title}{date}"

    def quote_line(self) -> str:
        """The quote in curly quotes, on one line (each run of whitespace made one space)."""
        return f"“{' '.join(self.quote.split())}”"

    def to_dict(self) -> dict[str, Any]:
        """The citation as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Timings:
    """Wall-clock milliseconds spent in each stage of answering."""

    retrieve_ms: float = 0.0
    answer_ms: float = 0.0
    total_ms: float = 0.0


@dataclass(frozen=True)
class Answer:
    """The result of asking a question.

    `text` carries inline `[n]` markers that refer to `citations` by their `n`. `query` is the
    text used for retrieval (the question itself, or a rewrite that folds in earlier turns).
    `passages` are all retrieved chunks, cited or not, best first. `score` is the answerer's
    confidence, compared with `Settings.min_score` to decide whether to abstain. In a written
    (LLM) answer a sentence that no passage backs is followed by `[unsupported]` and `status`
    is `partial`. `short` is a short answer phrase (a name, place, date or number) when the
    question asks for one and the answer holds one.
    """

    question: str
    text: str
    status: Status
    citations: tuple[Citation, ...] = ()
    query: str = ""
    passages: tuple[Passage, ...] = ()
    timings: Timings = field(default_factory=Timings)
    score: float = 0.0
    short: str | None = None

    @property
    def answered(self) -> bool:
        """True when the documents answered the question (wholly, or in part: `partial`)."""
        return self.status != "not_found"

    def quote_in_passage(self, citation: Citation) -> tuple[str, str, str]:
        """`(before, quote, after)`: the cited passage split around its quote, by offsets.

        For a citation whose passage is not among `passages`, the quote is found in its text
        (or, failing that, shown after the whole passage).
        """
        start, end, text = citation.start, citation.end, citation.text
        for p in self.passages:
            c = p.chunk
            if c.chunk_id == citation.chunk_id and c.start <= start <= end <= c.end:
                a, b = start - c.start, end - c.start
                return text[:a], text[a:b], text[b:]
        before, found, after = citation.text.partition(citation.quote)
        if not found:
            return citation.text + " ", citation.quote, ""
        return before, found, after

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape printed by `qa ask --json`."""
        return {
            "question": self.question,
            "answer": self.text,
            "status": self.status,
            "query": self.query,
            "score": self.score,
            "short": self.short,
            "citations": [c.to_dict() for c in self.citations],
            "timings": asdict(self.timings),
        }


@dataclass(frozen=True)
class DocumentInfo:
    """What the store holds of one ingested document."""

    doc_id: str
    source: str
    title: str
    published: str | None
    section: str | None
    chunks: int
    ingested_at: str
