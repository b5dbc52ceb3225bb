"""Answer quality on the seed article with its labelled question set (real store and model)."""

from __future__ import annotations

import statistics

import pytest

from ingest.loaders import load_file
from qa import NOT_FOUND_TEXT, QA
from qa.answering.answer_text import UNCERTAIN_PREFIX, words
from qa.evaluation.questions import ask_question, load_questions
from qa.evaluation.scoring import score_answer, summarize
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


def _summary(results, sources) -> dict[str, float]:
    return summarize([score_answer(q, a, sources, 0.0) for q, a in results])


# The floors of the retrieval-quality issue (default settings; the recipe's 57.9% is from the
# run beside it in docs/evaluation.md). Those met are ordinary tests; those not met yet stay as
# strict xfails, so that they stay visible and fail loudly once met (then the mark must go). The
# seed set only measures: nothing is fitted on it (bench/fit_ranker.py uses the fit halves of
# SQuAD 2.0 and HotpotQA, training/train_reranker.py SelQA and QNLI).
GAP = (
    "floor not yet met with the cross-encoder and the externally fitted ranker; "
    "see docs/evaluation.md, Answer quality"
)


@pytest.mark.xfail(strict=True, reason=GAP)
def test_floor_evidence_cited_first(results, sources) -> None:
    rate, misses = _evidence_first_rate(results, sources)
    assert rate >= 0.70, f"evidence cited first for {rate:.0%}; missed {misses}"


@pytest.mark.xfail(strict=True, reason=GAP)
def test_floor_answer_contains_a_gold_answer(results, sources) -> None:
    assert _summary(results, sources)["contains_answer"] >= 0.65


@pytest.mark.xfail(strict=True, reason=GAP)
def test_floor_answerable_wrongly_declined(results, sources) -> None:
    assert _summary(results, sources)["wrongly_declined"] <= 0.10


def test_floor_unanswerable_declined_or_uncertain(results, sources) -> None:
    assert _summary(results, sources)["declined_or_uncertain"] >= 0.70


def test_floor_median_answer_length(results, sources) -> None:
    assert _summary(results, sources)["answer_words_median"] <= 40


def test_evidence_cited_first_does_not_regress(results, sources) -> None:
    rate, misses = _evidence_first_rate(results, sources)
    assert rate >= 0.40, f"evidence cited first for {rate:.0%}; missed {misses}"


def test_unanswerable_declined_does_not_regress(results) -> None:
    rate, answered = _declined_rate(results)
    assert rate >= 0.60, f"declined {rate:.0%}; answered {answered}"
    for q, a in results:
        if not q.answerable and a.status == "not_found":
            assert a.text == NOT_FOUND_TEXT and a.citations == ()


def test_uncertain_answers_cite_the_closest_passage(results, sources) -> None:
    uncertain = [(q, a) for q, a in results if a.status == "uncertain"]
    assert uncertain  # the middle outcome is used on this paraphrased set
    for _, a in uncertain:
        assert a.text.startswith(UNCERTAIN_PREFIX) and len(a.citations) == 1
        assert a.text.endswith(f"{a.citations[0].quote} [1]")


def test_answers_are_short(results) -> None:
    lengths = [words(a.text) for _, a in results if a.status == "answered"]
    assert statistics.median(lengths) <= 40
    assert all(1 <= len(a.citations) <= 3 for _, a in results if a.status == "answered")
    assert all(len(a.text.split()) <= 40 + 3 for _, a in results if len(a.citations) > 1)


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


HEADLINE = "Trump Seeks China’s Help to Curb Russia — But Beijing Holds the Cards"


@pytest.mark.parametrize(
    "question",
    [
        "What does Trump want Beijing to do about Russia?",
        "Why might China be reluctant to help?",
        "What is this story about?",
    ],
)
def test_a_headline_is_no_answer_unless_asked_for(seed_qa: QA, question: str) -> None:
    a = seed_qa.ask(question)
    assert all(HEADLINE not in c.quote for c in a.citations), a.text
    assert "Oct 29, 2025 | Politics" not in a.text


def test_the_headline_when_asked_for(seed_qa: QA) -> None:
    a = seed_qa.ask("What is the headline of this article?")
    assert a.citations and HEADLINE in a.citations[0].quote


@pytest.mark.parametrize(
    ("question", "short"),
    [
        ("When was this article published?", "Oct 29, 2025"),
        ("What is the publication date of the story?", "Oct 29, 2025"),
        ("Which section was this article published in?", "Politics"),
    ],
)
def test_questions_about_the_article_are_answered_from_its_metadata(
    seed_qa: QA, sources, question: str, short: str
) -> None:
    a = seed_qa.ask(question)
    assert a.status == "answered" and a.short == short
    c = a.citations[0]
    assert short in c.quote and sources[c.doc_id][c.start : c.end] == c.quote
    assert f"{c.quote} [1]" in a.text


def test_an_author_the_article_does_not_name_is_not_made_up(seed_qa: QA) -> None:
    a = seed_qa.ask("Who wrote this article?")
    assert a.status == "not_found" and not a.citations
