"""Optional capabilities are found by protocol, and model failures by exception type (fast)."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import openai
import pytest

from core.types import Answer, Passage
from qa.answering.answer_text import NOT_FOUND_TEXT
from qa.answering.chain_state import QueryVector
from qa.answering.extractive import ExtractiveAnswerer
from qa.answering.protocols import (
    Answerer,
    ReusesQueryVector,
    RewritesQueries,
    SearchesByVector,
    StreamingAnswerer,
    StreamsWithQueryVector,
)
from qa.llm.answerer import LLMAnswerer
from qa.llm.models import LlamaCppChat, as_llm_error, server_failed
from qa.service import QA
from qa.store.retriever import ChunkRetriever
from tests.toy import ToyEmbeddings


class Rewriting:
    """An answerer that makes the retrieval query of follow-ups itself."""

    def answer(self, question: str, query: str, passages: Sequence[Passage]) -> Answer:
        return Answer(question, NOT_FOUND_TEXT, "not_found", query=query)

    def rewrite_query(self, question: str, history: Sequence[str]) -> str:
        return f"{question} (after {len(history)} questions)"


def test_the_answerers_capabilities_are_protocols(toy_embeddings) -> None:
    extractive = ExtractiveAnswerer(toy_embeddings)
    llm = LLMAnswerer(LlamaCppChat(model_path="unused.gguf"), toy_embeddings)
    assert isinstance(extractive, Answerer) and not isinstance(extractive, StreamingAnswerer)
    assert not isinstance(extractive, RewritesQueries)
    assert isinstance(llm, StreamingAnswerer) and isinstance(llm, RewritesQueries)
    assert isinstance(extractive, ReusesQueryVector) and isinstance(llm, ReusesQueryVector)
    assert isinstance(llm, StreamsWithQueryVector)
    assert not isinstance(extractive, StreamsWithQueryVector)
    assert not isinstance(Rewriting(), ReusesQueryVector)


def test_the_retriever_takes_the_query_vector(toy_store, toy_embeddings) -> None:
    retriever = ChunkRetriever(store=toy_store, embeddings=toy_embeddings)
    assert isinstance(retriever, SearchesByVector)


def test_a_query_vector_is_reused_only_for_its_text_and_model(toy_embeddings) -> None:
    answerer = ExtractiveAnswerer(toy_embeddings)
    query = "Where will the summit take place?"
    made = toy_embeddings.embed_query(query)
    marked = (2.0, *made[1:])  # told apart from the model's own vector
    assert answerer.query_vector(query, QueryVector(query, marked, toy_embeddings)) == marked
    for other in (
        QueryVector("Who is Xi?", marked, toy_embeddings),  # another text
        QueryVector(query, marked, ToyEmbeddings()),  # another model
        None,
    ):
        assert answerer.query_vector(query, other) == made


def test_an_answerer_that_rewrites_makes_the_query(toy_store, toy_embeddings) -> None:
    qa = QA(toy_store, toy_embeddings, answerer=Rewriting())
    answer = qa.ask("And he?", ["Who is Ukraine's president?"])
    assert answer.query == "And he? (after 1 questions)"


class TimeoutInName(Exception):
    """Named like a timeout, but none: told apart by type, not by name."""


_REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (openai.APITimeoutError(request=_REQUEST), "did not answer in time (APITimeoutError)"),
        (httpx.ReadTimeout("slow"), "did not answer in time (ReadTimeout)"),
        (TimeoutError("slow"), "did not answer in time"),
        (openai.APIConnectionError(request=_REQUEST), "cannot reach the language model server"),
        (ConnectionRefusedError("refused"), "cannot reach the language model server"),
        (TimeoutInName("odd"), "failed: TimeoutInName: odd"),
        (ValueError("bad reply"), "failed: ValueError: bad reply"),
    ],
)
def test_model_failures_are_told_by_type(exc: Exception, line: str) -> None:
    model = LlamaCppChat(model_path="/models/m.gguf")
    assert line in str(as_llm_error(exc, model))
    assert server_failed(exc) == ("failed:" not in line)
