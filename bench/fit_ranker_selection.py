"""The fitting of `bench/fit_ranker.py`: its logistic regressions, the forward selection of
their features (sentence ranker, answerability model) and the choice of `rerank_top`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.fit_ranker_features import with_rerank_top
from qa.answering.ranker import FEATURES, Logistic

# Left out of the answerability model: features that measure shared wording (prank: the
# fused rank, half BM25), and those of the whole passage, whose size and number per document
# differ between these sets (about one chunk per document) and news articles (several).
NOT_FOR_ANSWERABILITY = {"lex", "plex", "prank", "ent", "num", "pdense"}


def choose_rerank_top(sets: dict[str, list[dict[str, Any]]], feats: Sequence[str]) -> tuple:
    """The fewest candidates for the cross-encoder whose cross-validated top-1 accuracy (mean
    of SQuAD and HotpotQA fit halves) is within half a point of reading them all."""
    trials = {}
    for top in (4, 8, 12, 16, 24, 10**6):
        trials[top] = float(
            np.mean([_cv_top1(with_rerank_top(sets[n], top), feats) for n in ("squad", "hotpot")])
        )
        print(f"  rerank_top {top}: cv top-1 {trials[top]:.3f}")
    best = max(trials.values())
    top = min(t for t, v in trials.items() if v >= best - 0.005)
    return top, {str(t): round(v, 4) for t, v in trials.items()}


def matrix(qs: Sequence[dict[str, Any]], feats: Sequence[str]) -> tuple[Any, Any, Any]:
    x = [[r[f] for f in feats] for q in qs for r in q["rows"]]
    y = [lab for q in qs for lab in q["labels"]]
    g = [i for i, q in enumerate(qs) for _ in q["rows"]]
    return np.array(x, dtype=float).reshape(len(y), len(feats)), np.array(y), np.array(g)


def fit(x: Any, y: Any, feats: Sequence[str]) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    lr = LogisticRegression(C=1.0, max_iter=5000).fit((x - mean) / scale, y)
    return Logistic(
        tuple(feats),
        tuple(mean.tolist()),
        tuple(scale.tolist()),
        tuple(lr.coef_[0].tolist()),
        float(lr.intercept_[0]),
    )


def _top1(model: Logistic, qs: Sequence[dict[str, Any]]) -> float:
    with_gold = [q for q in qs if any(q["labels"])]
    hits = [q["labels"][int(np.argmax([model.prob(r) for r in q["rows"]]))] for q in with_gold]
    return float(np.mean(hits)) if hits else 0.0


def _cv_top1(qs: Sequence[dict[str, Any]], feats: Sequence[str], folds: int = 5) -> float:
    usable = [q for q in qs if q["rows"]]
    scores = []
    for k in range(folds):
        train = [q for i, q in enumerate(usable) if i % folds != k]
        test = [q for i, q in enumerate(usable) if i % folds == k]
        x, y, _ = matrix(train, feats)
        scores.append(_top1(fit(x, y, feats), test))
    return float(np.mean(scores))


def _transfer(
    a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]], feats: Sequence[str]
) -> float:
    x, y, _ = matrix([q for q in a if q["rows"]], feats)
    return _top1(fit(x, y, feats), b)


def select_sentence_features(
    sets: dict[str, list[dict[str, Any]]], pool: Sequence[str] = tuple(FEATURES)
) -> tuple[list[str], dict]:
    """Forward selection for the sentence ranker over `pool` (see the module docstring)."""
    sq, hp = sets["squad"], sets["hotpot"]

    def crit(feats: list[str]) -> tuple[float, dict[str, float]]:
        parts = {
            "cv_squad": _cv_top1(sq, feats),
            "cv_hotpot": _cv_top1(hp, feats),
            "squad_to_hotpot": _transfer(sq, hp, feats),
            "hotpot_to_squad": _transfer(hp, sq, feats),
        }
        return float(np.mean(list(parts.values()))), parts

    chosen: list[str] = []
    best, parts = 0.0, {}
    log = []
    while True:
        trials = [(crit([*chosen, f]), f) for f in pool if f not in chosen]
        if not trials:
            break
        (score, p), f = max(trials, key=lambda t: t[0][0])
        if score <= best + 0.002:
            break
        chosen.append(f)
        best, parts = score, p
        log.append(
            {"added": f, "criterion": round(score, 4), **{k: round(v, 4) for k, v in p.items()}}
        )
        print(
            f"  sentence ranker + {f:9s} criterion {score:.3f}  "
            + "  ".join(f"{k} {v:.3f}" for k, v in p.items())
        )
    return chosen, {
        "criterion": round(best, 4),
        **{k: round(v, 4) for k, v in parts.items()},
        "steps": log,
    }


def question_rows(model: Logistic, qs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each question's best sentence by `model`: its features, and whether it is a gold one."""
    out = []
    for q in qs:
        if not q["rows"]:
            continue
        i = int(np.argmax([model.prob(r) for r in q["rows"]]))
        out.append(
            {"row": q["rows"][i], "answerable": q["answerable"], "right": bool(q["labels"][i])}
        )
    return out


def balanced(conf: Any, positive: Any, negative: Any, t: float) -> float:
    return 0.5 * (float(np.mean(conf[positive] >= t)) + float(np.mean(conf[negative] < t)))


def select_answerable_features(
    rows: list[dict[str, Any]], exclude: Sequence[str] = ()
) -> tuple[list[str], dict]:
    """Forward selection for the answerability model over the sentence's own features that do
    not measure shared wording, on 5-fold cross-validated balanced accuracy (at each fold's
    best threshold on its training part)."""
    pool = [f for f in FEATURES if f not in NOT_FOR_ANSWERABILITY and f not in exclude]

    def crit(feats: list[str]) -> float:
        scores = []
        for k in range(5):
            train = [r for i, r in enumerate(rows) if i % 5 != k]
            test = [r for i, r in enumerate(rows) if i % 5 == k]
            x = np.array([[r["row"][f] for f in feats] for r in train])
            y = np.array([r["answerable"] for r in train])
            m = fit(x, y, feats)
            ct = np.array([m.prob(r["row"]) for r in train])
            t = max(np.linspace(0, 1, 201), key=lambda t: balanced(ct, y, ~y, t))
            cs = np.array([m.prob(r["row"]) for r in test])
            ys = np.array([r["answerable"] for r in test])
            scores.append(balanced(cs, ys, ~ys, t))
        return float(np.mean(scores))

    chosen: list[str] = []
    best = 0.0
    log = []
    while True:
        trials = [(crit([*chosen, f]), f) for f in pool if f not in chosen]
        if not trials:
            break
        score, f = max(trials)
        if score <= best + 0.002:
            break
        chosen.append(f)
        best = score
        log.append({"added": f, "cv_balanced_accuracy": round(score, 4)})
        print(f"  answerability + {f:9s} cv balanced accuracy {score:.3f}")
    return chosen, {"cv_balanced_accuracy": round(best, 4), "steps": log}
