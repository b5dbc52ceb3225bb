"""A BM25 index of a collection's chunks, kept beside the Chroma store and in step with it.

Chroma's own sparse index is not available in local mode, so the lexical side of hybrid
retrieval lives here: `bm25s` over the chunks' Snowball-stemmed content words
(`qa.core.text.content_words`). The index is derived from Chroma's documents and tagged with the
collection's *version*, a value every write to the collection changes (see
`ChunkStore.version`); a process whose index has another version, or holds another number of
chunks than the collection, rebuilds it from Chroma. So a change made by one process (an upload
in the UI, an ingest from the CLI, another client of the same `chroma run` server) reaches every
other process's index on its next query, without a restart. With a folder, the index is saved
there and loaded by the next process that finds the same version.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.core.text import content_words

__all__ = ["LexicalIndex"]

_CHUNKS = "chunks.json"  # {"ids": [...], "days": [...]}: chunk ids and publication days


@dataclass(frozen=True)
class _Built:
    version: str
    ids: tuple[str, ...]
    bm25: Any  # bm25s.BM25, or None for an empty collection
    days: tuple[int, ...] = ()  # each chunk's publication date as YYYYMMDD (0: none)


def _index(ids: list[str], texts: list[str]) -> Any:
    import bm25s

    if not ids:
        return None
    bm25 = bm25s.BM25()
    bm25.index([content_words(t) or [""] for t in texts], show_progress=False)
    return bm25


class LexicalIndex:
    """BM25 over the chunks of one collection; `folder` (optional) keeps it between processes.

    `sync(version, count, read_all)` makes the index match the collection: it keeps the index
    in memory when `version` and `count` agree, else loads the saved one of that version, else
    rebuilds it from `read_all()` (chunk id, text and publication day of every chunk) and
    saves it. The days let a search keep to a window of dates, as the Chroma query does.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._built: _Built | None = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str | None:
        """The collection version the index in memory was built for."""
        return self._built.version if self._built else None

    @property
    def chunk_ids(self) -> tuple[str, ...]:
        """The ids of the chunks indexed, in index order."""
        return self._built.ids if self._built else ()

    def sync(
        self, version: str, count: int, read_all: Callable[[], Iterable[tuple[str, str, int]]]
    ) -> None:
        """Bring the index in step with a collection of `count` chunks at `version`."""
        with self._lock:
            built = self._built
            if built and built.version == version and len(built.ids) == count:
                return
            loaded = self._load(version)
            if loaded and len(loaded.ids) == count:
                self._built = loaded
                return
            rows = list(read_all())
            ids = [i for i, _, _ in rows]
            self._built = _Built(
                version,
                tuple(ids),
                _index(ids, [t for _, t, _ in rows]),
                tuple(d for *_, d in rows),
            )
            self._save(self._built)

    def search(
        self, query: str, k: int, *, since: int | None = None, until: int | None = None
    ) -> list[tuple[str, float]]:
        """The `k` best chunks for `query` as `(chunk id, BM25 score)`, best first; chunks that
        share no term with the query are left out, and with `since`/`until` (days as YYYYMMDD,
        inclusive) so are chunks published outside them or without a date."""
        import numpy as np

        built = self._built
        terms = content_words(query)
        if built is None or built.bm25 is None or not terms:
            return []
        scores = built.bm25.get_scores(terms)
        if since is not None or until is not None:
            days = np.asarray(built.days, dtype=np.int64)
            inside = (days > 0) & (days >= (since or 0)) & (days <= (until or 99991231))
            scores = np.where(inside, scores, 0.0)
        k = min(k, len(built.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(built.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def _dir(self, version: str) -> Path | None:
        return self.folder / f"v-{version}" if self.folder else None

    def _load(self, version: str) -> _Built | None:
        import bm25s

        path = self._dir(version)
        if path is None or not (path / _CHUNKS).is_file():
            return None
        try:
            saved = json.loads((path / _CHUNKS).read_text(encoding="utf-8"))
            ids, days = tuple(saved["ids"]), tuple(int(d) for d in saved["days"])
            bm25 = bm25s.BM25.load(str(path), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # damaged or half-removed: rebuild
        return _Built(version, ids, bm25, days) if len(days) == len(ids) else None

    def _save(self, built: _Built) -> None:
        target = self._dir(built.version)
        if target is None or self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.folder))
            if built.bm25 is not None:
                built.bm25.save(str(tmp), show_progress=False)
            chunks = {"ids": list(built.ids), "days": list(built.days)}
            (tmp / _CHUNKS).write_text(json.dumps(chunks), encoding="utf-8")
            try:
                os.replace(tmp, target)  # atomic: readers see all of it or none
            except OSError:  # another process saved the same version first
                shutil.rmtree(tmp, ignore_errors=True)
            for old in self.folder.glob("v-*"):
                if old != target:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # a cache: a read-only or full disk only costs a rebuild next time
