"""Follow-up questions: without an LLM, fold the previous question into the retrieval query;
with one, have it rewrite the follow-up as a stand-alone question."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from qa.errors import LLMBusyError
from qa.text import content_words, normalize

__all__ = ["HISTORY_TURNS", "LLMRewriter", "QueryRewriter", "condense_query", "is_follow_up"]

QueryRewriter = Callable[[str, Sequence[str]], str]
HISTORY_TURNS = 2  # the earlier questions a follow-up may lean on; no rewriter reads more
REWRITE_PROMPT = (
    "Rewrite the user's last question as one stand-alone question that can be understood "
    "without the conversation: replace pronouns with the names they stand for. Reply with the "
    "question only."
)

# Words that point back at something said before ("he", "that deal", "there", "what about ...").
_ANAPHORA = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|these|those|"
    r"the same|such|former|latter)\b|^\s*(and|but|also|so|what about|how about|why|"
    r"and why|and how)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    """Whether `question` leans on an earlier turn: a pronoun, an ellipsis, or almost no content."""
    return bool(_ANAPHORA.search(normalize(question))) or len(content_words(question)) <= 1


def condense_query(question: str, history: Sequence[str]) -> str:
    """The retrieval query: a follow-up question, then the earlier question it leans on.

    `history` holds earlier user questions, oldest first. When the previous question was itself
    a follow-up, the one before it comes too (at most `HISTORY_TURNS`). The current question
    goes first, so that the model's 256-piece window never cuts it off.
    """
    earlier = [h.strip() for h in history if h and h.strip()]
    if not earlier or not is_follow_up(question):
        return question.strip()
    context = earlier[-HISTORY_TURNS:] if is_follow_up(earlier[-1]) else earlier[-1:]
    return " ".join([question.strip(), *context])


class LLMRewriter:
    """Rewrites a follow-up question into a stand-alone one with a chat model.

    Only follow-ups (see `is_follow_up`) are sent to the model. A reply that is not a question
    (ending in "?"), that drops most of the question's own content words, or that is over
    `max_chars` falls back to `condense_query`, as does a failed reply: small models often
    answer instead of rewriting, and retrieval never fails because of the rewrite. A model that
    is busy (`LLMBusyError`), down or timed out is raised at once: the answer would wait for it
    again.
    """

    def __init__(self, chat_model: Any, *, max_chars: int = 300) -> None:
        self.chat_model = chat_model
        self.max_chars = max_chars

    def __call__(self, question: str, history: Sequence[str]) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        fallback = condense_query(question, history)
        if fallback == question.strip():
            return fallback  # not a follow-up, or nothing to lean on
        turns = "\n".join(f"Earlier question: {h.strip()}"
                          for h in history[-HISTORY_TURNS:] if h.strip())  # fmt: skip
        try:
            reply = self.chat_model.invoke([
                SystemMessage(REWRITE_PROMPT),
                HumanMessage(f"{turns}\nLast question: {question.strip()}"),
            ]).text  # fmt: skip
        except Exception as exc:
            from qa.llm import as_llm_error, server_failed

            if isinstance(exc, LLMBusyError):
                raise  # a model busy now is busy for the answer too: don't wait for it twice
            if server_failed(exc):
                raise as_llm_error(exc, self.chat_model) from None  # don't wait for it twice
            return fallback  # any other failure: retrieval goes on without the rewrite
        lines = [x.strip() for x in reply.strip().splitlines() if x.strip()]
        rewritten = lines[0].removeprefix("Last question:").strip().strip('"') if lines else ""
        own = set(content_words(question))
        kept = own & set(content_words(rewritten))
        if (not rewritten.endswith("?") or len(rewritten) > self.max_chars
                or len(kept) < len(own) / 2):  # fmt: skip
            return fallback
        return rewritten
