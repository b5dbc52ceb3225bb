"""Chunks with their provenance in one Chroma collection, through `langchain_chroma.Chroma`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from qa.core.dates import DAY_KEY, as_date, day_number, where_filter
from qa.core.errors import (
    CollectionNotFoundError,
    ConfigError,
    StoreNotFoundError,
    StoreUnavailableError,
)
from qa.core.settings import Settings
from qa.core.types import Chunk, DateWindow, DocumentInfo, Passage
from qa.store.lexical import LexicalIndex
from qa.store.texts import DocumentTexts

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

__all__ = ["ChunkStore", "DocState", "open_client", "require_collection"]

_PAGE = 5000
# Collection metadata key whose value every write changes: how other processes' lexical
# indexes learn that the collection changed.
_VERSION_KEY = "cited_qa_version"


@contextmanager
def _reachable() -> Iterator[None]:
    """Turn a Chroma server that stopped answering into `StoreUnavailableError`."""
    import httpx

    try:
        yield
    except httpx.TransportError as exc:
        raise StoreUnavailableError(
            f"the Chroma server stopped answering ({exc or type(exc).__name__}); start it again "
            "with `chroma run --path DIR --host HOST --port PORT`, or unset QA_CHROMA_URL"
        ) from None


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_client(settings: Settings, *, create: bool = False) -> ClientAPI:
    """A Chroma client: an HTTP client when `chroma_url` is set, else an embedded persistent one.

    With `create=False` a missing local store is an error instead of being created empty.
    """
    import chromadb

    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                f"QA_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL; "
                "use e.g. http://127.0.0.1:8000"
            )
        try:
            port = url.port or (443 if url.scheme == "https" else 8000)
        except ValueError:
            raise ConfigError(
                f"QA_CHROMA_URL={settings.chroma_url!r} has an invalid port; "
                "use e.g. http://127.0.0.1:8000"
            ) from None
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )  # fmt: skip
        except Exception as exc:
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({exc}); start it with "
                f"`chroma run --path DIR --host {url.hostname} --port {port}` "
                "or unset QA_CHROMA_URL"
            ) from None
    path = settings.persist_dir
    if not create and not (path / "chroma.sqlite3").is_file():
        raise StoreNotFoundError(
            f"no document store at {path}: ingest documents first with `qa ingest seeds/` "
            "(or point QA_PERSIST_DIR at an existing store)"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the store folder {path}: {exc.strerror}") from None
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


@dataclass(frozen=True)
class DocState:
    """What the store holds of a document, to decide whether to re-embed it."""

    doc_hash: str
    chunk_ids: tuple[str, ...]
    complete: bool
    source: str = ""


def _day(published: str | None) -> int | None:
    """The publication date as YYYYMMDD, or None when there is none (or it is no date)."""
    date = as_date(published)
    return day_number(date) if date else None


def _meta(chunk: Chunk, doc_chunks: int, ingested_at: str) -> dict[str, Any]:
    optional = {"site": chunk.site, "author": chunk.author, "page": chunk.page}
    # A date that is no ISO date is stored as day 0: matched by no window, and not taken for
    # a chunk stored before days were (see `doc_states`).
    dated = {DAY_KEY: _day(chunk.published) or 0} if chunk.published else {}
    return {
        **{k: v for k, v in optional.items() if v},  # Chroma keeps no None
        **dated,
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "title": chunk.title,
        "published": chunk.published or "",
        "section": chunk.section or "",
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "doc_hash": chunk.doc_hash,
        "doc_chunks": doc_chunks,
        "ingested_at": ingested_at,
    }


def _chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        source=str(meta["source"]),
        title=str(meta["title"]),
        published=meta.get("published") or None,
        section=meta.get("section") or None,
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        doc_hash=str(meta.get("doc_hash", "")),
        site=meta.get("site") or None,
        author=meta.get("author") or None,
        page=int(meta["page"]) if meta.get("page") else None,
    )


class ChunkStore:
    """A Chroma collection of chunks (cosine space), wrapped in `langchain_chroma.Chroma`, with
    a BM25 index of the same chunks beside it (`qa.store.lexical.LexicalIndex`) for hybrid
    search."""

    def __init__(
        self,
        vectorstore: Any,
        client: ClientAPI,
        name: str,
        lexical: LexicalIndex | None = None,
        texts: DocumentTexts | None = None,
    ) -> None:
        self.vectorstore = vectorstore
        self.client = client
        self._name = name
        self.lexical = lexical or LexicalIndex()
        self.texts = texts or DocumentTexts()

    @classmethod
    def open(
        cls,
        client: ClientAPI,
        name: str,
        embeddings: Embeddings,
        *,
        create: bool = False,
        lexical_dir: Path | None = None,
        texts_dir: Path | None = None,
    ) -> ChunkStore:
        """Open collection `name` of `client`; with `create=True` make it if it is missing.

        `lexical_dir` is where the BM25 index is saved between processes (None: rebuilt from
        the collection by each process, on its first search); `texts_dir` where the documents'
        texts are kept (None: not kept).
        """
        from langchain_chroma import Chroma

        if not create:
            require_collection(client, name)
        with _reachable():
            vs = Chroma(
                client=client,
                collection_name=name,
                embedding_function=embeddings,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
        return cls(vs, client, name, LexicalIndex(lexical_dir), DocumentTexts(texts_dir))

    @classmethod
    def from_settings(cls, client: ClientAPI, settings: Settings, embeddings: Embeddings, *,
                      create: bool = False) -> ChunkStore:  # fmt: skip
        """`open` the configured collection, its BM25 index and texts where settings keep them."""
        return cls.open(client, settings.collection, embeddings, create=create,
                        lexical_dir=settings.lexical_dir, texts_dir=settings.texts_dir)

    @property
    def name(self) -> str:
        """The collection name."""
        return self._name

    def _collection(self) -> Any:
        """The chromadb collection, fetched anew so that its metadata is current."""
        with _reachable():
            return self.client.get_collection(self._name, embedding_function=None)

    def count(self) -> int:
        """Number of chunks stored."""
        with _reachable():
            return int(self._collection().count())

    def version(self) -> str:
        """A value that changes with every write to the collection, by any process."""
        return str((self._collection().metadata or {}).get(_VERSION_KEY, ""))

    def _changed(self) -> None:
        collection = self._collection()
        meta = dict(collection.metadata or {})
        meta[_VERSION_KEY] = uuid.uuid4().hex
        with _reachable():
            collection.modify(metadata=meta)

    def _metadatas(self) -> Iterable[tuple[str, dict[str, Any]]]:
        offset = 0
        while True:
            with _reachable():
                page = self.vectorstore.get(include=["metadatas"], limit=_PAGE, offset=offset)
            ids = page["ids"]
            yield from zip(ids, page["metadatas"], strict=True)
            if len(ids) < _PAGE:
                return
            offset += len(ids)

    def doc_states(self) -> dict[str, DocState]:
        """Per document id: its content hash and chunk ids."""
        hashes: dict[str, set[str]] = {}
        expected: dict[str, int] = {}
        ids: dict[str, list[str]] = {}
        sources: dict[str, str] = {}
        undated: set[str] = set()  # stored before dates could be filtered: written again
        for chunk_id, meta in self._metadatas():
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
                chunk_ids=tuple(ids[d]),
                complete=len(hashes[d]) == 1 and expected[d] == len(ids[d]) and d not in undated,
                source=sources[d],
            )
            for d in ids
        }

    def documents(self) -> list[DocumentInfo]:
        """One entry per ingested document, sorted by title."""
        docs: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        pages: dict[str, int] = {}
        for _, meta in self._metadatas():
            doc_id = str(meta["doc_id"])
            docs[doc_id] = meta
            counts[doc_id] = counts.get(doc_id, 0) + 1
            pages[doc_id] = max(pages.get(doc_id, 0), int(meta.get("page") or 0))
        infos = [
            DocumentInfo(
                doc_id=d,
                source=str(m["source"]),
                title=str(m["title"]),
                published=m.get("published") or None,
                section=m.get("section") or None,
                chunks=counts[d],
                ingested_at=str(m.get("ingested_at", "")),
                site=m.get("site") or None,
                author=m.get("author") or None,
                pages=pages[d] or None,
            )
            for d, m in docs.items()
        ]
        return sorted(infos, key=lambda i: (i.title.lower(), i.source))

    def add(self, chunks: Sequence[Chunk], doc_chunks: Sequence[int], ingested_at: str) -> None:
        """Embed and upsert chunks (ids are their `chunk_id`).

        `doc_chunks[i]` is how many chunks the document of `chunks[i]` has in all, so that a
        document whose chunks were only partly written is seen as incomplete and re-ingested.
        """
        if chunks:
            metadatas = [_meta(c, n, ingested_at) for c, n in zip(chunks, doc_chunks, strict=True)]
            with _reachable():
                self.vectorstore.add_texts(
                    texts=[c.text for c in chunks],
                    metadatas=metadatas,
                    ids=[c.chunk_id for c in chunks],
                )
            self._changed()

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        for i in range(0, len(chunk_ids), _PAGE):
            with _reachable():
                self.vectorstore.delete(ids=list(chunk_ids[i : i + _PAGE]))
        if chunk_ids:
            self._changed()

    def delete_document(self, doc_id: str) -> int:
        """Remove every chunk of a document, and its kept text; returns how many chunks were
        removed."""
        with _reachable():
            ids = self.vectorstore.get(where={"doc_id": doc_id}, include=[])["ids"]
        self.delete(ids)
        self.texts.remove(doc_id)
        return len(ids)

    def search(
        self, vector: Sequence[float], k: int, window: DateWindow | None = None
    ) -> list[Passage]:
        """The `k` chunks closest to `vector`, with cosine similarity, best first; with
        `window`, only chunks published within it (a filter inside the Chroma query)."""
        collection = self._collection()
        with _reachable():
            hits = collection.query(
                query_embeddings=[list(vector)],
                n_results=k,
                where=where_filter(window),
                include=["documents", "metadatas", "distances"],
            )
        ids, docs = hits["ids"][0], (hits["documents"] or [[]])[0]
        metas, dists = (hits["metadatas"] or [[]])[0], (hits["distances"] or [[]])[0]
        return [
            Passage(_chunk(i, d, dict(m)), 1.0 - float(dist), dense_rank=r)
            for r, (i, d, m, dist) in enumerate(zip(ids, docs, metas, dists, strict=True))
        ]

    def _texts(self) -> Iterator[tuple[str, str, int]]:
        """Chunk id, text and publication day (YYYYMMDD, 0: none) of every chunk, page by
        page."""
        offset = 0
        while True:
            with _reachable():
                page = self._collection().get(include=["documents", "metadatas"], limit=_PAGE,
                                              offset=offset)  # fmt: skip
            for cid, text, meta in zip(page["ids"], page["documents"] or [],
                                       page["metadatas"] or [], strict=True):  # fmt: skip
                yield cid, text, int((meta or {}).get(DAY_KEY) or 0)
            if len(page["ids"]) < _PAGE:
                return
            offset += len(page["ids"])

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
            query, k, since=day_number(window.since) if window.since else None,
            until=day_number(window.until) if window.until else None,
        )  # fmt: skip

    def refresh_lexical(self) -> None:
        """Bring the BM25 index in step with the collection: kept if current, else loaded from
        its folder, else rebuilt from the collection's chunks (and saved)."""
        collection = self._collection()
        version = str((collection.metadata or {}).get(_VERSION_KEY, ""))
        with _reachable():
            count = int(collection.count())
        self.lexical.sync(version, count, self._texts)

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
        lex_rank = {cid: (r, score) for r, (cid, score) in enumerate(lexical)}
        out = []
        for cid in top:
            r, score = lex_rank.get(cid, (None, 0.0))
            out.append(
                replace(
                    dense[cid],
                    lexical=score / best_bm25 if best_bm25 else 0.0,
                    lexical_rank=r,
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

        collection = self._collection()
        try:
            with _reachable():
                got = collection.get(ids=ids, include=["documents", "metadatas", "embeddings"])
            embs = list(got["embeddings"] if got["embeddings"] is not None else [])
        except ChromaError:
            with _reachable():
                got = collection.get(ids=ids, include=["documents", "metadatas"])
            embs = self.vectorstore.embeddings.embed_documents(list(got["documents"] or []))
        q = np.asarray(vector, dtype=np.float32)
        return {
            i: Passage(_chunk(i, d, dict(m)), float(np.dot(np.asarray(e, dtype=np.float32), q)))
            for i, d, m, e in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], embs, strict=True
            )
        }


def require_collection(client: ClientAPI, name: str) -> None:
    """Raise `CollectionNotFoundError` unless `client` has a collection `name`."""
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    if name not in existing:
        have = ", ".join(sorted(existing)) or "none"
        raise CollectionNotFoundError(
            f"no collection {name!r} in the store (collections: {have}); ingest into it "
            f"with `qa ingest PATH --collection {name}` or set QA_COLLECTION"
        )
