"""The BM25 index beside the store: in step with Chroma after every change, in this process
and in others, and rebuilt when missing."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest

from core.text import content_words
from core.types import DateWindow
from qa import QA, ChunkStore, Settings, SourceDocument, open_client
from qa.documents.pipeline import ingest_documents, ingest_paths
from qa.documents.uploads import remove_document
from qa.store.lexical import LexicalIndex, Row
from tests.conftest import SEEDS

RARE = ("quokka", "zither", "marimba", "fjord", "sorbet", "yodel")
WORDS = ("harbour", "tariff", "glacier", "senate", "vaccine", "drought", "summit", "orchestra")


class Rows:
    """A `ChunkSource` over rows `(chunk id, text, day, document hash)`, counting reads."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = {r[0]: r for r in rows}
        self.reads: list[int] = []  # how many texts each read returned

    def chunk_ids(self) -> list[str]:
        return list(self.rows)

    def chunk_rows(self, ids: Sequence[str] | None = None) -> list[Row]:
        got = [self.rows[i] for i in (self.rows if ids is None else ids) if i in self.rows]
        self.reads.append(len(got))
        return got

    def chunk_rows_not_of(self, doc_hashes: AbstractSet[str]) -> list[Row]:
        got = [r for r in self.rows.values() if r[3] not in doc_hashes]
        self.reads.append(len(got))
        return got


def _chroma_ids(store: ChunkStore) -> set[str]:
    return set(store.chunk_ids())


def _lexical_ids(store: ChunkStore) -> set[str]:
    store.refresh_lexical()
    return set(store.lexical.chunk_ids)


def test_an_index_rebuilds_loads_and_keeps_in_step(tmp_path: Path) -> None:
    read_all = Rows(
        [
            ("a", "The glacier is melting fast.", 0, "h1"),
            ("b", "Senators debated the tariff.", 0, "h2"),
        ]
    )
    reads = read_all.reads
    index = LexicalIndex(tmp_path / "lex")
    index.sync("v1", 2, read_all)
    assert index.search("tariffs debate", 5)[0][0] == "b"
    index.sync("v1", 2, read_all)  # current: nothing read
    assert len(reads) == 1
    other = LexicalIndex(tmp_path / "lex")  # another process: loads the saved index
    other.sync("v1", 2, read_all)
    assert len(reads) == 1 and other.search("glaciers", 1)[0][0] == "a"
    read_all.rows["c"] = ("c", "A drought hit the glacier valley.", 0, "h3")
    other.sync("v1", 3, read_all)  # same version, another count (a write that never bumped it)
    assert reads == [2, 1] and {i for i, _ in other.search("glacier", 5)} == {"a", "c"}
    assert [p.name for p in (tmp_path / "lex").iterdir()] == ["v-v1"]
    assert index.search("the of and", 5) == []  # stopwords only: no terms
    empty = LexicalIndex()
    empty.sync("v0", 0, Rows([]))
    assert empty.search("glacier", 3) == []


