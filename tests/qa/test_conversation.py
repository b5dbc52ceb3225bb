"""Unit tests of follow-up detection and query condensation."""

import pytest

from qa.conversation import condense_query, is_follow_up


@pytest.mark.parametrize(
    "question",
    ["What does he want from Beijing?", "Why?", "And what about Moscow?", "Where is it held?"],
)
def test_follow_ups_are_detected(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question", ["Where will the Trump-Xi summit take place?", "Who is Bonnie Glaser?"]
)
def test_stand_alone_questions_are_not(question: str) -> None:
    assert not is_follow_up(question)


def test_follow_up_folds_in_the_previous_turn() -> None:
    history = ["Who is the U.S. president?", "What is the Trump-Xi summit about?"]
    want = "What does he want? What is the Trump-Xi summit about?"
    assert condense_query("What does he want?", history) == want


def test_stand_alone_question_ignores_history() -> None:
    assert condense_query("Who is Bonnie Glaser?", ["Who is Trump?"]) == "Who is Bonnie Glaser?"


def test_no_history_leaves_the_question() -> None:
    assert condense_query("  What does he want? ", []) == "What does he want?"


def test_a_chain_of_follow_ups_keeps_two_earlier_questions_at_most() -> None:
    history = ["Who is Bonnie Glaser?", "Who is Trump?", "What does he want?"]
    got = condense_query("And why does he want it?", history)
    assert got == "And why does he want it? Who is Trump? What does he want?"
    assert "Glaser" not in got
