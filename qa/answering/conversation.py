"""Follow-up questions: fold the previous question into the retrieval query (with a language
model, `qa.llm.rewriter.LLMRewriter` rewrites the follow-up instead)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.text import content_words, normalize

__all__ = ["HISTORY_TURNS", "condense_query", "is_follow_up"]

HISTORY_TURNS = 2  # the earlier questions a follow-up may lean on; no rewriter reads more

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
