"""Unit tests of answer-type cues."""

import pytest

from core.text import content_words
from qa.answering.answer_types import answer_type, supplies


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many soldiers were killed?", "number"),
        ("How long has it been since they met?", "duration"),
        ("On what date will they meet?", "date"),
        ("When did the war begin?", "time"),
        ("In what year did the war start?", "time"),
        ("Who is Bonnie Glaser?", "person"),
        ("Which leader does he want to sway?", "person"),
        ("Where will the summit take place?", "place"),
        ("In which city will they meet?", "place"),
        ("Why is China unlikely to side with Washington?", None),
    ],
)
def test_answer_type(question: str, kind: str | None) -> None:
    assert answer_type(question) == kind


def test_supplies_needs_a_cue_the_question_lacks() -> None:
    q = set(content_words("Where will Trump and Xi meet?"))
    assert supplies("place", "Trump and Xi will meet in Singapore.", q)
    assert not supplies("place", "Trump and Xi will meet soon.", q)
    assert supplies("time", "The war began in 2022.", set())
    assert not supplies("number", "No figures were given.", set())
    assert supplies(None, "Anything at all.", set())
