"""Whole processes, as a user runs them: cold `qa ask`, ingest throughput, and ingests with
nothing to embed, for the ONNX and the torch embedding backends side by side in one run.

    python bench/bench_cold.py [--runs 5] [--ingest-docs 1000]

- cold `qa ask` on the seed store: median of `--runs` whole processes per backend, interleaved
  with `python -c "import chromadb"` (the floor any Chroma client pays);
- ingest of `--ingest-docs` HotpotQA documents written as .txt files, `qa ingest DIR` into a
  new store per backend: whole-process and in-pipeline chunks/s, beside the raw limit of
  `SentenceTransformer.encode` (and of the ONNX encoder) on the same chunk texts;
- re-ingest of the unchanged files and an ingest where every file is skipped (median of
  `--runs`), whose process loads no model.

Figures are wall-clock on whatever machine runs this; compare the rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOTPOT = (
    Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
    / "hotpotqa-dev-500"
    / "docs.jsonl"
)
QUESTION = "Where will the summit take place?"
_EMBEDDED = re.compile(r"\((\d+) chunks embedded in ([\d.]+) s\)")


def _env(store: Path, backend: str = "onnx") -> dict[str, str]:
    return {
        **os.environ,
        "QA_PERSIST_DIR": str(store),
        "QA_EMBEDDING_BACKEND": backend,
        "HF_HUB_OFFLINE": "1",
    }


def _timed(args: Sequence[str], env: dict[str, str], ok: Sequence[int] = (0,)) -> tuple[float, str]:
    """Seconds the process took, and its standard output."""
    t = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=1800)
    seconds = time.perf_counter() - t
    if done.returncode not in ok:
        sys.exit(f"{' '.join(args[:3])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def _qa(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def cold_ask(folder: Path, runs: int) -> dict[str, list[float]]:
    store = folder / "seed-store"
    _timed(_qa("ingest", "--no-progress", str(ROOT / "seeds")), _env(store))
    times: dict[str, list[float]] = {"onnx": [], "torch": [], "chromadb": []}
    for _ in range(runs):  # interleaved, so that the machine's load falls on every row alike
        for backend in ("onnx", "torch"):
            times[backend].append(_timed(_qa("ask", QUESTION), _env(store, backend))[0])
        chroma = [sys.executable, "-c", "import chromadb"]
        times["chromadb"].append(_timed(chroma, _env(store))[0])
    return times


def write_files(folder: Path, n: int) -> Path:
    docs = folder / "hotpot-files"
    docs.mkdir()
    with HOTPOT.open(encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            if i >= n:
                break
            row = json.loads(line)
            name = re.sub(r"[^A-Za-z0-9]+", "_", row["doc_id"])[:80]
            (docs / f"{i:05d}_{name}.txt").write_text(
                f"{row.get('title', '')}\n\n{row['text']}\n", encoding="utf-8"
            )
    return docs


def ingest(folder: Path, docs: Path, backend: str) -> dict[str, float]:
    store = folder / f"store-{backend}"
    seconds, out = _timed(_qa("ingest", "--no-progress", str(docs)), _env(store, backend))
    found = _EMBEDDED.search(out)
    assert found, out
    chunks, inside = int(found.group(1)), float(found.group(2))
    return {"seconds": seconds, "chunks": chunks, "pipeline_s": inside, "store": str(store)}


def encode_limits(store: Path) -> dict[str, float]:
    """Chunks/s of the bare encoders on the stored chunk texts: SentenceTransformer.encode
    (batch 32, as sentence-transformers sorts by length) and the ONNX encoder."""
    from core.text import normalize
    from qa import Settings, open_client
    from qa.store.chunks import ChunkStore
    from qa.store.embeddings import LocalEmbeddings, packaged_model_path, stay_offline

    stay_offline()
    settings = Settings(persist_dir=store)
    texts = [
        normalize(c.text)
        for c in ChunkStore.from_settings(open_client(settings), settings).chunks()
    ]
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(packaged_model_path()), local_files_only=True)
    model.encode(texts[:8])
    t = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    st = len(texts) / (time.perf_counter() - t)
    onnx = LocalEmbeddings(batch_size=settings.embed_batch_size)
    onnx.embed_query("warm up")
    t = time.perf_counter()
    onnx.embed_documents(texts)
    return {"sentence_transformers": st, "onnx": len(texts) / (time.perf_counter() - t)}


def nothing_to_embed(folder: Path, docs: Path, store: str, runs: int) -> dict[str, list[float]]:
    bad = folder / "unreadable"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (bad / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    times: dict[str, list[float]] = {"unchanged": [], "skipped": []}
    for _ in range(runs):
        env = _env(Path(store))
        times["unchanged"].append(_timed(_qa("ingest", "--no-progress", str(docs)), env)[0])
        skipped = _qa("ingest", "--no-progress", str(bad))
        times["skipped"].append(_timed(skipped, _env(folder / "empty-store"), ok=(1,))[0])
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="whole processes per cold figure")
    ap.add_argument("--ingest-docs", type=int, default=1000, help="HotpotQA files ingested")
    args = ap.parse_args()
    med = statistics.median
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        folder = Path(tmp)
        cold = cold_ask(folder, args.runs)
        print(f"cold `qa ask` on the seed store, whole process, median of {args.runs}:")
        print("| process | median s | runs s |\n|---|---|---|")
        for name, label in (
            ("onnx", "qa ask (onnx, default)"),
            ("torch", "qa ask (QA_EMBEDDING_BACKEND=torch)"),
            ("chromadb", 'python -c "import chromadb"'),
        ):
            runs = " ".join(f"{t:.2f}" for t in cold[name])
            print(f"| {label} | {med(cold[name]):.2f} | {runs} |", flush=True)

        docs = write_files(folder, args.ingest_docs)
        print(f"\ningest of {args.ingest_docs} HotpotQA files (`qa ingest DIR`, a new store each):")
        print(
            "| backend | chunks | whole process s | chunks/s (process) | chunks/s (pipeline) |"
            "\n|---|---|---|---|---|"
        )
        made = {}
        for backend in ("onnx", "torch"):
            r = made[backend] = ingest(folder, docs, backend)
            print(
                f"| {backend} | {r['chunks']:.0f} | {r['seconds']:.1f} | "
                f"{r['chunks'] / r['seconds']:.1f} | {r['chunks'] / r['pipeline_s']:.1f} |",
                flush=True,
            )
        ratio = (made["onnx"]["chunks"] / made["onnx"]["seconds"]) / (
            made["torch"]["chunks"] / made["torch"]["seconds"]
        )
        print(f"onnx / torch, whole process: {ratio:.2f}x")
        limits = encode_limits(Path(made["onnx"]["store"]))
        print(
            f"bare encoders on the same chunks: SentenceTransformer.encode "
            f"{limits['sentence_transformers']:.1f} chunks/s, ONNX {limits['onnx']:.1f} chunks/s"
        )

        idle = nothing_to_embed(folder, docs, made["onnx"]["store"], args.runs)
        print(f"\ningests with nothing to embed, whole process, median of {args.runs}:")
        print("| run | median s | runs s |\n|---|---|---|")
        for name, label in (
            ("unchanged", f"re-ingest of the {args.ingest_docs} unchanged files"),
            ("skipped", "every file skipped (exit 1)"),
        ):
            runs = " ".join(f"{t:.2f}" for t in idle[name])
            print(f"| {label} | {med(idle[name]):.2f} | {runs} |", flush=True)


if __name__ == "__main__":
    main()
