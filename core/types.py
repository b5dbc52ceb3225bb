"""Typed, frozen result and record types shared by ingest and answering."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import PurePath
from typing import Any, Literal, Self

__all__ = [
    "Answer",
    "Attribution",
    "Chunk",
    "Citation",
    "DateWindow",
    "DocumentInfo",
    "OtherSource",
    "Passage",
    "Provenance",
    "SourceDocument",
    "Status",
    "Timings",
    "shown_source",
]

# "partial": a written answer of which some sentences are not supported by the passages;
# "uncertain": the evidence is weak but present, so the closest passage is given, cited, under a
# caveat that the documents may not answer the question.
Status = Literal["answered", "partial", "uncertain", "not_found"]


def shown_source(source: str, name: str | None) -> str:
    """What the chat, the HTTP API and the OpenAI-compatible endpoint show of a document's
    source: a link as it is; a file by `name` (its path relative to the folder it was ingested
    from, or the uploaded file's name), else its file name alone; never a server path."""
    if "://" in source:
        return source
    return name or PurePath(source).name


@dataclass(frozen=True, kw_only=True)
class Attribution:
    """What names a document where a passage of it is cited (a citation, "also in").

    Every record that carries it extends this class or `Provenance` (keyword-only fields), so
    each of these fields is declared here alone.
    """

    doc_id: str
    source: str  # a file's path, or a link
    title: str
    published: str | None = None  # ISO 8601 date, e.g. "2025-10-29"
    site: str | None = None  # the publication, e.g. "Coast Herald" (fetched pages)
    # A file: its path relative to the folder it was ingested from, or the uploaded file's
    # name; what surfaces show instead of `source` (see `shown_source`).
    name: str | None = None

    @classmethod
    def fields_of(cls, record: Self) -> dict[str, Any]:
        """The values of this class's fields in `record` (of this class or one extending it),
        by name: keyword arguments that carry them over to another record."""
        return {f.name: getattr(record, f.name) for f in fields(cls)}


@dataclass(frozen=True, kw_only=True)
class Provenance(Attribution):
    """Where a document, or a chunk of it, comes from: its `Attribution`, section and author.

    Positions in the document (offsets, a PDF's `page`) are not provenance: they belong to the
    chunk or quote. Stored as flat metadata (`to_metadata`, `from_metadata`): in every chunk's
    Chroma record and in the manifest.
    """

    section: str | None = None
    author: str | None = None

    def to_metadata(self, blank: AbstractSet[str] = frozenset()) -> dict[str, Any]:
        """The provenance as flat metadata without None (Chroma keeps none): an optional field
        without a value is left out, or stored as "" when it is in `blank`."""
        out: dict[str, Any] = {}
        for f in fields(Provenance):
            value = getattr(self, f.name)
            if value or f.default is MISSING or f.name in blank:
                out[f.name] = value if value is not None else ""
        return out

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any], **other: Any) -> Self:
        """A record of this class from metadata `to_metadata` wrote ("" read as None); its
        other fields, and any that `other` overrides, from `other`."""
        found = {
            f.name: str(meta.get(f.name, "")) if f.default is MISSING else meta.get(f.name) or None
            for f in fields(Provenance)
        }
        return cls(**{**found, **other})