def test_a_damaged_saved_index_is_rebuilt(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    index.sync("v1", 1, Rows([("a", "The senate met.", 0, "h")]))
    (tmp_path / "v-v1" / "chunks.json").write_text("{not json", encoding="utf-8")
    again = LexicalIndex(tmp_path)
    again.sync("v1", 1, Rows([("a", "The senate met.", 0, "h")]))
    assert again.search("senate", 1) == [("a", pytest.approx(again.search("senate", 1)[0][1]))]
    (tmp_path / "v-v1" / "tokens.npy").write_bytes(b"damaged")  # the kept words: read all
    rows = Rows([("a", "The senate met.", 0, "h"), ("b", "The senate voted.", 0, "g")])
    third = LexicalIndex(tmp_path)
    third.sync("v2", 2, rows)
    assert rows.reads == [2] and {i for i, _ in third.search("senate", 5)} == {"a", "b"}


@pytest.mark.slow
def test_never_disagrees_with_chroma_through_ingest_change_and_delete(
    store: ChunkStore, settings: Settings, embeddings, tmp_path: Path
) -> None:
    rng = random.Random(7)
    folder = tmp_path / "docs"
    folder.mkdir()
    for step in range(8):
        name = folder / f"doc{rng.randrange(4)}.txt"
        action = rng.choice(["write", "write", "delete"])
        if action == "write":
            words = rng.sample(WORDS, 3)
            name.write_text(
                f"Report {step}. The {words[0]} and the {words[1]} met the {words[2]}.\n",
                encoding="utf-8",
            )
            ingest_paths([folder], store, embeddings.count_tokens, settings, progress=False)
        else:
            for info in store.documents():
                if info.source == str(name.resolve()):
                    remove_document(store, info.doc_id, settings)
        assert _lexical_ids(store) == _chroma_ids(store), step


@pytest.mark.slow
def test_unchanged_reingest_leaves_the_index_and_a_missing_one_is_rebuilt(
    settings: Settings, embeddings, tmp_path: Path
) -> None:
    client = open_client(settings, create=True)
    store = ChunkStore.open(
        client, settings.collection, embeddings, create=True, lexical_dir=settings.lexical_dir
    )
    ingest_paths([SEEDS], store, embeddings.count_tokens, settings, progress=False)
    saved = sorted(settings.lexical_dir.iterdir())
    assert len(saved) == 1 and json.loads((saved[0] / "chunks.json").read_text())["ids"]
    before = {p: p.stat().st_mtime_ns for p in saved[0].iterdir()}
    again = ingest_paths([SEEDS], store, embeddings.count_tokens, settings, progress=False)
    assert again.chunks_embedded == 0
    assert sorted(settings.lexical_dir.iterdir()) == saved
    assert {p: p.stat().st_mtime_ns for p in saved[0].iterdir()} == before
    shutil.rmtree(settings.lexical_dir)
    qa = QA.from_settings(settings, embeddings=embeddings)  # a new process, index gone
    answer = qa.ask("Which think tank is Bonnie Glaser with?")
    assert answer.passages and any(p.lexical_rank is not None for p in answer.passages)
    assert sorted(p.name for p in settings.lexical_dir.iterdir()) == [saved[0].name]


WRITER = """
import sys
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from qa.documents.pipeline import ingest_documents, ingest_paths
from qa import ChunkStore, Settings, open_client
from qa.store.embeddings import LocalEmbeddings
settings = Settings(persist_dir=Path(sys.argv[1]), chroma_url=sys.argv[3] or None)
emb = LocalEmbeddings()
store = ChunkStore.open(open_client(settings, create=True), settings.collection, emb,
                        create=True, lexical_dir=settings.lexical_dir)
print(ingest_paths([Path(sys.argv[2])], store, emb.count_tokens, settings, progress=False))
"""


def _write_in_another_process(settings: Settings, folder: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-c",
            WRITER,
            str(settings.persist_dir),
            str(folder),
            settings.chroma_url or "",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_a_change_by_another_client_of_a_chroma_server_reaches_this_one(
    chroma_url: str, embeddings, tmp_path: Path
) -> None:
    """Several processes share one `chroma run` (the UI, `qa ingest`, `qa serve`): an upload by
    one is found by BM25 in the others without a restart. (Chroma's local mode is for one
    process at a time; a local store changed by another process is seen after a restart.)"""
    settings = Settings(chroma_url=chroma_url, persist_dir=tmp_path / "unused")
    client = open_client(settings, create=True)
    store = ChunkStore.open(
        client, settings.collection, embeddings, create=True, lexical_dir=settings.lexical_dir
    )
    ingest_paths([SEEDS], store, embeddings.count_tokens, settings, progress=False)
    qa = QA(store, embeddings, settings=settings)
    assert qa.ask("Who is Bonnie Glaser?").passages  # this process's index is now built
    note = tmp_path / "upload" / "zanzibar.txt"
    note.parent.mkdir()
    note.write_text(
        "The Quokkafest regatta of Zanzibar was cancelled by the harbour master "
        "because of a storm.\n",
        encoding="utf-8",
    )
    _write_in_another_process(settings, note.parent)
    hits = store.lexical_search("Quokkafest regatta", 3)  # no restart of this process
    assert hits and hits[0][0] in _chroma_ids(store)
    assert _lexical_ids(store) == _chroma_ids(store)
    answer = qa.ask("Why was the Quokkafest regatta cancelled?")
    assert answer.citations and "zanzibar.txt" in answer.citations[0].source
    assert not (tmp_path / "unused").exists()


@pytest.mark.slow
def test_hybrid_search_fuses_bm25_and_cosine(
    store: ChunkStore, settings: Settings, embeddings, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "note.txt").write_text(
        "Minutes of the Vrtbovska committee: the budget passed.\n", encoding="utf-8"
    )
    ingest_paths([SEEDS, folder], store, embeddings.count_tokens, settings, progress=False)
    query = "What did the Vrtbovska committee decide?"
    vector = embeddings.embed_query(query)
    passages = store.hybrid_search(query, vector, 3)
    note = next(p for p in passages if p.chunk.source.endswith("note.txt"))
    assert note.lexical_rank == 0 and note.lexical == pytest.approx(1.0)
    assert note.score == pytest.approx(
        sum(
            a * b
            for a, b in zip(vector, embeddings.embed_documents([note.chunk.text])[0], strict=True)
        ),
        abs=1e-4,
    )
    assert [p.fused for p in passages] == sorted((p.fused for p in passages), reverse=True)
    assert all(p.dense_rank is not None or p.lexical_rank is not None for p in passages)
    dense = QA(store, embeddings, settings=settings.with_(retrieval="dense", top_k=3))
    assert all(p.lexical_rank is None for p in dense.ask(query).passages)


def test_a_window_of_days_keeps_to_chunks_published_within_it(tmp_path: Path) -> None:
    rows = Rows(
        [
            ("old", "Storm hit the harbour.", 20250303, "h1"),
            ("new", "Storm hit the bridge.", 20250310, "h2"),
            ("undated", "Storm hit the town.", 0, "h3"),
        ]
    )
    index = LexicalIndex(tmp_path)
    index.sync("v1", 3, rows)
    assert {i for i, _ in index.search("storm", 5)} == {"old", "new", "undated"}
    assert [i for i, _ in index.search("storm", 5, since=20250305)] == ["new"]
    assert [i for i, _ in index.search("storm", 5, until=20250305)] == ["old"]
    assert index.search("storm", 5, since=20250304, until=20250309) == []
    again = LexicalIndex(tmp_path)  # the days are saved with the index
    again.sync("v1", 3, Rows([]))
    assert [i for i, _ in again.search("storm", 5, since=20250305)] == ["new"]


def _results(index: LexicalIndex, queries: Sequence[str], **window: int) -> list[object]:
    return [index.search(q, 50, **window) for q in queries]  # type: ignore[arg-type]


def test_an_incremental_update_equals_a_full_rebuild(tmp_path: Path) -> None:
    rng = random.Random(3)
    texts = [" ".join(rng.choices(WORDS, k=rng.randrange(0, 9))) for _ in range(300)]
    source = Rows(
        (f"c{i}", t, rng.choice([0, 20250101, 20250601]), f"d{i // 5}") for i, t in enumerate(texts)
    )
    index = LexicalIndex(tmp_path / "lex")
    index.sync("v0", len(source.rows), source)
    rare = [f"{a}{b}" for a in RARE for b in RARE[:3]]
    queries = [*WORDS, *rare, "tariff glacier senate", "summit harbour drought vaccine"]
    for step in range(1, 6):
        for chunk_id in rng.sample(sorted(source.rows), 40):  # deletes
            del source.rows[chunk_id]
        for j in range(25):  # adds, some of a document already stored (a new hash)
            words = " ".join(rng.choices(WORDS, k=rng.randrange(1, 9)))
            words += f" {RARE[step]}{RARE[j % 3]}"  # terms that come and go
            source.rows[f"n{step}-{j}"] = (f"n{step}-{j}", words, 20250301, f"e{step}-{j % 4}")
        kept = sorted(source.rows)[0]  # same id and text, a new date: its document changed
        cid, text, _, _ = source.rows[kept]
        source.rows[kept] = (cid, text, 20251231, f"changed-{step}")
        before = len(source.reads)
        if step % 2:  # in this process; else another process, from the saved index
            index.sync(f"v{step}", len(source.rows), source)
            updated = index
        else:
            updated = LexicalIndex(tmp_path / "lex")
            updated.sync(f"v{step}", len(source.rows), source)
        assert source.reads[before:] == [26]  # only the rows of new hashes read
        full = LexicalIndex()
        full.sync(f"v{step}", len(source.rows), source)
        assert updated.chunk_ids == full.chunk_ids
        assert updated._built and full._built and updated._built.words and full._built.words
        assert len(updated._built.words.terms) == len(full._built.words.terms)  # none unused
        assert _results(updated, queries) == _results(full, queries)
        assert _results(updated, queries, since=20251201) == _results(full, queries, since=20251201)
        assert [i for i, _ in updated.search(text or "tariff", 400, since=20251201)] == (
            [kept] if content_words(text) else []
        )
        index = updated


def test_a_date_changed_under_the_same_chunk_ids_reaches_the_index(
    toy_store: ChunkStore, toy_embeddings, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qa.documents.pipeline.INLINE_LEXICAL_LIMIT", 0)  # updated by the search

    def ingest(*docs: tuple[str, str, str | None]) -> None:
        group = [
            SourceDocument(doc_id=i, source=f"{i}.txt", title=i, text=text, published=day)
            for i, text, day in docs
        ]
        ingest_documents(group, toy_store, toy_embeddings.count_tokens, settings, progress=False)

    a = "The harbour tariff was debated by the senate."
    march = DateWindow(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    june = DateWindow(dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    ingest(("a", a, "2025-03-01"), ("b", "The glacier summit met.", None))
    ids = set(toy_store.chunk_ids())
    assert toy_store.lexical_search("tariff", 5, march)  # built, saved with its words
    ingest(("a", a, "2025-06-02"))  # same text: same chunk ids, another date and hash
    assert set(toy_store.chunk_ids()) == ids
    other = ChunkStore.open(toy_store.client, toy_store.name, lexical_dir=settings.lexical_dir)
    for store in (other, toy_store):  # updated from the saved index, then from memory
        assert not store.lexical_search("tariff", 5, march)
        assert store.lexical_search("tariff", 5, june)
        assert store.lexical_search("glacier", 5) and not store.lexical_search("glacier", 5, june)
        shutil.rmtree(settings.lexical_dir)
