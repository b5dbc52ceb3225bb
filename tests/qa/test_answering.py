"""Answer quality on the seed article with its labelled question set (real store and model)."""

from __future__ import annotations

import statistics

import pytest

from ingest.loaders import load_file
from qa import NOT_FOUND_TEXT, QA
from qa.evaluation import ask_question, load_questions, words
from qa.scoring import score_answer
from tests.conftest import SEED_FILE, SEED_QUESTIONS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(seed_qa: QA):
    questions = load_questions(SEED_QUESTIONS)
    return [(q, ask_question(seed_qa, q)) for q in questions]


@pytest.fixture(scope="module")
def sources(seed_qa: QA) -> dict[str, str]:
    doc = load_file(SEED_FILE)
    return {doc.doc_id: doc.text}


def test_question_set_is_what_the_issue_asks_for(results) -> None:
    answerable = [q for q, _ in results if q.answerable and not q.turns]
    unanswerable = [q for q, _ in results if not q.answerable]
    follow_ups = [q for q, _ in results if q.turns]
    assert len(answerable) + len(unanswerable) >= 25
    assert len(unanswerable) >= 5 and len(follow_ups) >= 3
    text = SEED_FILE.read_text(encoding="utf-8")
    assert all(q.evidence in text for q in answerable + follow_ups)


def _evidence_first_rate(results, sources) -> tuple[float, list[str]]:
    answerable = [(q, a) for q, a in results if q.answerable]
    misses = [
        q.id for q, a in answerable if not score_answer(q, a, sources, 0.0).first_citation_relevant
    ]
    return 1 - len(misses) / len(answerable), misses


def _declined_rate(results) -> tuple[float, list[str]]:
    unanswerable = [(q, a) for q, a in results if not q.answerable]
    answered = [q.id for q, a in unanswerable if a.status != "not_found"]
    return 1 - len(answered) / len(unanswerable), answered


# The core issue asks for 90% evidence-first and 80% declined. The extractive answerer over
# MiniLM reaches about 39% and 70% on this paraphrased set (README, "Answer quality"); these
# strict xfails keep the target visible and fail loudly once it is met, so the mark must go.
GAP = "issue target not yet met by the MiniLM-only extractive answerer; see README"


@pytest.mark.xfail(strict=True, reason=GAP)
def test_issue_target_evidence_cited_first(results, sources) -> None:
    rate, misses = _evidence_first_rate(results, sources)
    assert rate >= 0.90, f"evidence cited first for {rate:.0%}; missed {misses}"


@pytest.mark.xfail(strict=True, reason=GAP)
def test_issue_target_unanswerable_declined(results) -> None:
    rate, answered = _declined_rate(results)
    assert rate >= 0.80, f"declined {rate:.0%}; answered {answered}"


def test_evidence_cited_first_does_not_regress(results, sources) -> None:
    rate, misses = _evidence_first_rate(results, sources)
    assert rate >= 0.35, f"evidence cited first for {rate:.0%}; missed {misses}"


def test_unanswerable_declined_does_not_regress(results) -> None:
    rate, answered = _declined_rate(results)
    assert rate >= 0.60, f"declined {rate:.0%}; answered {answered}"
    for q, a in results:
        if not q.answerable and a.status == "not_found":
            assert a.text == NOT_FOUND_TEXT and a.citations == ()


def test_answers_are_short(results) -> None:
    lengths = [words(a.text) for _, a in results if a.status == "answered"]
    assert statistics.median(lengths) <= 40
    assert all(1 <= len(a.citations) <= 3 for _, a in results if a.status == "answered")


def test_every_marker_points_at_a_verbatim_quote(results, sources) -> None:
    for q, a in results:
        assert score_answer(q, a, sources, 0.0).citations_valid
        assert all(c.quote in c.text for c in a.citations)
        for c in a.citations:
            assert f"{c.quote} [{c.n}]" in a.text
        assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))


def test_summit_location(seed_qa: QA, sources) -> None:
    a = seed_qa.ask("Where will the summit take place?")
    assert a.status == "answered"
    assert "Singapore" in a.citations[0].quote and "Singapore" in a.text
    assert sources[a.citations[0].doc_id][a.citations[0].start : a.citations[0].end] == (
        a.citations[0].quote
    )


def test_off_topic_question_is_declined(seed_qa: QA) -> None:
    a = seed_qa.ask("Which team won the 1998 World Cup?")
    assert a.status == "not_found" and not a.answered


def test_follow_up_uses_the_conversation(seed_qa: QA) -> None:
    first = seed_qa.ask("What is the U.S. president planning to discuss with Xi?")
    alone = seed_qa.ask("What does he want from Beijing?")
    follow = seed_qa.ask("What does he want from Beijing?", history=[first])
    assert follow.query != follow.question and "president" in follow.query
    assert follow.status == "answered"
    assert "Trump" in follow.citations[0].text
    assert "Trump" in follow.citations[0].quote or "White House" in follow.citations[0].quote
    assert alone.query == alone.question