@dataclass(frozen=True, kw_only=True)
class SourceDocument(Provenance):
    """A loaded document: its text is what chunk and quote offsets refer to.

    For `.txt` and `.md` files `text` is the file's content; for `.html` it is the text extracted
    from the markup.
    """

    text: str
    dateline: str | None = None
    # A PDF: the offset in `text` where each page starts (page n at `page_starts[n - 1]`).
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset` of `text` (None for a document without pages)."""
        return bisect.bisect_right(self.page_starts, offset) or None


@dataclass(frozen=True, kw_only=True)
class Chunk(Provenance):
    """A span of a source document, with its provenance: `document.text[start:end] == text`."""

    chunk_id: str
    index: int
    start: int
    end: int
    text: str
    doc_hash: str = ""
    page: int | None = None  # the PDF page the chunk is on


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
    # Near-duplicate chunks of other documents (the same story elsewhere) folded into this one.
    duplicates: tuple[Chunk, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OtherSource(Attribution):
    """Another document that carries the cited passage, near enough word for word."""

    chunk_id: str

    @classmethod
    def of(cls, chunk: Chunk) -> OtherSource:
        """The source of `chunk`."""
        return cls(**Attribution.fields_of(chunk), chunk_id=chunk.chunk_id)

    def shown(self) -> OtherSource:
        """As surfaces show it: `source` replaced by `shown_source`."""
        return replace(self, source=shown_source(self.source, self.name))

    def label(self) -> str:
        """`site or title, date (source)`: how "also in" names it."""
        date = f", {self.published}" if self.published else ""
        return f"{self.site or self.title}{date} ({self.source})"


@dataclass(frozen=True, kw_only=True)
class Citation(Attribution):
    """A numbered source of an answer: `quote` is verbatim `source_text[start:end]`."""

    n: int
    chunk_id: str
    text: str
    quote: str
    start: int
    end: int
    score: float
    support: float | None = None  # written answers: how well the quote backs its sentence
    page: int | None = None  # a PDF's page
    also_in: tuple[OtherSource, ...] = ()  # near-duplicates of the passage, folded into it

    @classmethod
    def of(
        cls, n: int, passage: Passage, quote: str, start: int, end: int, **extra: Any
    ) -> Citation:
        """Citation `n` of `quote` (`start`:`end` in its document) from `passage`."""
        c = passage.chunk
        return cls(
            **Attribution.fields_of(c),
            n=n,
            chunk_id=c.chunk_id,
            text=c.text,
            quote=quote,
            start=start,
            end=end,
            score=round(passage.score, 4),
            page=c.page,
            also_in=tuple(OtherSource.of(d) for d in passage.duplicates),
            **extra,
        )

    def shown(self) -> Citation:
        """As surfaces show it: no server path (`shown_source`), here or in `also_in`."""
        return replace(
            self,
            source=shown_source(self.source, self.name),
            also_in=tuple(o.shown() for o in self.also_in),
        )

    def heading(self) -> str:
        """`[n] title (site), date, page p` (each part only when known): how text replies name
        the source."""
        site = f" ({self.site})" if self.site and self.site not in self.title else ""
        date = f", {self.published}" if self.published else ""
        page = f", page {self.page}" if self.page else ""
        return f"[{self.n}] {self.title}{site}{date}{page}"

    def also_in_line(self) -> str:
        """`also in: …` naming the other sources of the passage, or "" when there are none."""
        return "also in: " + "; ".join(o.label() for o in self.also_in) if self.also_in else ""

    def quote_line(self) -> str:
        """The quote in curly quotes, on one line (each run of whitespace made one space)."""
        return f"“{' '.join(self.quote.split())}”"

    def to_dict(self) -> dict[str, Any]:
        """The citation as a JSON-ready dict (`n` first)."""
        return {"n": self.n, **asdict(self), "also_in": [asdict(o) for o in self.also_in]}


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
    window: DateWindow | None = None  # the dates the passages were searched among

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

    def shown(self) -> Answer:
        """As the chat, the HTTP API and the OpenAI-compatible endpoint show it: its citations
        and passages name no server path (`shown_source`)."""
        passages = tuple(
            replace(
                p,
                chunk=replace(p.chunk, source=shown_source(p.chunk.source, p.chunk.name)),
                duplicates=tuple(
                    replace(d, source=shown_source(d.source, d.name)) for d in p.duplicates
                ),
            )
            for p in self.passages
        )
        return replace(self, citations=tuple(c.shown() for c in self.citations), passages=passages)

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
            "window": self.window.to_dict() if self.window else None,
        }


@dataclass(frozen=True, kw_only=True)
class DocumentInfo(Provenance):
    """What the store holds of one ingested document."""

    chunks: int
    ingested_at: str
    pages: int | None = None  # a PDF's pages

    def shown(self) -> DocumentInfo:
        """As surfaces list it: no server path (`shown_source`)."""
        return replace(self, source=shown_source(self.source, self.name))


@dataclass(frozen=True)
class DateWindow:
    """The publication dates passages are searched among (inclusive; None: open-ended).

    `phrase` is the words of the question it was resolved from ("this week"), against `as_of`;
    `latest` asks for the newest relevant story up to `until`.
    """

    since: dt.date | None = None
    until: dt.date | None = None
    phrase: str | None = None
    as_of: dt.date | None = None
    latest: bool = False

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None

    def to_dict(self) -> dict[str, Any]:
        """The window as a JSON-ready dict, dates as ISO strings."""
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(self).items()}

    def describe(self) -> str:
        """`from 2025-03-10 to 2025-03-12 ("this week", as of 2025-03-12)`."""
        span = (
            " ".join(
                p
                for p in (
                    f"from {self.since}" if self.since else "",
                    f"to {self.until}" if self.until else "",
                )
                if p
            )
            or "any date"
        )
        why = f' ("{self.phrase}", as of {self.as_of})' if self.phrase else ""
        return span + why
