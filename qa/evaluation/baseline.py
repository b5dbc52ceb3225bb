"""The stock LangChain recipe, as a reference: it answers with the top chunk and never abstains.

RecursiveCharacterTextSplitter(1000, 200), `Chroma.from_documents`, `similarity_search` top k
(the stock 4 by default; `qa eval --baseline` gives it the same k as ours), with the same
embedding model, so every figure of `qa eval --baseline` has a reference.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from core.types import (
    Answer,
    Attribution,
    Chunk,
    Citation,
    Passage,
    SourceDocument,
    Timings,
)

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

__all__ = ["BaselineQA"]


class BaselineQA:
    """What most tutorials build; `ask` returns an `Answer` so it is scored like `QA`."""

    def __init__(
        self,
        client: ClientAPI,
        embeddings: Embeddings,
        docs: Sequence[SourceDocument],
        *,
        k: int = 4,
        collection: str = "baseline",
    ) -> None:
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.k = k
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=1000, chunk_overlap=200, add_start_index=True
        )
        chunks = splitter.split_documents(
            [
                Document(
                    page_content=d.text,
                    metadata={"doc_id": d.doc_id, "source": d.source, "title": d.title},
                )
                for d in docs
            ]
        )
        self.n_chunks = len(chunks)
        self.store = Chroma.from_documents(
            chunks,
            embedding=embeddings,
            client=client,
            collection_name=collection,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )

    def ask(self, question: str, history: Sequence[object] = ()) -> Answer:
        """The top chunk as the answer, cited whole; history is ignored, as in the recipe."""
        t0 = time.perf_counter()
        hits = self.store.similarity_search_with_score(question, k=self.k)
        passages = []
        for i, (doc, distance) in enumerate(hits):
            m = doc.metadata
            start = int(m["start_index"])
            chunk = Chunk(
                chunk_id=str(doc.id),
                doc_id=m["doc_id"],
                source=m["source"],
                title=m["title"],
                index=i,
                start=start,
                end=start + len(doc.page_content),
                text=doc.page_content,
            )
            passages.append(Passage(chunk, 1.0 - float(distance)))
        ms = (time.perf_counter() - t0) * 1000
        if not passages:
            return Answer(question=question, text="", status="not_found", query=question)
        top = passages[0].chunk
        citation = Citation(
            **Attribution.fields_of(top),
            n=1,
            chunk_id=top.chunk_id,
            text=top.text,
            quote=top.text,
            start=top.start,
            end=top.end,
            score=round(passages[0].score, 4),
        )
        return Answer(
            question=question,
            text=f"{top.text} [1]",
            status="answered",
            citations=(citation,),
            query=question,
            passages=tuple(passages),
            timings=Timings(retrieve_ms=ms, total_ms=ms),
            score=passages[0].score,
        )
