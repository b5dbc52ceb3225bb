"""Retrieval: a LangChain retriever over the chunk store, scores kept in document metadata."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from qa.store import ChunkStore
from qa.types import Chunk, Passage

__all__ = ["ChunkRetriever", "document_to_passage", "passage_to_document"]


def passage_to_document(passage: Passage) -> Document:
    """A LangChain `Document` carrying the chunk's provenance and its score in metadata."""
    meta = asdict(passage.chunk)
    text = meta.pop("text")
    meta["score"] = passage.score
    return Document(page_content=text, metadata=meta, id=passage.chunk.chunk_id)


def document_to_passage(doc: Document) -> Passage:
    """The inverse of `passage_to_document`."""
    meta = dict(doc.metadata)
    score = float(meta.pop("score"))
    return Passage(Chunk(text=doc.page_content, **meta), score)


class ChunkRetriever(BaseRetriever):
    """The `k` chunks nearest to the query by cosine similarity of MiniLM embeddings."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChunkStore
    embeddings: Embeddings
    k: int = 4

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        """Passages for `query`, best first."""
        return self.store.search(self.embeddings.embed_query(query), k or self.k)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return [passage_to_document(p) for p in self.search(query, kwargs.get("k"))]
