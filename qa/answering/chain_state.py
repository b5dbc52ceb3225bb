"""What the chain carries from step to step, as typed frozen values.

A question goes `QAInput` (or a string) → `prepare` → `Prepared` → `retrieve` → `Retrieved` →
`answer` → `Answer`. The query is embedded once, in `retrieve` (`QueryVector`), and its
vector travels in `Retrieved` to the answerer, which compares it with the passages' sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.types import DateWindow, Passage, Timings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

__all__ = ["Prepared", "QueryVector", "Retrieved"]


@dataclass(frozen=True)
class QueryVector:
    """The embedding of a query `text` by `model`: made once by retrieval and handed on, so
    that an answerer comparing the query with sentences does not embed it again."""

    text: str
    values: tuple[float, ...]
    model: Embeddings = field(compare=False, repr=False)

    @classmethod
    def embed(cls, text: str, model: Embeddings) -> QueryVector:
        """`text` embedded by `model` (its `embed_query`)."""
        return cls(text, tuple(model.embed_query(text)), model)

    def values_for(self, text: str, model: Embeddings) -> tuple[float, ...] | None:
        """The values, when they are the embedding of `text` by `model` (the same object);
        None for another text or model (its vector must be made anew)."""
        return self.values if text == self.text and model is self.model else None


@dataclass(frozen=True)
class Prepared:
    """A question checked and made ready for retrieval.

    `query` is what is searched for (and embedded): the question without its words of relative
    time, and for a follow-up, made stand-alone from the earlier questions. `explicit` is the
    window of `since`/`until`, `relative` the question's own ("this week", "latest").
    `started` is the `time.perf_counter()` at which retrieval began.
    """

    question: str
    query: str
    k: int
    explicit: DateWindow | None
    relative: DateWindow | None
    started: float


@dataclass(frozen=True)
class Retrieved:
    """A prepared question with what retrieval found: the query's vector (None when the
    retriever embeds for itself), the passages, best first, the date window they were searched
    within (None: all dates), and the `time.perf_counter()` at which retrieval ended."""

    prepared: Prepared
    vector: QueryVector | None
    passages: tuple[Passage, ...]
    window: DateWindow | None
    retrieved: float

    def timings(self, answered: float) -> Timings:
        """Retrieval, answer and total time in milliseconds, the answer ending at `answered`
        (a `time.perf_counter()`)."""
        started = self.prepared.started
        return Timings(
            retrieve_ms=round((self.retrieved - started) * 1000, 2),
            answer_ms=round((answered - self.retrieved) * 1000, 2),
            total_ms=round((answered - started) * 1000, 2),
        )
