"""Server mode: a real `chroma run` on 127.0.0.1, ingest and ask through it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.servers import chroma_run

pytestmark = pytest.mark.slow


_SERVERS: dict[str, subprocess.Popen[bytes]] = {}


def _stop(url: str) -> None:
    """Stop the `chroma run` of the `chroma_url` fixture mid-test."""
    proc = _SERVERS[url]
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    with chroma_run(tmp_path / "server") as (url, proc):
        _SERVERS[url] = proc
        yield url
        _SERVERS.pop(url, None)


def test_ingest_and_ask_through_a_server(chroma_url: str, embeddings, tmp_path: Path) -> None:
    from qa import QA, ChunkStore, Settings, open_client
    from qa.documents.pipeline import ingest_paths

    settings = Settings(chroma_url=chroma_url, persist_dir=tmp_path / "unused")
    client = open_client(settings, create=True)
    store = ChunkStore.open(client, settings.collection, embeddings, create=True)
    report = ingest_paths([SEEDS], store, embeddings.count_tokens, settings, progress=False)
    assert report.added == 1
    again = ingest_paths([SEEDS], store, embeddings.count_tokens, settings, progress=False)
    assert again.unchanged == 1 and again.chunks_embedded == 0

    qa = QA.from_settings(settings, embeddings=embeddings)
    answer = qa.ask("Where will the summit take place?")
    assert answer.status == "answered" and "Singapore" in answer.citations[0].quote
    assert not (tmp_path / "unused").exists()  # nothing went to a local store


def test_a_server_that_stops_is_one_clear_error(chroma_url: str, embeddings, tmp_path: Path):
    from qa import QA, ChunkStore, Settings, StoreUnavailableError, open_client
    from qa.documents.pipeline import ingest_paths

    settings = Settings(chroma_url=chroma_url, persist_dir=tmp_path / "unused")
    store = ChunkStore.open(
        open_client(settings, create=True), settings.collection, embeddings, create=True
    )
    ingest_paths([SEEDS], store, embeddings.count_tokens, settings, progress=False)
    qa = QA.from_settings(settings, embeddings=embeddings)
    _stop(chroma_url)
    with pytest.raises(StoreUnavailableError, match="stopped answering"):
        qa.ask("Where will the summit take place?")
    with pytest.raises(StoreUnavailableError):
        qa.documents()
    with pytest.raises(StoreUnavailableError):
        ingest_paths([SEEDS], store, embeddings.count_tokens, settings, progress=False)
