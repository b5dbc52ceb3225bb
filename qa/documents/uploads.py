"""Documents managed from the browser and the API: uploads ingested, documents re-ingested
and deleted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import httpx

from core.errors import DocumentNotFoundError, IngestError
from core.settings import Settings
from ingest.chunking import TokenCounter
from ingest.fetch import is_url, using
from ingest.loaders import Skipped, load_paths
from ingest.uploads import safe_filename, save_upload
from ingest.web import load_urls
from qa.documents.pipeline import IngestReport, ingest_documents, ingest_paths
from qa.store.chunks import ChunkStore

__all__ = ["add_uploads", "reingest_documents", "remove_document"]


def add_uploads(
    files: Sequence[tuple[str, bytes | BinaryIO]],
    store: ChunkStore,
    count_tokens: TokenCounter,
    settings: Settings,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Save `(name, data)` uploads (bytes, or seekable binary files) into `settings.uploads`
    and ingest them.

    An upload that cannot be used is listed in the report's `skipped` with its reason; the
    others are still added.
    """
    saved: list[Path] = []
    rejected: list[Skipped] = []
    limit = settings.max_file_bytes
    names: dict[str, str] = {}  # safe name -> the upload that took it
    for name, data in files:
        try:
            safe = safe_filename(name)
            if safe in names:
                raise IngestError(f"same file name as {names[safe]!r} ({safe}); rename one")
            names[safe] = name
            saved.append(save_upload(name, data, settings.uploads, max_bytes=limit))
        except IngestError as exc:
            rejected.append(Skipped(name, str(exc)))
    if not saved:
        return IngestReport(skipped=tuple(rejected))
    report = ingest_paths(
        saved, store, count_tokens, settings, progress=False, on_progress=on_progress
    )
    return replace(report, skipped=(*rejected, *report.skipped))


def _is_upload(source: str, settings: Settings) -> bool:
    path = Path(source)
    return path.parent == settings.uploads.resolve()


def remove_document(store: ChunkStore, doc_id: str, settings: Settings) -> int:
    """Remove a document's chunks, and its file if it was uploaded; returns chunks removed.

    Files ingested from elsewhere (e.g. `qa ingest seeds/`) are left on disk: the store holds
    no more of them, and `qa ingest` of their folder would bring them back.
    """
    state = store.doc_states([doc_id]).get(doc_id)
    if state is None:
        raise DocumentNotFoundError(f"no document {doc_id!r} in collection {store.name!r}")
    removed = store.delete_document(doc_id)
    if state.source and _is_upload(state.source, settings):
        try:
            Path(state.source).unlink(missing_ok=True)
        except OSError as exc:
            raise IngestError(
                f"removed the chunks of {state.source}, but not the file: {exc.strerror}"
            ) from None
    return removed


def reingest_documents(
    store: ChunkStore,
    count_tokens: TokenCounter,
    settings: Settings,
    doc_ids: Sequence[str],
    *,
    on_progress: Callable[[int, int], None] | None = None,
    client: httpx.Client | None = None,
) -> IngestReport:
    """Load the files of these documents again, fetch their links again (with `client`, else
    one made from `settings`), and ingest what changed.

    A document whose file is gone, or that came from a JSONL corpus, is listed in `skipped`
    with what to do instead; a file that became unusable is removed, as with `qa ingest`.
    """
    states = store.doc_states(doc_ids)
    paths: list[Path] = []
    urls: list[str] = []
    skipped: list[Skipped] = []
    for doc_id in doc_ids:
        state = states.get(doc_id)
        if state is None:
            skipped.append(Skipped(doc_id, "no such document in the store"))
        elif is_url(state.source):
            urls.append(state.source)
        elif "#" in state.source and state.source.rsplit("#", 1)[0].endswith(".jsonl"):
            corpus = state.source.rsplit("#", 1)[0]
            skipped.append(
                Skipped(
                    state.source,
                    f"part of the JSONL corpus {corpus}: ingest that corpus again instead",
                )
            )
        elif not Path(state.source).is_file():
            skipped.append(Skipped(state.source, "the file no longer exists: delete the document"))
        else:
            paths.append(Path(state.source))
    if urls:
        # A feed entry's page may have no date of its own: keep the one the feed gave it.
        dates = {d.source: d.published for d in store.documents() if d.published}
        with using(client, settings) as http:
            docs, skipped_links = load_urls(urls, http, settings, dates=dates)
        skipped.extend(skipped_links)
    else:
        docs = []
    if not paths and not docs:
        return IngestReport(skipped=tuple(skipped))
    files, skipped_files = load_paths(paths, max_bytes=settings.max_file_bytes)
    report = ingest_documents(
        [*files, *docs],
        store,
        count_tokens,
        settings,
        skipped=skipped_files,
        progress=False,
        on_progress=on_progress,
    )
    return replace(report, skipped=(*skipped, *report.skipped))
