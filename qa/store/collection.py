"""Chroma store I/O of one chunk collection, through chromadb's public collection API: paged
reads, upserts, deletes, vector queries, and the version every write changes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core.types import Passage
from qa.store.client import reachable, require_collection
from qa.store.records import chunk_from_record

if TYPE_CHECKING:
    from chromadb import Collection, Include, Metadata, Where
    from chromadb.api import ClientAPI
    from chromadb.api.collection_configuration import CreateCollectionConfiguration
    from chromadb.api.types import PyEmbeddings

__all__ = ["COLLECTION_CONFIGURATION", "PAGE", "ChunkCollection", "Record"]

PAGE = 5000  # records read or written at a time
# Collection metadata key whose value every write changes: how other processes' lexical
# indexes learn that the collection changed.
_VERSION_KEY = "cited_qa_version"
# How a new collection is made: cosine distance (1 - cosine similarity).
COLLECTION_CONFIGURATION: CreateCollectionConfiguration = {"hnsw": {"space": "cosine"}}

Record = tuple[str, str, Mapping[str, Any]]  # chunk id, text, metadata


class ChunkCollection:
    """Collection `name` of `client`; every method fetches it anew, so its metadata (and so
    its version) is current."""

    def __init__(self, client: ClientAPI, name: str) -> None:
        self.client = client
        self.name = name

    def ensure(self, *, create: bool) -> None:
        """Make the collection if it is missing (`create`), else fail in one line if it is."""
        if create:
            with reachable():
                self.client.get_or_create_collection(
                    self.name, configuration=COLLECTION_CONFIGURATION, embedding_function=None
                )
        else:
            require_collection(self.client, self.name)

    def get(self) -> Collection:
        """The chromadb collection."""
        with reachable():
            return self.client.get_collection(self.name, embedding_function=None)

    def count(self) -> int:
        """Number of chunks stored."""
        with reachable():
            return int(self.get().count())

    def version(self, collection: Collection | None = None) -> str:
        """A value that changes with every write to the collection, by any process."""
        return str(((collection or self.get()).metadata or {}).get(_VERSION_KEY, ""))

    def changed(self) -> None:
        """Give the collection a new version (after a write)."""
        collection = self.get()
        meta = dict(collection.metadata or {})
        meta[_VERSION_KEY] = uuid.uuid4().hex
        with reachable():
            collection.modify(metadata=meta)

    def records(
        self, include: Include, where: Where | None = None, page_size: int = PAGE
    ) -> Iterator[Record]:
        """`(id, document, metadata)` of every stored chunk (or those matching `where`), page
        by page; the document is "" and the metadata {} unless `include` asks for them."""
        offset = 0
        while True:
            with reachable():
                page = self.get().get(where=where, include=include, limit=page_size, offset=offset)
            ids = page["ids"]
            docs = page["documents"] or [""] * len(ids)
            metas = page["metadatas"] or [{}] * len(ids)
            yield from zip(ids, docs, (m or {} for m in metas), strict=True)
            if len(ids) < page_size:
                return
            offset += len(ids)

    def by_ids(self, ids: Sequence[str]) -> Iterator[Record]:
        """`(id, document, metadata)` of the chunks `ids` that are stored."""
        for i in range(0, len(ids), PAGE):
            with reachable():
                page = self.get().get(
                    ids=list(ids[i : i + PAGE]), include=["documents", "metadatas"]
                )
            docs = page["documents"] or [""] * len(page["ids"])
            metas = page["metadatas"] or [{}] * len(page["ids"])
            yield from zip(page["ids"], docs, (m or {} for m in metas), strict=True)

    def doc_ids_of(self, chunk_ids: Sequence[str]) -> set[str]:
        """The documents of the stored chunks among `chunk_ids`."""
        collection = self.get()
        doc_ids: set[str] = set()
        for i in range(0, len(chunk_ids), PAGE):
            with reachable():
                got = collection.get(ids=list(chunk_ids[i : i + PAGE]), include=["metadatas"])
            doc_ids.update(str((m or {}).get("doc_id", "")) for m in got["metadatas"] or [])
        return doc_ids - {""}

    def upsert(
        self,
        ids: Sequence[str],
        vectors: PyEmbeddings,
        texts: Sequence[str],
        metadatas: list[Metadata],
    ) -> None:
        """Write (or replace) chunks, then give the collection a new version."""
        collection = self.get()
        with reachable():
            collection.upsert(
                ids=list(ids), embeddings=vectors, documents=list(texts), metadatas=metadatas
            )
        self.changed()

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove chunks by id, then give the collection a new version (if any were given)."""
        collection = self.get()
        for i in range(0, len(chunk_ids), PAGE):
            with reachable():
                collection.delete(ids=list(chunk_ids[i : i + PAGE]))
        if chunk_ids:
            self.changed()

    def query(self, vector: Sequence[float], k: int, where: Where | None) -> list[Passage]:
        """The `k` chunks (matching `where`) closest to `vector`, with cosine similarity, best
        first, each with its dense rank."""
        collection = self.get()
        query: PyEmbeddings = [list(vector)]
        with reachable():
            hits = collection.query(
                query_embeddings=query,
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        ids, docs = hits["ids"][0], (hits["documents"] or [[]])[0]
        metas, dists = (hits["metadatas"] or [[]])[0], (hits["distances"] or [[]])[0]
        return [
            Passage(chunk_from_record(i, d, m), 1.0 - float(dist), dense_rank=r)
            for r, (i, d, m, dist) in enumerate(zip(ids, docs, metas, dists, strict=True))
        ]

    def passages(
        self,
        ids: list[str],
        vector: Sequence[float],
        embed: Callable[[list[str]], list[list[float]]],
    ) -> dict[str, Passage]:
        """Chunks by id, scored by cosine similarity to `vector` (vectors are unit length).

        Their stored vectors are used; where Chroma can't give them (a local store that another
        process changed since this one opened it), the chunks are embedded again by `embed`.
        """
        import numpy as np
        from chromadb.errors import ChromaError

        collection = self.get()
        try:
            with reachable():
                got = collection.get(ids=ids, include=["documents", "metadatas", "embeddings"])
            embs = list(got["embeddings"] if got["embeddings"] is not None else [])
        except ChromaError:
            with reachable():
                got = collection.get(ids=ids, include=["documents", "metadatas"])
            embs = embed(list(got["documents"] or []))
        q = np.asarray(vector, dtype=np.float32)
        return {
            i: Passage(chunk_from_record(i, d, m), float(np.dot(np.asarray(e, np.float32), q)))
            for i, d, m, e in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], embs, strict=True
            )
        }
