"""The LLM path's order of decisions with the real SmolLM2-135M on the seed article: the model
reads what the extractive check would decline, a reply with nothing backed falls back to the
closest sentence as `uncertain`, and an off-collection question never reaches the model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from qa import QA
from qa.answering.answer_text import UNCERTAIN_PREFIX
from qa.llm.answerer import LLMAnswerer
from qa.llm.models import LlamaCppChat
from qa.service import default_answerer
from tests.conftest import smollm2_gguf

pytestmark = pytest.mark.slow
# About the article (retrieved passages above the relevance floor) but in words none of its
# sentences answers well: the extractive answerability would decline it.
VAGUE = "What is the mood in Beijing?"
REWORDED = "Which conflict does the American leader want Beijing's help to end?"
OFF_COLLECTION = "What is the melting point of tungsten?"


class Counted(LlamaCppChat):
    """SmolLM2, counting its generations."""

    calls: int = 0

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self.calls += 1
        yield from super()._stream(messages, stop, run_manager, **kwargs)


@pytest.fixture(scope="module")
def llm_qa(seed_qa: QA) -> QA:
    """The seed store answered by SmolLM2 as the service builds the LLM answerer."""
    settings = seed_qa.settings.with_(llm=f"llamacpp:{smollm2_gguf()}")
    answerer = default_answerer(settings, seed_qa.embeddings)
    assert isinstance(answerer, LLMAnswerer)
    answerer.chat_model = Counted(model_path=str(smollm2_gguf()), max_tokens=96)
    return QA(seed_qa.store, seed_qa.embeddings, settings=settings, answerer=answerer)


def _model(qa: QA) -> Counted:
    assert isinstance(qa.answerer, LLMAnswerer) and isinstance(qa.answerer.chat_model, Counted)
    return qa.answerer.chat_model


def test_a_question_the_extractive_check_declines_is_passed_to_the_model(llm_qa: QA) -> None:
    answerer = llm_qa.answerer
    assert isinstance(answerer, LLMAnswerer)
    passages = llm_qa.retriever.search(VAGUE)
    assert answerer.extractive.answer(VAGUE, VAGUE, passages).status == "not_found"
    ranked = answerer.extractive.score_sentences(VAGUE, passages)
    assert answerer.relevance.passes(ranked)
    before = _model(llm_qa).calls
    answer = llm_qa.ask(VAGUE)
    assert _model(llm_qa).calls == before + 1
    assert answer.status in ("answered", "uncertain", "not_found")  # whatever SmolLM2 makes of it
    for c in answer.citations:
        assert Path(c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote


def test_a_reply_with_nothing_backed_falls_back_to_the_closest_sentence(llm_qa: QA) -> None:
    answerer = llm_qa.answerer
    assert isinstance(answerer, LLMAnswerer)
    passages = llm_qa.retriever.search(REWORDED)
    ranked = answerer.extractive.score_sentences(REWORDED, passages)
    extractive = answerer.extractive.from_ranked(REWORDED, REWORDED, passages, ranked)
    shown = answerer.prompt_passages(ranked, passages)
    for reply in ("Volcanoes erupted on Mars in 1870 [1].", "It is the Moon [2]."):
        answer = answerer.check(reply, extractive, shown, ranked)
        assert answer.status == "uncertain", reply
        assert answer.text.startswith(UNCERTAIN_PREFIX)
        (c,) = answer.citations
        assert c.quote == ranked[0].text and (c.start, c.end) == (ranked[0].start, ranked[0].end)


def test_an_off_collection_question_is_declined_without_calling_the_model(llm_qa: QA) -> None:
    before = _model(llm_qa).calls
    answer = llm_qa.ask(OFF_COLLECTION)
    assert answer.status == "not_found" and not answer.citations
    assert _model(llm_qa).calls == before
