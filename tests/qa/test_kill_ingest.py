"""Kill-safety: `qa ingest` killed with SIGKILL at random moments, then run again, leaves a store
that opens, holds each document once and the same chunks as a clean ingest."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.qa.test_cli import run

pytestmark = pytest.mark.slow
FILES = 300
KILLS = 10
# Small chunks, so that each file of about 45 words is two chunks.
ENV = {"QA_CHUNK_TOKENS": "32", "QA_CHUNK_OVERLAP_TOKENS": "4"}
_IDS = (
    "import sys, chromadb; c = chromadb.PersistentClient(path=sys.argv[1]); "
    "print('\\n'.join(sorted(c.get_collection('cited-qa').get(include=[])['ids'])))"
)


def _write(corpus: Path, files: range, variant: int = 0) -> None:
    for i in files:
        text = (
            f"Harbour note {i} ({variant}): the ferry number {i} left Portmere at dawn with "
            f"{i * 7 + variant} crates of apples and pears for the market.\n\n"
            f"Later that day the council of town {i} met to discuss the sea wall, whose repair "
            f"will cost {i + variant} thousand pounds, and the new timetable."
        )
        (corpus / f"{i:03d}.txt").write_text(text, encoding="utf-8")


def _state(store: Path) -> tuple[list[tuple[str, str, int]], list[str]]:
    """What `qa docs --json` lists (id, source, chunks), and every chunk id in Chroma."""
    docs = run("docs", "--json", store=store, **ENV)
    assert docs.returncode == 0, docs.stderr  # the store opens
    rows = sorted(
        (r["doc_id"], r["source"], r["chunks"]) for r in map(json.loads, docs.stdout.splitlines())
    )
    ids = subprocess.run(
        [sys.executable, "-c", _IDS, str(store)], capture_output=True, text=True, check=True
    )
    return rows, ids.stdout.split()


def test_sigkill_at_random_moments_leaves_a_store_as_a_clean_ingest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus, range(FILES))
    started = time.monotonic()
    clean = run("ingest", "--no-progress", str(corpus), store=tmp_path / "clean", **ENV)
    took = time.monotonic() - started
    assert clean.returncode == 0 and f"{FILES} added" in clean.stdout, clean.stderr
    expected = _state(tmp_path / "clean")
    assert len(expected[0]) == FILES and len(expected[1]) == 2 * FILES  # two chunks a file

    rng = random.Random(21)
    store = tmp_path / "store"
    environ = {**os.environ, "QA_PERSIST_DIR": str(store), "HF_HUB_OFFLINE": "1", **ENV}
    in_flight = 0
    for kill in range(KILLS):
        # The killed run adds the corpus (first) or updates a third of it (then); the run after
        # it ingests the corpus as it was.
        changed = range(FILES) if kill == 0 else range(kill % 3, FILES, 3)
        _write(corpus, changed, variant=kill + 1)
        ingest = subprocess.Popen(
            [sys.executable, "-m", "cli", "ingest", "--no-progress", str(corpus)],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, took))
        in_flight += ingest.poll() is None
        ingest.send_signal(signal.SIGKILL)
        ingest.wait(timeout=60)
        _write(corpus, changed)
        again = run("ingest", "--no-progress", str(corpus), store=store, **ENV)
        assert again.returncode == 0, (kill, again.stderr)
        assert _state(store) == expected, kill  # each document once, the same chunks
    assert in_flight >= KILLS // 2  # most kills met a running ingest
