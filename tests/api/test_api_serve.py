"""`qa serve` in a subprocess, and a Chroma server that is down: 503, never a hang."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import one_line_error, read_stream, ready_within, serve_app
from tests.conftest import SEEDS
from tests.servers import chroma_run, free_port, serving, uvicorn_thread

pytestmark = pytest.mark.slow
SUMMIT = {"question": "Where will the summit take place?"}


def _qa_serve(store: Path, port: int, **env: str) -> Any:
    from cli import main

    assert main(["ingest", "--no-progress", "--persist-dir", str(store), str(SEEDS)]) == 0
    environ = {**os.environ, "QA_PERSIST_DIR": str(store), "HF_HUB_OFFLINE": "1", **env}
    cmd = [sys.executable, "-m", "cli", "serve", "--port", str(port)]
    # /openapi.json answers without the key
    return serving(cmd, f"http://127.0.0.1:{port}/openapi.json", env=environ)


def test_qa_serve_answers_over_http(tmp_path: Path) -> None:
    port = free_port()
    with _qa_serve(tmp_path / "store", port, QA_API_KEY="k-serve-test"):
        base = f"http://127.0.0.1:{port}"
        one_line_error(httpx.post(f"{base}/v1/ask", json=SUMMIT), 401, "missing or wrong API key")
        auth = {"Authorization": "Bearer k-serve-test"}
        assert ready_within(base, 120, **auth).json() == {"status": "ready"}
        r = httpx.post(f"{base}/v1/ask", json=SUMMIT, headers=auth, timeout=120)
        assert r.status_code == 200 and r.json()["short"] == "Singapore"
        docs = httpx.get(f"{base}/v1/documents", headers=auth).json()["documents"]
        assert [d["published"] for d in docs] == ["2025-10-29"]


def test_a_chroma_server_that_stops_is_503(tmp_path: Path, embeddings: Any) -> None:
    import openai

    from api import create_app
    from qa import QA, ChunkStore, Settings, open_client
    from qa.documents.pipeline import ingest_paths

    with chroma_run(tmp_path / "chroma") as (chroma_url, chroma):
        settings = Settings(chroma_url=chroma_url, persist_dir=tmp_path / "unused")
        store = ChunkStore.open(
            open_client(settings, create=True), settings.collection, embeddings, create=True
        )
        ingest_paths([SEEDS], store, embeddings.count_tokens, settings, progress=False)
        app = create_app(settings, lambda: QA.from_settings(settings, embeddings=embeddings))
        with serve_app(app) as base, httpx.Client(base_url=base, timeout=60) as c:
            assert c.post("/v1/ask", json=SUMMIT).json()["status"] == "answered"
            assert read_stream(c, "/v1/ask/stream", SUMMIT)[-1][0] == "answer"
            chroma.terminate()
            chroma.wait(timeout=30)
            for r in (
                c.post("/v1/ask", json=SUMMIT),
                c.post("/v1/ask/stream", json=SUMMIT),
                c.get("/readyz"),
                c.get("/v1/documents"),
            ):
                error = one_line_error(r, 503, "the Chroma server stopped answering")
                assert error["type"] == "service_unavailable"
            client = openai.OpenAI(base_url=f"{base}/v1", api_key="-", max_retries=0)
            where = [{"role": "user", "content": "Where?"}]
            with pytest.raises(openai.InternalServerError, match="stopped answering"):
                client.chat.completions.create(model="cited-qa", messages=where)
            assert c.get("/healthz").status_code == 200  # the process itself is fine


def test_an_unreachable_chroma_server_at_start_is_not_ready(tmp_path: Path) -> None:
    from api import create_app
    from qa import Settings

    settings = Settings(chroma_url=f"http://127.0.0.1:{free_port()}", persist_dir=tmp_path / "x")
    with uvicorn_thread(create_app(settings)) as base:  # the default factory: QA.from_settings
        one_line_error(ready_within(base, 60), 503, "cannot reach the Chroma server")
        one_line_error(
            httpx.post(f"{base}/v1/ask", json=SUMMIT),
            503,
            "not ready: cannot reach the Chroma server",
        )
