"""A damaged store end to end: one line in the CLI, the HTTP API and the UI, never a crash of
the caller, and `qa rebuild` brings back every document with the same chunks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from tests.api.conftest import one_line_error, ready_within
from tests.conftest import SEEDS
from tests.qa.test_cli import run
from tests.servers import uvicorn_thread
from tests.ui.conftest import APP

pytestmark = pytest.mark.slow
SUMMIT = "Where will the summit take place?"


def _listing(store: Path) -> list[tuple[str, str, int]]:
    done = run("docs", "--json", store=store)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return sorted((r["doc_id"], r["source"], r["chunks"]) for r in rows)


def _damage(store: Path) -> None:
    """Overwrite the head of Chroma's SQLite file, as a torn write would."""
    db = store / "chroma.sqlite3"
    data = bytearray(db.read_bytes())
    data[:100] = b"\x00" * 100
    db.write_bytes(bytes(data))


def _one_line(done: subprocess.CompletedProcess[str], store: Path) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert f"the store at {store} is damaged" in lines[0] and "qa rebuild" in lines[0]
    return lines[0]


def test_a_damaged_store_is_one_line_everywhere_and_qa_rebuild_recovers_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api import create_app
    from qa import Settings

    store = tmp_path / "store"
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "ferry.md").write_text(
        "# Ferry\n\nThe ferry to Portmere runs twice a day, at 8 and at 17.", encoding="utf-8"
    )
    done = run("ingest", "--no-progress", str(SEEDS), str(uploads), store=store)
    assert done.returncode == 0 and "2 added" in done.stdout, done.stderr
    before = _listing(store)
    assert len(before) == 2
    _damage(store)

    _one_line(run("ask", SUMMIT, store=store), store)
    _one_line(run("docs", store=store), store)
    settings = Settings(persist_dir=store)
    with uvicorn_thread(create_app(settings)) as base:
        # The HTTP API names no folder of the server (the CLI does, on the user's machine).
        one_line_error(ready_within(base, 120), 503, "the store at (a path on the server) is")
        r = httpx.post(f"{base}/v1/ask", json={"question": SUMMIT}, timeout=120)
        one_line_error(r, 503, "qa rebuild")
    monkeypatch.setenv("QA_PERSIST_DIR", str(store))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception
    assert any("is damaged" in e.value and "qa rebuild" in e.value for e in app.error)

    rebuilt = run("rebuild", "--no-progress", store=store)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt 2 documents" in rebuilt.stdout and "store.damaged" in rebuilt.stdout
    assert _listing(store) == before
    answer = run("ask", "--json", SUMMIT, store=store)
    assert answer.returncode == 0 and "Singapore" in json.loads(answer.stdout)["answer"]
    again = run("ingest", "--no-progress", str(SEEDS), str(uploads), store=store)
    assert "0 added, 0 updated, 2 unchanged" in again.stdout, again.stderr


def test_qa_rebuild_re_creates_a_collection_on_a_chroma_server(
    chroma_url: str, toy_embeddings, tmp_path: Path
) -> None:
    from qa import Settings
    from qa.documents.pipeline import ingest_paths
    from qa.documents.rebuild import rebuild_store
    from qa.service import open_store

    settings = Settings(chroma_url=chroma_url, persist_dir=tmp_path / "local")
    store = open_store(settings, toy_embeddings, create=True)
    ingest_paths([SEEDS], store, toy_embeddings.count_tokens, settings, progress=False)
    before = [(d.doc_id, d.chunks) for d in store.documents()]
    count = store.count()
    store.client.delete_collection(settings.collection)  # lost with the server's old folder
    report = rebuild_store(settings, toy_embeddings, toy_embeddings.count_tokens, progress=False)
    assert (report.documents, report.chunks, report.lost) == (1, count, ())
    rebuilt = open_store(settings)
    assert [(d.doc_id, d.chunks) for d in rebuilt.documents()] == before
    assert rebuilt.count() == count
    names = {c if isinstance(c, str) else c.name for c in rebuilt.client.list_collections()}
    assert names == {settings.collection, f"{settings.collection}.manifest"}
