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
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qa.answering.extractive import pick_sentences
from qa.answering.ranker import DEFAULT_MODEL_PATH, FEATURES, RankerModel
from qa.evaluation.metrics import contains_answer
from qa.store.embeddings import stay_offline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fit_ranker_features import collect, with_rerank_top  # noqa: E402
from bench.fit_ranker_selection import (  # noqa: E402
    balanced,
    choose_rerank_top,
    fit,
    matrix,
    question_rows,
    select_answerable_features,
    select_sentence_features,
)

DATA = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
SQUAD = DATA / "squad2-dev-500"
HOTPOT = DATA / "hotpotqa-dev-500"
MAX_DECLINED = 0.05
DEFAULT_TOP = 16


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
