"""Documents managed from the browser: save uploads safely, ingest, re-ingest and delete."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import httpx

from ingest.chunking import TokenCounter
from ingest.fetch import is_url, using
from ingest.loaders import SUPPORTED_SUFFIXES, SkipFile, Skipped, human_size, load_file, load_paths
from ingest.pipeline import IngestReport, ingest_documents, ingest_paths
from ingest.web import load_urls
from qa.core.errors import DocumentNotFoundError, IngestError
from qa.core.settings import Settings
from qa.store.chunks import ChunkStore

__all__ = [
    "UPLOAD_TYPES",
    "add_uploads",
    "reingest_documents",
    "remove_document",
    "safe_filename",
    "save_upload",
]

UPLOAD_TYPES = tuple(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
_MAX_STEM_BYTES = 200  # file systems allow 255 bytes per name; leave room for the suffix
_UNSAFE = re.compile(r"[^\w.\- ]+")  # \w is Unicode-aware: letters of any script stay


def safe_filename(name: str) -> str:
    """A plain file name for an uploaded `name`: no folders, no hidden or odd characters.

    Folder parts (`../`, `C:\\`) are dropped, characters other than letters, digits, `.`, `_`,
    `-` and space become `_`, leading dots and dashes go, and the stem is cut to 200 bytes of
    UTF-8. Raises `IngestError` unless the name ends in a supported suffix.
    """
    base = unicodedata.normalize("NFC", str(name)).replace("\0", "")
    base = re.split(r"[\\/]", base)[-1].strip()
    stem, dot, suffix = base.rpartition(".")
    suffix = "." + suffix.lower()
    if not dot or suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            f"{name!r} is not a supported file: upload {', '.join(SUPPORTED_SUFFIXES)} files"
        )
    stem = _UNSAFE.sub("_", stem)
    stem = re.sub(r"[ _]{2,}", "_", stem).strip(" ._-")
    stem = stem.encode()[:_MAX_STEM_BYTES].decode(errors="ignore").rstrip(" .")
    return (stem or "upload") + suffix


def _size(data: bytes | BinaryIO) -> int:
    if isinstance(data, bytes):
        return len(data)
    size = data.seek(0, os.SEEK_END)
    data.seek(0)
    return size


def save_upload(name: str, data: bytes | BinaryIO, folder: Path, *, max_bytes: int) -> Path:
    """Check an uploaded file (its bytes, or a seekable binary file) and save it as
    `folder/safe_filename(name)`; returns its path.

    The size is checked before anything is read, and the file is loaded before it is kept, so
    an empty, binary, oversized or unparseable upload raises `IngestError` (naming the file and
    the reason) and leaves nothing behind. A file of the same name is replaced, so uploading a
    newer version updates that document.
    """
    filename = safe_filename(name)
    size = _size(data)
    if size > max_bytes:
        raise IngestError(
            f"{name!r} is too large ({human_size(size)} > limit {human_size(max_bytes)}; "
            "set QA_MAX_FILE_MB)"
        )
    try:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        folder = folder.resolve()
        target = folder / filename
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise IngestError(f"{name!r}: {target} is not a plain file; remove it first")
        fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=target.suffix, dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                if isinstance(data, bytes):
                    f.write(data)
                else:
                    shutil.copyfileobj(data, f)  # a piece at a time, never all in memory
            try:
                load_file(Path(tmp), max_bytes=max_bytes)
            except SkipFile as exc:
                raise IngestError(f"{name!r} was not added: {exc.reason}") from None
            os.replace(tmp, target)  # replaces a symlink itself, never what it points at
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise IngestError(
            f"cannot save {name!r} in {folder}: {exc.strerror or exc} (check the disk, or set "
            "QA_UPLOAD_DIR)"
        ) from None
    return target


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
