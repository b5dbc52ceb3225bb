"""The record of every ingested document, kept beside the store and readable without Chroma.

When Chroma's own files are damaged, everything inside them is unreadable, the manifest too. So
each document's source, title, dates, pages and content hash are also kept here, in a small
SQLite file (`Settings.sources_dir`); with the documents' texts (`qa.store.texts`) that is
enough for `qa rebuild` to re-create the collection. A document is recorded before its chunks
are written and forgotten before they are removed, so the record never lacks a stored
document.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

from core.types import Provenance, SourceDocument

__all__ = ["SourceLog", "SourceRecord"]

_FILE = "sources.sqlite3"
_SCHEMA = "CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, record TEXT NOT NULL)"


@dataclass(frozen=True, kw_only=True)
class SourceRecord(Provenance):
    """A document as loaded, without its text: what re-creates it with its kept text."""

    doc_hash: str
    dateline: str | None = None
    page_starts: tuple[int, ...] | None = ()  # None: not known (recorded from chunks)

    @classmethod
    def of(cls, doc: SourceDocument, doc_hash: str) -> SourceRecord:
        """The record of a loaded document."""
        return cls(
            **Provenance.fields_of(doc),
            doc_hash=doc_hash,
            dateline=doc.dateline,
            page_starts=doc.page_starts,
        )

    def document(self, text: str) -> SourceDocument:
        """The document again, with its `text`."""
        return SourceDocument(
            **Provenance.fields_of(self),
            text=text,
            dateline=self.dateline,
            page_starts=self.page_starts or (),
        )


class SourceLog:
    """Source records by document id, in `folder` (None: kept nowhere)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder

    @property
    def path(self) -> Path | None:
        """The SQLite file."""
        return self.folder / _FILE if self.folder else None

    def exists(self) -> bool:
        """Whether anything was ever recorded here."""
        return self.path is not None and self.path.is_file()

    def _connect(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(_SCHEMA)
        return db

    def put(self, records: Sequence[SourceRecord]) -> None:
        """Record (or replace) documents, all at once or not at all."""
        if not records or self.path is None:
            return
        rows = [(r.doc_id, json.dumps(asdict(r), ensure_ascii=False)) for r in records]
        db = self._connect()
        assert db is not None
        with closing(db), db:
            db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?)", rows)

    def remove(self, doc_ids: Sequence[str]) -> None:
        """Forget documents."""
        if not doc_ids or self.path is None or not self.path.is_file():
            return
        db = self._connect()
        assert db is not None
        with closing(db), db:
            db.executemany("DELETE FROM docs WHERE doc_id = ?", [(d,) for d in doc_ids])

    def missing(self, doc_ids: Sequence[str]) -> set[str]:
        """Those of `doc_ids` that have no record (all of them when nothing is kept)."""
        if self.path is None or not self.path.is_file():
            return set(doc_ids) if self.path is not None else set()
        db = self._connect()
        assert db is not None
        have: set[str] = set()
        with closing(db):
            for i in range(0, len(doc_ids), 500):
                part = list(doc_ids[i : i + 500])
                marks = ",".join("?" * len(part))
                have.update(
                    row[0]
                    for row in db.execute(
                        f"SELECT doc_id FROM docs WHERE doc_id IN ({marks})", part
                    )
                )
        return set(doc_ids) - have

    def records(self) -> Iterator[SourceRecord]:
        """Every record."""
        if self.path is None or not self.path.is_file():
            return
        db = self._connect()
        assert db is not None
        with closing(db):
            for (text,) in db.execute("SELECT record FROM docs ORDER BY doc_id"):
                raw = json.loads(text)
                pages = raw.get("page_starts")
                raw["page_starts"] = tuple(pages) if pages is not None else None
                yield SourceRecord(**raw)
