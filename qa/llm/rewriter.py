"""With a language model, a follow-up question is rewritten as a stand-alone one for retrieval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.errors import LLMBusyError
from core.text import content_words
from qa.answering.conversation import HISTORY_TURNS, condense_query
from qa.llm.models import as_llm_error, server_failed

__all__ = ["REWRITE_PROMPT", "LLMRewriter"]

REWRITE_PROMPT = (
    "Rewrite the user's last question as one stand-alone question that can be understood "
    "without the conversation: replace pronouns with the names they stand for. Reply with the "
    "question only."
)


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
        turns = "\n".join(
            f"Earlier question: {h.strip()}" for h in history[-HISTORY_TURNS:] if h.strip()
        )
        try:
            reply = self.chat_model.invoke(
                [
                    SystemMessage(REWRITE_PROMPT),
                    HumanMessage(f"{turns}\nLast question: {question.strip()}"),
                ]
            ).text
        except Exception as exc:
            if isinstance(exc, LLMBusyError):
                raise  # a model busy now is busy for the answer too: don't wait for it twice
            if server_failed(exc):
                raise as_llm_error(exc, self.chat_model) from None  # don't wait for it twice
            return fallback  # any other failure: retrieval goes on without the rewrite
        lines = [x.strip() for x in reply.strip().splitlines() if x.strip()]
        rewritten = lines[0].removeprefix("Last question:").strip().strip('"') if lines else ""
        own = set(content_words(question))
        kept = own & set(content_words(rewritten))
        if (
            not rewritten.endswith("?")
            or len(rewritten) > self.max_chars
            or len(kept) < len(own) / 2
        ):
            return fallback
        return rewritten
