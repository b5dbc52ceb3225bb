"""Idempotent ingest: documents in, content-addressed chunks embedded into a `ChunkStore`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.duplicates import NearDuplicate, near_duplicate_documents
from core.settings import Settings
from core.types import Chunk, SourceDocument
from ingest.chunking import TokenCounter, document_hash, document_spans, make_chunks
from ingest.fetch import is_url
from ingest.loaders import Skipped, doc_id_for, load_paths
from qa.store.chunks import ChunkStore
from qa.store.sources import SourceRecord

__all__ = ["IngestReport", "gone_under", "ingest_documents", "ingest_paths"]


@dataclass(frozen=True)
class IngestReport:
    """What one ingest run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: tuple[Skipped, ...] = ()
    chunks_embedded: int = 0
    seconds: float = 0.0
    doc_ids: tuple[str, ...] = field(default=(), repr=False)
    # Added or updated documents that are near-duplicates of stored ones (the same story).
    near_duplicates: tuple[NearDuplicate, ...] = ()

    @property
    def documents(self) -> int:
        """The documents given: added, updated, unchanged or skipped."""
        return self.added + self.updated + self.unchanged + len(self.skipped)

    def summary(self) -> str:
        """One line for people."""
        dups = len(self.near_duplicates)
        also = f", {dups} near-duplicate{'' if dups == 1 else 's'} of stored ones" if dups else ""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped, {self.removed} removed{also} "
            f"({self.chunks_embedded} chunks embedded in {self.seconds:.1f} s)"
        )

    def lines(self) -> list[str]:
        """One line per document left out or found to be a near-duplicate, for people."""
        return [f"skipped {s.path}: {s.reason}" for s in self.skipped] + [
            f"near-duplicate: {d.source} repeats {d.of} ({d.similarity:.0%} alike)"
            for d in self.near_duplicates
        ]


def _progress(total: int, enabled: bool | None) -> object:
    from tqdm.auto import tqdm

    # disable=None lets tqdm show the bar only on a terminal.
    return tqdm(
        total=total,
        unit="chunk",
        desc="embedding",
        disable=None if enabled is None else not enabled,
    )


# Up to this many chunks, an ingest brings the BM25 index in step itself; above it the first
# search after the ingest does. The update reads only the new chunks, but bm25s indexes every
# chunk's (kept) words again: about 1 s per 20,000 chunks, too much for a one-file ingest.
INLINE_LEXICAL_LIMIT = 20_000
_LOOKUP = 1000  # documents looked up in the manifest at a time
# Up to this many stored documents, an ingest looks for near-duplicates among all of them.
EXACT_DUPLICATES_UP_TO = 5000


@dataclass(frozen=True)
class _Todo:
    """A document to (re)write: its chunk spans (the chunks are made batch by batch)."""

    doc: SourceDocument
    doc_hash: str
    spans: tuple[tuple[int, int], ...]
    stored: bool  # the store holds an older or incomplete version


def _batches(todo: Sequence[_Todo], size: int) -> Iterator[tuple[list[Chunk], list[int]]]:
    """The chunks of `todo` in batches of `size`, with each chunk's document's chunk count."""
    chunks: list[Chunk] = []
    totals: list[int] = []
    for t in todo:
        for chunk in make_chunks(t.doc, t.spans, t.doc_hash):
            chunks.append(chunk)
            totals.append(len(t.spans))
            if len(chunks) == size:
                yield chunks, totals
                chunks, totals = [], []
    if chunks:
        yield chunks, totals


