"""What the chain carries from step to step, as typed frozen values.

A question goes `QAInput` (or a string) → `prepare` → `Prepared` → `retrieve` → `Retrieved` →
`answer` → `Answer`.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.core.types import DateWindow, Passage, Timings

__all__ = ["Prepared", "Retrieved"]


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
    """A prepared question with what retrieval found: the passages, best first, the date window
    they were searched within (None: all dates), and the `time.perf_counter()` at which
    retrieval ended."""

    prepared: Prepared
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
