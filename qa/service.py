"""`QA`, the one entry point that the CLI, the API, the UI and other code use to ask questions
and to add, re-ingest, delete and list documents, and the one place where the concrete parts
are chosen: the embedding model, the store, the answerer and the query rewriter."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.settings import Settings
from core.types import Answer
from qa.documents.ops import DocumentOps

# The answering parts are imported where they are used, so that `qa ingest` (which needs only
# `open_store` and `load_embeddings`) does not import LangChain's runnables.
if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.runnables import Runnable

    from qa.answering.chain import QAInput
    from qa.answering.cross_encoder import CrossEncoder
    from qa.answering.protocols import Answerer, QueryRewriter
    from qa.documents.rebuild import RebuildReport
    from qa.store.chunks import ChunkStore
    from qa.store.embeddings import EmbeddingModel
    from qa.store.retriever import ChunkRetriever

__all__ = ["QA", "default_answerer", "load_embeddings", "load_reranker", "open_store"]


def load_embeddings(settings: Settings) -> EmbeddingModel:
    """The packaged embedding model, with the batch size and CPU threads of `settings`."""
    from qa.store.embeddings import LocalEmbeddings

    return LocalEmbeddings.from_settings(settings)


def open_store(
    settings: Settings, embeddings: Embeddings | None = None, *, create: bool = False
) -> ChunkStore:
    """The configured collection, with its BM25 index and texts. The store and collection must
    exist unless `create` is true; without `embeddings` it lists and deletes but cannot add."""
    from qa.store.chunks import ChunkStore
    from qa.store.client import open_client

    client = open_client(settings, create=create)
    return ChunkStore.from_settings(client, settings, embeddings, create=create)


def load_reranker(settings: Settings, *, background: bool = False) -> CrossEncoder:
    """The shipped cross-encoder (read lazily; with `background`, loading in a thread now)."""
    from qa.answering.cross_encoder import CrossEncoder

    reranker = CrossEncoder(threads=settings.cpu_threads)
    if background:
        reranker.load(background=True)
    return reranker


def default_answerer(
    settings: Settings, embeddings: Embeddings, reranker: CrossEncoder | None = None
) -> Answerer:
    """The extractive answerer, or with `settings.llm` set, the LLM answerer over that model."""
    from qa.answering.extractive import ExtractiveAnswerer
    from qa.answering.ranker import CROSS_ENCODER_MODEL_PATH, RankerModel

    cross = settings.reranker == "cross-encoder"
    extractive = ExtractiveAnswerer(
        embeddings,
        model=RankerModel.load(CROSS_ENCODER_MODEL_PATH) if cross else None,
        reranker=(reranker or load_reranker(settings)) if cross else None,
        answer_at=settings.min_score,
        decline_below=settings.decline_score,
    )
    if not settings.llm:
        return extractive
    from qa.llm.answerer import LLMAnswerer
    from qa.llm.models import make_chat_model, parse_llm_spec
    from qa.llm.relevance import RelevanceFloor

    model = make_chat_model(parse_llm_spec(settings.llm), settings)
    # About 3 characters a token; room for the instructions and the answer.
    prompt_chars = max(2000, (settings.llm_context - settings.llm_max_tokens - 500) * 3)
    relevance = RelevanceFloor.load("ce" if cross else "sem")
    if settings.llm_relevance_floor is not None:
        relevance = replace(relevance, floor=settings.llm_relevance_floor)
    return LLMAnswerer(
        model,
        embeddings,
        min_support=settings.min_support,
        extractive=extractive,
        max_prompt_chars=prompt_chars,
        relevance=relevance,
    )


@dataclass(frozen=True)
class _Answering:
    """What answers a question: the retriever, the answerer and the chain over them."""

    retriever: ChunkRetriever
    answerer: Answerer
    chain: Runnable[str | QAInput, Answer]


class QA(DocumentOps):
    """Question answering with cited passages over one Chroma collection, and the documents of
    that collection (`ingest`, `add_uploads`, `add_links`, `reingest`, `delete`, `documents`:
    see `DocumentOps`).

    Build it from settings (`QA.from_settings()`), or pass the collaborators in: a `ChunkStore`,
    the `Embeddings` it was built with, and optionally another `Answerer`. The answering parts
    are made at the first question, so a `QA` that only ingests never loads them.
    """

    def __init__(
        self,
        store: ChunkStore,
        embeddings: EmbeddingModel,
        *,
        settings: Settings | None = None,
        answerer: Answerer | None = None,
        reranker: CrossEncoder | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.store = store
        self.embeddings = embeddings
        self._given_answerer = answerer
        self._reranker = reranker
        self._making = threading.Lock()
        self._parts: _Answering | None = None
        if answerer is None and self.settings.llm:
            from qa.llm.models import parse_llm_spec

            parse_llm_spec(self.settings.llm)  # a bad QA_LLM fails here, not at a question

    def _answering(self) -> _Answering:
        """The answering parts, made once, at the first question (under a lock: requests of
        the API may ask at once)."""
        with self._making:
            if self._parts is None:
                self._parts = self._make_answering()
            return self._parts

    def _make_answering(self) -> _Answering:
        from qa.answering.chain import build_chain
        from qa.answering.conversation import condense_query
        from qa.answering.protocols import RewritesQueries
        from qa.store.retriever import ChunkRetriever

        retriever = ChunkRetriever(
            store=self.store,
            embeddings=self.embeddings,
            k=self.settings.top_k,
            mode=self.settings.retrieval,
        )
        answerer = self._given_answerer or default_answerer(
            self.settings, self.embeddings, self._reranker
        )
        # An answerer that rewrites follow-ups (one with a language model) makes the queries.
        rewrite: QueryRewriter = (
            answerer.rewrite_query if isinstance(answerer, RewritesQueries) else condense_query
        )
        chain = build_chain(
            retriever,
            answerer,
            max_question_chars=self.settings.max_question_chars,
            rewrite=rewrite,
            fold_similarity=self.settings.fold_similarity,
        )
        return _Answering(retriever, answerer, chain)

    @property
    def retriever(self) -> ChunkRetriever:
        """Hybrid (or dense) search of the store for the chain."""
        return self._answering().retriever

    @property
    def answerer(self) -> Answerer:
        """The answerer given, or `default_answerer` for the settings."""
        return self._answering().answerer

    @property
    def chain(self) -> Runnable[str | QAInput, Answer]:
        """The answering chain: validate and condense, retrieve, answer."""
        return self._answering().chain

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        embeddings: EmbeddingModel | None = None,
        create: bool = False,
        preload: bool = True,
    ) -> QA:
        """Open the configured store and load the packaged embedding model (in a thread, while
        the store opens; a given `embeddings` is used as it is).

        The store and collection must exist unless `create` is true (then an empty one is made).
        Without `preload` the models load at their first use (an ingest of unchanged files
        loads none).
        """
        settings = settings or Settings.from_env()
        given = embeddings is not None
        embeddings = embeddings or load_embeddings(settings)  # the tokenizer only
        # The model loads in a thread while the store opens, unless a missing local store is
        # about to fail (the process would wait for the load at exit).
        store_expected = preload and (
            create or bool(settings.chroma_url) or settings.persist_dir.is_dir()
        )
        if not given and store_expected:
            embeddings.load(background=True)
        reranker = (
            load_reranker(settings, background=bool(store_expected))
            if settings.reranker == "cross-encoder"
            else None
        )
        store = open_store(settings, create=create)
        return cls(
            store.with_embeddings(embeddings), embeddings, settings=settings, reranker=reranker
        )

    @staticmethod
    def _input(
        question: str,
        history: Sequence[str | Answer],
        k: int | None,
        dates: Mapping[str, str | dt.date | None],
    ) -> QAInput:
        inp: QAInput = {"question": question, "history": list(history)}
        if k is not None:
            inp["k"] = k
        inp.update({key: v for key, v in dates.items() if v is not None})  # type: ignore[typeddict-item]
        return inp

    def ask(
        self,
        question: str,
        history: Sequence[str | Answer] = (),
        *,
        k: int | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        as_of: str | dt.date | None = None,
    ) -> Answer:
        """Answer `question`; `history` holds earlier turns (questions or `Answer`s), oldest first.

        `since`/`until` (ISO dates or `date`s) keep to documents published within them;
        relative time in the question ("this week", "latest") is resolved against `as_of`
        (default today). Raises `QuestionError` for an empty or over-long question,
        `ConfigError` for a date that is not one.
        """
        dates = {"since": since, "until": until, "as_of": as_of}
        return self.chain.invoke(self._input(question, history, k, dates))

    def stream(
        self,
        question: str,
        history: Sequence[str | Answer] = (),
        *,
        k: int | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        as_of: str | dt.date | None = None,
    ) -> Iterator[str | Answer]:
        """Like `ask`, but yields the answer text in pieces (`str`) and then the `Answer`.

        Errors (`QuestionError` and the like) are raised when iteration starts.
        """
        dates = {"since": since, "until": until, "as_of": as_of}
        yield from self.chain.stream(self._input(question, history, k, dates))

    @staticmethod
    def rebuild(
        settings: Settings,
        *,
        embeddings: EmbeddingModel | None = None,
        progress: bool | None = None,
        wait: float | None = None,
    ) -> RebuildReport:
        """Re-create a damaged store from the sources and texts recorded beside it, under the
        collection's write lock (see `qa.documents.rebuild`)."""
        from qa.documents.lock import StoreLock
        from qa.documents.rebuild import rebuild_store

        model = embeddings or load_embeddings(settings)
        with StoreLock.of(settings).held(wait):
            return rebuild_store(settings, model, model.count_tokens, progress=progress)
