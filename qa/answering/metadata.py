"""Lines that are not answers, and questions about the article itself.

A headline, date line, dateline, byline or section label is never the answer to a question
that does not ask for it; "when was it published", "which section", "who wrote the article" are
answered from the document's metadata and cite the line that states it. Pure logic. The
questions are read in `qa.answering.metadata_questions`, the label lines in
`qa.answering.label_lines`; their public names are re-exported here.

- `asked_fields(question)`: the kinds of document metadata or label a question asks about:
  "published", "section", "author", "headline", "dateline" (`FIELDS`).
- `label_kinds(text, chunk)` / `label_kind(text, chunk)`: whether a sentence of `chunk` is a
  label line, and of which kinds: "headline", "published", "section", "byline", "dateline",
  "site" (the site name, a reading time: never asked for) (`LABELS`; "byline" states the
  field "author").
- `is_non_answer(text, chunk, asked)`: a label line whose kinds the question does not ask for.
- `metadata_answer(question, query, passages)`: the cited answer to a question about the
  publication date, section or author of the best passage's document, or None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from core.dates import as_date
from core.text import normalize, sentence_spans
from core.types import Answer, Chunk, Citation, Passage
from qa.answering.answer_text import cited, declined
from qa.answering.label_lines import (
    LABELS,
    byline_names,
    is_non_answer,
    label_kind,
    label_kinds,
    written_dates,
)
from qa.answering.metadata_questions import FIELDS, asked_fields

__all__ = [
    "FIELDS",
    "LABELS",
    "asked_fields",
    "is_non_answer",
    "label_kind",
    "label_kinds",
    "metadata_answer",
]

_METADATA = ("published", "section", "author", "headline")  # answered from the metadata


@dataclass(frozen=True)
class _Line:
    passage: Passage
    start: int  # offsets in the chunk's text
    end: int

    @property
    def text(self) -> str:
        return self.passage.chunk.text[self.start : self.end]


def _lines(passages: Sequence[Passage], doc_id: str) -> Iterator[_Line]:
    """The distinct sentences of the passages of document `doc_id`, in document order."""
    seen: set[int] = set()
    found = []
    for p in passages:
        c = p.chunk
        if c.doc_id != doc_id:
            continue
        for s, e in sentence_spans(c.text):
            if c.start + s not in seen:
                seen.add(c.start + s)
                found.append((c.start + s, _Line(p, s, e)))
    return (line for _, line in sorted(found, key=lambda x: x[0]))


_PUBLISHED_WORD = re.compile(r"\b(?:published|posted|updated|dated)\b", re.IGNORECASE)


def _states(field: str, line: _Line, chunk: Chunk) -> str | None:
    """The value of `field` as `line` states it (as written), or None."""
    text = line.text
    kinds = label_kinds(text, line.passage.chunk)
    if field == "published":
        day = as_date(chunk.published)
        if day is None or not (kinds - {"headline"} or _PUBLISHED_WORD.search(text)):
            return None
        return next((m.group() for m, days in written_dates(text) if day in days), None)
    if field == "headline":
        return text.strip() if "headline" in kinds else None
    if field == "section":
        if not chunk.section or not kinds & {"section", "published", "byline", "site"}:
            return None
        m = re.search(rf"(?<!\w){re.escape(normalize(chunk.section))}(?!\w)", text, re.I)
        return m.group() if m else None
    if "byline" not in kinds:
        return None
    if not chunk.author:  # unset: the byline's names
        byline = byline_names(text)
        return normalize(text) if byline is None else byline
    names = [n.strip() for n in re.split(r"\s*(?:[;,&]|\band\b)\s*", chunk.author) if n.strip()]
    spans = [m.span() for n in names for m in re.finditer(re.escape(n), text, re.IGNORECASE)]
    if not spans:
        return None
    return text[min(s for s, _ in spans) : max(e for _, e in spans)]


def metadata_answer(question: str, query: str, passages: Sequence[Passage]) -> Answer | None:
    """The answer to a question about the publication date, section, author or headline of the
    best passage's document: the retrieved line that states it, cited; `short` is the value as
    written there.

    Not found when the document has none of the asked fields (an author is taken from a
    byline line even where the metadata has none). None, for the caller's usual answer, when
    the question asks for none of them (only "dateline", say), or a field the document has is
    stated by no retrieved line.
    """
    fields = [f for f in _METADATA if f in asked_fields(question)]
    if not fields or not passages:
        return None
    doc = passages[0].chunk
    lines = list(_lines(passages, doc.doc_id))
    found: list[tuple[_Line, str]] = []
    for field in fields:
        hit = next(((ln, v) for ln in lines if (v := _states(field, ln, doc))), None)
        if hit:
            found.append(hit)
        elif getattr(doc, "title" if field == "headline" else field):
            return None  # the document has it, but no retrieved line states it
    if not found:
        return declined(question, query, passages)
    citations: list[Citation] = []
    parts = []
    for line, _ in found:
        c = line.passage.chunk
        start, end = c.start + line.start, c.start + line.end
        if any(x.start == start for x in citations):  # one line states several fields
            continue
        n = len(citations) + 1
        citations.append(Citation.of(n, line.passage, line.text, start, end))
        parts.append(cited(line.text, n))
    return Answer(
        question=question,
        text=" ".join(parts),
        status="answered",
        citations=tuple(citations),
        query=query,
        passages=tuple(passages),
        score=1.0,
        short="; ".join(dict.fromkeys(v for _, v in found)),
    )
