"""`QA`'s document operations (fast tier: a real store, the stand-in model): ingest, re-ingest,
delete and list through `QA`, one writer at a time, and bad input that leaves the store alone."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConfigError, DocumentNotFoundError, IngestError, StoreBusyError
from qa import QA, SourceBatch, StoreLock
from tests.conftest import SEEDS
from tests.servers import holding_lock


@pytest.fixture
def qa(toy_store: Any, toy_embeddings: Any, settings: Any, tmp_path: Path) -> QA:
    return QA(toy_store, toy_embeddings, settings=settings.with_(upload_dir=tmp_path / "uploads"))


def test_ingest_reingest_delete_and_list(qa: QA, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Harbour\n\nThe harbour bridge opens in May.\n")
    report = qa.ingest([SEEDS, notes])
    assert (report.added, report.documents) == (2, 2)
    assert qa.ingest([SEEDS, notes]).unchanged == 2  # nothing embedded again

    (notes / "a.md").write_text("# Harbour\n\nThe harbour bridge opens in June.\n")
    assert qa.reingest().updated == 1
    doc_id = next(d.doc_id for d in qa.documents() if d.title == "Harbour")
    assert qa.delete(doc_id) >= 1
    left = {d.doc_id for d in qa.documents()}
    assert len(left) == 1 and doc_id not in left
    with pytest.raises(DocumentNotFoundError, match=doc_id):
        qa.delete(doc_id)


def test_uploads_are_saved_and_ingested(qa: QA) -> None:
    report = qa.add_uploads([("../x/zorblat.md", b"# Zorblat\n\nIt takes place in Quito.\n")])
    assert report.added == 1
    assert (qa.settings.uploads / "zorblat.md").is_file()  # the name made plain


def test_prune_drops_documents_whose_files_are_gone(qa: QA, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("Alpha text about the harbour bridge.\n")
    (notes / "b.md").write_text("Beta text about the river ferry.\n")
    qa.ingest([notes])
    (notes / "b.md").unlink()
    assert qa.ingest([notes]).removed == 0  # without prune, kept
    assert qa.ingest([notes], prune=True).removed == 1
    assert qa.ingest([SEEDS], reset=True).removed == 1  # reset: only what this run brought


def test_bad_sources_are_refused_before_the_store_is_touched(tmp_path: Path, settings: Any) -> None:
    with pytest.raises(IngestError, match="path not found"):
        QA.read_sources([SEEDS, tmp_path / "absent.txt"], settings)
    assert not settings.persist_dir.exists()
    batch = QA.read_sources([SEEDS, "https://example.org/a.html"], settings)
    assert isinstance(batch, SourceBatch)
    assert len(batch.documents) == 1 and batch.links == ("https://example.org/a.html",)


def test_nothing_to_ingest_is_a_config_error(qa: QA) -> None:
    with pytest.raises(ConfigError, match="nothing to ingest"):
        qa.ingest([])


def test_a_change_waits_for_the_lock_then_fails_with_a_clear_error(qa: QA) -> None:
    busy = r"kept collection 'cited-qa' busy for 0\.2 s"
    # another process is changing the collection
    with holding_lock(qa.settings.lock_file), pytest.raises(StoreBusyError, match=busy):
        qa.ingest([SEEDS], wait=0.2)
    assert qa.ingest([SEEDS]).added == 1  # then free


def test_the_lock_lets_one_thread_at_a_time_and_is_reentrant(settings: Any) -> None:
    lock = StoreLock.of(settings)
    inside: list[int] = []
    most: list[int] = []

    def change() -> None:
        # re-entrant in a thread (as a delete inside the Documents page's held lock)
        with lock.held(), lock.held():
            inside.append(1)
            most.append(len(inside))
            threading.Event().wait(0.05)
            inside.pop()

    threads = [threading.Thread(target=change) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == [1, 1, 1, 1]


def test_the_answering_parts_are_made_once_when_first_questions_come_at_once(qa: QA) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        answerers = list(pool.map(lambda _: qa.answerer, range(8)))
    assert all(a is answerers[0] for a in answerers)
    assert qa.chain is qa.chain and qa.retriever is qa.retriever
