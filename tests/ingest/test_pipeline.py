"""Ingest into a real Chroma store with the real model: provenance, idempotence, prune."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from ingest.loaders import load_file
from qa.documents.pipeline import ingest_paths
from tests.conftest import SEED_FILE

pytestmark = pytest.mark.slow


def _stored(store) -> list[tuple[str, str, dict]]:
    return [(c.chunk_id, c.text, asdict(c)) for c in store.chunks()]


def test_seed_chunks_carry_provenance_and_offsets(store, settings, embeddings, tmp_path) -> None:
    report = ingest_paths([SEED_FILE], store, embeddings.count_tokens, settings, progress=False)
    assert (report.added, report.unchanged, len(report.skipped)) == (1, 0, 0)
    source_text = load_file(SEED_FILE).text
    rows = _stored(store)
    assert len(rows) == report.chunks_embedded >= 3
    for _, text, meta in rows:
        assert source_text[meta["start"] : meta["end"]] == text
        assert meta["title"].startswith("Trump Seeks China")
        assert meta["published"] == "2025-10-29"
        assert meta["section"] == "Politics"
        assert meta["source"] == str(SEED_FILE.resolve())
    assert sorted(m["index"] for *_, m in rows) == list(range(len(rows)))


def test_reingest_is_idempotent(store, settings, embeddings, monkeypatch) -> None:
    first = ingest_paths([SEED_FILE], store, embeddings.count_tokens, settings, progress=False)
    ids = sorted(r[0] for r in _stored(store))
    embedded: list[str] = []
    real = embeddings.embed_documents
    monkeypatch.setattr(embeddings, "embed_documents", lambda t: embedded.extend(t) or real(t))
    second = ingest_paths([SEED_FILE], store, embeddings.count_tokens, settings, progress=False)
    assert embedded == []  # nothing was sent to the model
    assert first.chunks_embedded > 0
    assert (second.added, second.updated, second.unchanged, second.chunks_embedded) == (0, 0, 1, 0)
    assert sorted(r[0] for r in _stored(store)) == ids


def test_changed_file_replaces_its_chunks(store, settings, embeddings, tmp_path) -> None:
    doc = tmp_path / "docs" / "note.md"
    doc.parent.mkdir()
    doc.write_text("# Note\n\nThe meeting is in Paris. It starts at noon.\n", encoding="utf-8")
    ingest_paths([doc.parent], store, embeddings.count_tokens, settings, progress=False)
    old = {r[0] for r in _stored(store)}
    doc.write_text("# Note\n\nThe meeting moved to Berlin. It starts at one.\n", encoding="utf-8")
    report = ingest_paths([doc.parent], store, embeddings.count_tokens, settings, progress=False)
    rows = _stored(store)
    assert (report.added, report.updated) == (0, 1)
    assert not old & {r[0] for r in rows}
    assert all("Paris" not in text for _, text, _ in rows)
    assert any("Berlin" in text for _, text, _ in rows)


def test_prune_removes_documents_of_gone_files(store, settings, embeddings, tmp_path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_FILE, folder / "seed.txt")
    (folder / "other.txt").write_text("Another document about the weather.", encoding="utf-8")
    ingest_paths([folder], store, embeddings.count_tokens, settings, progress=False)
    (folder / "other.txt").unlink()
    kept = ingest_paths([folder], store, embeddings.count_tokens, settings, progress=False)
    assert kept.removed == 0 and len(store.documents()) == 2  # without --prune nothing goes
    pruned = ingest_paths(
        [folder], store, embeddings.count_tokens, settings, prune=True, progress=False
    )
    assert pruned.removed == 1
    assert [d.title for d in store.documents()] == [
        "Trump Seeks China\u2019s Help to Curb Russia \u2014 But Beijing Holds the Cards"
    ]


def test_bad_files_are_skipped_and_reported(store, settings, embeddings, tmp_path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("A good document about tea.", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (folder / "empty.md").write_text("   \n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (folder / "image.png").write_bytes(b"\x89PNG\r\n")
    report = ingest_paths([folder], store, embeddings.count_tokens, settings, progress=False)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert report.added == 1
    assert reasons.keys() == {"binary.txt", "empty.md", "latin1.txt", "image.png"}
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.md"]
    assert "UTF-8" in reasons["latin1.txt"] and "0xe9" in reasons["latin1.txt"]
    assert "unsupported" in reasons["image.png"]
    assert "4 skipped" in report.summary()


def test_partly_written_document_is_redone(store, settings, embeddings) -> None:
    ingest_paths([SEED_FILE], store, embeddings.count_tokens, settings, progress=False)
    victim = _stored(store)[0][0]
    store.delete([victim])  # as if a run had died half-way through this document
    report = ingest_paths([SEED_FILE], store, embeddings.count_tokens, settings, progress=False)
    assert report.updated == 1
    assert victim in {r[0] for r in _stored(store)}


def test_a_file_that_became_unusable_loses_its_old_chunks(store, settings, embeddings, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    doc = folder / "a.txt"
    doc.write_text("Alice lives in Paris and works at the museum.", encoding="utf-8")
    ingest_paths([folder], store, embeddings.count_tokens, settings, progress=False)
    doc.write_bytes(b"")
    report = ingest_paths([folder], store, embeddings.count_tokens, settings, progress=False)
    assert (len(report.skipped), report.removed) == (1, 1)
    assert store.count() == 0


def test_prune_handles_hash_signs_in_paths(store, settings, embeddings, tmp_path):
    folder = tmp_path / "C#notes"
    folder.mkdir()
    (folder / "a.txt").write_text("A note about C sharp.", encoding="utf-8")
    (folder / "b#1.txt").write_text("Another note, kept.", encoding="utf-8")
    ingest_paths([folder], store, embeddings.count_tokens, settings, progress=False)
    (folder / "a.txt").unlink()
    report = ingest_paths(
        [folder], store, embeddings.count_tokens, settings, prune=True, progress=False
    )
    assert report.removed == 1 and [d.title for d in store.documents()] == ["b#1"]


def test_documents_with_no_text_are_skipped_not_added(store, settings, embeddings):
    from core.types import SourceDocument
    from qa.documents.pipeline import ingest_documents

    doc = SourceDocument(doc_id="x", source="mem#x", title="t", text="")
    report = ingest_documents([doc], store, embeddings.count_tokens, settings, progress=False)
    assert (report.added, len(report.skipped), store.count()) == (0, 1, 0)
