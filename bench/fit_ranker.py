"""Fit the extractive answerer's sentence ranker, answerability model and thresholds on the
external question sets, and write them to `qa/answering/ranker.json`.

    python bench/fit_ranker.py          # fit, print the figures, write qa/answering/ranker.json
    python bench/fit_ranker.py --out /tmp/r.json --cache /tmp/fit-cache

Data (never the seed set): the *fit* halves (`qa.evaluation.splits`) of
the SQuAD 2.0 and HotpotQA samples in `../shared/data` (or `$CITED_QA_DATA`), each ingested
whole into a temporary store and asked through the same hybrid retriever the service uses;
and, as questions the documents do not answer, the first 250 fit-half HotpotQA questions asked
against the SQuAD documents ("off-collection"). The report halves are never read here: they
give the docs' figures. The seed set "only measures" since the reranker issue; docs/evaluation.md
says what it decided before.
Every sentence of the retrieved passages gets the features of `qa.answering.ranker.FEATURES`,
and a label: it comes from a gold document and contains a gold answer.

1. Sentence ranker: logistic regression; features chosen by forward selection on the mean of
   four top-1 accuracies (is the best-ranked sentence a gold one?): grouped 5-fold
   cross-validation on SQuAD and on HotpotQA, and training on one set and testing on the other
   (both ways), so that a feature that only helps within one set is not kept.
2. Answerability model: logistic regression from the best sentence's features to "the
   question is answerable" (SQuAD answerable and HotpotQA against SQuAD unanswerable and
   off-collection), over the best sentence's own features that do not measure shared wording
   (lexical overlap, BM25): in these sets a question shares much of its wording with its
   answer (median share of content words: printed below), so overlap would be learnt as a sign
   of an answer and its absence as a sign of none, which refuses readers who ask in their own
   words. Passage-level features are left out too: these sets have about one chunk per
   document, news articles several, so a passage's similarity means something else there.
   Features are again chosen by forward selection, on cross-validated balanced accuracy.
3. `answer_at`: the confidence with the best balanced accuracy of "answerable and answered
   from the right place" against "unanswerable declined", pooled over the external sets (the
   curve is printed and kept in the file). `decline_below`: the highest confidence below which
   at most 5% of the answerable questions of each external set fall, so that a reader is
   rarely refused outright when the answer is there; between the two the answer is
   `uncertain`.
4. `rerank_top`: how many candidates (first by `prefilter_order`) the cross-encoder reads:
   the fewest within half a point of reading all, on cross-validated top-1 accuracy.
5. `extra_ratio`: how likely (relative to the best) a second or third sentence must be to join
   the answer (`qa.answering.extractive.pick_sentences`): the value with the most answers
   holding a gold answer, median length <= 40 words, on the external answerable questions.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ingest.loaders import load_jsonl_documents
from qa.answering.conversation import condense_query
from qa.answering.cross_encoder import CrossEncoder
from qa.answering.extractive import ExtractiveAnswerer, pick_sentences, prefilter_order
from qa.answering.ranker import DEFAULT_MODEL_PATH, FEATURES, Logistic, RankerModel
from qa.core.settings import Settings
from qa.evaluation.metrics import contains_answer
from qa.evaluation.questions import load_questions
from qa.evaluation.scratch import scratch_qa
from qa.evaluation.splits import in_split
from qa.store.embeddings import LocalEmbeddings, stay_offline
from qa.store.retriever import ChunkRetriever

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
SQUAD = DATA / "squad2-dev-500"
HOTPOT = DATA / "hotpotqa-dev-500"
# Left out of the answerability model: features that measure shared wording (prank: the
# fused rank, half BM25), and those of the whole passage, whose size and number per document
# differ between these sets (about one chunk per document) and news articles (several).
NOT_FOR_ANSWERABILITY = {"lex", "plex", "prank", "ent", "num", "pdense"}
MAX_DECLINED = 0.05
DEFAULT_TOP = 16


def collect(
    docs_path: Path, questions_path: Path, limit: int | None, *, force_unanswerable: bool = False
) -> list[dict[str, Any]]:
    """Per question of the *fit* half: its rows of features and labels (and whether it is
    answerable). Every candidate gets the cross-encoder's score (`ce`); `with_rerank_top`
    then keeps it for the first N as the answerer does."""
    docs = load_jsonl_documents(docs_path)
    emb = LocalEmbeddings()
    with scratch_qa(docs, Settings(collection="fit"), embeddings=emb, progress=True) as scratch:
        return _collect(scratch.qa.retriever, emb, questions_path, limit, force_unanswerable)


def _collect(
    retriever: ChunkRetriever,
    emb: LocalEmbeddings,
    questions_path: Path,
    limit: int | None,
    force_unanswerable: bool,
) -> list[dict[str, Any]]:
    answerer = ExtractiveAnswerer(
        emb, model=RankerModel.by_similarity(), reranker=CrossEncoder(), rerank_top=10**6
    )
    out = []
    for q in in_split(load_questions(questions_path), "fit")[:limit]:
        query = condense_query(q.question, list(q.turns))
        rows = answerer.features(query, retriever.search(query))
        answerable = q.answerable and not force_unanswerable
        gold = set(q.gold_doc_ids)
        labels = [
            int(
                answerable
                and p.chunk.doc_id in gold
                and bool(q.answers)
                and contains_answer(t, q.answers)
            )
            for p, _, _, t, _ in rows
        ]
        out.append(
            {
                "id": q.id,
                "query": query,
                "answerable": answerable,
                "answers": q.answers,
                "rows": [r for *_, r in rows],
                "texts": [t for _, _, _, t, _ in rows],
                "labels": labels,
            }
        )
    return out


def with_rerank_top(qs: Sequence[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    """`qs` as the answerer sees them with `rerank_top=top`: the cross-encoder's score kept
    for the first `top` candidates of `prefilter_order`, the lowest less one for the rest."""
    out = []
    for q in qs:
        rows = [dict(r) for r in q["rows"]]
        order = prefilter_order([r["sem"] for r in rows], [r["lex"] for r in rows])[:top]
        floor = min((rows[i]["ce"] for i in order), default=0.0) - 1.0
        kept = set(order)
        for i, r in enumerate(rows):
            if i not in kept:
                r["ce"] = floor
        out.append({**q, "rows": rows})
    return out


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


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="where to write")
    ap.add_argument("--cache", type=Path, help="keep the collected features here (re-runs)")
    ap.add_argument(
        "--exclude",
        nargs="*",
        default=[],
        choices=list(FEATURES),
        help="features neither model may use (an ablation: --exclude ce)",
    )
    args = ap.parse_args(argv)
    stay_offline()

    cache = args.cache / "rows.pkl" if args.cache else None
    if cache and cache.is_file():
        sets = pickle.loads(cache.read_bytes())
    else:
        sets = {
            "squad": collect(SQUAD / "docs.jsonl", SQUAD / "questions.jsonl", None),
            "hotpot": collect(HOTPOT / "docs.jsonl", HOTPOT / "questions.jsonl", None),
            "offcollection": collect(
                SQUAD / "docs.jsonl", HOTPOT / "questions.jsonl", 250, force_unanswerable=True
            ),
        }
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(pickle.dumps(sets))
    overlap = {
        name: round(
            statistics.median(
                max(r["lex"] for r, lab in zip(q["rows"], q["labels"], strict=True) if lab)
                for q in qs
                if any(q["labels"])
            ),
            3,
        )
        for name, qs in sets.items()
        if name != "offcollection"
    }
    print(f"median share of a question's content words in its gold sentence: {overlap}")

    print("sentence ranker (top-1 accuracy: the best sentence is a gold one)")
    pool = [f for f in FEATURES if f not in args.exclude]
    feats, sentence_report = select_sentence_features(sets, pool)
    rerank_top, rerank_sweep = DEFAULT_TOP, {}
    if "ce" in feats:
        print("candidates the cross-encoder reads")
        rerank_top, rerank_sweep = choose_rerank_top(sets, feats)
        sets = {name: with_rerank_top(qs, rerank_top) for name, qs in sets.items()}
    train = sets["squad"] + sets["hotpot"]
    x, y, _ = matrix([q for q in train if q["rows"]], feats)
    sentence = fit(x, y, feats)

    print("answerability")
    pooled = sets["squad"] + sets["hotpot"] + sets["offcollection"]
    rows = question_rows(sentence, pooled)
    a_feats, answerable_report = select_answerable_features(rows, args.exclude)
    xa = np.array([[r["row"][f] for f in a_feats] for r in rows])
    answerable = fit(xa, np.array([r["answerable"] for r in rows]), a_feats)

    ext = question_rows(sentence, sets["squad"] + sets["offcollection"])
    conf = np.array([answerable.prob(r["row"]) for r in ext])
    right = np.array([r["answerable"] and r["right"] for r in ext])
    unans = np.array([not r["answerable"] for r in ext])
    grid = np.round(np.linspace(0, 1, 201), 3)
    curve = [(float(t), balanced(conf, right, unans, t)) for t in grid]
    answer_at, best_ba = max(curve, key=lambda c: c[1])
    decline_below = answer_at
    for name in ("squad", "hotpot"):  # at most 5% of each set's answerable questions declined
        conf_set = np.array(
            [
                answerable.prob(r["row"])
                for r in question_rows(sentence, sets[name])
                if r["answerable"]
            ]
        )
        allowed = [t for t in grid if np.mean(conf_set < t) <= MAX_DECLINED]
        decline_below = min(decline_below, float(max(allowed)))
    print(
        f"answer_at {answer_at:.3f} (balanced accuracy {best_ba:.3f}), decline_below "
        f"{decline_below:.3f}"
    )
    for t, ba in curve[::10]:
        print(
            f"  confidence {t:.2f}: balanced accuracy {ba:.3f}, answerable answered right "
            f"{np.mean(conf[right] >= t):.1%}, unanswerable declined "
            f"{np.mean(conf[unans] < t):.1%}"
        )

    from qa.evaluation.metrics import percentile

    sweep = []
    answerable_qs = [q for q in sets["squad"] + sets["hotpot"] if q["answerable"] and q["rows"]]
    for ratio in (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.01):
        texts = []
        for q in answerable_qs:
            probs = [sentence.prob(r) for r in q["rows"]]
            chosen = pick_sentences(
                q["query"], q["texts"], probs, max_sentences=3, max_words=40, extra_ratio=ratio
            )
            texts.append(" ".join(q["texts"][i] for i in chosen))
        sweep.append(
            {
                "ratio": ratio,
                "contains": round(
                    float(
                        np.mean(
                            [
                                contains_answer(t, q["answers"])
                                for t, q in zip(texts, answerable_qs, strict=True)
                            ]
                        )
                    ),
                    4,
                ),
                "median_words": percentile([len(t.split()) for t in texts], 50),
            }
        )
        print(
            f"  extra_ratio {ratio}: answer holds a gold answer {sweep[-1]['contains']:.1%}, "
            f"median {sweep[-1]['median_words']} words"
        )
    fits = [s for s in sweep if s["median_words"] <= 40] or sweep
    extra_ratio = max(fits, key=lambda s: s["contains"])["ratio"]

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    model = RankerModel(
        sentence=sentence,
        answerable=answerable,
        answer_at=answer_at,
        decline_below=decline_below,
        about={
            "fitted": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": commit,
            "script": "bench/fit_ranker.py",
            "data": {k: len(v) for k, v in sets.items()},
            "gold_sentence_word_overlap_median": overlap,
            "sentence_ranker": sentence_report,
            "answerability": answerable_report,
            "answer_at_balanced_accuracy": round(best_ba, 4),
            "max_answerable_declined": MAX_DECLINED,
            "curve": {
                "columns": [
                    "confidence",
                    "balanced accuracy",
                    "answerable answered right",
                    "unanswerable declined",
                ],
                "rows": [
                    [
                        t,
                        round(ba, 4),
                        round(float(np.mean(conf[right] >= t)), 4),
                        round(float(np.mean(conf[unans] < t)), 4),
                    ]
                    for t, ba in curve[::4]
                ],
            },
            "extra_ratio": extra_ratio,
            "excluded_features": list(args.exclude),
            "rerank_top": rerank_top,
            "rerank_top_sweep": rerank_sweep,
            "split": "fit half of each set (qa.evaluation.splits); the report half is never read",
            "extra_ratio_sweep": sweep,
        },
    )
    args.out.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
