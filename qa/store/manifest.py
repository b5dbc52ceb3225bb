"""The manifest: one entry per ingested document (content hash, chunk count, source, title,
dates, ingest time, state) in a small Chroma collection beside the chunks, `<name>.manifest`.

It lets an ingest decide what changed by looking up the documents it was given, and `qa docs`
list the documents, without reading every chunk. Being a Chroma collection, every process sees
it, in local and in server mode (`chroma run`).

Crash order: a document's entry is written *after* its chunks (`note_written`, called by
`ChunkStore.add`), and is `complete` only once all of its chunks are in; before any of its
chunks is removed the entry is marked incomplete (`mark_incomplete`). So an entry that says
complete never overstates what the collection holds, and a document left half-written by a
crash is redone by the next ingest of it. A store from before the manifest is migrated once,
from its chunks' metadata (`ChunkStore.open`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Self, cast

from core.types import Chunk, DocumentInfo, Provenance
from qa.store.client import reachable

if TYPE_CHECKING:
    from chromadb import Collection, Metadata, Where
    from chromadb.api import ClientAPI
    from chromadb.api.types import PyEmbeddings

__all__ = ["MANIFEST_SUFFIX", "DocEntry", "DocState", "Manifest", "manifest_name"]

MANIFEST_SUFFIX = ".manifest"
_PAGE = 5000
_READY_KEY = "cited_qa_manifest"  # collection metadata: "ready" once built or migrated
_COMPLETE, _INCOMPLETE = "ok", "pending"


def manifest_name(collection: str) -> str:
    """The name of the manifest collection of `collection`."""
    return f"{collection}{MANIFEST_SUFFIX}"


def _point(doc_id: str) -> list[float]:
    """A 2-d unit vector spread by the document id (Chroma needs a vector per record; spread
    points keep its index from degenerating)."""
    h = int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=4).digest(), "big")
    angle = h / 2**32 * 2 * math.pi
    return [math.cos(angle), math.sin(angle)]


@dataclass(frozen=True)
class DocState:
    """What the store holds of a document, to decide whether to re-embed it."""

    doc_hash: str
    chunks: int
    complete: bool
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class DocEntry(DocumentInfo):
    """What the manifest holds of one document: what `qa docs` lists of it, its content hash,
    and whether all of its chunks are stored."""

    doc_hash: str
    complete: bool = True

    def to_metadata(self, blank: AbstractSet[str] = frozenset()) -> dict[str, Any]:
        """The entry as Chroma metadata (no None values; the document id is the record's id)."""
        provenance = super().to_metadata(blank)
        del provenance["doc_id"]
        return {
            **provenance,
            **({"pages": self.pages} if self.pages else {}),
            "doc_hash": self.doc_hash,
            "chunks": self.chunks,
            "ingested_at": self.ingested_at,
            "state": _COMPLETE if self.complete else _INCOMPLETE,
        }

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any], **other: Any) -> Self:
        """The entry of a stored record (the inverse of `to_metadata`; give its `doc_id`)."""
        return super().from_metadata(
            meta,
            **{
                "doc_hash": str(meta.get("doc_hash", "")),
                "chunks": int(meta.get("chunks", 0)),
                "ingested_at": str(meta.get("ingested_at", "")),
                "pages": int(meta["pages"]) if meta.get("pages") else None,
                "complete": meta.get("state") == _COMPLETE,
                **other,
            },
        )

    def state(self) -> DocState:
        """The entry as the `DocState` an ingest decides by."""
        return DocState(
            doc_hash=self.doc_hash, chunks=self.chunks, complete=self.complete, source=self.source
        )

    def info(self) -> DocumentInfo:
        """The entry as the `DocumentInfo` of `qa docs`."""
        return DocumentInfo(**DocumentInfo.fields_of(self))


@dataclass
class _Progress:
    """Chunks of one document written by this process so far (a document may span batches)."""

    doc_hash: str
    ids: set[str] = field(default_factory=set)
    pages: int = 0


