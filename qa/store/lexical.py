"""A BM25 index of a collection's chunks, kept beside the Chroma store and in step with it.

Chroma's own sparse index is not available in local mode, so the lexical side of hybrid
retrieval lives here: `bm25s` over the chunks' Snowball-stemmed content words
(`core.text.content_words`). The index is derived from Chroma's documents and tagged with the
collection's *version*, a value every write to the collection changes (see
`ChunkStore.version`); a process whose index has another version, or holds another number of
chunks than the collection, brings it in step from Chroma. So a change made by one process (an
upload in the UI, an ingest from the CLI, another client of the same `chroma run` server)
reaches every other process's index on its next query, without a restart. With a folder, the
index is saved there and loaded by the next process that finds the same version.

The update is incremental: each chunk's stemmed words (and its document hash and day) are kept
with the index, so a new version reads only the collection's chunk ids and the chunks it does
not know, then indexes the kept words again (`bm25s.BM25.index`, which builds a whole index,
costs far less than reading and stemming every text).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from core.text import content_words

__all__ = ["ChunkSource", "LexicalIndex", "Row"]

_CHUNKS = "chunks.json"  # {"ids": [...], "days": [...], "hashes": [...]}, in index order
_TERMS = "terms.json"  # the words of `_TOKENS`, by number
_TOKENS = "tokens.npy"  # every chunk's words as numbers into `_TERMS`, one after another
_OFFSETS = "offsets.npy"  # where each chunk's words start in `_TOKENS` (and the end)

Row = tuple[str, str, int, str]  # chunk id, text, publication day (YYYYMMDD, 0: none), doc hash


class ChunkSource(Protocol):
    """What the index reads of a collection (`qa.store.lexical_sync.CollectionRows` is one)."""

    def chunk_ids(self) -> list[str]:
        """Every chunk id, in the collection's order."""
        ...

    def chunk_rows(self, ids: Sequence[str] | None = None) -> Iterable[Row]:
        """The rows of the chunks `ids` (None: of every chunk, in the collection's order)."""
        ...

    def chunk_rows_not_of(self, doc_hashes: AbstractSet[str]) -> Iterable[Row]:
        """The rows of the chunks whose document hash is none of `doc_hashes`."""
        ...


@dataclass(frozen=True)
class _Words:
    """Each chunk's content words, as numbers into `terms`: chunk i's are
    `tokens[offsets[i]:offsets[i + 1]]`."""

    terms: list[str]
    tokens: Any  # numpy int32 array
    offsets: Any  # numpy int64 array, one longer than the chunks

    @classmethod
    def of(cls, lists: Sequence[Sequence[str]]) -> _Words:
        """The words of chunks given as lists of words."""
        return cls([], *_empty()).then([None] * len(lists), lists)

    def then(self, keep: Sequence[int | None], lists: Sequence[Sequence[str]]) -> _Words:
        """The words of other chunks: the j-th is chunk `keep[j]` of these, or where that is
        None the next of `lists` (the words of a chunk not here). Terms no chunk uses any more
        are dropped."""
        import numpy as np

        numbers = {t: n for n, t in enumerate(self.terms)}
        terms = list(self.terms)
        fresh = iter(lists)
        parts: list[Any] = []
        bounds = self.offsets
        for i in keep:
            if i is not None:
                parts.append(self.tokens[bounds[i] : bounds[i + 1]])
                continue
            words = next(fresh)
            parts.append(
                np.fromiter(
                    (numbers.setdefault(w, len(numbers)) for w in words), np.int32, len(words)
                )
            )
        terms.extend(list(numbers)[len(terms) :])
        tokens = np.concatenate(parts).astype(np.int32) if parts else _empty()[0]
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(p) for p in parts])
        used = np.bincount(tokens, minlength=len(terms)) > 0
        if not used.all():  # renumber the terms still used, in the same order
            tokens = (np.cumsum(used) - 1).astype(np.int32)[tokens]
            terms = [t for t, u in zip(terms, used.tolist(), strict=True) if u]
        return _Words(terms, tokens, offsets)

    def corpus(self) -> tuple[list[list[int]], dict[str, int]]:
        """Each chunk's words as numbers, and the numbers of the terms: what `bm25s` indexes."""
        import numpy as np

        # One int object per term, shared by all its places (not one per place: 8.5 million
        # tokens at 100k chunks would be 300 MB of them).
        numbers = np.arange(len(self.terms)).astype(object)
        flat = numbers[self.tokens].tolist()
        bounds = self.offsets.tolist()
        lists = [flat[a:b] for a, b in itertools.pairwise(bounds)]
        return lists, {t: n for n, t in enumerate(self.terms)}


