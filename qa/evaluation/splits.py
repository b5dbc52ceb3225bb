"""Fitting and reporting halves of the external question sets.

Every weight, feature choice and threshold of the answerer is fitted on the *fit* half of the
SQuAD 2.0 and HotpotQA samples (`bench/fit_ranker.py`); every figure the docs report comes
from the *report* half (`qa eval --split report`, `bench/ablation.py`). A question's half is
decided by a hash of the documents that answer it (of its id when it names none), so that
questions about one passage never straddle the two halves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal

from qa.evaluation.questions import EvalQuestion

__all__ = ["SPLITS", "Split", "bucket", "in_split", "split_of"]

Split = Literal["fit", "report"]
SPLITS: tuple[Split, ...] = ("fit", "report")


def bucket(key: str, n: int) -> int:
    """A stable bucket 0..n-1 of `key` (sha1): the same on every run and machine."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % n


def split_of(q: EvalQuestion) -> Split:
    """The half `q` belongs to (stable across runs and machines)."""
    key = "|".join(sorted(q.gold_doc_ids)) or q.id
    return "fit" if bucket(key, 2) == 0 else "report"


def in_split(questions: Iterable[EvalQuestion], split: Split | None) -> list[EvalQuestion]:
    """The questions of `split` (all of them for None)."""
    return [q for q in questions if split is None or split_of(q) == split]
