"""Chunks with their provenance in one Chroma collection, through `langchain_chroma.Chroma`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from qa.errors import (
    CollectionNotFoundError,
    ConfigError,
    StoreNotFoundError,
    StoreUnavailableError,
)
from qa.settings import Settings
from qa.types import Chunk, DocumentInfo, Passage

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

__all__ = ["ChunkStore", "DocState", "open_client", "require_collection"]

_PAGE = 5000


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


def _meta(chunk: Chunk, doc_chunks: int, ingested_at: str) -> dict[str, Any]:
    return {
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
    )


class ChunkStore:
    """A Chroma collection of chunks (cosine space), wrapped in `langchain_chroma.Chroma`."""

    def __init__(self, vectorstore: Any) -> None:
        self.vectorstore = vectorstore

    @classmethod
    def open(
        cls, client: ClientAPI, name: str, embeddings: Embeddings, *, create: bool = False
    ) -> ChunkStore:
        """Open collection `name` of `client`; with `create=True` make it if it is missing."""
        from langchain_chroma import Chroma

        if not create:
            require_collection(client, name)
        vs = Chroma(
            client=client,
            collection_name=name,
            embedding_function=embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        return cls(vs)

    @property
    def name(self) -> str:
        """The collection name."""
        return str(self.vectorstore._collection.name)

    def count(self) -> int:
        """Number of chunks stored."""
        with _reachable():
            return int(self.vectorstore._collection.count())

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
        for chunk_id, meta in self._metadatas():
            doc_id = str(meta["doc_id"])
            sources[doc_id] = str(meta.get("source", ""))
            hashes.setdefault(doc_id, set()).add(str(meta.get("doc_hash", "")))
            expected[doc_id] = int(meta.get("doc_chunks", -1))
            ids.setdefault(doc_id, []).append(chunk_id)
        return {
            d: DocState(
                doc_hash=next(iter(hashes[d])) if len(hashes[d]) == 1 else "",
                chunk_ids=tuple(ids[d]),
                complete=len(hashes[d]) == 1 and expected[d] == len(ids[d]),
                source=sources[d],
            )
            for d in ids
        }

    def documents(self) -> list[DocumentInfo]:
        """One entry per ingested document, sorted by title."""
        docs: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        for _, meta in self._metadatas():
            doc_id = str(meta["doc_id"])
            docs[doc_id] = meta
            counts[doc_id] = counts.get(doc_id, 0) + 1
        infos = [
            DocumentInfo(
                doc_id=d,
                source=str(m["source"]),
                title=str(m["title"]),
                published=m.get("published") or None,
                section=m.get("section") or None,
                chunks=counts[d],
                ingested_at=str(m.get("ingested_at", "")),
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

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        for i in range(0, len(chunk_ids), _PAGE):
            with _reachable():
                self.vectorstore.delete(ids=list(chunk_ids[i : i + _PAGE]))

    def delete_document(self, doc_id: str) -> int:
        """Remove every chunk of a document; returns how many were removed."""
        with _reachable():
            ids = self.vectorstore.get(where={"doc_id": doc_id}, include=[])["ids"]
        self.delete(ids)
        return len(ids)

    def search(self, vector: Sequence[float], k: int) -> list[Passage]:
        """The `k` chunks closest to `vector`, with cosine similarity, best first."""
        with _reachable():
            hits = self.vectorstore.similarity_search_by_vector_with_relevance_scores(
                list(vector), k=k
            )
        # langchain_chroma returns the raw cosine distance here; similarity is 1 - distance.
        return [
            Passage(_chunk(str(doc.id), doc.page_content, doc.metadata), 1.0 - float(dist))
            for doc, dist in hits
        ]


def require_collection(client: ClientAPI, name: str) -> None:
    """Raise `CollectionNotFoundError` unless `client` has a collection `name`."""
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    if name not in existing:
        have = ", ".join(sorted(existing)) or "none"
        raise CollectionNotFoundError(
            f"no collection {name!r} in the store (collections: {have}); ingest into it "
            f"with `qa ingest PATH --collection {name}` or set QA_COLLECTION"
        )
