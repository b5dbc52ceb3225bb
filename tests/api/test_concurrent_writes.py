"""One store, two writers at once: a `qa ingest` process and uploads to a running API server.
The collection's write lock (`QA.lock`) lets one change at a time through; every document
ends up in the store once, with all its chunks, findable by search."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from filelock import FileLock, Timeout

from tests.api.conftest import serve_app

pytestmark = pytest.mark.slow

WORDS = [
    "amber",
    "basalt",
    "cobalt",
    "dune",
    "ember",
    "fjord",
    "garnet",
    "heron",
    "indigo",
    "juniper",
]


def _story(kind: str, i: int) -> str:
    """A short news-like text with a phrase of its own (`kind` and `i` in words)."""
    a, b = WORDS[i % 10], WORDS[(i // 10) % 10]
    return (
        f"# The {a} {b} {kind} report {i}\n\n"
        f"The {kind} council of {a.title()}ville met on Monday about the {b} harbour. "
        f"Its members voted {i + 3} to 2 to rebuild the {a} {b} bridge before winter.\n"
    )


def test_cli_ingest_and_api_uploads_at_once_keep_every_document_once(
    tmp_path: Path, embeddings: Any
) -> None:
    from api import create_app
    from qa import QA, Settings

    settings = Settings(persist_dir=tmp_path / "store", upload_dir=tmp_path / "uploads")
    folder = tmp_path / "cli-docs"
    folder.mkdir()
    for i in range(40):
        (folder / f"cli-{i:02d}.md").write_text(_story("cli", i), encoding="utf-8")
    uploads = [(f"api-{i:02d}.md", _story("api", i).encode()) for i in range(20)]

    app = create_app(
        settings, qa_factory=lambda: QA.from_settings(settings, embeddings=embeddings, create=True)
    )
    env = {
        **os.environ,
        "QA_PERSIST_DIR": str(settings.persist_dir),
        "QA_COLLECTION": settings.collection,
        "HF_HUB_OFFLINE": "1",
    }
    with serve_app(app) as base:
        cli = subprocess.Popen(
            [sys.executable, "-m", "cli", "ingest", "--no-progress", str(folder)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Uploads start once the CLI holds the lock (it is writing), a few files at a time,
        # so that they meet it there.
        probe = FileLock(settings.lock_file)
        while True:
            assert cli.poll() is None, "the CLI ended before it was seen writing"
            try:
                probe.acquire(timeout=0)
            except Timeout:
                break
            probe.release()
            time.sleep(0.005)
        results: list[httpx.Response] = []

        def upload(batch: list[tuple[str, bytes]]) -> None:
            files = [("files", (name, data, "text/markdown")) for name, data in batch]
            results.append(httpx.post(f"{base}/v1/documents", files=files, timeout=300))

        threads = [
            threading.Thread(target=upload, args=(uploads[i : i + 4],)) for i in range(0, 20, 4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out, err = cli.communicate(timeout=300)
    assert cli.returncode == 0, err
    assert "40 added" in out, out
    assert [r.status_code for r in results] == [200] * 5, [r.text for r in results]
    assert sum(r.json()["added"] for r in results) == 20

    # A new process's view of the store: every document once, each with all its chunks, and
    # every chunk found by a search with its own text (the vector index holds both writers').
    check = (
        "import json\n"
        "from qa import QA, Settings\n"
        "qa = QA.from_settings(Settings.from_env())\n"
        "chunks = list(qa.store.chunks())\n"
        "vectors = qa.embeddings.embed_documents([c.text for c in chunks])\n"
        "found = [qa.store.search(v, 1)[0].chunk.chunk_id for v in vectors]\n"
        "print(json.dumps({'names': [d.name or d.source for d in qa.documents()],\n"
        "    'chunks': [c.chunk_id for c in chunks], 'found': found,\n"
        "    'per_doc': [d.chunks for d in qa.documents()]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    names = sorted(Path(n).name for n in seen["names"])
    expected = sorted([f"cli-{i:02d}.md" for i in range(40)] + [name for name, _ in uploads])
    assert names == expected  # each document once: none lost, none twice
    assert len(seen["chunks"]) == len(set(seen["chunks"])) == sum(seen["per_doc"])
    assert seen["found"] == seen["chunks"]
