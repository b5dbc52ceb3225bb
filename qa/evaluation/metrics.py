"""Evaluation metrics, computed without an LLM: retrieval, answers, citations, abstention."""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Abstention",
    "ThresholdPoint",
    "abstention",
    "contains_answer",
    "exact_match",
    "first_hit_rank",
    "normalize_answer",
    "percentile",
    "threshold_sweep",
    "token_f1",
]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation) | {"\u2018", "\u2019", "\u201c", "\u201d", "\u2013", "\u2014"}


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: NFKC, lower case, no punctuation, no articles, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if ch in _PUNCT else ch for ch in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer."""
    p = normalize_answer(prediction)
    return float(any(p == normalize_answer(g) for g in golds))


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """The best SQuAD token F1 of `prediction` against any gold answer."""
    best = 0.0
    p_tokens = normalize_answer(prediction).split()
    for gold in golds:
        g_tokens = normalize_answer(gold).split()
        common = Counter(p_tokens) & Counter(g_tokens)
        same = sum(common.values())
        if not p_tokens or not g_tokens:
            best = max(best, float(p_tokens == g_tokens))
        elif same:
            precision, recall = same / len(p_tokens), same / len(g_tokens)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains_answer(text: str, golds: Sequence[str]) -> bool:
    """Whether a normalised gold answer occurs in normalised `text` as whole words."""
    hay = f" {normalize_answer(text)} "
    return any(n and f" {n} " in hay for n in (normalize_answer(g) for g in golds))


def first_hit_rank(retrieved: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant item, or None."""
    return next((i for i, hit in enumerate(retrieved, start=1) if hit), None)


@dataclass(frozen=True)
class Abstention:
    """Declining as the positive class: precision, recall and F1 on unanswerable questions."""

    precision: float
    recall: float
    f1: float
    wrongly_declined: float  # share of answerable questions that were declined


def abstention(declined: Sequence[bool], answerable: Sequence[bool]) -> Abstention:
    """Abstention figures from per-question `declined` and `answerable` flags."""
    tp = sum(d and not a for d, a in zip(declined, answerable, strict=True))
    n_declined = sum(declined)
    n_unanswerable = sum(not a for a in answerable)
    n_answerable = len(answerable) - n_unanswerable
    precision = tp / n_declined if n_declined else 0.0
    recall = tp / n_unanswerable if n_unanswerable else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    wrong = (n_declined - tp) / n_answerable if n_answerable else 0.0
    return Abstention(precision, recall, f1, wrong)


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True)
class ThresholdPoint:
    """What an abstention threshold does to a labelled set."""

    threshold: float
    answered_right: float  # share of answerable questions answered right and not declined
    declined: float  # share of unanswerable questions declined
    balanced: float  # mean of the two (of whichever the set has)
    decline_precision: float
    decline_f1: float


def threshold_sweep(
    scores: Sequence[float], answerable: Sequence[bool], right: Sequence[bool], steps: int = 100
) -> list[ThresholdPoint]:
    """Every threshold from 0 to 1: questions scoring below it are declined.

    `right[i]` says whether answerable question i was answered right with no threshold.
    """
    n_un = sum(not a for a in answerable)
    n_ans = len(answerable) - n_un
    points = []
    for i in range(steps + 1):
        t = i / steps
        kept_right = sum(
            r and a and s >= t for s, a, r in zip(scores, answerable, right, strict=True)
        )
        declined = [a for s, a in zip(scores, answerable, strict=True) if s < t]
        tp = sum(not a for a in declined)
        ar = kept_right / n_ans if n_ans else 0.0
        dec = tp / n_un if n_un else 0.0
        prec = tp / len(declined) if declined else 1.0
        f1 = 2 * prec * dec / (prec + dec) if prec + dec else 0.0
        parts = [x for x, n in ((ar, n_ans), (dec, n_un)) if n]
        points.append(
            ThresholdPoint(t, ar, dec, sum(parts) / len(parts) if parts else 0.0, prec, f1)
        )
    return points
