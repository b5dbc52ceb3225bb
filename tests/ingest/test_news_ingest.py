"""News into a real store with the real model: links, feeds and PDFs from a local http.server
through the CLI and the library; dates that filter both sides of hybrid search; relative time;
one passage per story."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli import main
from core.types import DateWindow
from qa import QA, ChunkStore, Settings, SourceDocument, open_client
from qa.documents.pipeline import ingest_documents
from qa.store.texts import DocumentTexts
from tests.news_site import STORIES, news_site

pytestmark = pytest.mark.slow
QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "news_date_questions.jsonl"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with news_site(tmp_path_factory.mktemp("news") / "site") as (base, _):
        yield base


@pytest.fixture(scope="module")
def news_qa(site: str, tmp_path_factory: pytest.TempPathFactory, embeddings: Any) -> QA:
    """A store of every story page, the feed and the PDF report."""
    settings = Settings(
        persist_dir=tmp_path_factory.mktemp("news-store") / "store", fetch_allow_private=True
    )
    store = ChunkStore.from_settings(
        open_client(settings, create=True), settings, embeddings, create=True
    )
    qa = QA(store, embeddings, settings=settings)
    urls = [f"{site}/{s.path}" for s in STORIES if s.markup != "none"]
    report = qa.add_links([*urls, f"{site}/council-report.pdf"], feeds=[f"{site}/feed.xml"])
    assert (report.added, report.skipped) == (len(STORIES) + 1, ())
    return qa


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_ingests_links_feeds_and_pdfs_and_embeds_nothing_again(
    site: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_FETCH_ALLOW_PRIVATE", "1")  # the site is on 127.0.0.1
    store = ["--persist-dir", str(tmp_path / "store")]
    links = tmp_path / "links.txt"
    links.write_text(f"# two pages\n{site}/ferry-deal-times.html\n{site}/missing.html\n")
    args = [
        "ingest",
        "--no-progress",
        *store,
        f"{site}/ferry-deal-herald.html",
        f"{site}/council-report.pdf",
        f"{site}/scanned.pdf",
        "file:///etc/passwd",
        "--links",
        str(links),
        "--feed",
        f"{site}/feed.xml",
    ]
    code, out, err = _cli(capsys, *args)
    assert code == 0, err
    assert "5 added, 0 updated, 0 unchanged, 3 skipped" in out
    assert "skipped file:///etc/passwd: not an http or https link (scheme 'file')" in err
    assert f"skipped {site}/missing.html: the server answered 404 File not found" in err
    assert f"skipped {site}/scanned.pdf: no text in its 2 page(s): a scanned PDF?" in err
    assert (
        f"near-duplicate: {site}/ferry-deal-times.html repeats {site}/ferry-deal-herald.html" in err
    )

    code, out, err = _cli(capsys, *args)  # again: nothing fetched from the feed, nothing embedded
    assert "0 added, 0 updated, 5 unchanged, 3 skipped" in out and "(0 chunks embedded" in out

    code, out, _ = _cli(capsys, "docs", "--json", *store)
    docs = {d["source"]: d for d in map(json.loads, out.splitlines())}
    dara = docs[f"{site}/news/storm-dara.html"]
    assert (dara["title"], dara["published"]) == (
        "Storm Dara tears roof off Elmstead town hall",
        "2025-03-14",
    )  # the feed's date
    herald = docs[f"{site}/ferry-deal-herald.html"]
    assert (herald["site"], herald["author"], herald["published"]) == (
        "Coast Herald",
        "Tom Reyes",
        "2025-03-11",
    )
    assert docs[f"{site}/council-report.pdf"]["pages"] == 2
    code, out, _ = _cli(capsys, "docs", *store)
    assert "Northlink ferry strike ends\n    Coast Herald · by Tom Reyes · 2025-03-11 · " in out

    code, out, _ = _cli(capsys, "ask", "--json", *store, "How much will the sea wall repair cost?")
    answer = json.loads(out)
    cited = answer["citations"][0]
    assert "3.2 million pounds" in cited["quote"] and cited["page"] == 2
    assert cited["source"] == f"{site}/council-report.pdf"
    texts = DocumentTexts(Settings(persist_dir=tmp_path / "store").texts_dir)
    kept = texts.get(cited["doc_id"])
    assert kept is not None and kept[cited["start"] : cited["end"]] == cited["quote"]
    code, out, _ = _cli(capsys, "ask", *store, "How much will the sea wall repair cost?")
    assert "[1] Storm recovery report, page 2 — " in out

    code, _, err = _cli(capsys, "ask", *store, "--since", "March 3", "What happened?")
    assert code == 2 and "since 'March 3' is not a date: use YYYY-MM-DD" in err
    code, _, err = _cli(capsys, "ingest", *store)
    assert code == 2 and "nothing to ingest" in err


def test_quotes_of_fetched_pages_verify_against_the_kept_text(news_qa: QA) -> None:
    questions = [
        "Which town did Storm Alba hit?",
        "How much will the sea wall repair cost?",
        "How much did the ferry strike cost Northlink?",
        "Who is the mayor of Elmstead?",
    ]
    cited = [c for q in questions for c in news_qa.ask(q).citations]
    assert len(cited) >= len(questions)
    assert all(news_qa.store.texts.verify(c) for c in cited)
    assert {d.doc_id for d in news_qa.documents()} == set(news_qa.store.texts.doc_ids())


def test_near_duplicate_copies_fold_into_one_passage_that_names_the_others(
    news_qa: QA, site: str
) -> None:
    answer = news_qa.ask("How much did the ferry strike cost Northlink?")
    ferry = [p for p in answer.passages if "ferry-deal" in p.chunk.source]
    assert len(ferry) == 1  # one passage for the story, not three
    assert {d.source for d in ferry[0].duplicates} | {ferry[0].chunk.source} == {
        f"{site}/ferry-deal-herald.html",
        f"{site}/ferry-deal-times.html",
        f"{site}/ferry-deal-post.html",
    }
    first = answer.citations[0]
    assert first.source == ferry[0].chunk.source and len(first.also_in) == 2
    assert (
        first.also_in_line().startswith("also in: ")
        and "Harbour Times"
        in first.to_dict()["also_in"][0]["site"] + first.to_dict()["also_in"][1]["site"]
    )
    plain = news_qa.retriever.search("How much did the ferry strike cost Northlink?", 6)
    assert sum("ferry-deal" in p.chunk.source for p in plain) == 3  # what folding saves
    storms = [
        p for p in news_qa.ask("Which storms cut power?").passages if "storm" in p.chunk.source
    ]
    assert len(storms) >= 4 and not any(p.duplicates for p in storms)  # alike, not the same


def test_relative_time_questions_prefer_their_window(news_qa: QA, site: str) -> None:
    path = {s.story: f"{site}/{s.path}" for s in STORIES}
    for line in QUESTIONS.read_text().splitlines():
        row = json.loads(line)
        answer = news_qa.ask(row["question"], as_of=row["as_of"])
        assert answer.passages[0].chunk.source == path[row["story"]], row["id"]
        assert answer.window is not None and answer.window.as_of == dt.date.fromisoformat(
            row["as_of"]
        )
        assert answer.query != row["question"]  # the words of relative time left out
    # Nothing published in the window: all dates, rather than nothing.
    empty = news_qa.ask("Which town did a storm hit yesterday?", as_of="2025-06-01")
    assert empty.passages and empty.window is None


def test_date_filters_apply_inside_both_sides_of_hybrid_search(
    store: ChunkStore, settings: Settings, embeddings: Any
) -> None:
    """Thirty close matches out of the window and two weak ones in it: a filter applied after
    the search (to its best 20) would find none of the two."""
    docs = [
        SourceDocument(
            doc_id=f"old{i}",
            source=f"old{i}",
            title=f"Harbour storm {i}",
            text=f"Storm {i} flooded the harbour at Portmere and sank boats.",
            published=f"2024-01-{i + 1:02d}",
        )
        for i in range(30)
    ]
    docs += [
        SourceDocument(
            doc_id="new1",
            source="new1",
            title="Bakery",
            text="A bakery opened near the harbour.",
            published="2025-03-10",
        ),
        SourceDocument(
            doc_id="new2",
            source="new2",
            title="Choir",
            text="The choir sang a song about a storm.",
            published="2025-03-11",
        ),
        SourceDocument(
            doc_id="undated", source="undated", title="Storm", text="A storm flooded the harbour."
        ),
    ]
    ingest_documents(docs, store, embeddings.count_tokens, settings, progress=False)
    qa = QA(store, embeddings, settings=settings)
    query = "Which storm flooded the harbour?"
    window = DateWindow(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    vector = embeddings.embed_query(query)
    dense = store.search(vector, 6, window)
    lexical = store.lexical_search(query, 6, window)
    assert {p.chunk.doc_id for p in dense} == {"new1", "new2"}
    assert {cid for cid, _ in lexical} <= {p.chunk.chunk_id for p in dense}  # BM25 too
    assert lexical, "BM25 finds the in-window chunks that share a term"
    hybrid = store.hybrid_search(query, vector, 6, window=window)
    assert {p.chunk.doc_id for p in hybrid} == {"new1", "new2"}
    answer = qa.ask(query, since="2025-03-01", until="2025-03-31")
    assert {p.chunk.doc_id for p in answer.passages} == {"new1", "new2"}
    assert answer.to_dict()["window"]["since"] == "2025-03-01"
    everything = qa.ask(query)
    assert everything.window is None and "new1" not in {p.chunk.doc_id for p in everything.passages}
