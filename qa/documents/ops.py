"""The document operations of `QA`: ingest files, folders, links and feeds, add uploads,
re-ingest, delete and list, each change under the collection's one write lock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from core.errors import ConfigError
from core.settings import Settings
from core.types import DocumentInfo, SourceDocument
from qa.documents.lock import StoreLock

if TYPE_CHECKING:
    import httpx

    from ingest.loaders import Skipped
    from qa.documents.pipeline import IngestReport
    from qa.store.chunks import ChunkStore
    from qa.store.embeddings import EmbeddingModel

__all__ = ["DocumentOps", "SourceBatch"]

Progress = Callable[[int, int], None]
"""Called with (chunks embedded, chunks to embed) before the first and after every batch."""


@dataclass(frozen=True)
class SourceBatch:
    """Files read and links named, before any store is touched (`QA.read_sources`)."""

    documents: tuple[SourceDocument, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    links: tuple[str, ...] = ()
    paths: tuple[Path, ...] = ()


class DocumentOps:
    """What `QA` does to its collection's documents. Every change holds `lock` (one writer at a
    time across threads and processes: the CLI, the API and the UI alike); `wait` is how long a
    change waits for another (None: as long as it takes), then `StoreBusyError`."""

    store: ChunkStore
    embeddings: EmbeddingModel
    settings: Settings

    @cached_property
    def lock(self) -> StoreLock:
        """The collection's write lock (`Settings.lock_file`)."""
        return StoreLock.of(self.settings)

    @staticmethod
    def read_sources(sources: Sequence[str | Path], settings: Settings) -> SourceBatch:
        """Read the files and folders (recursively) of `sources` and keep its links for later,
        touching no store: `IngestError` for a path that does not exist or a malformed JSONL
        corpus, so a bad argument leaves the store as it was."""
        from ingest.loaders import load_paths
        from ingest.web import split_inputs

        links, given = split_inputs([str(s) for s in sources])
        paths = tuple(Path(p) for p in given)
        docs, skipped = load_paths(paths, max_bytes=settings.max_file_bytes) if paths else ([], [])
        return SourceBatch(tuple(docs), tuple(skipped), tuple(links), paths)

    @staticmethod
    def read_links_file(path: Path | str) -> list[str]:
        """The links of a text file, one a line (blank lines and `#` comments ignored);
        `IngestError` for an unreadable file or a line that is not a link."""
        from ingest.web import read_links_file

        return read_links_file(path)

    def ingest(
        self,
        sources: Sequence[str | Path] | SourceBatch = (),
        *,
        feeds: Sequence[str] = (),
        prune: bool = False,
        reset: bool = False,
        progress: bool | None = None,
        on_progress: Progress | None = None,
        client: httpx.Client | None = None,
        wait: float | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> IngestReport:
        """Ingest files, folders (recursively), JSONL corpora and links, and the new or changed
        entries of `feeds`; documents already in the store unchanged are left alone.

        `prune` removes stored documents whose files under the given folders are gone; `reset`
        removes every stored document this run did not bring (a failed run removes nothing).
        `progress` shows a terminal bar (None: only on a terminal).
        """
        from ingest.fetch import using
        from ingest.links import fetch_links
        from qa.documents.pipeline import gone_under, ingest_documents

        batch = (
            sources
            if isinstance(sources, SourceBatch)
            else self.read_sources(sources, self.settings)
        )
        if not (batch.documents or batch.skipped or batch.links or batch.paths or feeds):
            raise ConfigError("nothing to ingest: give files, folders, links or feeds")
        docs, skipped = [*batch.documents], [*batch.skipped]
        unchanged: list[str] = []
        if batch.links or feeds:
            with using(client, self.settings) as http:
                pages, failed, unchanged = fetch_links(
                    batch.links, feeds, http, self.settings, self.store.has_document
                )
            docs, skipped = [*docs, *pages], [*skipped, *failed]
        kept = set(unchanged)  # feed entries left alone as unchanged are no reason to prune
        rule = (
            (lambda source: source not in kept)
            if reset
            else gone_under(list(batch.paths))
            if prune
            else None
        )
        with self.lock.held(wait, on_wait=on_wait):
            report = ingest_documents(
                docs,
                self.store,
                self.embeddings.count_tokens,
                self.settings,
                skipped=skipped,
                prune=rule,
                progress=progress,
                on_progress=on_progress,
            )
        return replace(report, unchanged=report.unchanged + len(unchanged))

    def add_uploads(
        self,
        files: Sequence[tuple[str, bytes | BinaryIO]],
        *,
        on_progress: Progress | None = None,
        wait: float | None = None,
    ) -> IngestReport:
        """Save `(name, data)` uploads into `Settings.uploads` and ingest them; an upload that
        cannot be used is in the report's `skipped` with its reason, the others are added."""
        from qa.documents.uploads import add_uploads

        with self.lock.held(wait):
            return add_uploads(
                files,
                self.store,
                self.embeddings.count_tokens,
                self.settings,
                on_progress=on_progress,
            )

    def add_links(
        self,
        urls: Sequence[str],
        *,
        feeds: Sequence[str] = (),
        client: httpx.Client | None = None,
        on_progress: Progress | None = None,
        wait: float | None = None,
    ) -> IngestReport:
        """Fetch pages and PDFs by their links and the new or changed entries of `feeds` (only
        links: never a local path), and ingest them; links left out are in `skipped`."""
        if not (urls or feeds):
            from qa.documents.pipeline import IngestReport

            return IngestReport()
        links = SourceBatch(links=tuple(urls))  # as links, never read as local paths
        return self.ingest(
            links, feeds=feeds, progress=False, on_progress=on_progress, client=client, wait=wait
        )

    def reingest(
        self,
        doc_ids: Sequence[str] | None = None,
        *,
        client: httpx.Client | None = None,
        on_progress: Progress | None = None,
        wait: float | None = None,
    ) -> IngestReport:
        """Read the files of these documents (default: all) again, fetch their links again, and
        ingest what changed."""
        from qa.documents.uploads import reingest_documents

        with self.lock.held(wait):
            ids = list(doc_ids) if doc_ids is not None else list(self.store.doc_states())
            return reingest_documents(
                self.store,
                self.embeddings.count_tokens,
                self.settings,
                ids,
                on_progress=on_progress,
                client=client,
            )

    def delete(self, doc_id: str, *, wait: float | None = None) -> int:
        """Remove a document's chunks, and its file if it was uploaded; returns the chunks
        removed, or `DocumentNotFoundError`."""
        from qa.documents.uploads import remove_document

        with self.lock.held(wait):
            return remove_document(self.store, doc_id, self.settings)

    def documents(self) -> list[DocumentInfo]:
        """What is ingested, one entry per document."""
        return self.store.documents()
