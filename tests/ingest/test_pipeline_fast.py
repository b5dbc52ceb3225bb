"""Idempotent ingest into a real Chroma collection, with the stand-in model (fast tier)."""

from __future__ import annotations

from pathlib import Path

from core.types import SourceDocument
from ingest.loaders import Skipped
from qa.documents.pipeline import IngestReport, gone_under, ingest_documents, ingest_paths
from qa.store.chunks import ChunkStore
from tests.conftest import SEED_FILE


def _ingest(store: ChunkStore, settings, toy_embeddings, *paths: Path, **kw) -> IngestReport:
    return ingest_paths(
        list(paths), store, toy_embeddings.count_tokens, settings, progress=False, **kw
    )


def test_chunks_carry_offsets_and_reingest_embeds_nothing(
    toy_store, settings, toy_embeddings
) -> None:
    first = _ingest(toy_store, settings, toy_embeddings, SEED_FILE)
    assert (first.added, first.chunks_embedded) == (1, toy_store.count())
    text = toy_store.texts.get(next(iter(toy_store.doc_states())))
    assert text is not None
    for chunk in toy_store.chunks():
        assert text[chunk.start : chunk.end] == chunk.text and chunk.published == "2025-10-29"
    again = _ingest(toy_store, settings, toy_embeddings, SEED_FILE)
    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 1, 0)


def test_a_changed_file_replaces_its_chunks_and_a_gone_one_is_pruned(
    toy_store, settings, toy_embeddings, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    note = folder / "note.md"
    note.write_text("# Note\n\nThe meeting is in Paris.\n", encoding="utf-8")
    (folder / "other.txt").write_text("Another note about the weather.", encoding="utf-8")
    _ingest(toy_store, settings, toy_embeddings, folder)
    note.write_text("# Note\n\nThe meeting moved to Berlin.\n", encoding="utf-8")
    changed = _ingest(toy_store, settings, toy_embeddings, folder)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 1)
    texts = " ".join(c.text for c in toy_store.chunks())
    assert "Berlin" in texts and "Paris" not in texts
    (folder / "other.txt").unlink()
    pruned = _ingest(toy_store, settings, toy_embeddings, folder, prune=True)
    assert pruned.removed == 1 and len(toy_store.documents()) == 1
    assert gone_under([folder])(str(folder / "other.txt"))


def test_a_document_that_became_empty_loses_its_chunks(toy_store, settings, toy_embeddings) -> None:
    doc = SourceDocument(
        doc_id="d", source="/d.txt", title="D", text="Some text about the harbour."
    )
    ingest_documents([doc], toy_store, toy_embeddings.count_tokens, settings, progress=False)
    report = ingest_documents(
        [],
        toy_store,
        toy_embeddings.count_tokens,
        settings,
        skipped=[Skipped("/d.txt", "empty file")],
        progress=False,
    )
    assert report.removed == 1 and toy_store.count() == 0
