"""The manifest, crash order, a damaged store and `qa rebuild`, on real Chroma stores with the
stand-in model (fast tier: tests/toy.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import StoreDamagedError
from core.types import SourceDocument
from qa.documents.pipeline import ingest_documents, ingest_paths
from qa.documents.rebuild import rebuild_store
from qa.service import open_store
from qa.store.chunks import ChunkStore
from qa.store.client import open_client
from qa.store.collection import ChunkCollection
from qa.store.health import check_store, forget_stamp, start_probe
from qa.store.manifest import Manifest, manifest_name
from qa.store.sources import SourceLog
from tests.conftest import ROOT, SEEDS

SENTENCE = "Harbour walls of {town} were rebuilt after the storm of {year}, said the mayor."


def _docs(n: int, start: int = 0) -> list[SourceDocument]:
    return [
        SourceDocument(
            doc_id=f"d{i}",
            source=f"/news/d{i}.txt",
            title=f"Town {i}",
            text=" ".join(SENTENCE.format(town=f"T{i}x{j}", year=1900 + j) for j in range(12)),
            published="2025-03-10" if i % 2 else None,
        )
        for i in range(start, start + n)
    ]


def _ingest(store, settings, toy_embeddings, docs, **kw):
    return ingest_documents(
        docs, store, toy_embeddings.count_tokens, settings, progress=False, **kw
    )


def test_ingest_reads_only_the_documents_it_was_given(
    toy_store, settings, toy_embeddings, monkeypatch
) -> None:
    _ingest(toy_store, settings, toy_embeddings, _docs(20))
    before = toy_store.count()

    def no_scan(self, include, where=None):
        raise AssertionError(f"read every chunk ({include})")  # what `doc_states` used to do

    real = ChunkCollection.records
    monkeypatch.setattr(
        ChunkCollection,
        "records",
        lambda self, include, where=None: (
            real(self, include, where) if where is not None else no_scan(self, include)
        ),
    )
    monkeypatch.setattr(ChunkStore, "refresh_lexical", lambda self: None)
    report = _ingest(toy_store, settings, toy_embeddings, _docs(1, start=20))
    assert (report.added, report.unchanged) == (1, 0)
    again = _ingest(toy_store, settings, toy_embeddings, _docs(21))
    assert (again.unchanged, again.chunks_embedded) == (21, 0)
    docs = toy_store.documents()  # from the manifest
    assert len(docs) == 21 and sum(d.chunks for d in docs) == toy_store.count() > before


@pytest.mark.parametrize("exact_up_to", [5000, 0])
def test_near_duplicates_are_found_among_all_or_the_nearest_documents(
    toy_store, settings, toy_embeddings, monkeypatch, exact_up_to
) -> None:
    import qa.documents.pipeline

    monkeypatch.setattr(qa.documents.pipeline, "EXACT_DUPLICATES_UP_TO", exact_up_to)
    _ingest(toy_store, settings, toy_embeddings, _docs(30))
    copy = SourceDocument(
        doc_id="copy",
        source="/wire/copy.txt",
        title="Copy",
        text=_docs(1, start=7)[0].text + " More.",
    )
    report = _ingest(toy_store, settings, toy_embeddings, [copy])
    assert [(d.source, d.of) for d in report.near_duplicates] == [
        ("/wire/copy.txt", "/news/d7.txt")
    ]


def test_the_manifest_agrees_with_the_chunks_and_is_migrated_once(
    toy_store, settings, toy_embeddings
) -> None:
    _ingest(toy_store, settings, toy_embeddings, _docs(6))
    assert toy_store.doc_states() == toy_store.scan_doc_states()
    listed = toy_store.documents()
    # A store from before the manifest: the manifest collection (and records) are missing.
    toy_store.client.delete_collection(manifest_name(settings.collection))
    assert not Manifest(toy_store.client, settings.collection).exists()
    reopened = open_store(settings, toy_embeddings)
    assert reopened.documents() == listed
    assert reopened.doc_states() == reopened.scan_doc_states()
    again = _ingest(reopened, settings, toy_embeddings, _docs(6))
    assert (again.unchanged, again.chunks_embedded) == (6, 0)
    with pytest.raises(Exception, match=r"no collection 'other'.*collections: cited-qa\)"):
        ChunkStore.open(open_client(settings), "other")  # the manifest is not listed


def test_a_crash_between_chunks_and_manifest_is_redone_by_the_next_ingest(
    toy_store, settings, toy_embeddings, monkeypatch
) -> None:
    docs = _docs(4)
    _ingest(toy_store, settings, toy_embeddings, docs[:2])
    # A new document whose chunks went in but whose entry did not (killed in between) ...
    real = Manifest.note_written

    def crash(self, chunks, doc_chunks, ingested_at):
        raise KeyboardInterrupt

    monkeypatch.setattr(Manifest, "note_written", crash)
    with pytest.raises(KeyboardInterrupt):
        _ingest(toy_store, settings, toy_embeddings, docs[2:3])
    # ... and an update killed after its old chunks were removed, before the new ones.
    changed = [SourceDocument(**{**docs[0].__dict__, "text": docs[0].text + " A new line."})]
    monkeypatch.setattr(ChunkStore, "add", lambda self, *a: (_ for _ in ()).throw(OSError))
    with pytest.raises(OSError):
        _ingest(toy_store, settings, toy_embeddings, changed)
    assert not toy_store.doc_states(["d0"])["d0"].complete
    monkeypatch.undo()
    assert real is Manifest.note_written
    report = _ingest(toy_store, settings, toy_embeddings, [changed[0], *docs[1:]])
    assert (report.added, report.updated, report.unchanged) == (2, 1, 1)
    states = toy_store.doc_states()
    assert all(s.complete for s in states.values()) and states == toy_store.scan_doc_states()
    assert toy_store.count() == sum(s.chunks for s in states.values())


def test_sources_are_recorded_and_removed_with_their_documents(
    toy_store, settings, toy_embeddings
) -> None:
    _ingest(toy_store, settings, toy_embeddings, _docs(3))
    log = SourceLog(settings.sources_dir)
    assert [r.doc_id for r in log.records()] == ["d0", "d1", "d2"]
    toy_store.delete_document("d1")
    assert [r.doc_id for r in log.records()] == ["d0", "d2"]
    assert "d1" not in toy_store.doc_states() and toy_store.texts.get("d1") is None


def _damage(path: Path) -> None:
    """Overwrite the head of the SQLite file, as a torn write would."""
    db = path / "chroma.sqlite3"
    data = bytearray(db.read_bytes())
    data[:100] = b"\x00" * 100
    db.write_bytes(bytes(data))


def _docs_listing(settings) -> list[dict]:
    """`qa docs --json` in a child process (this one keeps the old store's files open)."""
    env = {**os.environ, "QA_PERSIST_DIR": str(settings.persist_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "docs", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return sorted(
        ({k: r[k] for k in ("doc_id", "source", "title", "chunks")} for r in rows), key=str
    )


def test_a_damaged_store_is_named_in_one_line_without_opening_it_here(
    toy_store, settings, toy_embeddings
) -> None:
    _ingest(toy_store, settings, toy_embeddings, _docs(2))
    path = settings.persist_dir
    _damage(path)
    with pytest.raises(StoreDamagedError) as opened:
        open_client(settings)  # opened here before: Chroma's own error, named
    forget_stamp(path)  # as in a new process: probed in a child process first
    with pytest.raises(StoreDamagedError) as probed:
        open_client(settings)
    for caught in (opened, probed):
        message = str(caught.value)
        assert message.startswith(f"the store at {path} is damaged: Chroma cannot read it (")
        assert "file is not a database" in message and "\n" not in message
        assert message.endswith(
            f"recover it with `qa rebuild --persist-dir {path}`, which re-creates it from the "
            "recorded sources"
        )


@pytest.mark.slow  # child processes: the probe, `qa docs`
def test_a_damaged_store_is_rebuilt_from_its_records(
    toy_store, settings, toy_embeddings, tmp_path
) -> None:
    upload = tmp_path / "note.md"
    upload.write_text("# Note\n\nThe ferry to Portmere runs twice a day.", encoding="utf-8")
    ingest_paths([SEEDS, upload], toy_store, toy_embeddings.count_tokens, settings, progress=False)
    _ingest(toy_store, settings, toy_embeddings, _docs(5))
    (note,) = [d for d in toy_store.documents() if d.title == "Note"]
    toy_store.texts.remove(note.doc_id)  # an upload whose text was not kept: read again
    before = _docs_listing(settings)
    assert len(before) == 7
    path = settings.persist_dir
    forget_stamp(path)
    check_store(path)  # a good store: probed in a child process, then stamped
    stamp = path.with_name("store.health.json")
    assert stamp.is_file()
    forget_stamp(path)
    _damage(path)
    forget_stamp(path)
    with pytest.raises(StoreDamagedError) as caught:
        open_client(settings)
    message = str(caught.value)
    assert "\n" not in message and f"the store at {path} is damaged" in message
    assert "qa rebuild" in message
    report = rebuild_store(settings, toy_embeddings, toy_embeddings.count_tokens, progress=False)
    assert report.lost == () and report.documents == 7
    assert report.moved_to == path.with_name("store.damaged") and report.moved_to.is_dir()
    assert _docs_listing(settings) == before


def test_the_probe_runs_beside_the_caller_and_only_when_the_files_changed(
    toy_store, settings, toy_embeddings
) -> None:
    _ingest(toy_store, settings, toy_embeddings, _docs(2))
    path = settings.persist_dir
    forget_stamp(path)
    probe = start_probe(path)
    assert probe is not None  # no stamp: a child process opens the store
    assert probe.reason() is None  # a good store
    check_store(path, probe)  # waits for that probe instead of starting another
    assert path.with_name("store.health.json").is_file()
    assert start_probe(path) is None  # checked by this process: not probed again
    forget_stamp(path)  # the stamp and this process's memory of the check
    _damage(path)
    damaged = start_probe(path)
    assert damaged is not None and damaged.reason() is not None
