"""Retrieval: a LangChain retriever over the chunk store, scores kept in document metadata."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from qa.core.types import Chunk, DateWindow, Passage
from qa.store.chunks import ChunkStore

__all__ = ["ChunkRetriever", "document_to_passage", "passage_to_document"]


_RANKING = ("dense_rank", "lexical_rank", "lexical", "fused")


def passage_to_document(passage: Passage) -> Document:
    """A LangChain `Document` carrying the chunk's provenance and its scores in metadata."""
    meta = asdict(passage.chunk)
    text = meta.pop("text")
    meta["score"] = passage.score
    meta.update({key: getattr(passage, key) for key in _RANKING})
    return Document(page_content=text, metadata=meta, id=passage.chunk.chunk_id)


def document_to_passage(doc: Document) -> Passage:
    """The inverse of `passage_to_document`."""
    meta = dict(doc.metadata)
    score = float(meta.pop("score"))
    ranking = {key: meta.pop(key) for key in _RANKING if key in meta}
    return Passage(Chunk(text=doc.page_content, **meta), score, **ranking)


class ChunkRetriever(BaseRetriever):
    """The `k` best chunks for the query: by reciprocal rank fusion of BM25 and the cosine
    similarity of MiniLM embeddings (`hybrid`, the default), or by cosine alone (`dense`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChunkStore
    embeddings: Embeddings
    k: int = 6
    mode: Literal["hybrid", "dense"] = "hybrid"

    def search(
        self, query: str, k: int | None = None, window: DateWindow | None = None
    ) -> list[Passage]:
        """Passages for `query`, best first; with `window`, only passages published within it
        (filtered inside both the Chroma query and the BM25 search)."""
        vector = self.embeddings.embed_query(query)
        if self.mode == "dense":
            return self.store.search(vector, k or self.k, window)
        return self.store.hybrid_search(query, vector, k or self.k, window=window)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        passages = self.search(query, kwargs.get("k"), kwargs.get("window"))
        return [passage_to_document(p) for p in passages]
