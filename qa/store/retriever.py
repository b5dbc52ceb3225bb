"""Retrieval: a LangChain retriever over the chunk store (hybrid or dense)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from core.types import DateWindow, Passage
from qa.store.chunks import ChunkStore
from qa.store.records import chunk_metadata

__all__ = ["ChunkRetriever", "passage_to_document"]


def passage_to_document(passage: Passage) -> Document:
    """A LangChain `Document` of a passage: the chunk's text, its provenance as stored
    (`qa.store.records.chunk_metadata`) and its scores in metadata, its id as the `id`."""
    scores = {
        "score": passage.score,
        "dense_rank": passage.dense_rank,
        "lexical_rank": passage.lexical_rank,
        "lexical": passage.lexical,
        "fused": passage.fused,
    }
    meta = {**chunk_metadata(passage.chunk), **scores}
    return Document(page_content=passage.chunk.text, metadata=meta, id=passage.chunk.chunk_id)


class ChunkRetriever(BaseRetriever):
    """The `k` best chunks for the query: by reciprocal rank fusion of BM25 and the cosine
    similarity of MiniLM embeddings (`hybrid`, the default), or by cosine alone (`dense`).

    `search` gives `Passage`s (what the chain uses); as a LangChain retriever it gives
    `Document`s (`passage_to_document`)."""

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
        return self.search_by_vector(query, self.embeddings.embed_query(query), k, window)

    def search_by_vector(
        self,
        query: str,
        vector: Sequence[float],
        k: int | None = None,
        window: DateWindow | None = None,
    ) -> list[Passage]:
        """`search`, with `vector` the embedding of `query` by `embeddings`: a caller that
        searches more than once, or compares the query with sentences, embeds it once."""
        if self.mode == "dense":
            return self.store.search(vector, k or self.k, window)
        return self.store.hybrid_search(query, vector, k or self.k, window=window)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        passages = self.search(query, kwargs.get("k"), kwargs.get("window"))
        return [passage_to_document(p) for p in passages]