def ingest_documents(
    docs: Iterable[SourceDocument],
    store: ChunkStore,
    count_tokens: TokenCounter,
    settings: Settings,
    *,
    skipped: Sequence[Skipped] = (),
    prune: Callable[[str], bool] | None = None,
    progress: bool | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Add new and changed documents to `store`; leave unchanged ones alone.

    `progress` shows a terminal progress bar (None: only on a terminal); `on_progress(done,
    total)` is called with chunk counts before the first and after every embedded batch.

    Only the given documents are looked up in the store's manifest, and chunks are made and
    embedded a batch at a time, so the cost of a small ingest does not grow with the store.
    A stored document whose file is now among `skipped` (it became empty, binary, too large...)
    is removed: its old text is no longer what the file says (a link that failed to fetch is
    kept: the failure may pass). `prune(source)` is asked for every other stored document not
    among `docs`; where it is true its chunks are removed. The text of every document is kept
    in `store.texts`; added and updated documents that are near-duplicates of others are in the
    report's `near_duplicates`.
    """
    started = time.perf_counter()
    added = updated = unchanged = 0
    todo: list[_Todo] = []
    seen: set[str] = set()
    skipped = list(skipped)
    tokens, overlap = settings.chunk_tokens, settings.chunk_overlap_tokens
    unique: list[SourceDocument] = []
    for doc in docs:
        if doc.doc_id not in seen:
            seen.add(doc.doc_id)
            unique.append(doc)
    for i in range(0, len(unique), _LOOKUP):
        group = unique[i : i + _LOOKUP]
        states = store.doc_states([d.doc_id for d in group])
        unrecorded = store.sources.missing([d.doc_id for d in group if d.doc_id in states])
        for doc in group:
            state = states.get(doc.doc_id)
            doc_hash = document_hash(doc, tokens, overlap)
            if state and state.complete and state.doc_hash == doc_hash:
                unchanged += 1
                if not store.texts.has(doc.doc_id):  # a store from before texts were kept
                    store.texts.put(doc.doc_id, doc.text)
                if doc.doc_id in unrecorded:  # or before sources were recorded
                    store.sources.put([SourceRecord.of(doc, doc_hash)])
                continue
            spans = tuple(document_spans(doc, count_tokens, tokens, overlap))
            if not spans:
                skipped.append(Skipped(doc.source, "no text to index"))
                seen.discard(doc.doc_id)
                continue
            if state:
                updated += 1
            else:
                added += 1
            todo.append(_Todo(doc, doc_hash, spans, stored=state is not None))

    total = sum(len(t.spans) for t in todo)
    _write(todo, store, settings, _progress(total, progress), on_progress, total)

    removed = 0
    files = [s.path for s in skipped if not is_url(s.path)]
    gone = {doc_id_for(Path(p)) for p in files} | set(store.manifest.by_source(files))
    candidates = set(store.doc_states(gone)) - seen
    if prune is not None:
        candidates |= {
            d for d, state in store.doc_states().items() if d not in seen and prune(state.source)
        }
    for doc_id in sorted(candidates):
        store.delete_document(doc_id)
        removed += 1
    if (todo or removed) and store.count() <= INLINE_LEXICAL_LIMIT:
        store.refresh_lexical()  # the BM25 index, in the same step (unchanged: left as it was)
    return IngestReport(
        added=added,
        updated=updated,
        unchanged=unchanged,
        removed=removed,
        skipped=tuple(skipped),
        chunks_embedded=total,
        seconds=time.perf_counter() - started,
        doc_ids=tuple(seen),
        near_duplicates=tuple(_near_duplicates(todo, store, settings)),
    )


def _write(
    todo: Sequence[_Todo],
    store: ChunkStore,
    settings: Settings,
    bar: object,
    on_progress: Callable[[int, int], None] | None,
    total: int,
) -> None:
    """Write the documents of `todo`. In this order, so that a crash at any point leaves
    what the next ingest redoes: the manifest entries of stored versions marked incomplete;
    the documents recorded (sources, texts); the chunks a stored version has and the new one
    lacks removed; then the chunks, embedded batch by batch, each document's manifest entry
    complete once all of its chunks are in."""
    restored = [t for t in todo if t.stored]
    store.manifest.mark_incomplete(t.doc.doc_id for t in restored)
    store.sources.put([SourceRecord.of(t.doc, t.doc_hash) for t in todo])
    for t in todo:
        store.texts.put(t.doc.doc_id, t.doc.text)
    for t in restored:
        new_ids = {c.chunk_id for c in make_chunks(t.doc, t.spans, t.doc_hash)}
        store.delete([i for i in store.document_chunk_ids(t.doc.doc_id) if i not in new_ids])
    ingested_at = datetime.now(UTC).isoformat(timespec="seconds")
    done = 0
    if on_progress is not None:
        on_progress(0, total)
    try:
        for chunks, totals in _batches(todo, settings.embed_batch_size * 4):
            store.add(chunks, totals, ingested_at)
            done += len(chunks)
            bar.update(len(chunks))  # type: ignore[attr-defined]
            if on_progress is not None:
                on_progress(done, total)
    finally:
        bar.close()  # type: ignore[attr-defined]


def _near_duplicates(
    todo: Sequence[_Todo], store: ChunkStore, settings: Settings
) -> list[NearDuplicate]:
    """The written documents that repeat a stored one (or an earlier one of this run).

    In a store of up to `EXACT_DUPLICATES_UP_TO` documents (or twice those written) every
    stored document is compared; in a larger one, only the documents of the chunks nearest to a
    few chunks of each written document, so a small ingest does not read every stored text.
    """
    if not todo:
        return []
    ids = {t.doc.doc_id for t in todo}
    if store.manifest.count() <= max(EXACT_DUPLICATES_UP_TO, 2 * len(todo)):
        every = store.doc_states()
        candidates = sorted(every.keys() - ids)
    else:
        probes: list[str] = []
        for t in todo:
            chunks = make_chunks(t.doc, t.spans, t.doc_hash)
            picks = {0, len(chunks) // 2, len(chunks) - 1}
            probes.extend(chunks[i].chunk_id for i in sorted(picks))
        candidates = sorted(store.similar_documents(probes) - ids)
        every = store.doc_states(candidates)
    sources = every
    stored = (
        (sources[d].source, text)
        for d in candidates
        if d in sources and (text := store.texts.get(d)) is not None
    )
    return near_duplicate_documents(
        [(t.doc.source, t.doc.text) for t in todo], stored, settings.fold_similarity
    )


def gone_under(roots: Sequence[Path]) -> Callable[[str], bool]:
    """A prune rule: the source file lies under one of `roots` and no longer exists.

    A source `FILE.jsonl#DOC_ID` (a document of a JSONL corpus) is gone with its file.
    """
    resolved = [r.resolve() for r in roots]

    def gone(source: str) -> bool:
        path = Path(source)
        corpus = source.rsplit("#", 1)[0]
        if not path.exists() and corpus.endswith(".jsonl"):
            path = Path(corpus)
        inside = any(path == r or r in path.parents for r in resolved)
        return inside and not path.exists()

    return gone


def ingest_paths(
    paths: Sequence[Path | str],
    store: ChunkStore,
    count_tokens: TokenCounter,
    settings: Settings,
    *,
    prune: bool = False,
    progress: bool | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Load files and folders (recursively) and ingest them; see `ingest_documents`."""
    docs, skipped = load_paths(paths, max_bytes=settings.max_file_bytes)
    return ingest_documents(
        docs,
        store,
        count_tokens,
        settings,
        skipped=skipped,
        prune=gone_under([Path(p) for p in paths]) if prune else None,
        progress=progress,
        on_progress=on_progress,
    )
