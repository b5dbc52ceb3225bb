"""Chunks with their provenance in one Chroma collection (cosine space), through chromadb's
public collection API; a manifest of the documents in a small collection beside it
(`qa.store.manifest`), and a BM25 index of the same chunks, the documents' texts and their
source records beside the store."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from langchain_core.embeddings import Embeddings

from qa.core.dates import day_number
from qa.core.settings import Settings
from qa.core.types import Chunk, DateWindow, DocumentInfo, Passage, Provenance
from qa.store.client import reachable, require_collection
from qa.store.lexical import LexicalIndex, Row
from qa.store.manifest import DocEntry, Manifest
from qa.store.records import DAY_KEY, chunk_from_record, record_metadata, where_filter
from qa.store.sources import SourceLog, SourceRecord
from qa.store.texts import DocumentTexts

if TYPE_CHECKING:
    from chromadb import Collection, Include, Metadata, Where
    from chromadb.api import ClientAPI
    from chromadb.api.collection_configuration import CreateCollectionConfiguration
    from chromadb.api.types import PyEmbeddings

__all__ = ["COLLECTION_CONFIGURATION", "ChunkStore", "DocState"]

_PAGE = 5000
_ID_PAGE = 20_000  # ids only: larger pages (100k ids: 0.8 s in pages of 20k, 2 s of 5k)
# Up to this many document hashes in one `$nin` of a Chroma filter (more: several, and-ed).
_HASHES_PER_FILTER = 10_000
# Collection metadata key whose value every write changes: how other processes' lexical
# indexes learn that the collection changed.
_VERSION_KEY = "cited_qa_version"
# How a new collection is made: cosine distance (1 - cosine similarity).
COLLECTION_CONFIGURATION: CreateCollectionConfiguration = {"hnsw": {"space": "cosine"}}


def _rows(records: Iterable[tuple[str, str, Mapping[str, Any]]]) -> Iterator[Row]:
    for chunk_id, text, meta in records:
        yield chunk_id, text, int(meta.get(DAY_KEY) or 0), str(meta.get("doc_hash", ""))


@dataclass(frozen=True)
class DocState:
    """What the store holds of a document, to decide whether to re-embed it."""

    doc_hash: str
    chunks: int
    complete: bool
    source: str = ""


class ChunkStore:
    """A Chroma collection of chunks (cosine space) with a BM25 index of the same chunks beside
    it (`qa.store.lexical.LexicalIndex`) for hybrid search, and the documents' texts.

    `embeddings` embeds the chunks that are added; a store opened without it lists, searches by
    vector and deletes, but cannot add. Every write keeps the manifest (`qa.store.manifest`) in
    step; `sources` records each document for `qa rebuild`.
    """

    def __init__(
        self,
        client: ClientAPI,
        name: str,
        embeddings: Embeddings | None = None,
        lexical: LexicalIndex | None = None,
        texts: DocumentTexts | None = None,
        manifest: Manifest | None = None,
        sources: SourceLog | None = None,
    ) -> None:
        self.client = client
        self._name = name
        self.embeddings = embeddings
        self.lexical = lexical or LexicalIndex()
        self.texts = texts or DocumentTexts()
        self.manifest = manifest or Manifest(client, name)
        self.sources = sources or SourceLog()

    @classmethod
    def open(
        cls,
        client: ClientAPI,
        name: str,
        embeddings: Embeddings | None = None,
        *,
        create: bool = False,
        lexical_dir: Path | None = None,
        texts_dir: Path | None = None,
        sources_dir: Path | None = None,
    ) -> ChunkStore:
        """Open collection `name` of `client`; with `create=True` make it if it is missing.

        `lexical_dir` is where the BM25 index is saved between processes (None: rebuilt from
        the collection by each process, on its first search); `texts_dir` where the documents'
        texts are kept, `sources_dir` their source records (None: not kept). A collection
        without a manifest (made before there was one) gets it now, from its chunks.
        """
        if create:
            with reachable():
                client.get_or_create_collection(
                    name, configuration=COLLECTION_CONFIGURATION, embedding_function=None
                )
        else:
            require_collection(client, name)
        store = cls(
            client,
            name,
            embeddings,
            LexicalIndex(lexical_dir),
            DocumentTexts(texts_dir),
            sources=SourceLog(sources_dir),
        )
        if not store.manifest.exists():
            store.migrate()
        return store

    @classmethod
    def from_settings(
        cls,
        client: ClientAPI,
        settings: Settings,
        embeddings: Embeddings | None = None,
        *,
        create: bool = False,
    ) -> ChunkStore:
        """`open` the configured collection, its BM25 index and texts where settings keep them."""
        return cls.open(
            client,
            settings.collection,
            embeddings,
            create=create,
            lexical_dir=settings.lexical_dir,
            texts_dir=settings.texts_dir,
            sources_dir=settings.sources_dir,
        )

    def with_embeddings(self, embeddings: Embeddings) -> ChunkStore:
        """The same store (client, collection, manifest, BM25 index, texts, sources) with an
        embedding model."""
        return ChunkStore(
            self.client,
            self._name,
            embeddings,
            self.lexical,
            self.texts,
            self.manifest,
            self.sources,
        )

    @property
    def name(self) -> str:
        """The collection name."""
        return self._name

    def collection(self) -> Collection:
        """The chromadb collection, fetched anew so that its metadata is current."""
        with reachable():
            return self.client.get_collection(self._name, embedding_function=None)

    def count(self) -> int:
        """Number of chunks stored."""
        with reachable():
            return int(self.collection().count())

    def version(self) -> str:
        """A value that changes with every write to the collection, by any process."""
        return str((self.collection().metadata or {}).get(_VERSION_KEY, ""))

    def _changed(self) -> None:
        collection = self.collection()
        meta = dict(collection.metadata or {})
        meta[_VERSION_KEY] = uuid.uuid4().hex
        with reachable():
            collection.modify(metadata=meta)

    def _records(
        self, include: Include, where: Where | None = None, page_size: int = _PAGE
    ) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        """`(id, document, metadata)` of every stored chunk (or those matching `where`), page
        by page; the document is "" and the metadata {} unless `include` asks for them."""
        offset = 0
        while True:
            with reachable():
                page = self.collection().get(
                    where=where,
                    include=include,
                    limit=page_size,
                    offset=offset,
                )
            ids = page["ids"]
            docs = page["documents"] or [""] * len(ids)
            metas = page["metadatas"] or [{}] * len(ids)
            yield from zip(ids, docs, (m or {} for m in metas), strict=True)
            if len(ids) < page_size:
                return
            offset += len(ids)

    def chunks(self) -> Iterator[Chunk]:
        """Every stored chunk, with its provenance."""
        for chunk_id, text, meta in self._records(["documents", "metadatas"]):
            yield chunk_from_record(chunk_id, text, meta)

    def chunk_ids(self) -> list[str]:
        """The ids of every stored chunk, in the collection's order."""
        return [chunk_id for chunk_id, *_ in self._records([], page_size=_ID_PAGE)]

    def chunk_rows(self, ids: Sequence[str] | None = None) -> Iterator[Row]:
        """Chunk id, text, publication day (YYYYMMDD, 0: none) and document hash of the chunks
        `ids` (None: of every chunk, in the collection's order); ids not stored are left out."""
        return _rows(
            self._records(["documents", "metadatas"]) if ids is None else self._by_ids(ids)
        )

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
        return _rows(self._records(["documents", "metadatas"], where=where))

    def _by_ids(self, ids: Sequence[str]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        for i in range(0, len(ids), _PAGE):
            with reachable():
                page = self.collection().get(
                    ids=list(ids[i : i + _PAGE]), include=["documents", "metadatas"]
                )
            docs = page["documents"] or [""] * len(page["ids"])
            metas = page["metadatas"] or [{}] * len(page["ids"])
            yield from zip(page["ids"], docs, (m or {} for m in metas), strict=True)

    def doc_states(self, doc_ids: Iterable[str] | None = None) -> dict[str, DocState]:
        """Per document id (of `doc_ids`, or every one): its content hash, chunk count, whether
        all of its chunks are stored, and its source; read from the manifest."""
        entries = (
            self.manifest.get(doc_ids)
            if doc_ids is not None
            else {e.doc_id: e for e in self.manifest.entries()}
        )
        return {
            d: DocState(doc_hash=e.doc_hash, chunks=e.chunks, complete=e.complete, source=e.source)
            for d, e in entries.items()
        }

    def has_document(self, doc_id: str) -> bool:
        """Whether document `doc_id` is in the store."""
        return bool(self.manifest.get([doc_id]))

    def scan_doc_states(self) -> dict[str, DocState]:
        """Per document id: its state, found by reading every chunk's metadata (what the
        manifest is migrated from; slow on a large store)."""
        hashes: dict[str, set[str]] = {}
        expected: dict[str, int] = {}
        ids: dict[str, list[str]] = {}
        sources: dict[str, str] = {}
        undated: set[str] = set()  # stored before dates could be filtered: written again
        for chunk_id, _, meta in self._records(["metadatas"]):
            doc_id = str(meta["doc_id"])
            sources[doc_id] = str(meta.get("source", ""))
            if meta.get("published") and DAY_KEY not in meta:
                undated.add(doc_id)
            hashes.setdefault(doc_id, set()).add(str(meta.get("doc_hash", "")))
            expected[doc_id] = int(meta.get("doc_chunks", -1))
            ids.setdefault(doc_id, []).append(chunk_id)
        return {
            d: DocState(
                doc_hash=next(iter(hashes[d])) if len(hashes[d]) == 1 else "",
                chunks=len(ids[d]),
                complete=len(hashes[d]) == 1 and expected[d] == len(ids[d]) and d not in undated,
                source=sources[d],
            )
            for d in ids
        }

    def migrate(self) -> None:
        """Build the manifest (and, where none is kept, the source records) from the chunks'
        metadata: once, for a store made before there was a manifest."""
        docs: dict[str, Mapping[str, Any]] = {}
        pages: dict[str, int] = {}
        for _, _, meta in self._records(["metadatas"]):
            doc_id = str(meta["doc_id"])
            docs[doc_id] = meta
            pages[doc_id] = max(pages.get(doc_id, 0), int(meta.get("page") or 0))
        states = self.scan_doc_states() if docs else {}
        entries = [
            DocEntry.from_metadata(  # source, title, dates... as the chunk has them
                m,
                doc_id=d,
                doc_hash=states[d].doc_hash,
                chunks=states[d].chunks,
                pages=pages[d] or None,
                complete=states[d].complete,
            )
            for d, m in docs.items()
        ]
        self.manifest.put(entries)
        unrecorded = self.sources.missing(list(docs))
        self.sources.put(
            [
                SourceRecord(
                    **Provenance.fields_of(e),
                    doc_hash=e.doc_hash,
                    page_starts=None if e.pages else (),
                )
                for e in entries
                if e.doc_id in unrecorded
            ]
        )
        self.manifest.mark_ready()

    def documents(self) -> list[DocumentInfo]:
        """One entry per ingested document, sorted by title (read from the manifest)."""
        infos = [e.info() for e in self.manifest.entries()]
        return sorted(infos, key=lambda i: (i.title.lower(), i.source))

    def _embeddings(self) -> Embeddings:
        if self.embeddings is None:
            raise TypeError(
                f"the store {self._name!r} was opened without an embedding model: "
                "pass one to ChunkStore.open to add chunks"
            )
        return self.embeddings

    def add(self, chunks: Sequence[Chunk], doc_chunks: Sequence[int], ingested_at: str) -> None:
        """Embed and upsert chunks (ids are their `chunk_id`).

        `doc_chunks[i]` is how many chunks the document of `chunks[i]` has in all, so that a
        document whose chunks were only partly written is seen as incomplete and re-ingested.
        """
        if not chunks:
            return
        texts = [c.text for c in chunks]
        vectors: PyEmbeddings = [*self._embeddings().embed_documents(texts)]
        pairs = zip(chunks, doc_chunks, strict=True)
        metadatas: list[Metadata] = [record_metadata(c, n, ingested_at) for c, n in pairs]
        collection = self.collection()
        with reachable():
            collection.upsert(
                ids=[c.chunk_id for c in chunks],
                embeddings=vectors,
                documents=texts,
                metadatas=metadatas,
            )
        self._changed()
        self.manifest.note_written(chunks, doc_chunks, ingested_at)

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove chunks by id; their documents are marked incomplete first (and redone by
        the next ingest of them)."""
        collection = self.collection()
        doc_ids: set[str] = set()
        for i in range(0, len(chunk_ids), _PAGE):
            with reachable():
                got = collection.get(ids=list(chunk_ids[i : i + _PAGE]), include=["metadatas"])
            doc_ids.update(str((m or {}).get("doc_id", "")) for m in got["metadatas"] or [])
        self.manifest.mark_incomplete(doc_ids - {""})
        self._delete(chunk_ids)

    def _delete(self, chunk_ids: Sequence[str]) -> None:
        collection = self.collection()
        for i in range(0, len(chunk_ids), _PAGE):
            with reachable():
                collection.delete(ids=list(chunk_ids[i : i + _PAGE]))
        if chunk_ids:
            self._changed()

    def document_chunk_ids(self, doc_id: str) -> list[str]:
        """The ids of the stored chunks of one document."""
        return [chunk_id for chunk_id, *_ in self._records([], where={"doc_id": doc_id})]

    def delete_document(self, doc_id: str) -> int:
        """Remove every chunk of a document, its manifest entry, source record and kept text;
        returns how many chunks were removed."""
        self.sources.remove([doc_id])
        self.manifest.mark_incomplete([doc_id])
        ids = self.document_chunk_ids(doc_id)
        self._delete(ids)
        self.manifest.remove([doc_id])
        self.texts.remove(doc_id)
        return len(ids)

    def similar_documents(self, chunk_ids: Sequence[str], n: int = 5) -> set[str]:
        """The documents of the `n` chunks nearest (by cosine) to each of these chunks: where
        to look for near-duplicates without reading every document."""
        from chromadb.errors import ChromaError

        if not chunk_ids:
            return set()
        collection = self.collection()
        found: set[str] = set()
        for i in range(0, len(chunk_ids), 256):
            try:
                with reachable():
                    got = collection.get(ids=list(chunk_ids[i : i + 256]), include=["embeddings"])
                vectors = got["embeddings"]
                if vectors is None or len(vectors) == 0:
                    continue
                with reachable():
                    hits = collection.query(
                        query_embeddings=vectors, n_results=n, include=["metadatas"]
                    )
            except ChromaError:  # a local store changed by another process: no vectors
                continue
            for metas in hits["metadatas"] or []:
                found.update(str((m or {}).get("doc_id", "")) for m in metas)
        return found - {""}

    def search(
        self, vector: Sequence[float], k: int, window: DateWindow | None = None
    ) -> list[Passage]:
        """The `k` chunks closest to `vector`, with cosine similarity, best first; with
        `window`, only chunks published within it (a filter inside the Chroma query)."""
        collection = self.collection()
        query: PyEmbeddings = [list(vector)]
        with reachable():
            hits = collection.query(
                query_embeddings=query,
                n_results=k,
                where=where_filter(window),
                include=["documents", "metadatas", "distances"],
            )
        ids, docs = hits["ids"][0], (hits["documents"] or [[]])[0]
        metas, dists = (hits["metadatas"] or [[]])[0], (hits["distances"] or [[]])[0]
        return [
            Passage(chunk_from_record(i, d, m), 1.0 - float(dist), dense_rank=r)
            for r, (i, d, m, dist) in enumerate(zip(ids, docs, metas, dists, strict=True))
        ]

    def lexical_search(
        self, query: str, k: int, window: DateWindow | None = None
    ) -> list[tuple[str, float]]:
        """The `k` best chunks for `query` by BM25, as `(chunk id, score)`, best first; with
        `window`, only chunks published within it.

        The index is first brought in step with the collection (rebuilt if another process or
        another store object changed it).
        """
        self.refresh_lexical()
        if not window:
            return self.lexical.search(query, k)
        assert window is not None
        return self.lexical.search(
            query,
            k,
            since=day_number(window.since) if window.since else None,
            until=day_number(window.until) if window.until else None,
        )

    def refresh_lexical(self) -> None:
        """Bring the BM25 index in step with the collection: kept if current, else loaded from
        its folder, else updated from the collection's new chunks (and saved)."""
        collection = self.collection()
        version = str((collection.metadata or {}).get(_VERSION_KEY, ""))
        with reachable():
            count = int(collection.count())
        self.lexical.sync(version, count, self)

    def hybrid_search(
        self,
        query: str,
        vector: Sequence[float],
        k: int,
        *,
        window: DateWindow | None = None,
        pool: int = 20,
        rrf_k: int = 60,
    ) -> list[Passage]:
        """The `k` best chunks by reciprocal rank fusion of the dense (cosine) and BM25 rankings.

        Each list contributes `1 / (rrf_k + rank)` for its first `pool` chunks; with `window`,
        both lists hold only chunks published within it. Passages keep their cosine similarity
        as `score` (computed for chunks that only BM25 found) and carry their ranks, BM25 score
        relative to the best, and fused score.
        """
        n = max(pool, k)
        dense = {p.chunk.chunk_id: p for p in self.search(vector, n, window)}
        lexical = self.lexical_search(query, n, window)
        fused: dict[str, float] = {}
        for r, cid in enumerate(dense):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + r + 1)
        for r, (cid, _) in enumerate(lexical):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + r + 1)
        top = sorted(fused, key=lambda c: -fused[c])[:k]
        missing = [c for c in top if c not in dense]
        if missing:
            dense.update(self._passages(missing, vector))
        best_bm25 = lexical[0][1] if lexical else 0.0
        lex_rank: dict[str, tuple[int | None, float]] = {
            cid: (r, score) for r, (cid, score) in enumerate(lexical)
        }
        out = []
        for cid in top:
            rank, score = lex_rank.get(cid, (None, 0.0))
            out.append(
                replace(
                    dense[cid],
                    lexical=score / best_bm25 if best_bm25 else 0.0,
                    lexical_rank=rank,
                    fused=fused[cid],
                )
            )
        return out

    def _passages(self, ids: list[str], vector: Sequence[float]) -> dict[str, Passage]:
        """Chunks by id, scored by cosine similarity to `vector` (vectors are unit length).

        Their stored vectors are used; where Chroma can't give them (a local store that another
        process changed since this one opened it), the chunks are embedded again.
        """
        import numpy as np
        from chromadb.errors import ChromaError

        collection = self.collection()
        try:
            with reachable():
                got = collection.get(ids=ids, include=["documents", "metadatas", "embeddings"])
            embs = list(got["embeddings"] if got["embeddings"] is not None else [])
        except ChromaError:
            with reachable():
                got = collection.get(ids=ids, include=["documents", "metadatas"])
            embs = self._embeddings().embed_documents(list(got["documents"] or []))
        q = np.asarray(vector, dtype=np.float32)
        return {
            i: Passage(chunk_from_record(i, d, m), float(np.dot(np.asarray(e, np.float32), q)))
            for i, d, m, e in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], embs, strict=True
            )
        }
