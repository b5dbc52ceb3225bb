"""The relevance floor of the LLM path: whether the retrieval found anything about a question.

Below the floor the LLM answerer declines without asking the model (a question about nothing
in the documents). The floors were fitted on the SQuAD 2.0 and HotpotQA samples by
`bench/fit_relevance.py` and are kept, with their figures, in `relevance.json`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ModelError
from qa.answering.extractive import ScoredSentence

__all__ = ["DEFAULT_RELEVANCE_PATH", "RelevanceFloor"]

DEFAULT_RELEVANCE_PATH = Path(__file__).with_name("relevance.json")


@dataclass(frozen=True)
class RelevanceFloor:
    """A floor on one candidate-sentence score: `sem` (the bi-encoder's cosine) or `ce` (the
    cross-encoder's score, where the answerer runs one)."""

    score: str
    floor: float
    about: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, score: str = "sem", path: Path = DEFAULT_RELEVANCE_PATH) -> RelevanceFloor:
        """The fitted floor of `score` from `path`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            floor = float(data["floors"][score])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(
                f"no relevance floor for {score!r} in {path} ({exc}); "
                "fit it with python bench/fit_relevance.py"
            ) from None
        return cls(score, floor, data.get("about", {}))

    def value(self, sentence: ScoredSentence) -> float:
        """The sentence's `score` (-inf where the answerer did not compute it)."""
        return float(sentence.features.get(self.score, float("-inf")))

    def best(self, ranked: Sequence[ScoredSentence]) -> float:
        """The highest `score` of any candidate (-inf without candidates)."""
        return max((self.value(s) for s in ranked), default=float("-inf"))

    def relevant(self, sentence: ScoredSentence) -> bool:
        """Whether one sentence reaches the floor."""
        return self.value(sentence) >= self.floor

    def passes(self, ranked: Sequence[ScoredSentence]) -> bool:
        """Whether anything retrieved is about the question: the best candidate reaches it."""
        return self.best(ranked) >= self.floor
