"""What each lever of the extractive answerer gives: one store per question set, several
variants of the answerer over it, the figures side by side (a Markdown table per set).

    python bench/ablation.py                   # seed, SQuAD 2.0 and HotpotQA samples
    python bench/ablation.py --sets seed --limit 50

Variants (each changes one thing from the default, except the first):
- `hand-set, dense, k=4`: the answerer before the learned ranker: the hand-set score
  0.6 sem + 0.18 ctx + 0.4 lex + 0.4 pdense - 0.1 (asks a type and the sentence has none),
  answering at >= 0.52, else declining (no `uncertain`), one to three sentences within 60
  words (a next sentence within about 0.05 of the best score), over dense retrieval of 4
  passages.
- `learned, dense, k=4` and `learned, hybrid, k=4`: the learned models, retrieval changed.
- `default`: learned models, hybrid retrieval of 6 passages, `uncertain` band, up to 40 words.
- `default, no uncertain`: decline instead of answering `uncertain`.
- `default, one sentence`: never a second or third sentence.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders import load_jsonl_documents, load_paths
from qa import QA, Settings
from qa.answering.extractive import ExtractiveAnswerer
from qa.answering.ranker import Logistic, RankerModel
from qa.evaluation.questions import ask_question, load_questions
from qa.evaluation.scoring import score_answer, summarize
from qa.evaluation.scratch import scratch_qa
from qa.store.embeddings import LocalEmbeddings, stay_offline

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "seed": (ROOT / "seeds", ROOT / "tests" / "data" / "seed_questions.jsonl"),
    "squad2": (
        ROOT / "data/eval/squad2-dev-500/docs.jsonl",
        ROOT / "data/eval/squad2-dev-500/questions.jsonl",
    ),
    "hotpotqa": (
        ROOT / "data/eval/hotpotqa-dev-500/docs.jsonl",
        ROOT / "data/eval/hotpotqa-dev-500/questions.jsonl",
    ),
}
ROWS = [
    ("recall@k", "retrieval recall@k"),
    ("evidence_cited_first", "evidence cited first"),
    ("contains_answer", "answer contains a gold answer"),
    ("answer_words_median", "answer words (median)"),
    ("wrongly_declined", "answerable wrongly declined"),
    ("uncertain_answerable", "answerable answered uncertain"),
    ("abstain_recall", "unanswerable declined"),
    ("declined_or_uncertain", "unanswerable declined or uncertain"),
    ("latency_p50_ms", "latency p50 ms"),
]


def hand_set() -> RankerModel:
    """The hand-set linear score of the answerer before the learned ranker, as a logistic
    whose probability passes 0.5 where the old score passed its threshold, 0.52."""
    feats = ("sem", "ctx", "lex", "pdense", "asks", "supplies")
    weights = (0.6, 0.18, 0.4, 0.4, -0.1, 0.1)
    steep = 50.0
    score = Logistic(
        feats, (0.0,) * 6, (1.0,) * 6, tuple(steep * w for w in weights), -steep * 0.52
    )
    return RankerModel(score, score, answer_at=0.5, decline_below=0.5)


@dataclass(frozen=True)
class Variant:
    name: str
    settings: dict[str, object]
    answerer: dict[str, object]


VARIANTS = [
    Variant(
        "hand-set, dense, k=4",
        {"retrieval": "dense", "top_k": 4},
        {"model": hand_set(), "max_words": 60, "extra_ratio": 0.08},
    ),
    Variant("learned, dense, k=4", {"retrieval": "dense", "top_k": 4}, {}),
    Variant("learned, hybrid, k=4", {"top_k": 4}, {}),
    Variant("default (learned, hybrid, k=6)", {}, {}),
    Variant("default, no uncertain", {}, {"decline_below": RankerModel.load().answer_at}),
    Variant("default, one sentence", {}, {"extra_ratio": 2.0}),
]


def run_set(name: str, limit: int | None, emb: LocalEmbeddings) -> dict[str, dict[str, float]]:
    docs_path, questions_path = SETS[name]
    docs = (
        load_jsonl_documents(docs_path)
        if docs_path.suffix == ".jsonl"
        else load_paths([docs_path])[0]
    )
    sources = {d.doc_id: d.text for d in docs}
    with scratch_qa(docs, Settings(), embeddings=emb) as scratch:
        base, store = scratch.qa.settings, scratch.qa.store
        questions = load_questions(questions_path)[:limit]
        out = {}
        for v in VARIANTS:
            settings = base.with_(**v.settings)
            answerer = ExtractiveAnswerer(emb, **v.answerer)  # type: ignore[arg-type]
            qa = QA(store, emb, settings=settings, answerer=answerer)
            scored = []
            for q in questions:
                t0 = time.perf_counter()
                answer = ask_question(qa, q)
                scored.append(score_answer(q, answer, sources, (time.perf_counter() - t0) * 1e3))
            out[v.name] = summarize(scored)
            print(f"  {name}: {v.name} done", flush=True)
        return out


def table(results: dict[str, dict[str, float]]) -> str:
    names = list(results)
    lines = ["| " + " | ".join(["measure", *names]) + " |", "|---" * (len(names) + 1) + "|"]
    for key, label in ROWS:
        cells = []
        for n in names:
            value = results[n][key]
            cells.append(f"{value:.0f}" if key.endswith(("_ms", "median")) else f"{value:.1%}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    ap.add_argument("--limit", type=int, help="questions per set")
    args = ap.parse_args(argv)
    stay_offline()
    emb = LocalEmbeddings()
    for name in args.sets:
        print(f"\n### {name}\n\n{table(run_set(name, args.limit, emb))}\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
