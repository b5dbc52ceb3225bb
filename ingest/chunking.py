"""Sentence-aware chunking that keeps each chunk inside the embedding model's window, and the
content-addressed chunks of a document (ids and hashes that make re-ingest idempotent)."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence

from core.text import sentence_spans
from core.types import Chunk, Provenance, SourceDocument

__all__ = [
    "CHUNKER_VERSION",
    "TokenCounter",
    "chunk_document",
    "chunk_spans",
    "document_hash",
    "document_spans",
    "make_chunks",
]

TokenCounter = Callable[[str], int]
"""Counts the word pieces of a text (without the model's special tokens)."""


def _split_long(
    text: str, start: int, end: int, count: TokenCounter, max_tokens: int
) -> list[tuple[int, int]]:
    """Cut one over-long sentence into word windows of at most `max_tokens`."""
    pieces: list[tuple[int, int]] = []
    piece_start = piece_end = -1
    used = 0
    for m in re.finditer(r"\S+", text[start:end]):
        w_start, w_end = start + m.start(), start + m.end()
        n = count(text[w_start:w_end])
        if piece_start >= 0 and used + n > max_tokens:
            pieces.append((piece_start, piece_end))
            piece_start, used = -1, 0
        if piece_start < 0:
            piece_start = w_start
        if n > max_tokens:  # a single enormous "word": cut it by characters
            step = max(1, (w_end - w_start) * max_tokens // n)
            for a in range(w_start, w_end, step):
                pieces.append((a, min(a + step, w_end)))
            piece_start, used = -1, 0
            continue
        piece_end = w_end
        used += n
    if piece_start >= 0:
        pieces.append((piece_start, piece_end))
    return pieces


def chunk_spans(
    text: str, count_tokens: TokenCounter, max_tokens: int = 200, overlap_tokens: int = 48
) -> list[tuple[int, int]]:
    """Character spans of overlapping chunks of `text`, each of whole sentences where possible.

    Sentences are packed until the next would pass `max_tokens`; the next chunk starts with the
    last sentences of the previous one, up to `overlap_tokens`, so a fact that straddles a
    boundary is found in one chunk whole.
    """

    # A word of over 100 characters is one [UNK] piece to MiniLM, so a blob (base64, a long URL)
    # would pass as tiny; cost every piece of text at least a tenth of its characters.
    def cost(piece: str) -> int:
        return max(count_tokens(piece), len(piece) // 10)

    units: list[tuple[int, int, int]] = []  # (start, end, tokens)
    for s, e in sentence_spans(text):
        n = cost(text[s:e])
        if n <= max_tokens:
            units.append((s, e, n))
        else:
            units.extend(
                (a, b, cost(text[a:b])) for a, b in _split_long(text, s, e, cost, max_tokens)
            )
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, used = i, 0
        while j < len(units) and (j == i or used + units[j][2] <= max_tokens):
            used += units[j][2]
            j += 1
        chunks.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        # Step back over trailing sentences that fit in the overlap, but always move forward.
        back, carried = j, 0
        while back - 1 > i and carried + units[back - 1][2] <= overlap_tokens:
            back -= 1
            carried += units[back][2]
        i = back
    return chunks


# Bump when chunking changes, so that re-ingest re-chunks documents whose text did not change.
CHUNKER_VERSION = "1"


def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def document_hash(doc: SourceDocument, max_tokens: int, overlap_tokens: int) -> str:
    """A hash of everything that decides a document's chunks and their metadata."""
    # Site, author and pages join only when set, so documents without them keep their hash.
    extra = (doc.site or "", doc.author or "", ",".join(map(str, doc.page_starts)))
    return _sha(
        CHUNKER_VERSION,
        f"{max_tokens}/{overlap_tokens}",
        doc.title,
        doc.published or "",
        doc.section or "",
        doc.source,
        doc.text,
        *(extra if any(extra) else ()),
    )[:24]


def document_spans(
    doc: SourceDocument, count_tokens: TokenCounter, max_tokens: int, overlap_tokens: int
) -> list[tuple[int, int]]:
    """Chunk spans of `doc`; a PDF's are cut page by page, so each chunk lies on one page."""
    bounds = [*doc.page_starts, len(doc.text)] if doc.page_starts else [0, len(doc.text)]
    spans: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(bounds):
        spans.extend(
            (a + s, a + e)
            for s, e in chunk_spans(doc.text[a:b], count_tokens, max_tokens, overlap_tokens)
        )
    return spans


def chunk_document(
    doc: SourceDocument, count_tokens: TokenCounter, max_tokens: int, overlap_tokens: int
) -> list[Chunk]:
    """Chunks of `doc` with provenance; ids are hashes of the content and its place."""
    doc_hash = document_hash(doc, max_tokens, overlap_tokens)
    return make_chunks(doc, document_spans(doc, count_tokens, max_tokens, overlap_tokens), doc_hash)


def make_chunks(
    doc: SourceDocument, spans: Sequence[tuple[int, int]], doc_hash: str
) -> list[Chunk]:
    """The chunks of `doc` at `spans`, with its provenance and `doc_hash`."""
    return [
        Chunk(
            **Provenance.fields_of(doc),
            chunk_id=_sha(doc.doc_id, str(start), str(end), doc.text[start:end])[:32],
            index=i,
            start=start,
            end=end,
            text=doc.text[start:end],
            doc_hash=doc_hash,
            page=doc.page_at(start),
        )
        for i, (start, end) in enumerate(spans)
    ]
