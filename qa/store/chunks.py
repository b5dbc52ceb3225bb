"""The chunk store: chunks with their provenance in one Chroma collection (cosine space), a
manifest of the documents in a small collection beside it (`qa.store.manifest`), a BM25 index
of the same chunks, the documents' texts and their source records beside the store.

`ChunkStore` is what the rest of the code calls; each concern is a module of its own: Chroma
I/O (`qa.store.collection`), the BM25 index kept in step (`qa.store.lexical_sync`), fusion of
the two rankings (`qa.store.fusion`), where to look for near-duplicates
(`qa.store.neighbours`), and stores from before the manifest (`qa.store.migration`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from core.settings import Settings
from core.types import Chunk, DateWindow, DocumentInfo, Passage
from qa.store import lexical_sync, migration
from qa.store.collection import COLLECTION_CONFIGURATION, ChunkCollection
from qa.store.fusion import fuse
from qa.store.lexical import LexicalIndex, Row
from qa.store.manifest import DocState, Manifest
from qa.store.neighbours import similar_documents
from qa.store.records import chunk_from_record, record_metadata, where_filter
from qa.store.sources import SourceLog
from qa.store.texts import DocumentTexts

if TYPE_CHECKING:
    from chromadb import Collection, Metadata
    from chromadb.api import ClientAPI
    from chromadb.api.types import PyEmbeddings

__all__ = ["COLLECTION_CONFIGURATION", "ChunkStore", "DocState"]


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
        self.chroma = ChunkCollection(client, name)
        self.embeddings = embeddings
        self.lexical = lexical or LexicalIndex()
        self.texts = texts or DocumentTexts()
        self.manifest = manifest or Manifest(client, name)
        self.sources = sources or SourceLog()
        self.rows = lexical_sync.CollectionRows(self.chroma)

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
        ChunkCollection(client, name).ensure(create=create)
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
            self.name,
            embeddings,
            self.lexical,
            self.texts,
            self.manifest,
            self.sources,
        )

    @property
    def name(self) -> str:
        """The collection name."""
        return self.chroma.name

    def collection(self) -> Collection:
        """The chromadb collection, fetched anew so that its metadata is current."""
        return self.chroma.get()

    def count(self) -> int:
        """Number of chunks stored."""
        return self.chroma.count()

    def version(self) -> str:
        """A value that changes with every write to the collection, by any process."""
        return self.chroma.version()

    def chunks(self) -> Iterator[Chunk]:
        """Every stored chunk, with its provenance."""
        for chunk_id, text, meta in self.chroma.records(["documents", "metadatas"]):
            yield chunk_from_record(chunk_id, text, meta)

    def chunk_ids(self) -> list[str]:
        """The ids of every stored chunk, in the collection's order."""
        return self.rows.chunk_ids()

    def chunk_rows(self, ids: Sequence[str] | None = None) -> Iterator[Row]:
        """Chunk id, text, publication day (YYYYMMDD, 0: none) and document hash of the chunks
        `ids` (None: of every chunk, in the collection's order); ids not stored are left out."""
        return self.rows.chunk_rows(ids)

    def chunk_rows_not_of(self, doc_hashes: AbstractSet[str]) -> Iterator[Row]:
        """`chunk_rows` of the chunks whose document hash is none of `doc_hashes`."""
        return self.rows.chunk_rows_not_of(doc_hashes)

    def doc_states(self, doc_ids: Iterable[str] | None = None) -> dict[str, DocState]:
        """Per document id (of `doc_ids`, or every one): its content hash, chunk count, whether
        all of its chunks are stored, and its source; read from the manifest."""
        entries = (
            self.manifest.get(doc_ids)
            if doc_ids is not None
            else {e.doc_id: e for e in self.manifest.entries()}
        )
        return {d: e.state() for d, e in entries.items()}

    def has_document(self, doc_id: str) -> bool:
        """Whether document `doc_id` is in the store."""
        return bool(self.manifest.get([doc_id]))

    def scan_doc_states(self) -> dict[str, DocState]:
        """Per document id: its state, found by reading every chunk's metadata (what the
        manifest is migrated from; slow on a large store)."""
        return migration.scan_doc_states(self.chroma)

    def migrate(self) -> None:
        """Build the manifest (and, where none is kept, the source records) from the chunks'
        metadata: once, for a store made before there was a manifest."""
        migration.migrate(self.chroma, self.manifest, self.sources)

    def documents(self) -> list[DocumentInfo]:
        """One entry per ingested document, sorted by title (read from the manifest)."""
        infos = [e.info() for e in self.manifest.entries()]
        return sorted(infos, key=lambda i: (i.title.lower(), i.source))

    def _embeddings(self) -> Embeddings:
        if self.embeddings is None:
            raise TypeError(
                f"the store {self.name!r} was opened without an embedding model: "
                "pass one to ChunkStore.open to add chunks"
            )
        return self.embeddings

    def _embed(self, texts: list[str]) -> list[list[float]]:
        return self._embeddings().embed_documents(texts)

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
        self.chroma.upsert([c.chunk_id for c in chunks], vectors, texts, metadatas)
        self.manifest.note_written(chunks, doc_chunks, ingested_at)

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove chunks by id; their documents are marked incomplete first (and redone by
        the next ingest of them)."""
        self.manifest.mark_incomplete(self.chroma.doc_ids_of(chunk_ids))
        self.chroma.delete(chunk_ids)

    def document_chunk_ids(self, doc_id: str) -> list[str]:
        """The ids of the stored chunks of one document."""
        return [chunk_id for chunk_id, *_ in self.chroma.records([], where={"doc_id": doc_id})]

    def delete_document(self, doc_id: str) -> int:
        """Remove every chunk of a document, its manifest entry, source record and kept text;
        returns how many chunks were removed."""
        self.sources.remove([doc_id])
        self.manifest.mark_incomplete([doc_id])
        ids = self.document_chunk_ids(doc_id)
        self.chroma.delete(ids)
        self.manifest.remove([doc_id])
        self.texts.remove(doc_id)
        return len(ids)

    def similar_documents(self, chunk_ids: Sequence[str], n: int = 5) -> set[str]:
        """The documents of the `n` chunks nearest (by cosine) to each of these chunks: where
        to look for near-duplicates without reading every document."""
        return similar_documents(self.chroma, chunk_ids, n)

    def search(
        self, vector: Sequence[float], k: int, window: DateWindow | None = None
    ) -> list[Passage]:
        """The `k` chunks closest to `vector`, with cosine similarity, best first; with
        `window`, only chunks published within it (a filter inside the Chroma query)."""
        return self.chroma.query(vector, k, where_filter(window))

    def lexical_search(
        self, query: str, k: int, window: DateWindow | None = None
    ) -> list[tuple[str, float]]:
        """The `k` best chunks for `query` by BM25, as `(chunk id, score)`, best first; with
        `window`, only chunks published within it.

        The index is first brought in step with the collection (rebuilt if another process or
        another store object changed it).
        """
        return lexical_sync.lexical_search(self.lexical, self.rows, query, k, window)

    def refresh_lexical(self) -> None:
        """Bring the BM25 index in step with the collection: kept if current, else loaded from
        its folder, else updated from the collection's new chunks (and saved)."""
        lexical_sync.refresh_lexical(self.lexical, self.rows)

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
        """The `k` best chunks by reciprocal rank fusion of the dense (cosine) and BM25 rankings
        (`qa.store.fusion.fuse`).

        Each list contributes `1 / (rrf_k + rank)` for its first `pool` chunks; with `window`,
        both lists hold only chunks published within it. Passages keep their cosine similarity
        as `score` (computed for chunks that only BM25 found) and carry their ranks, BM25 score
        relative to the best, and fused score.
        """
        n = max(pool, k)
        dense = self.search(vector, n, window)
        lexical = self.lexical_search(query, n, window)
        return fuse(
            dense, lexical, k, rrf_k, lambda ids: self.chroma.passages(ids, vector, self._embed)
        )
