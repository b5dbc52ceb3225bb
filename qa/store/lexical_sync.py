"""The BM25 index (`qa.store.lexical.LexicalIndex`) kept in step with the chunk collection:
the rows it reads of the collection, and search after bringing it in step."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, cast

from core.dates import day_number
from core.types import DateWindow
from qa.store.client import reachable
from qa.store.collection import ChunkCollection, Record
from qa.store.lexical import LexicalIndex, Row
from qa.store.records import DAY_KEY

if TYPE_CHECKING:
    from chromadb import Where

__all__ = ["CollectionRows", "lexical_search", "refresh_lexical"]

_ID_PAGE = 20_000  # ids only: larger pages (100k ids: 0.8 s in pages of 20k, 2 s of 5k)
# Up to this many document hashes in one `$nin` of a Chroma filter (more: several, and-ed).
_HASHES_PER_FILTER = 10_000


def _rows(records: Iterable[Record]) -> Iterator[Row]:
    for chunk_id, text, meta in records:
        yield chunk_id, text, int(meta.get(DAY_KEY) or 0), str(meta.get("doc_hash", ""))


class CollectionRows:
    """What the BM25 index reads of a chunk collection (a `qa.store.lexical.ChunkSource`)."""

    def __init__(self, chroma: ChunkCollection) -> None:
        self.chroma = chroma

    def chunk_ids(self) -> list[str]:
        """The ids of every stored chunk, in the collection's order."""
        return [chunk_id for chunk_id, *_ in self.chroma.records([], page_size=_ID_PAGE)]

    def chunk_rows(self, ids: Sequence[str] | None = None) -> Iterator[Row]:
        """Chunk id, text, publication day (YYYYMMDD, 0: none) and document hash of the chunks
        `ids` (None: of every chunk, in the collection's order); ids not stored are left out."""
        records = (
            self.chroma.records(["documents", "metadatas"])
            if ids is None
            else self.chroma.by_ids(ids)
        )
        return _rows(records)

    def chunk_rows_not_of(self, doc_hashes: AbstractSet[str]) -> Iterator[Row]:
        """`chunk_rows` of the chunks whose document hash is none of `doc_hashes`: those of
        documents added or changed since the hashes were read (a filter inside Chroma)."""
        if not doc_hashes:
            return self.chunk_rows()
        hashes = sorted(doc_hashes)
        parts: list[Where] = [
            cast("Where", {"doc_hash": {"$nin": hashes[i : i + _HASHES_PER_FILTER]}})
            for i in range(0, len(hashes), _HASHES_PER_FILTER)
        ]
        where = parts[0] if len(parts) == 1 else cast("Where", {"$and": parts})
        return _rows(self.chroma.records(["documents", "metadatas"], where=where))


def refresh_lexical(index: LexicalIndex, rows: CollectionRows) -> None:
    """Bring `index` in step with the collection: kept if current, else loaded from its
    folder, else updated from the collection's new chunks (and saved)."""
    collection = rows.chroma.get()
    version = rows.chroma.version(collection)
    with reachable():
        count = int(collection.count())
    index.sync(version, count, rows)


def lexical_search(
    index: LexicalIndex, rows: CollectionRows, query: str, k: int, window: DateWindow | None
) -> list[tuple[str, float]]:
    """The `k` best chunks for `query` by BM25, as `(chunk id, score)`, best first; with
    `window`, only chunks published within it. `index` is first brought in step."""
    refresh_lexical(index, rows)
    if not window:
        return index.search(query, k)
    return index.search(
        query,
        k,
        since=day_number(window.since) if window.since else None,
        until=day_number(window.until) if window.until else None,
    )
