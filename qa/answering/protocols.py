"""What the chain needs of its collaborators, and the optional capabilities it looks for, as
protocols (`isinstance` checks them; nothing is found by attribute name)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from core.types import Answer, DateWindow, Passage
from qa.answering.chain_state import QueryVector

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

__all__ = [
    "Answerer",
    "PassageSearch",
    "QueryRewriter",
    "ReusesQueryVector",
    "RewritesQueries",
    "SearchesByVector",
    "StreamingAnswerer",
    "StreamsWithQueryVector",
]

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
class ReusesQueryVector(Protocol):
    """An answerer that compares the query's embedding with the passages' sentences: the chain
    hands it the vector retrieval searched with, so the query is embedded once (an answerer
    on another model than retrieval's embeds it anew: `QueryVector.values_for`)."""

    def answer_with_vector(
        self, question: str, query: str, passages: Sequence[Passage], vector: QueryVector
    ) -> Answer:
        """`answer`, with `vector` retrieval's embedding of `query`."""
        ...


@runtime_checkable
class StreamsWithQueryVector(Protocol):
    """A streaming answerer that also takes the query's vector (see `ReusesQueryVector`)."""

    def stream_with_vector(
        self, question: str, query: str, passages: Sequence[Passage], vector: QueryVector
    ) -> Iterator[str | Answer]:
        """`stream`, with `vector` retrieval's embedding of `query`."""
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


@runtime_checkable
class SearchesByVector(Protocol):
    """Retrieval that takes the query's vector: the chain embeds the query once with
    `embeddings`, searches with the vector as often as it needs (a "latest" question searches
    twice) and passes it on to the answerer."""

    embeddings: Embeddings

    def search_by_vector(
        self,
        query: str,
        vector: Sequence[float],
        k: int | None = None,
        window: DateWindow | None = None,
    ) -> list[Passage]:
        """`search`, with `vector` the embedding of `query`."""
        ...
