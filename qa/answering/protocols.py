"""What the chain needs of its collaborators, and the optional capabilities it looks for, as
protocols (`isinstance` checks them; nothing is found by attribute name)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from qa.core.types import Answer, DateWindow, Passage

__all__ = ["Answerer", "PassageSearch", "QueryRewriter", "RewritesQueries", "StreamingAnswerer"]

# Makes the retrieval query of a question from the earlier questions of the conversation.
QueryRewriter = Callable[[str, Sequence[str]], str]


@runtime_checkable
class Answerer(Protocol):
    """Writes the answer to `question` from `passages`; `query` is what retrieval searched for."""

    def answer(self, question: str, query: str, passages: Sequence[Passage]) -> Answer:
        """An `Answer` whose every `[n]` marker refers to one of its citations."""
        ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """An answerer that writes as it goes: the chain streams its pieces as they come."""

    def stream(
        self, question: str, query: str, passages: Sequence[Passage]
    ) -> Iterator[str | Answer]:
        """Pieces of the answer text (`str`), then the finished `Answer`."""
        ...


@runtime_checkable
class RewritesQueries(Protocol):
    """An answerer that also makes the retrieval query of follow-up questions (one with a
    language model rewrites them as stand-alone questions)."""

    def rewrite_query(self, question: str, history: Sequence[str]) -> str:
        """The retrieval query of `question`, given the earlier questions (oldest first)."""
        ...


class PassageSearch(Protocol):
    """Retrieval as the chain uses it: `k` passages by default, best first."""

    k: int

    def search(
        self, query: str, k: int | None = None, window: DateWindow | None = None
    ) -> list[Passage]:
        """The passages for `query` (within `window`, when given)."""
        ...
