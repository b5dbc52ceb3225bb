"""News in the UI under AppTest: links and a feed fetched from the Documents page, then dates
and as-of in the chat sidebar (real store, model and local http.server)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.news_site import news_site
from tests.ui.conftest import APP, shown

pytestmark = pytest.mark.slow


def test_fetch_links_and_a_feed_then_ask_with_dates(
    own_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_FETCH_ALLOW_PRIVATE", "1")  # the site is on 127.0.0.1
    with news_site(tmp_path / "site") as (site, _):
        at = AppTest.from_file(APP, default_timeout=180).run()
        at.switch_page("pages/documents.py").run()
        assert not at.exception
        links = "\n".join(
            f"{site}/{p}"
            for p in ("storm-alba.html", "storm-bran.html", "council-report.pdf", "photo.png")
        )
        at.text_area(key="links").set_value(links).run()
        at.text_input(key="feed").set_value(f"{site}/feed.xml").run()
        next(b for b in at.button if b.label == "Fetch and ingest").click().run()
        assert not at.exception
        assert shown(at.success[0].value).startswith("Fetched 5 links: 5 added")
        assert shown(at.warning[0].value).startswith(f"{site}/photo.png: not a page this can read")
        assert at.text_area(key="links").value == ""  # cleared for the next links
        table = at.dataframe[0].value
        alba = table[table["source"] == f"{site}/storm-alba.html"].iloc[0]
        assert (alba["title"], alba["site"], alba["published"], alba["author"]) == (
            "Storm Alba floods Portmere harbour",
            "Coast Herald",
            "2025-03-03",
            "Jane Doe",
        )
        assert table[table["source"] == f"{site}/council-report.pdf"].iloc[0]["pages"] == 2

    at.switch_page("pages/chat.py").run()
    as_of = next(d for d in at.sidebar.date_input if d.label == "as of")
    assert as_of.value == dt.date.today()
    as_of.set_value(dt.date(2025, 3, 11)).run()
    at.chat_input[0].set_value("Which town did the storm hit yesterday?").run()
    assert not at.exception
    answer = at.session_state["messages"][-1].answer
    assert answer.passages[0].chunk.source == f"{site}/storm-bran.html"
    captions = [shown(c.value) for c in at.caption]
    assert 'documents published from 2025-03-10 to 2025-03-10 ("yesterday", as of 2025-03-11)' in (
        captions
    )

    since = next(d for d in at.sidebar.date_input if d.label == "published since")
    since.set_value(dt.date(2025, 3, 12)).run()
    at.chat_input[0].set_value("How much will the sea wall repair cost?").run()
    answer = at.session_state["messages"][-1].answer  # the undated report is left out
    assert all(p.chunk.published and p.chunk.published >= "2025-03-12" for p in answer.passages)
    since.set_value(None).run()
    at.chat_input[0].set_value("How much will the sea wall repair cost?").run()
    labels = [shown(e.label) for e in at.expander]
    assert "[1] Storm recovery report · page 2" in labels
