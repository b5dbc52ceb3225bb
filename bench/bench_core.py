"""Ingest throughput and warm query latency, beside the stock LangChain recipe, in one run.

    python bench/bench_core.py [--hotpot-docs N] [--queries N]

The answer columns: the default answerer, and beside it, in the same run and on the same store,
the answerer with the cross-encoder (`QA_RERANKER=cross-encoder`).

The baseline is the recipe most tutorials show: RecursiveCharacterTextSplitter(1000, 200),
`Chroma.from_documents`, `similarity_search(k=4)`, with the same embedding model. Figures are
wall-clock on whatever machine runs this; compare the columns, not runs on other days.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from ingest.loaders import load_jsonl_documents, load_paths
from qa import QA, Settings, SourceDocument, open_client
from qa.answering.cross_encoder import CrossEncoder
from qa.answering.extractive import ExtractiveAnswerer
from qa.answering.ranker import CROSS_ENCODER_MODEL_PATH, RankerModel
from qa.documents.pipeline import ingest_documents
from qa.evaluation.baseline import BaselineQA
from qa.evaluation.scratch import scratch_folder, scratch_qa
from qa.store.embeddings import LocalEmbeddings, stay_offline

ROOT = Path(__file__).resolve().parent.parent

SHARED = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), q[18]


def bench_ours(docs: list[SourceDocument], questions: list[str], emb: LocalEmbeddings) -> dict:
    with scratch_qa(docs, Settings(collection="bench"), embeddings=emb) as scratch:
        return _time_ours(
            scratch.qa, docs, questions, scratch.report.chunks_embedded, scratch.ingest_seconds
        )


def _time_ours(
    qa: QA, docs: list[SourceDocument], questions: list[str], chunks: int, ingest_s: float
) -> dict:
    t0 = time.perf_counter()
    again = ingest_documents(
        docs, qa.store, qa.embeddings.count_tokens, qa.settings, progress=False
    )
    reingest_s = time.perf_counter() - t0
    assert again.chunks_embedded == 0
    reranked = QA(
        qa.store,
        qa.embeddings,
        settings=qa.settings,
        answerer=ExtractiveAnswerer(
            qa.embeddings,
            model=RankerModel.load(CROSS_ENCODER_MODEL_PATH),
            reranker=CrossEncoder(),
        ),
    )
    qa.retriever.search(questions[0])  # warm up
    qa.ask(questions[0])
    reranked.ask(questions[0])
    search, full, full_reranked = [], [], []
    for q in questions:
        t = time.perf_counter()
        qa.retriever.search(q)
        search.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        qa.ask(q)
        full.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        reranked.ask(q)
        full_reranked.append((time.perf_counter() - t) * 1000)
    return {
        "chunks": chunks,
        "ingest_s": ingest_s,
        "reingest_s": reingest_s,
        "search_ms": _percentiles(search),
        "answer_ms": _percentiles(full),
        "answer_reranked_ms": _percentiles(full_reranked),
    }


def bench_baseline(docs: list[SourceDocument], questions: list[str], emb: LocalEmbeddings) -> dict:
    with scratch_folder("bench-base-") as folder:
        client = open_client(Settings(persist_dir=folder), create=True)
        return _time_baseline(client, docs, questions, emb)


def _time_baseline(
    client: object, docs: list[SourceDocument], questions: list[str], emb: LocalEmbeddings
) -> dict:
    t0 = time.perf_counter()
    base = BaselineQA(client, emb, docs)
    ingest_s = time.perf_counter() - t0
    base.store.similarity_search(questions[0], k=4)
    search = []
    for q in questions:
        t = time.perf_counter()
        base.store.similarity_search(q, k=4)
        search.append((time.perf_counter() - t) * 1000)
    return {"chunks": base.n_chunks, "ingest_s": ingest_s, "search_ms": _percentiles(search)}


def _row(name: str, corpus: str, n_docs: int, r: dict) -> str:
    answer = "{:.1f} / {:.1f}".format(*r["answer_ms"]) if "answer_ms" in r else "—"
    reranked = "{:.1f} / {:.1f}".format(*r["answer_reranked_ms"]) if "answer_ms" in r else "—"
    reingest = f"{r['reingest_s']:.2f}" if "reingest_s" in r else "—"
    return (
        f"| {corpus} | {name} | {n_docs} | {r['chunks']} | {r['ingest_s']:.1f} | "
        f"{n_docs / r['ingest_s']:.1f} | {r['chunks'] / r['ingest_s']:.1f} | {reingest} | "
        "{:.1f} / {:.1f} | ".format(*r["search_ms"])
        + f"{answer} | {reranked} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--hotpot-docs", type=int, default=1000, help="HotpotQA docs in the store (0 = all 4,858)"
    )
    ap.add_argument("--queries", type=int, default=100, help="questions timed per corpus")
    args = ap.parse_args()
    stay_offline()
    emb = LocalEmbeddings()
    seed_docs, _ = load_paths([ROOT / "seeds"])
    seed_q = [
        json.loads(x).get("question") or json.loads(x)["turns"][-1]
        for x in (ROOT / "tests" / "data" / "seed_questions.jsonl").read_text().splitlines()
    ]
    hp_docs = load_jsonl_documents(SHARED / "hotpotqa-dev-500" / "docs.jsonl")
    if args.hotpot_docs:
        hp_docs = hp_docs[: args.hotpot_docs]
    hp_q = [
        json.loads(x)["question"]
        for x in (SHARED / "hotpotqa-dev-500" / "questions.jsonl").read_text().splitlines()
    ]
    print(
        "| corpus | system | docs | chunks | ingest s | docs/s | chunks/s | re-ingest s | "
        "search p50 / p95 ms | answer p50 / p95 ms | with the cross-encoder |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for corpus, docs, qs in (("seed", seed_docs, seed_q), ("hotpotqa", hp_docs, hp_q)):
        qs = qs[: args.queries]
        print(_row("cited-qa", corpus, len(docs), bench_ours(docs, qs, emb)), flush=True)
        print(
            _row("LangChain recipe", corpus, len(docs), bench_baseline(docs, qs, emb)), flush=True
        )


if __name__ == "__main__":
    main()
