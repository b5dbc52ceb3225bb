"""The text of every ingested document, kept beside the store.

Chunk and quote offsets refer to a document's text as loaded: a file's text, the main text
extracted from a fetched page, the pages of a PDF. A page may change or vanish, and extraction
may change with a library's version, so the very text is kept (one UTF-8 file per document, in
`Settings.texts_dir`) and every quote can be checked against the text it came from.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from core.types import Citation

__all__ = ["DocumentTexts"]

_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class DocumentTexts:
    """Document texts by document id, in `folder` (None: kept nowhere, `get` finds nothing)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder

    def _path(self, doc_id: str) -> Path | None:
        if self.folder is None or not _ID.match(doc_id) or doc_id.startswith("."):
            return None
        return self.folder / f"{doc_id}.txt"

    def put(self, doc_id: str, text: str) -> None:
        """Keep `text` as the text of `doc_id` (written whole or not at all)."""
        path = self._path(doc_id)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def get(self, doc_id: str) -> str | None:
        """The kept text of `doc_id`, or None."""
        path = self._path(doc_id)
        try:
            return path.read_text(encoding="utf-8") if path else None
        except (OSError, UnicodeDecodeError):
            return None

    def has(self, doc_id: str) -> bool:
        """Whether a text of `doc_id` is kept."""
        path = self._path(doc_id)
        return path is not None and path.is_file()

    def remove(self, doc_id: str) -> None:
        """Forget the text of `doc_id` (nothing happens if none is kept)."""
        path = self._path(doc_id)
        if path is not None:
            path.unlink(missing_ok=True)

    def doc_ids(self) -> Iterator[str]:
        """The ids of the documents whose text is kept."""
        if self.folder is not None and self.folder.is_dir():
            yield from (p.stem for p in self.folder.glob("*.txt") if not p.name.startswith("."))

    def verify(self, citation: Citation) -> bool:
        """Whether the citation's quote is its document's kept text at its offsets."""
        text = self.get(citation.doc_id)
        return text is not None and text[citation.start : citation.end] == citation.quote
