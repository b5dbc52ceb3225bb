"""The store at 100,000 chunks: one-file ingest, `qa docs`, cold and warm questions, query
latency, each beside what the code before the manifest did in the same run.

    python bench/bench_scale.py [--chunks N] [--asks N] [--rebuild-cache]

The 100k-chunk store is built once and cached (`~/.cache/cited-qa/bench-scale/`, keyed by
the bench's version, chromadb's version and the size); each run works on a copy. Its texts are
real (passages of the SQuAD and HotpotQA samples in `../shared/data`, six to a document, about five
chunks each) but its vectors are synthetic: deterministic random unit vectors, so that building
it takes minutes, not the half hour the model would. Questions and the one ingested file are
embedded by the real model, so answers over the synthetic vectors mean nothing; their timings
do. Prints figures, asserts none; compare the columns of one run (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.chunking import chunk_document
from ingest.loaders import load_jsonl_documents, load_paths
from qa import QA, Settings, SourceDocument
from qa.documents.pipeline import ingest_documents
from qa.service import load_embeddings, open_store
from qa.store.chunks import ChunkStore
from qa.store.embeddings import stay_offline
from qa.store.health import check_store, forget_stamp

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
BENCH_VERSION = "1"  # bump when the cached store must be built again
QA_BIN = Path(sys.executable).with_name("qa")
QUESTION = "What government position was held by the woman who portrayed Corliss Archer?"
DIM = 384


class SyntheticEmbeddings(Embeddings):
    """Deterministic random unit vectors (dimension 384), seeded by the text."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            v = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(DIM)
            out.append((v / np.linalg.norm(v)).astype(np.float32).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _cheap_tokens(text: str) -> int:
    """About the model's count of word pieces, without the tokenizer (for the synthetic build)."""
    return max(len(text) // 10, int(len(text.split()) * 1.3))


def _passages() -> list[SourceDocument]:
    return [
        *load_jsonl_documents(SHARED / "hotpotqa-dev-500" / "docs.jsonl"),
        *load_jsonl_documents(SHARED / "squad2-dev-500" / "docs.jsonl"),
    ]


def _document(passages: list[SourceDocument], i: int) -> SourceDocument:
    """Document `i`: six passages drawn at random (seeded by `i`)."""
    picked = random.Random(i).sample(passages, 6)
    return SourceDocument(
        doc_id=f"scale-{i:07d}",
        source=f"bench-scale/{i:07d}.txt",
        title=f"{picked[0].title} ({i})",
        text="\n\n".join(p.text for p in picked),
    )


def _documents(passages: list[SourceDocument]) -> Iterator[SourceDocument]:
    i = 0
    while True:
        yield _document(passages, i)
        i += 1


def cache_dir(chunks: int) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return (
        base
        / "cited-qa"
        / "bench-scale"
        / f"v{BENCH_VERSION}-chromadb{version('chromadb')}-{chunks}"
    )


def build(folder: Path, chunks: int) -> float:
    """Build the store of about `chunks` chunks in `folder/chroma`; returns seconds."""
    t0 = time.perf_counter()
    settings = Settings(persist_dir=folder / "chroma")
    store = open_store(settings, SyntheticEmbeddings(), create=True)
    docs = _documents(_passages())
    while store.count() < chunks:
        group = [next(docs) for _ in range(1000)]
        ingest_documents(group, store, _cheap_tokens, settings, progress=False)
        print(f"  built {store.count():,} chunks ({time.perf_counter() - t0:.0f} s)", flush=True)
    store.refresh_lexical()  # the saved BM25 index, as a store in use has one
    return time.perf_counter() - t0


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `cmd` under /usr/bin/time -v: wall seconds, peak RSS in MB, stdout."""
    t0 = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env, timeout=900
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return wall, int(rss.group(1)) / 1024 if rss else float("nan"), done.stdout


def _ms(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20, method="inclusive")
    return f"{statistics.median(samples):.1f} / {q[18]:.1f}"


def _seconds(f: Callable[[], object], n: int = 1) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--chunks", type=int, default=100_000, help="store size (default 100,000)")
    p.add_argument("--asks", type=int, default=30, help="warm questions timed (default 30)")
    p.add_argument("--rebuild-cache", action="store_true", help="build the store again")
    args = p.parse_args()
    stay_offline()

    cached = cache_dir(args.chunks)
    if args.rebuild_cache or not (cached / "done").is_file():
        shutil.rmtree(cached, ignore_errors=True)
        cached.mkdir(parents=True)
        print(f"building the {args.chunks:,}-chunk store in {cached} (once) ...", flush=True)
        built = build(cached, args.chunks)
        (cached / "done").write_text(f"{built:.0f} s\n", encoding="utf-8")
    lexical_dir = Settings(persist_dir=cached / "chroma").lexical_dir
    if not any(lexical_dir.glob("v-*/terms.json")):  # saved before the words were kept
        print("saving the cached store's BM25 index with its words (once) ...", flush=True)
        shutil.rmtree(lexical_dir, ignore_errors=True)
        open_store(Settings(persist_dir=cached / "chroma")).refresh_lexical()
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        t0 = time.perf_counter()
        (work / "s").mkdir()
        subprocess.run(["cp", "-a", f"{cached}/.", str(work / "s")], check=True)
        copy_s = time.perf_counter() - t0
        run(work, args, copy_s)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, args: argparse.Namespace, copy_s: float) -> None:
    persist = work / "s" / "chroma"
    settings = Settings(persist_dir=persist)
    env = {**os.environ, "QA_PERSIST_DIR": str(persist), "HF_HUB_OFFLINE": "1"}
    rows: list[tuple[str, str, str]] = []

    # The one file: a new document of real text (six other passages), embedded by the model.
    passages = _passages()
    new_doc = _document(passages, 10**6)
    new_file = work / "new-document.txt"
    new_file.write_text(new_doc.text, encoding="utf-8")

    # Whole processes first (a local store is for one process at a time).
    _timed([str(QA_BIN), "docs"], env)  # a first open after the copy: probed, then stamped
    docs_runs = [_timed([str(QA_BIN), "docs", "--json"], env) for _ in range(3)]
    listed = len(docs_runs[0][2].splitlines())
    docs_s = statistics.median(r[0] for r in docs_runs)
    docs_rss = max(r[1] for r in docs_runs)
    ing_s, ing_rss, ing_out = _timed([str(QA_BIN), "ingest", "--no-progress", str(new_file)], env)
    pipeline = re.search(r"chunks embedded in ([\d.]+) s", ing_out)
    pipeline_s = float(pipeline.group(1)) if pipeline else float("nan")
    first_s, first_rss, _ = _timed([str(QA_BIN), "ask", QUESTION], env)
    cold = [_timed([str(QA_BIN), "ask", QUESTION], env) for _ in range(3)]
    cold_s = statistics.median(r[0] for r in cold)
    cold_rss = max(r[1] for r in cold)

    # Then in this process: the old scan beside the manifest, the probe, the BM25 rebuild.
    store = open_store(settings)
    count = store.count()
    scan_s = _seconds(store.scan_doc_states)
    lookup_s = _seconds(lambda: store.doc_states([new_doc.doc_id]), n=5)
    documents_s = _seconds(store.documents)
    forget_stamp(persist)
    probe_s = _seconds(lambda: check_store(persist))
    # What the old ingest did in its own step, and the old first question after an ingest
    # still does: the BM25 index rebuilt from every chunk's text (no saved index to update).
    lexical_s = _seconds(lambda: ChunkStore.open(store.client, store.name).refresh_lexical())

    model = load_embeddings(settings)
    file_chunks = chunk_document(
        load_paths([new_file])[0][0],
        model.count_tokens,
        settings.chunk_tokens,
        settings.chunk_overlap_tokens,
    )
    embed_s = _seconds(lambda: model.embed_documents([c.text for c in file_chunks]), n=3)
    qa = QA(store.with_embeddings(model), model, settings=settings)
    qa.ask(QUESTION)  # warm
    questions = [
        json.loads(line)["question"]
        for line in (SHARED / "hotpotqa-dev-500" / "questions.jsonl").read_text().splitlines()
    ][: args.asks]
    asks, searches, raw = [], [], []
    rng = np.random.default_rng(0)
    for q in questions:
        t = time.perf_counter()
        qa.ask(q)
        asks.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        qa.retriever.search(q)
        searches.append((time.perf_counter() - t) * 1000)
        v = rng.standard_normal(DIM)
        t = time.perf_counter()
        store.search((v / np.linalg.norm(v)).tolist(), 20)
        raw.append((time.perf_counter() - t) * 1000)

    # The incremental update after another one-file ingest, from the saved index (another
    # store object, as another process would).
    other = _document(passages, 10**6 + 1)
    ingest_documents(
        [other], store.with_embeddings(model), model.count_tokens, settings, progress=False
    )
    update = ChunkStore.open(store.client, store.name, lexical_dir=settings.lexical_dir)
    update_s = _seconds(update.refresh_lexical)

    rows += [
        ("store", f"{count:,} chunks, {listed:,} documents (synthetic vectors)", ""),
        ("copy of the cached store", f"{copy_s:.1f} s", ""),
        (
            "one-file ingest, whole `qa ingest` process",
            f"{ing_s:.2f} s, peak RSS {ing_rss:.0f} MB",
            f"{len(file_chunks)} chunks",
        ),
        (
            "  inside the pipeline / of which embedding",
            f"{pipeline_s:.2f} s / {embed_s:.2f} s",
            f"store work {max(pipeline_s - embed_s, 0):.2f} s",
        ),
        (
            "  what the old ingest also did: scan / BM25 rebuild",
            f"{scan_s:.2f} s / {lexical_s:.2f} s",
            "doc_states over every chunk; the index rebuilt from every text",
        ),
        (
            "BM25 update after a one-file ingest",
            f"{update_s:.2f} s",
            "incremental, from the saved index: new chunks read, all indexed again",
        ),
        ("manifest lookup of one document", f"{lookup_s * 1000:.1f} ms", "(the scan above)"),
        (
            "`qa docs --json`, whole process",
            f"{docs_s:.2f} s, peak RSS {docs_rss:.0f} MB",
            f"documents() {documents_s:.2f} s in-process; before: a scan like the above",
        ),
        (
            "first `qa ask` after the ingest",
            f"{first_s:.2f} s, peak RSS {first_rss:.0f} MB",
            "probe + incremental BM25 update, then saved",
        ),
        ("cold `qa ask` (median of 3)", f"{cold_s:.2f} s, peak RSS {cold_rss:.0f} MB", ""),
        ("store probe in a child process", f"{probe_s:.2f} s", "only after the files changed"),
        ("warm `QA.ask` p50 / p95 ms", _ms(asks), f"{len(asks)} HotpotQA questions"),
        ("search (embed + hybrid) p50 / p95 ms", _ms(searches), ""),
        ("Chroma query k=20 p50 / p95 ms", _ms(raw), "random unit vectors"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<34} {note}")


if __name__ == "__main__":
    main()
