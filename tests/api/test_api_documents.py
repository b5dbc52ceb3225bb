"""Documents through the HTTP API: uploads with unsafe names and sizes, re-ingest, delete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import one_line_error, serve_app, serve_qa
from tests.servers import holding_lock

pytestmark = pytest.mark.slow
NOTE = b"# Zorblat report\n\nThe Zorblat festival takes place in Quito every March.\n"


@pytest.fixture
def api(store: Any, embeddings: Any, settings: Any, tmp_path: Path) -> Iterator[httpx.Client]:
    """The API over an empty store of its own; uploads go to `tmp_path/uploads`; 20 KB files."""
    from qa import QA

    settings = settings.with_(upload_dir=tmp_path / "uploads", max_file_mb=0.02)
    served = serve_qa(QA(store, embeddings, settings=settings))
    with served as base, httpx.Client(base_url=base, timeout=120) as client:
        yield client


def _upload(api: httpx.Client, *files: tuple[str, bytes]) -> httpx.Response:
    return api.post("/v1/documents", files=[("files", (name, data)) for name, data in files])


def test_upload_then_ask_then_delete(api: httpx.Client, tmp_path: Path) -> None:
    r = _upload(api, ("../../escape.md", NOTE), (".hidden.txt", b"Hidden notes: tea is green.\n"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["added"] == 2 and report["skipped"] == [] and "2 added" in report["summary"]
    uploads = tmp_path / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["escape.md", "hidden.txt"]
    assert not (tmp_path / "escape.md").exists() and not (tmp_path.parent / "escape.md").exists()

    docs = api.get("/v1/documents").json()["documents"]
    assert {d["title"] for d in docs} == {"Zorblat report", "hidden"}
    answer = api.post("/v1/ask", json={"question": "Where does the Zorblat festival take place?"})
    assert answer.json()["status"] == "answered" and "Quito" in answer.json()["answer"]

    zorblat = next(d for d in docs if d["title"] == "Zorblat report")
    gone = api.delete(f"/v1/documents/{zorblat['doc_id']}")
    assert gone.json() == {"doc_id": zorblat["doc_id"], "chunks_removed": zorblat["chunks"]}
    assert not (uploads / "escape.md").exists()
    one_line_error(api.delete(f"/v1/documents/{zorblat['doc_id']}"), 404, "no document")
    assert [d["title"] for d in api.get("/v1/documents").json()["documents"]] == ["hidden"]


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        ([("evil.exe", b"MZ")], "'evil.exe' is not a supported file"),
        ([("../", NOTE)], "'../' is not a supported file"),
        ([("empty.txt", b"")], "'empty.txt' was not added: empty file"),
        ([("big.txt", b"x " * 15_000)], "'big.txt' is too large (29.3 KB > limit 20.5 KB"),
        ([("bin.txt", b"\x00\x01\x02" * 100)], "'bin.txt' was not added"),
        ([("a.md", NOTE), ("A.md/../a.md", NOTE)], None),  # the same safe name twice: one kept
    ],
)
def test_uploads_that_cannot_be_used(
    api: httpx.Client, tmp_path: Path, files: list[tuple[str, bytes]], needle: str | None
) -> None:
    r = _upload(api, *files)
    if needle is None:
        report = r.json()
        assert r.status_code == 200 and report["added"] == 1
        assert "same file name as 'a.md'" in report["skipped"][0]["reason"]
        return
    one_line_error(r, 400, needle)
    assert not any((tmp_path / "uploads").glob("*"))  # nothing was kept


def test_reingest_reads_the_files_again(api: httpx.Client, tmp_path: Path) -> None:
    assert _upload(api, ("note.md", NOTE)).json()["added"] == 1
    again = api.post("/v1/documents/reingest")
    assert again.status_code == 200 and again.json()["unchanged"] == 1
    (tmp_path / "uploads" / "note.md").write_bytes(NOTE + b"\nIt ends on a Sunday.\n")
    doc_id = api.get("/v1/documents").json()["documents"][0]["doc_id"]
    changed = api.post("/v1/documents/reingest", json={"doc_ids": [doc_id, "nope"]}).json()
    assert changed["updated"] == 1
    assert changed["skipped"] == [{"path": "nope", "reason": "no such document in the store"}]


def test_document_text_is_json_data(api: httpx.Client) -> None:
    payload = '<script>alert("x")</script> <img src=x onerror=alert(1)>'
    text = f"The Zorblat festival takes place in Quito every March. {payload}\n"
    assert _upload(api, ("xss.txt", text.encode())).status_code == 200
    r = api.post("/v1/ask", json={"question": "Where does the Zorblat festival take place?"})
    assert r.headers["content-type"] == "application/json"
    citation = r.json()["citations"][0]
    assert payload in citation["text"]  # as it is in the document: data, for the client to escape


def test_a_change_waits_for_another_then_is_503(store: Any, embeddings: Any, settings: Any) -> None:
    from api import create_app
    from qa import QA

    app = create_app(settings, qa_factory=lambda: QA(store, embeddings, settings=settings))
    app.state.backend.store_wait = 0.5
    with serve_app(app) as base, holding_lock(settings.lock_file):
        # another process (a `qa ingest`, another server) is changing the collection
        r = httpx.post(f"{base}/v1/documents/reingest", timeout=60)
        busy = f"kept collection {settings.collection!r} busy for 0.5 s; try again"
        error = one_line_error(r, 503, busy)
        assert error["code"] == "StoreBusyError"
    with serve_app(app) as base:
        assert httpx.post(f"{base}/v1/documents/reingest", timeout=60).status_code == 200
