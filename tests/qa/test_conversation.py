"""Unit tests of follow-up detection and query condensation."""

import pytest

from qa.answering.conversation import condense_query, is_follow_up


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


class _Scripted:
    """A chat model stand-in that replies from a script and counts its calls."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.calls = 0

    def invoke(self, messages):  # type: ignore[no-untyped-def]
        from langchain_core.messages import AIMessage

        self.calls += 1
        return AIMessage(self.replies.pop(0))


def test_llm_rewriter_makes_follow_ups_stand_alone() -> None:
    from qa.llm.rewriter import LLMRewriter

    model = _Scripted("What does Donald Trump want from Beijing?")
    rewrite = LLMRewriter(model)
    history = ["What is the U.S. president planning to discuss with Xi?"]
    assert rewrite("What does he want from Beijing?", history) == (
        "What does Donald Trump want from Beijing?"
    )
    assert rewrite("Who is Bonnie Glaser?", history) == "Who is Bonnie Glaser?"
    assert model.calls == 1  # a stand-alone question is not sent to the model


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "   \n",
        "?!",
        "x" * 400 + "?",
        "The summit will take place on July 22 at the South Pole.",
        "Who is the president of Ukraine?",
    ],  # an answer, not a rewrite; the question's words lost
)
def test_llm_rewriter_falls_back_on_a_useless_reply(reply: str) -> None:
    from qa.llm.rewriter import LLMRewriter

    history = ["Who is Ukraine's president?"]
    got = LLMRewriter(_Scripted(reply))("What does he insist on?", history)
    assert got == condense_query("What does he insist on?", history)


def test_llm_rewriter_raises_a_busy_model_at_once() -> None:
    from qa import LLMBusyError
    from qa.llm.rewriter import LLMRewriter

    class Busy:
        def invoke(self, messages):  # type: ignore[no-untyped-def]
            raise LLMBusyError("the model stayed busy with other questions for 1 s; try again")

    with pytest.raises(LLMBusyError, match="stayed busy"):  # not a fallback, then a second wait
        LLMRewriter(Busy())("What does he insist on?", ["Who is Ukraine's president?"])
