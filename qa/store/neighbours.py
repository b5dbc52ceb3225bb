"""Where to look for near-duplicates of new documents without reading every stored text: the
documents of the chunks nearest (by cosine) to a few of their chunks."""

from __future__ import annotations

from collections.abc import Sequence

from qa.store.client import reachable
from qa.store.collection import ChunkCollection

__all__ = ["similar_documents"]

_BATCH = 256  # chunks looked up and queried at a time


def similar_documents(chroma: ChunkCollection, chunk_ids: Sequence[str], n: int = 5) -> set[str]:
    """The documents of the `n` chunks nearest to each of the stored chunks `chunk_ids`."""
    from chromadb.errors import ChromaError

    if not chunk_ids:
        return set()
    collection = chroma.get()
    found: set[str] = set()
    for i in range(0, len(chunk_ids), _BATCH):
        try:
            with reachable():
                got = collection.get(ids=list(chunk_ids[i : i + _BATCH]), include=["embeddings"])
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
