"""Fit the relevance floor of the LLM path: below it the retrieval found nothing about the
question, and the LLM answerer declines without asking the model.

    python bench/fit_relevance.py                  # fit, print, write qa/llm/relevance.json
    python bench/fit_relevance.py --out /tmp/relevance.json

Data (never the seed set), from `../shared/data` (or `$CITED_QA_DATA`): the SQuAD 2.0 and
HotpotQA samples, split by `qa.evaluation.splits`; SelQA (dev and test), whose questions were
written and then paraphrased by crowd workers to share fewer words with their sentence, one
document per article section, split by article as the reranker's training split it (sha1 mod
10: 0-1 report; 2, the reranker's validation articles, fit both floors; 3-9, its training
articles, fit only `sem`, since the cross-encoder has seen them); and WikiQA test (one document
per article; measurement only, never fitted on). Each set is ingested into a temporary store
and asked through the service's hybrid retriever, by its own questions ("in collection") and
by another set's ("off collection": questions about other documents). A question's relevance
is the best score any candidate sentence gets: `sem`, the bi-encoder's cosine, and `ce`, the
cross-encoder's score (for the candidates it reads, as the answerer runs it).

The floor of each score is the highest value below which at most `MAX_DECLINED` (2%) of each
fitting set's answerable in-collection questions of its fit part fall: the gate is meant to
refuse only questions about nothing in the documents, so a question the documents answer is
almost never stopped by it; whether the passages answer is the model's to say. The figures
printed and kept in the file for the report parts (and WikiQA) are those of
docs/how-it-works.md.
`--sets` leaves sets out of the fitting (an ablation: `--sets squad hotpot`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from core.settings import Settings
from core.types import SourceDocument
from ingest.loaders import load_jsonl_documents
from qa.answering.conversation import condense_query
from qa.answering.cross_encoder import CrossEncoder
from qa.answering.extractive import ExtractiveAnswerer
from qa.answering.ranker import RankerModel
from qa.evaluation.questions import load_questions
from qa.evaluation.scratch import scratch_qa
from qa.evaluation.splits import bucket, split_of
from qa.llm.relevance import DEFAULT_RELEVANCE_PATH
from qa.store.embeddings import LocalEmbeddings, stay_offline

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
MAX_DECLINED = 0.02
SCORES = ("sem", "ce")
RERANK_TOP = 12  # as qa/answering/ranker-cross-encoder.json
FITTING = ("squad", "hotpot", "selqa")
OFF_PER_PAIR = 120  # off-collection questions asked of each other set's store


@dataclass(frozen=True)
class Asked:
    """A question of a set: its text, whether its documents answer it, and its part
    (`fit`, `fit-sem`: fit only the bi-encoder's floor, `report`)."""

    question: str
    answerable: bool
    part: str


def jsonl_set(folder: str) -> tuple[list[SourceDocument], list[Asked]]:
    """A SQuAD- or HotpotQA-style sample, split into fit and report halves."""
    docs = load_jsonl_documents(DATA / folder / "docs.jsonl")
    qs = [
        Asked(condense_query(q.question, list(q.turns)), q.answerable, split_of(q))
        for q in load_questions(DATA / folder / "questions.jsonl")
    ]
    return docs, qs


def selqa_set() -> tuple[list[SourceDocument], list[Asked]]:
    """SelQA dev+test: a document per article section (its candidate sentences), questions
    split by article as `training/train_reranker.py` does."""
    texts: dict[tuple[str, str], list[str]] = {}
    qs: list[Asked] = []
    for name in ("selqa-ass-dev.json", "selqa-ass-test.json"):
        for row in json.loads((DATA / "selqa" / name).read_text(encoding="utf-8")):
            key = (row["article"], row["section"])
            if key not in texts or len(row["candidates"]) > len(texts[key]):
                texts[key] = row["candidates"]
            b = bucket(row["article"], 10)
            part = "report" if b < 2 else "fit" if b == 2 else "fit-sem"
            if part != "fit-sem" or len(qs) % 3 == 0:  # a third of the training articles'
                qs.append(Asked(row["question"], bool(row["answers"]), part))
    docs = [
        SourceDocument(
            doc_id=f"selqa-{i}",
            source=f"selqa:{a}/{sec}",
            title=f"{a}, {sec}",
            text=" ".join(sents),
        )
        for i, ((a, sec), sents) in enumerate(sorted(texts.items()))
    ]
    return docs, qs


def wikiqa_set() -> tuple[list[SourceDocument], list[Asked]]:
    """WikiQA test: a document per article (its sentences in order); measurement only."""
    sentences: dict[str, dict[int, str]] = {}
    titles: dict[str, str] = {}
    labels: dict[str, tuple[str, bool]] = {}
    with gzip.open(DATA / "wikiqa" / "WikiQA-test.tsv.gz", "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t"), strict=False))
            doc = row["DocumentID"]
            sentences.setdefault(doc, {})[int(row["SentenceID"].rsplit("-", 1)[-1])] = row[
                "Sentence"
            ]
            titles[doc] = row["DocumentTitle"]
            q, right = labels.get(row["QuestionID"], (row["Question"], False))
            labels[row["QuestionID"]] = (q, right or row["Label"] == "1")
    docs = [
        SourceDocument(
            doc_id=f"wikiqa-{d}",
            source=f"wikiqa:{d}",
            title=titles[d],
            text=" ".join(s for _, s in sorted(ss.items())),
        )
        for d, ss in sorted(sentences.items())
    ]
    return docs, [Asked(q, right, "report") for q, right in labels.values()]


