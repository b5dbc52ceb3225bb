"""The chunk store and the retriever on a real Chroma collection, with the stand-in model (fast
tier: tests/toy.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.errors import CollectionNotFoundError
from core.types import Chunk, DateWindow, Passage, SourceDocument
from ingest.chunking import chunk_document
from qa.store.chunks import ChunkStore
from qa.store.client import open_client
from qa.store.fusion import fuse
from qa.store.records import DAY_KEY, chunk_from_record, chunk_metadata, record_metadata
from qa.store.retriever import ChunkRetriever

DOCS = [
    SourceDocument(doc_id="storm", source="/news/storm.txt", title="Storm",
                   text="The storm hit Portmere on Monday. Twelve boats sank in the harbour.",
                   published="2025-03-10", site="Herald"),
    SourceDocument(doc_id="budget", source="/news/budget.txt", title="Budget",
                   text="The council passed its budget. Taxes rise by two percent.",
                   published="2025-02-01"),
    SourceDocument(doc_id="undated", source="/news/note.txt", title="Note",
                   text="A note about the harbour walls."),
]  # fmt: skip


def _add(store: ChunkStore, docs: list[SourceDocument] = DOCS) -> list[Chunk]:
    chunks = [c for d in docs for c in chunk_document(d, lambda t: len(t.split()), 200, 0)]
    store.add(chunks, [1] * len(chunks), "2026-01-01T00:00:00+00:00")
    return chunks


def test_a_chunk_and_its_metadata_map_both_ways() -> None:
    chunk = chunk_document(DOCS[0], lambda t: len(t.split()), 200, 0)[0]
    meta = record_metadata(chunk, 3, "now")
    assert (meta["doc_chunks"], meta["ingested_at"], meta[DAY_KEY]) == (3, "now", 20250310)
    assert None not in meta.values()  # Chroma keeps no None
    assert chunk_from_record(chunk.chunk_id, chunk.text, meta) == chunk
    bare = dataclasses.replace(chunk, published=None, site=None, section=None)
    assert DAY_KEY not in chunk_metadata(bare)
    assert chunk_from_record(bare.chunk_id, bare.text, chunk_metadata(bare)) == bare


def test_chunks_go_in_and_come_back_with_their_provenance(toy_store: ChunkStore) -> None:
    before = toy_store.version()
    chunks = _add(toy_store)
    assert toy_store.version() != before  # every write stamps a new version
    assert sorted(toy_store.chunks(), key=lambda c: c.chunk_id) == sorted(
        chunks, key=lambda c: c.chunk_id
    )
    assert toy_store.count() == len(chunks) and set(toy_store.chunk_ids()) == {
        c.chunk_id for c in chunks
    }
    infos = {i.doc_id: i for i in toy_store.documents()}
    assert infos["storm"].site == "Herald" and infos["storm"].published == "2025-03-10"
    assert [i.title for i in toy_store.documents()] == ["Budget", "Note", "Storm"]
    states = toy_store.doc_states()
    assert states["storm"].complete and states["storm"].source == "/news/storm.txt"


def test_search_is_by_cosine_and_keeps_to_the_window(toy_store: ChunkStore, toy_embeddings) -> None:
    _add(toy_store)
    vector = toy_embeddings.embed_query("boats sank in the harbour")
    best = toy_store.search(vector, 3)
    assert best[0].chunk.doc_id == "storm" and best[0].dense_rank == 0
    assert best[0].score == pytest.approx(max(p.score for p in best))
    february = DateWindow(since=dt.date(2025, 2, 1), until=dt.date(2025, 2, 28))
    assert [p.chunk.doc_id for p in toy_store.search(vector, 3, february)] == ["budget"]


def test_hybrid_search_fuses_bm25_and_cosine(toy_store: ChunkStore, toy_embeddings) -> None:
    _add(toy_store)
    query = "Which harbour did the storm hit?"
    passages = toy_store.hybrid_search(query, toy_embeddings.embed_query(query), 2)
    assert passages[0].chunk.doc_id == "storm"
    assert passages[0].lexical == 1.0 and passages[0].lexical_rank == 0 and passages[0].fused > 0
    budget = {c.chunk_id for c in toy_store.chunks() if c.doc_id == "budget"}
    assert [cid for cid, _ in toy_store.lexical_search("budget taxes", 1)] == [*budget]


def test_fusion_adds_reciprocal_ranks_and_fetches_what_only_bm25_found() -> None:
    def passage(cid: str, score: float) -> Passage:
        chunk = Chunk(
            doc_id="d", source="s", title="t", chunk_id=cid, index=0, start=0, end=1, text="x"
        )
        return Passage(chunk, score)

    dense = [passage("a", 0.9), passage("b", 0.8)]
    lexical = [("c", 6.0), ("b", 3.0)]
    fetched: list[list[str]] = []

    def fetch(ids: list[str]) -> dict[str, Passage]:
        fetched.append(ids)
        return {i: passage(i, 0.1) for i in ids}

    top = fuse(dense, lexical, 3, 60, fetch)
    assert [p.chunk.chunk_id for p in top] == ["b", "a", "c"] and fetched == [["c"]]
    assert top[0].fused == pytest.approx(1 / 62 + 1 / 62) and top[0].lexical == 0.5
    assert (top[1].lexical_rank, top[1].lexical, top[2].lexical_rank) == (None, 0.0, 0)
    assert [p.chunk.chunk_id for p in fuse(dense, [], 1, 60, fetch)] == ["a"]


def test_deleting_a_document_removes_its_chunks_and_text(toy_store: ChunkStore) -> None:
    _add(toy_store)
    toy_store.texts.put("storm", DOCS[0].text)
    assert toy_store.delete_document("storm") == 1
    assert "storm" not in toy_store.doc_states() and not toy_store.texts.has("storm")
    assert toy_store.lexical_search("boats sank", 3) == []  # the BM25 index follows


def test_a_store_opened_without_a_model_lists_but_cannot_add(toy_store, settings) -> None:
    _add(toy_store)
    listing = ChunkStore.open(open_client(settings), settings.collection)
    assert len(listing.documents()) == 3
    with pytest.raises(TypeError, match="opened without an embedding model"):
        _add(listing)
    with pytest.raises(CollectionNotFoundError, match="no collection 'other'"):
        ChunkStore.open(open_client(settings), "other")


def test_the_retriever_gives_passages_and_langchain_documents(toy_store, toy_embeddings) -> None:
    _add(toy_store)
    retriever = ChunkRetriever(store=toy_store, embeddings=toy_embeddings, k=2)
    passages = retriever.search("Which harbour did the storm hit?")
    docs = retriever.invoke("Which harbour did the storm hit?")
    assert [d.id for d in docs] == [p.chunk.chunk_id for p in passages]
    assert docs[0].page_content == passages[0].chunk.text
    meta = docs[0].metadata
    assert chunk_from_record(docs[0].id, docs[0].page_content, meta) == passages[0].chunk
    assert (meta["score"], meta["fused"]) == (passages[0].score, passages[0].fused)
    dense = ChunkRetriever(store=toy_store, embeddings=toy_embeddings, k=1, mode="dense")
    assert dense.search("boats sank")[0].fused == 0.0  # no fusion
