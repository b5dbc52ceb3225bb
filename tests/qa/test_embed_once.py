"""The question is embedded once per answer: retrieval and the answerer share the query's
vector (the seed article, every text the model embeds recorded; the real model in the slow
tier, the stand-in in the fast one)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.settings import Settings
from ingest.loaders import load_paths
from qa import QA, Answer
from qa.answering.extractive import ExtractiveAnswerer
from qa.documents.pipeline import ingest_documents
from qa.llm.answerer import LLMAnswerer
from qa.store.chunks import ChunkStore
from qa.store.embeddings import EmbeddingModel
from tests.conftest import SEEDS

SUMMIT = "Where will the summit take place?"
LATEST = "What is the latest news about the Trump–Xi summit?"
FOLLOW_UP = "And what does he want from Xi?"
AS_OF = "2025-11-05"


class Recording(EmbeddingModel):
    """The model, recording every text it is asked to embed (queries and documents alike)."""

    def __init__(self, model: EmbeddingModel) -> None:
        self.model = model
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.texts.append(text)
        return self.model.embed_query(text)

    def count_tokens(self, text: str) -> int:
        return self.model.count_tokens(text)


AskHow = Callable[[QA, str, list[str]], Answer]


def _ask(qa: QA, question: str, history: list[str]) -> Answer:
    return qa.ask(question, history, as_of=AS_OF)


def _stream(qa: QA, question: str, history: list[str]) -> Answer:
    *_, answer = qa.stream(question, history, as_of=AS_OF)
    assert isinstance(answer, Answer)
    return answer


QUESTIONS = pytest.mark.parametrize(
    ("question", "history"),
    [(SUMMIT, []), (LATEST, []), (FOLLOW_UP, [SUMMIT])],
    ids=["plain", "latest", "follow-up"],
)
WAYS = pytest.mark.parametrize("how", [_ask, _stream], ids=["ask", "stream"])


def _asked_once(
    qa: QA, recording: Recording, question: str, history: list[str], how: AskHow
) -> Answer:
    """The answer, once the model is seen to have embedded the question (its query) once."""
    answer = how(qa, question, history)
    asked = [t for t in recording.texts if t in (answer.question, answer.query)]
    assert asked == [answer.query]  # the query (for a follow-up, the condensed one), once
    if question == LATEST:
        assert answer.query != question and answer.window is not None and answer.window.latest
    if history:
        assert answer.query.startswith(question) and answer.query != question
    return answer


@QUESTIONS
@WAYS
def test_the_question_is_embedded_once_with_the_stand_in(
    toy_store: ChunkStore,
    toy_embeddings: EmbeddingModel,
    settings: Settings,
    question: str,
    history: list[str],
    how: AskHow,
) -> None:
    ingest_documents(load_paths([SEEDS])[0], toy_store, len, settings, progress=False)
    recording = Recording(toy_embeddings)
    qa = QA(toy_store, recording, settings=settings)
    _asked_once(qa, recording, question, history, how)


@pytest.mark.slow
@QUESTIONS
@WAYS
def test_the_question_is_embedded_once_per_answer(
    seed_qa: QA, question: str, history: list[str], how: AskHow
) -> None:
    recording = Recording(seed_qa.embeddings)
    qa = QA(seed_qa.store, recording, settings=seed_qa.settings)
    answer = _asked_once(qa, recording, question, history, how)
    # The same answer as the model gives unrecorded.
    same = seed_qa.ask(question, history, as_of=AS_OF)
    assert (answer.text, answer.citations, answer.passages) == (
        same.text,
        same.citations,
        same.passages,
    )


@pytest.mark.slow
def test_the_llm_answerer_reuses_the_query_vector_for_its_extractive_ranking(
    seed_qa: QA,
) -> None:
    recording = Recording(seed_qa.embeddings)
    reply = "The summit will take place in South Korea [1]."
    answerer = LLMAnswerer(
        FakeListChatModel(responses=[reply]),
        recording,
        extractive=ExtractiveAnswerer(recording),
    )
    qa = QA(seed_qa.store, recording, settings=seed_qa.settings, answerer=answerer)
    answer = qa.ask(SUMMIT)
    assert answer.citations  # the model was asked, and its sentence checked
    # Its sentence is another text, embedded to check it; the question, once.
    assert [t for t in recording.texts if t == SUMMIT] == [SUMMIT]