class Manifest:
    """The manifest collection of chunk collection `name` on `client`."""

    def __init__(self, client: ClientAPI, name: str) -> None:
        self.client = client
        self.name = manifest_name(name)
        self._progress: dict[str, _Progress] = {}

    def collection(self) -> Collection:
        """The manifest's chromadb collection (made if missing)."""
        with reachable():
            return self.client.get_or_create_collection(self.name, embedding_function=None)

    def exists(self) -> bool:
        """Whether the manifest was built (or migrated) completely."""
        with reachable():
            names = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
        if self.name not in names:
            return False
        return (self.collection().metadata or {}).get(_READY_KEY) == "ready"

    def mark_ready(self) -> None:
        """Record that the manifest holds every document."""
        collection = self.collection()
        with reachable():
            collection.modify(metadata={**(collection.metadata or {}), _READY_KEY: "ready"})

    def count(self) -> int:
        """Number of documents."""
        with reachable():
            return int(self.collection().count())

    def put(self, entries: Sequence[DocEntry]) -> None:
        """Write (or replace) entries."""
        collection = self.collection()
        for i in range(0, len(entries), _PAGE):
            page = entries[i : i + _PAGE]
            vectors: PyEmbeddings = [_point(e.doc_id) for e in page]
            metadatas: list[Metadata] = [e.to_metadata() for e in page]
            with reachable():
                collection.upsert(
                    ids=[e.doc_id for e in page], embeddings=vectors, metadatas=metadatas
                )

    def get(self, doc_ids: Iterable[str]) -> dict[str, DocEntry]:
        """The entries of these documents (those that have one)."""
        ids = list(dict.fromkeys(doc_ids))
        collection = self.collection()
        out: dict[str, DocEntry] = {}
        for i in range(0, len(ids), _PAGE):
            with reachable():
                got = collection.get(ids=ids[i : i + _PAGE], include=["metadatas"])
            for doc_id, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                out[doc_id] = DocEntry.from_metadata(meta or {}, doc_id=doc_id)
        return out

    def entries(self) -> Iterator[DocEntry]:
        """Every entry, page by page."""
        collection = self.collection()
        offset = 0
        while True:
            with reachable():
                page = collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for doc_id, meta in zip(page["ids"], page["metadatas"] or [], strict=True):
                yield DocEntry.from_metadata(meta or {}, doc_id=doc_id)
            if len(page["ids"]) < _PAGE:
                return
            offset += len(page["ids"])

    def by_source(self, sources: Sequence[str]) -> dict[str, DocEntry]:
        """The entries whose source is one of `sources`."""
        out: dict[str, DocEntry] = {}
        collection = self.collection()
        for i in range(0, len(sources), 500):
            with reachable():
                where = cast("Where", {"source": {"$in": [*sources[i : i + 500]]}})
                got = collection.get(where=where, include=["metadatas"])
            for doc_id, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                out[doc_id] = DocEntry.from_metadata(meta or {}, doc_id=doc_id)
        return out

    def remove(self, doc_ids: Sequence[str]) -> None:
        """Forget these documents."""
        collection = self.collection()
        for i in range(0, len(doc_ids), _PAGE):
            with reachable():
                collection.delete(ids=list(doc_ids[i : i + _PAGE]))
        for d in doc_ids:
            self._progress.pop(d, None)

    def mark_incomplete(self, doc_ids: Iterable[str]) -> None:
        """Mark documents as not wholly stored (before any of their chunks is removed)."""
        entries = self.get(doc_ids)
        self.put([_incomplete(e) for e in entries.values() if e.complete])

    def note_written(
        self, chunks: Sequence[Chunk], doc_chunks: Sequence[int], ingested_at: str
    ) -> None:
        """Record chunks just written: each document's entry says complete once all of its
        `doc_chunks` chunks were written by this process, and incomplete until then."""
        touched: dict[str, DocEntry] = {}
        for chunk, total in zip(chunks, doc_chunks, strict=True):
            progress = self._progress.get(chunk.doc_id)
            if progress is None or progress.doc_hash != chunk.doc_hash:
                progress = self._progress[chunk.doc_id] = _Progress(chunk.doc_hash)
            progress.ids.add(chunk.chunk_id)
            progress.pages = max(progress.pages, chunk.page or 0)
            touched[chunk.doc_id] = DocEntry(
                **Provenance.fields_of(chunk),
                doc_hash=chunk.doc_hash,
                chunks=total,
                ingested_at=ingested_at,
                pages=progress.pages or None,
                complete=len(progress.ids) >= total,
            )
        for doc_id, entry in touched.items():
            if entry.complete:
                del self._progress[doc_id]
        self.put(list(touched.values()))


def _incomplete(entry: DocEntry) -> DocEntry:
    return replace(entry, complete=False)
