"""Ingest throughput and warm query latency, beside the stock LangChain recipe, in one run.

    python bench/bench_core.py [--hotpot-docs N] [--queries N]

The baseline is the recipe most tutorials show: RecursiveCharacterTextSplitter(1000, 200),
`Chroma.from_documents`, `similarity_search(k=4)`, with the same embedding model. Figures are
wall-clock on whatever machine runs this; compare the columns, not runs on other days.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.loaders import load_jsonl_documents, load_paths  # noqa: E402
from ingest.pipeline import ingest_documents  # noqa: E402
from qa import QA, ChunkStore, Settings, SourceDocument, open_client  # noqa: E402
from qa.evaluation.baseline import BaselineQA  # noqa: E402
from qa.store.embeddings import LocalEmbeddings  # noqa: E402

SHARED = ROOT / "data" / "eval"


def _percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), q[18]


def bench_ours(docs: list[SourceDocument], questions: list[str], emb: LocalEmbeddings) -> dict:
    settings = Settings(persist_dir=Path(tempfile.mkdtemp(prefix="bench-ours-")))
    store = ChunkStore.open(open_client(settings, create=True), "bench", emb, create=True)
    t0 = time.perf_counter()
    report = ingest_documents(docs, store, emb.count_tokens, settings, progress=False)
    ingest_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = ingest_documents(docs, store, emb.count_tokens, settings, progress=False)
    reingest_s = time.perf_counter() - t0
    assert again.chunks_embedded == 0
    qa = QA(store, emb, settings=settings)
    qa.retriever.search(questions[0])  # warm up
    search, full = [], []
    for q in questions:
        t = time.perf_counter()
        qa.retriever.search(q)
        search.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        qa.ask(q)
        full.append((time.perf_counter() - t) * 1000)
    return {
        "chunks": report.chunks_embedded, "ingest_s": ingest_s, "reingest_s": reingest_s,
        "search_ms": _percentiles(search), "answer_ms": _percentiles(full),
    }  # fmt: skip


def bench_baseline(docs: list[SourceDocument], questions: list[str], emb: LocalEmbeddings) -> dict:
    client = open_client(Settings(persist_dir=Path(tempfile.mkdtemp(prefix="bench-base-"))),
                         create=True)  # fmt: skip
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
    reingest = f"{r['reingest_s']:.2f}" if "reingest_s" in r else "—"
    return (
        f"| {corpus} | {name} | {n_docs} | {r['chunks']} | {r['ingest_s']:.1f} | "
        f"{n_docs / r['ingest_s']:.1f} | {r['chunks'] / r['ingest_s']:.1f} | {reingest} | "
        "{:.1f} / {:.1f} | ".format(*r["search_ms"]) + f"{answer} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hotpot-docs", type=int, default=0, help="limit HotpotQA docs (0 = all)")
    ap.add_argument("--queries", type=int, default=100, help="questions timed per corpus")
    args = ap.parse_args()
    emb = LocalEmbeddings()
    seed_docs, _ = load_paths([ROOT / "seeds"])
    seed_q = [json.loads(x).get("question") or json.loads(x)["turns"][-1] for x in
              (ROOT / "tests" / "data" / "seed_questions.jsonl").read_text().splitlines()]
    hp_docs = load_jsonl_documents(SHARED / "hotpotqa-dev-500" / "docs.jsonl")
    if args.hotpot_docs:
        hp_docs = hp_docs[: args.hotpot_docs]
    hp_q = [json.loads(x)["question"] for x in
            (SHARED / "hotpotqa-dev-500" / "questions.jsonl").read_text().splitlines()]
    print("| corpus | system | docs | chunks | ingest s | docs/s | chunks/s | re-ingest s | "
          "search p50 / p95 ms | answer p50 / p95 ms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for corpus, docs, qs in (("seed", seed_docs, seed_q), ("hotpotqa", hp_docs, hp_q)):
        qs = qs[: args.queries]
        print(_row("cited-qa", corpus, len(docs), bench_ours(docs, qs, emb)), flush=True)
        print(_row("LangChain recipe", corpus, len(docs), bench_baseline(docs, qs, emb)),
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
