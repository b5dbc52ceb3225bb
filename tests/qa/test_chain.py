"""The library surface: `QA.ask`, the chain as a Runnable, typed frozen results, errors."""

from __future__ import annotations

import dataclasses
import time

import pytest

import qa as qa_pkg
from qa import QA, Answer, Citation, ConfigError, QuestionError
from qa.answering.chain import AnswerStep, build_chain, text_pieces, validate_question
from qa.answering.chain_state import Prepared, Retrieved

SUMMIT = "Where will the summit take place?"


def test_public_api_is_reexported() -> None:
    for name in ("QA", "Answer", "Citation", "Chunk", "Settings", "QAError", "ChunkStore"):
        assert name in qa_pkg.__all__ and hasattr(qa_pkg, name)


@pytest.mark.parametrize("bad", ["", "   \n\t", None, 42])
def test_empty_or_non_text_questions_are_refused(bad: object) -> None:
    with pytest.raises(QuestionError):
        validate_question(bad, 100)


def test_over_long_question_names_the_limit() -> None:
    with pytest.raises(QuestionError, match="101 characters long; the limit is 100"):
        validate_question("x" * 101, 100)


@pytest.mark.parametrize(
    "text", ["", "one", "  Two words [1]  ", "The\u00a0Trump–Xi summit.\n\nNext [2]"]
)
def test_text_pieces_join_back_to_the_text(text: str) -> None:
    pieces = list(text_pieces(text))
    assert "".join(pieces) == text
    assert len(pieces) == len(text.split())


class _Streaming:
    """An answerer that writes its answer in two pieces (a stand-in for an LLM)."""

    def answer(self, question, query, passages):  # type: ignore[no-untyped-def]
        return Answer(question=question, text="Singapore [1]", status="answered", query=query)

    def stream(self, question, query, passages):  # type: ignore[no-untyped-def]
        yield "Singa"
        yield "pore [1]"
        yield self.answer(question, query, passages)


def test_answer_step_streams_what_the_answerer_streams() -> None:
    now = time.perf_counter()
    state = Retrieved(Prepared("q?", "q?", 4, None, None, now), None, (), None, now)
    stream = AnswerStep(_Streaming()).stream(state)
    assert next(stream) == "Singa"  # a piece arrives before the answer is finished
    pieces = ["Singa", *stream]
    assert pieces[:2] == ["Singa", "pore [1]"]
    assert isinstance(pieces[2], Answer) and pieces[2].timings.total_ms > 0
    assert AnswerStep(_Streaming()).invoke(state).text == "Singapore [1]"


class _NoPassages:
    """A retriever stand-in that finds nothing."""

    k = 4

    def search(self, query, k=None, window=None):  # type: ignore[no-untyped-def]
        return []


def test_only_the_recent_history_is_read_and_it_has_the_question_limit() -> None:
    seen: list[list[str]] = []

    def rewrite(question: str, history: list[str]) -> str:
        seen.append(list(history))
        return question

    chain = build_chain(_NoPassages(), _Streaming(), max_question_chars=20, rewrite=rewrite)
    old = "x" * 5000  # too long, but too old to be read
    chain.invoke({"question": "And he?", "history": [old, " Who? ", "", "What now?", "  "]})
    assert seen == [["Who?", "What now?"]]
    with pytest.raises(
        QuestionError, match="an earlier question is 21 characters long; the limit is 20 "
    ):
        chain.invoke({"question": "And he?", "history": ["x" * 21, "Who?"]})


@pytest.mark.slow
class TestWithSeed:
    def test_ask_returns_a_typed_frozen_answer(self, seed_qa: QA) -> None:
        a = seed_qa.ask(SUMMIT)
        assert isinstance(a, Answer) and isinstance(a.citations[0], Citation)
        assert a.question == SUMMIT and a.query == SUMMIT
        assert a.passages and a.passages[0].score >= a.passages[-1].score
        assert a.timings.total_ms >= a.timings.retrieve_ms > 0
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.text = "changed"  # type: ignore[misc]
        assert a.to_dict()["citations"][0]["quote"] == a.citations[0].quote

    def test_chain_is_a_runnable(self, seed_qa: QA) -> None:
        by_invoke = seed_qa.chain.invoke(SUMMIT)
        batch = seed_qa.chain.batch([SUMMIT, {"question": "Who is Bonnie Glaser?", "k": 2}])
        streamed = list(seed_qa.chain.stream({"question": SUMMIT}))
        assert by_invoke.citations[0].quote == batch[0].citations[0].quote
        assert len(batch[1].passages) == 2
        assert streamed[-1].citations[0].quote == by_invoke.citations[0].quote

    def test_stream_yields_the_text_then_the_answer(self, seed_qa: QA) -> None:
        *pieces, answer = seed_qa.stream(SUMMIT, k=3)
        assert isinstance(answer, Answer) and len(answer.passages) == 3
        assert len(pieces) > 3 and all(isinstance(p, str) for p in pieces)
        assert "".join(pieces) == answer.text == seed_qa.ask(SUMMIT, k=3).text

    def test_stream_raises_bad_questions_when_iterated(self, seed_qa: QA) -> None:
        stream = seed_qa.stream("   ")
        with pytest.raises(QuestionError):
            next(stream)

    def test_k_limits_the_passages(self, seed_qa: QA) -> None:
        assert len(seed_qa.ask(SUMMIT, k=1).passages) == 1

    @pytest.mark.parametrize("k", [0, -1, 51, "3", True])
    def test_bad_k_is_a_config_error(self, seed_qa: QA, k: object) -> None:
        with pytest.raises(ConfigError, match="k must be"):
            seed_qa.chain.invoke({"question": SUMMIT, "k": k})

    @pytest.mark.parametrize("bad", ["", "  ", "?" * 1001])
    def test_bad_questions_raise_through_ask(self, seed_qa: QA, bad: str) -> None:
        with pytest.raises(QuestionError):
            seed_qa.ask(bad)

    def test_documents_lists_the_seed(self, seed_qa: QA) -> None:
        (doc,) = seed_qa.documents()
        assert doc.published == "2025-10-29" and doc.section == "Politics" and doc.chunks >= 3