def collect(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (store, question): the set of the store and of the question, its part,
    whether it is answerable, and its best `sem` and `ce`. Each store is asked its own
    questions and `OFF_PER_PAIR` of each other set's (spread over both parts); pairs of
    sets already in `rows` (from an earlier run) are not asked again."""
    emb = LocalEmbeddings()
    answerer = ExtractiveAnswerer(
        emb, model=RankerModel.by_similarity(), reranker=CrossEncoder(), rerank_top=RERANK_TOP
    )
    sets = {
        "squad": jsonl_set("squad2-dev-500"),
        "hotpot": jsonl_set("hotpotqa-dev-500"),
        "selqa": selqa_set(),
        "wikiqa": wikiqa_set(),
    }
    done = {(r["store"], r["set"]) for r in rows}
    for store_set, (docs, _) in sets.items():
        if all((store_set, q_set) in done for q_set in sets):
            continue
        with scratch_qa(
            docs, Settings(collection="relevance"), embeddings=emb, progress=True
        ) as sc:
            for q_set, (_, qs) in sets.items():
                if (store_set, q_set) in done:
                    continue
                asked = qs if q_set == store_set else qs[:: max(1, len(qs) // OFF_PER_PAIR)]
                for q in asked:
                    feats = answerer.features(q.question, sc.qa.retriever.search(q.question))
                    best = {s: max((r[s] for *_, r in feats), default=-99.0) for s in SCORES}
                    rows.append(
                        {
                            "store": store_set,
                            "set": q_set,
                            "part": q.part,
                            "answerable": q.answerable,
                            **best,
                        }
                    )
            print(f"{store_set}: {len(rows)} rows so far", flush=True)
    return rows


def _share(values: Sequence[float], floor: float) -> float:
    return float(np.mean(np.array(values) < floor)) if values else 0.0


def _fits(row: dict[str, Any], score: str) -> bool:
    return row["part"] == "fit" or (row["part"] == "fit-sem" and score == "sem")


def figures(rows: Sequence[dict[str, Any]], score: str, floor: float, report: bool) -> dict:
    """Shares declined by the floor, on the report parts (or the fit parts): per set, its
    answerable and unanswerable questions in collection, and its questions off collection."""
    out: dict[str, float] = {}
    for name in dict.fromkeys(r["set"] for r in rows):
        mine = [r for r in rows if r["set"] == name and (r["part"] == "report") == report]
        if not report:
            mine = [r for r in mine if _fits(r, score)]
        inside = [r[score] for r in mine if r["store"] == name and r["answerable"]]
        unans = [r[score] for r in mine if r["store"] == name and not r["answerable"]]
        off = [r[score] for r in mine if r["store"] != name]
        if inside:
            out[f"{name} answerable declined ({len(inside)})"] = _share(inside, floor)
        if unans:
            out[f"{name} unanswerable in collection declined ({len(unans)})"] = _share(unans, floor)
        if off:
            out[f"{name} asked off collection declined ({len(off)})"] = _share(off, floor)
    return {k: round(v, 4) for k, v in out.items()}


def fit_floor(rows: Sequence[dict[str, Any]], score: str, sets: Sequence[str]) -> float:
    """The highest floor leaving at most MAX_DECLINED of each fitting set's answerable
    in-collection questions of its fit part below it."""
    floor = float("inf")
    for name in sets:
        values = sorted(
            r[score]
            for r in rows
            if _fits(r, score) and r["set"] == name == r["store"] and r["answerable"]
        )
        floor = min(floor, values[int(MAX_DECLINED * len(values))])
    return round(floor, 4)


def _commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_RELEVANCE_PATH, help="where to write")
    ap.add_argument("--rows", type=Path, help="keep (or reuse) the collected scores here")
    ap.add_argument("--sets", nargs="+", choices=FITTING, default=list(FITTING), help="fit on")
    args = ap.parse_args(argv)
    stay_offline()
    rows = json.loads(args.rows.read_text()) if args.rows and args.rows.is_file() else []
    rows = collect(rows)
    if args.rows:
        args.rows.write_text(json.dumps(rows))
    floors, fit, report = {}, {}, {}
    for score in SCORES:
        floors[score] = fit_floor(rows, score, args.sets)
        fit[score] = figures(rows, score, floors[score], report=False)
        report[score] = figures(rows, score, floors[score], report=True)
        print(f"\n{score}: floor {floors[score]}")
        for key, value in report[score].items():
            print(f"  report part, {key}: {value:.1%}")
        for key, value in fit[score].items():
            print(f"  fit part, {key}: {value:.1%}")
    about = {
        "fitted": datetime.now(UTC).strftime("%Y-%m-%d"),
        "commit": _commit(),
        "data": "fit parts of " + ", ".join(args.sets) + " (squad2-dev-500 and "
        "hotpotqa-dev-500 by qa.evaluation.splits; selqa dev+test by article as the "
        "reranker's training split); each set's questions asked of its own documents and "
        f"{OFF_PER_PAIR} of each other set's; wikiqa test measured only",
        "rule": f"highest floor with at most {MAX_DECLINED:.0%} of each fitting set's "
        "answerable in-collection fit-part questions below it",
        "rerank_top": RERANK_TOP,
        "fit_half": fit,
        "report_half": report,
    }
    args.out.write_text(json.dumps({"floors": floors, "about": about}, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
