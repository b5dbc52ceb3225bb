"""Uploaded files saved safely: a plain file name, the size checked first, the file loaded
before it is kept."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

from core.errors import IngestError
from ingest.loaders import SUPPORTED_SUFFIXES, SkipFile, human_size, load_file

__all__ = ["UPLOAD_TYPES", "safe_filename", "save_upload"]

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
