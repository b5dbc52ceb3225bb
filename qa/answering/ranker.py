"""The learned sentence ranker and answerability model of the extractive answerer.

Both are logistic regressions over a few features of a candidate sentence (`FEATURES`), fitted
by `bench/fit_ranker.py` on the SQuAD 2.0 and HotpotQA samples in `../shared/data` (never on the
seed set) and stored with their thresholds, the features they use and how they were chosen in
a small versioned JSON file (`qa/answering/ranker.json`). Features are standardised with the
means and scales of the fit, so the weights are comparable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CROSS_ENCODER_MODEL_PATH", "DEFAULT_MODEL_PATH", "FEATURES", "Logistic", "RankerModel"]

DEFAULT_MODEL_PATH = Path(__file__).with_name("ranker.json")
# The models fitted with the cross-encoder's score as a feature (`QA_RERANKER=cross-encoder`).
CROSS_ENCODER_MODEL_PATH = Path(__file__).with_name("ranker-cross-encoder.json")

# Every feature the answerer computes for a candidate sentence; a model uses some of them.
FEATURES = {
    "sem": "cosine similarity of the sentence to the query (MiniLM)",
    "ctx": "how much more similar a neighbouring sentence is to the query (0 if none is)",
    "lex": "IDF-weighted share of the query's stemmed content words in the sentence",
    "pdense": "cosine similarity of the sentence's passage to the query",
    "plex": "BM25 score of the passage relative to the best passage (0-1)",
    "prank": "1 / (1 + the passage's rank in the fused ranking)",
    "asks": "1 if the question asks for a number, date, time, person or place",
    "supplies": "1 if it asks for one and the sentence has a cue of that kind",
    "ent": "share of the question's capitalised names found in the sentence",
    "num": "share of the question's figures found in the sentence",
    "words": "log(1 + words in the sentence)",
    "ce": "the project's cross-encoder's score of (query, sentence) (qa.answering.cross_encoder)",
}


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic regression over named, standardised features."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def prob(self, row: Mapping[str, float]) -> float:
        """P(positive | row)."""
        z = self.intercept + sum(
            c * (row[f] - m) / s
            for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Logistic:
        """The inverse of `to_dict`; unknown feature names are an error."""
        unknown = set(d["features"]) - FEATURES.keys()
        if unknown:
            raise ValueError(f"unknown ranker features {sorted(unknown)}")
        return cls(
            tuple(d["features"]),
            tuple(float(x) for x in d["mean"]),
            tuple(float(x) for x in d["scale"]),
            tuple(float(x) for x in d["coef"]),
            float(d["intercept"]),
        )


@dataclass(frozen=True)
class RankerModel:
    """The fitted models and thresholds of the extractive answerer.

    `sentence` ranks candidate sentences (P(the sentence states the answer)); `answerable` gives
    the answer's confidence from its best sentence (P(the documents answer the question)). An
    answer with confidence at or above `answer_at` is given; from `decline_below` up to
    `answer_at` it is given as `uncertain` (the closest passage, cited, with a caveat); below
    `decline_below` the answerer declines.
    """

    sentence: Logistic
    answerable: Logistic
    answer_at: float
    decline_below: float
    about: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, path: Path | str | None = None) -> RankerModel:
        """The model in `path` (default: the packaged `qa/answering/ranker.json`)."""
        data = json.loads(Path(path or DEFAULT_MODEL_PATH).read_text(encoding="utf-8"))
        return cls(
            sentence=Logistic.from_dict(data["sentence"]),
            answerable=Logistic.from_dict(data["answerable"]),
            answer_at=float(data["answer_at"]),
            decline_below=float(data["decline_below"]),
            about=dict(data.get("about", {})),
        )

    @classmethod
    def by_similarity(cls) -> RankerModel:
        """A stand-in that ranks by `sem` alone and never declines: for fitting scripts, which
        need the answerer's features before any model is fitted."""
        unit = Logistic(("sem",), (0.0,), (1.0,), (1.0,), 0.0)
        return cls(unit, unit, answer_at=0.0, decline_below=0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as `load` reads it."""
        return {
            "sentence": self.sentence.to_dict(),
            "answerable": self.answerable.to_dict(),
            "answer_at": self.answer_at,
            "decline_below": self.decline_below,
            "about": self.about,
        }

    def uses(self, feature: str) -> bool:
        """Whether either model reads `feature`."""
        return feature in self.sentence.features or feature in self.answerable.features

    def rank(self, rows: Sequence[Mapping[str, float]]) -> list[float]:
        """P(states the answer) of each candidate sentence."""
        return [self.sentence.prob(r) for r in rows]
