"""`qa rebuild`: re-create a damaged store from what is recorded beside it, and switch to the
new one only when it is complete.

Every ingested document is recorded without Chroma (`qa.store.sources`: source, title, dates,
pages, content hash) and its text is kept (`qa.store.texts`). A rebuild reads those, never the
damaged files: each document is re-created from its kept text when that gives the recorded
content hash, else loaded again from its file (an upload is a file too), then chunked and
embedded into a new store. For a local store the new one is built in `<persist_dir>.rebuild`
(every collection that has records), then the damaged folder is moved aside
(`<persist_dir>.damaged`) and the new one put in its place; a crash between the two moves is
finished by the next open. For a Chroma server the collection is rebuilt as `<name>-rebuild`
on the server, then put in place of the old one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import StoreNotFoundError
from core.settings import Settings
from core.types import SourceDocument
from ingest.chunking import TokenCounter, document_hash
from ingest.fetch import is_url
from ingest.loaders import Skipped, load_paths
from qa.documents.pipeline import ingest_documents
from qa.store.chunks import ChunkStore
from qa.store.client import open_client
from qa.store.health import discard_rebuild, finish_rebuild, rebuild_paths
from qa.store.manifest import manifest_name
from qa.store.sources import SourceLog, SourceRecord
from qa.store.texts import DocumentTexts

__all__ = ["RebuildReport", "rebuild_store", "recorded_collections", "recover_documents"]


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild re-created, what it could not, and where the old store went."""

    collections: tuple[str, ...]
    documents: int
    chunks: int
    lost: tuple[Skipped, ...] = ()
    moved_to: Path | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people."""
        names = ", ".join(repr(c) for c in self.collections) or "none"
        lost = f", {len(self.lost)} could not be re-created" if self.lost else ""
        aside = f"; the old store was moved to {self.moved_to}" if self.moved_to else ""
        return (
            f"rebuilt {self.documents} documents ({self.chunks} chunks) of collection "
            f"{names}{lost} in {self.seconds:.1f} s{aside}"
        )


def recorded_collections(settings: Settings) -> list[str]:
    """The configured collection and every other one with source records beside the store."""
    base = settings.sources_dir.parent
    found = {p.parent.name for p in base.glob("*/sources.sqlite3")} if base.is_dir() else set()
    return sorted(found | {settings.collection})


def recover_documents(
    records: Sequence[SourceRecord], texts: DocumentTexts, settings: Settings
) -> tuple[list[SourceDocument], list[Skipped]]:
    """The recorded documents, each from its kept text when that gives the recorded content
    hash, else loaded again from its file; those that can't be re-created, with why."""
    docs: list[SourceDocument] = []
    lost: list[Skipped] = []
    tokens, overlap = settings.chunk_tokens, settings.chunk_overlap_tokens
    for record in records:
        text = texts.get(record.doc_id)
        if text is not None and record.page_starts is not None:
            doc = record.document(text)
            if document_hash(doc, tokens, overlap) == record.doc_hash:
                docs.append(doc)
                continue
        reloaded = _reload(record, settings)
        if isinstance(reloaded, SourceDocument):
            docs.append(reloaded)
        elif text is not None:
            docs.append(record.document(text))  # the kept text, without its pages
        else:
            lost.append(Skipped(record.source, reloaded))
    return docs, lost


def _reload(record: SourceRecord, settings: Settings) -> SourceDocument | str:
    """The document loaded again from its file, or why it can't be."""
    if is_url(record.source):
        return f"its text was not kept: ingest the link again with `qa ingest {record.source}`"
    path = Path(record.source.rsplit("#", 1)[0] if "#" in record.source else record.source)
    if not path.is_file():
        return "its text was not kept and its file is gone"
    loaded, skipped = load_paths([path], max_bytes=settings.max_file_bytes)
    match = [d for d in loaded if d.doc_id == record.doc_id]
    if match:
        return match[0]
    return skipped[0].reason if skipped else "its file no longer holds it"


def _rebuild_into(
    client_settings: Settings,
    settings: Settings,
    embeddings: object,
    count_tokens: TokenCounter,
    progress: bool | None,
    on_progress: Callable[[int, int], None] | None,
) -> tuple[int, int, list[Skipped]]:
    """Re-create collection `client_settings.collection` from the records of
    `settings.collection`; returns documents, chunks and the documents lost."""
    records = list(SourceLog(settings.sources_dir).records())
    docs, lost = recover_documents(records, DocumentTexts(settings.texts_dir), settings)
    client = open_client(client_settings, create=True)
    store = ChunkStore.open(
        client,
        client_settings.collection,
        embeddings,  # type: ignore[arg-type]
        create=True,
        texts_dir=settings.texts_dir,
        sources_dir=settings.sources_dir,
    )
    report = ingest_documents(
        docs, store, count_tokens, settings, progress=progress, on_progress=on_progress
    )
    lost.extend(report.skipped)
    return report.added + report.unchanged + report.updated, store.count(), lost


def rebuild_store(
    settings: Settings,
    embeddings: object,
    count_tokens: TokenCounter,
    *,
    progress: bool | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Re-create the configured store from its records and switch to it when complete: for a
    local store every recorded collection, for a Chroma server the configured collection.

    `embeddings` is the model the chunks are embedded with (a LangChain `Embeddings`).
    """
    started = time.perf_counter()
    names = recorded_collections(settings)
    if not any(SourceLog(settings.with_(collection=n).sources_dir).exists() for n in names):
        raise StoreNotFoundError(
            f"nothing is recorded for the store at {settings.persist_dir} (no "
            f"{settings.sources_dir}): ingest the documents again with `qa ingest PATH`"
        )
    if settings.chroma_url:
        return _rebuild_on_server(
            settings, embeddings, count_tokens, progress, on_progress, started
        )
    path = settings.persist_dir
    new, done = rebuild_paths(path)
    discard_rebuild(path)  # a rebuild that did not finish: start again
    documents = chunks = 0
    lost: list[Skipped] = []
    for name in names:
        own = settings.with_(collection=name)
        d, c, gone = _rebuild_into(
            own.with_(persist_dir=new), own, embeddings, count_tokens, progress, on_progress
        )
        documents, chunks, lost = documents + d, chunks + c, [*lost, *gone]
    done.write_text("complete\n", encoding="utf-8")
    moved = finish_rebuild(path)
    return RebuildReport(
        tuple(names), documents, chunks, tuple(lost), moved, time.perf_counter() - started
    )


def _rebuild_on_server(
    settings: Settings,
    embeddings: object,
    count_tokens: TokenCounter,
    progress: bool | None,
    on_progress: Callable[[int, int], None] | None,
    started: float,
) -> RebuildReport:
    """Rebuild the configured collection on a Chroma server as `<name>-rebuild`, then put it
    in place of the old one (and its manifest)."""
    name = settings.collection
    temp = f"{name}-rebuild"
    client = open_client(settings, create=True)
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    for stale in (temp, manifest_name(temp)):
        if stale in existing:
            client.delete_collection(stale)
    documents, chunks, lost = _rebuild_into(
        settings.with_(collection=temp), settings, embeddings, count_tokens, progress, on_progress
    )
    for old in (name, manifest_name(name)):
        if old in existing:
            client.delete_collection(old)
    client.get_collection(temp, embedding_function=None).modify(name=name)
    client.get_collection(manifest_name(temp), embedding_function=None).modify(
        name=manifest_name(name)
    )
    return RebuildReport(
        (name,), documents, chunks, tuple(lost), None, time.perf_counter() - started
    )
