"""Metric functions against small hand-computed cases."""

import pytest

from qa.evaluation.metrics import (
    abstention,
    contains_answer,
    exact_match,
    first_hit_rank,
    normalize_answer,
    percentile,
    token_f1,
)


def test_normalize_answer_strips_articles_punctuation_case_and_unicode() -> None:
    assert normalize_answer("The  “Singapore”  Summit!") == "singapore summit"
    assert normalize_answer("An\u00a0apple, a pear") == "apple pear"
    assert normalize_answer("Trump\u2013Xi") == "trump xi"


def test_exact_match() -> None:
    assert exact_match("the Singapore.", ["Singapore"]) == 1.0
    assert exact_match("Singapore city", ["Singapore"]) == 0.0


def test_token_f1_hand_computed() -> None:
    # prediction: [singapore, next, week]; gold: [singapore]; p = 1/3, r = 1 -> f1 = 0.5
    assert token_f1("Singapore next week", ["Singapore"]) == pytest.approx(0.5)
    # best of several golds
    assert token_f1("next week", ["Singapore", "next week"]) == 1.0
    assert token_f1("Paris", ["Singapore"]) == 0.0
    assert token_f1("", [""]) == 1.0


def test_contains_answer_matches_whole_words() -> None:
    assert contains_answer("It meets in Singapore next week.", ["singapore"])
    assert not contains_answer("It meets in Singaporean waters.", ["Singapore"])
    assert contains_answer("a full Russian withdrawal", ["the full Russian withdrawal"])


def test_first_hit_rank() -> None:
    assert first_hit_rank([False, True, True]) == 2
    assert first_hit_rank([False, False]) is None


def test_abstention_hand_computed() -> None:
    # 4 questions: two unanswerable (one declined), two answerable (one wrongly declined)
    a = abstention([True, False, True, False], [False, False, True, True])
    assert (a.precision, a.recall, a.wrongly_declined) == (0.5, 0.5, 0.5)
    assert a.f1 == pytest.approx(0.5)


def test_percentile() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5
    assert percentile([], 50) == 0.0