def _empty() -> tuple[Any, Any]:
    import numpy as np

    return np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64)


@dataclass(frozen=True)
class _Built:
    version: str
    ids: tuple[str, ...]
    bm25: Any  # bm25s.BM25, or None for an empty collection
    days: tuple[int, ...] = ()  # each chunk's publication date as YYYYMMDD (0: none)
    hashes: tuple[str, ...] = ()  # each chunk's document hash
    words: _Words | None = None  # None: not loaded yet (see `LexicalIndex._words`)


def _build(
    version: str, ids: Sequence[str], words: _Words, days: Sequence[int], hashes: Sequence[str]
) -> _Built:
    """The index of chunks `ids` with their `words`, `days` and document `hashes`. A full
    rebuild and an update both index token numbers, so they score alike to the last bit."""
    import bm25s

    bm25 = None
    if ids:
        bm25 = bm25s.BM25()
        bm25.index(words.corpus(), show_progress=False)
    return _Built(version, tuple(ids), bm25, tuple(days), tuple(hashes), words)


class LexicalIndex:
    """BM25 over the chunks of one collection; `folder` (optional) keeps it between processes.

    `sync(version, count, source)` makes the index match the collection: it keeps the index
    in memory when `version` and `count` agree, else loads the saved one of that version, else
    updates the one it has (in memory or saved) from `source`: the chunk ids, and the rows of
    chunks it does not know. Without one (or with a damaged one) it reads every row. The days
    let a search keep to a window of dates, as the Chroma query does.
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

    def sync(self, version: str, count: int, source: ChunkSource) -> None:
        """Bring the index in step with a collection of `count` chunks at `version`."""
        with self._lock:
            built = self._built
            if built and built.version == version and len(built.ids) == count:
                return
            loaded = self._load(self._dir(version))
            if loaded and len(loaded.ids) == count:
                self._built = loaded
                return
            base = self._words(built) or self._words(self._load(self._latest(), index=False))
            built = self._update(version, base, source) if base else self._full(version, source)
            self._built = built
            self._save(self._built)

    @staticmethod
    def _full(version: str, source: ChunkSource) -> _Built:
        rows = list(source.chunk_rows())
        words = _Words.of([content_words(t) or [""] for _, t, _, _ in rows])
        return _build(
            version, [r[0] for r in rows], words, [r[2] for r in rows], [r[3] for r in rows]
        )

    @staticmethod
    def _update(version: str, base: _Built, source: ChunkSource) -> _Built:
        """`base` brought to `version`: chunks gone are dropped, new ones read and stemmed.

        A chunk whose id `base` holds keeps its words: ids are hashes of the document id, the
        chunk's place and its text (`ingest.pipeline._chunks`), so the same id has the same
        text. Its day can change with the same id (a document's date edited), but then so does
        its document hash (`ingest.pipeline.document_hash` covers the date and all other
        metadata), so the chunks of hashes `base` does not hold are read again.
        """
        assert base.words is not None
        ids = source.chunk_ids()
        fresh = {r[0]: r for r in source.chunk_rows_not_of(set(base.hashes))}
        old = {chunk_id: i for i, chunk_id in enumerate(base.ids)}
        unknown = [i for i in ids if i not in fresh and i not in old]
        if unknown:
            fresh.update((r[0], r) for r in source.chunk_rows(unknown))
        kept: list[str] = []
        keep: list[int | None] = []
        lists: list[list[str]] = []
        days: list[int] = []
        hashes: list[str] = []
        for chunk_id in ids:
            if chunk_id in fresh:
                _, text, day, doc_hash = fresh[chunk_id]
                keep.append(None)
                lists.append(content_words(text) or [""])
            elif chunk_id in old:
                i = old[chunk_id]
                keep.append(i)
                day, doc_hash = base.days[i], base.hashes[i]
            else:
                continue  # removed while being read: left for the next sync
            kept.append(chunk_id)
            days.append(day)
            hashes.append(doc_hash)
        return _build(version, kept, base.words.then(keep, lists), days, hashes)

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

    def _latest(self) -> Path | None:
        """The saved index there is (another version's), if any."""
        if self.folder is None:
            return None
        try:
            saved = sorted(self.folder.glob("v-*"), key=lambda p: p.stat().st_mtime_ns)
        except OSError:  # none, or one removed by another process meanwhile
            return None
        return saved[-1] if saved else None

    def _load(self, path: Path | None, *, index: bool = True) -> _Built | None:
        """The index saved in `path` (with `index=False` without its BM25 part: as a base to
        update), or None when there is none or it is damaged."""
        import bm25s

        if path is None or not (path / _CHUNKS).is_file():
            return None
        try:
            saved = json.loads((path / _CHUNKS).read_text(encoding="utf-8"))
            ids, days = tuple(saved["ids"]), tuple(int(d) for d in saved["days"])
            hashes = tuple(str(h) for h in saved.get("hashes", ()))
            bm25 = bm25s.BM25.load(str(path), show_progress=False) if ids and index else None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # damaged or half-removed: rebuild
        if len(days) != len(ids):
            return None
        return _Built(path.name.removeprefix("v-"), ids, bm25, days, hashes)

    def _words(self, built: _Built | None) -> _Built | None:
        """`built` with its chunks' words (read from its folder if need be), or None when they
        are missing or damaged (an index saved before they were kept)."""
        import numpy as np

        if built is None or built.words is not None:
            return built
        path = self._dir(built.version)
        if path is None:
            return None
        try:
            terms = json.loads((path / _TERMS).read_text(encoding="utf-8"))
            tokens = np.load(path / _TOKENS, allow_pickle=False)
            offsets = np.load(path / _OFFSETS, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        n = len(built.ids)
        if (
            len(built.hashes) != n
            or not isinstance(terms, list)
            or tokens.ndim != 1
            or offsets.shape != (n + 1,)
            or int(offsets[0]) != 0
            or int(offsets[-1]) != len(tokens)
            or bool(np.any(np.diff(offsets) < 0))
            or (len(tokens) and not 0 <= int(tokens.min()) <= int(tokens.max()) < len(terms))
        ):
            return None
        words = _Words([str(t) for t in terms], tokens.astype(np.int32), offsets)
        return _Built(built.version, built.ids, built.bm25, built.days, built.hashes, words)

    def _save(self, built: _Built) -> None:
        import numpy as np

        target = self._dir(built.version)
        if target is None or self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.folder))
            if built.bm25 is not None:
                built.bm25.save(str(tmp), show_progress=False)
            chunks = {"ids": built.ids, "days": built.days, "hashes": built.hashes}
            (tmp / _CHUNKS).write_text(json.dumps(chunks), encoding="utf-8")
            if built.words is not None:
                (tmp / _TERMS).write_text(json.dumps(built.words.terms), encoding="utf-8")
                np.save(tmp / _TOKENS, built.words.tokens, allow_pickle=False)
                np.save(tmp / _OFFSETS, built.words.offsets, allow_pickle=False)
            try:
                os.replace(tmp, target)  # atomic: readers see all of it or none
            except OSError:  # another process saved the same version first
                shutil.rmtree(tmp, ignore_errors=True)
            for old in self.folder.glob("v-*"):
                if old != target:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # a cache: a read-only or full disk only costs a rebuild next time
