"""The chat page under Streamlit's AppTest, against a real store and the real model."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow
APP = str(ROOT / "ui" / "app.py")


@pytest.fixture(scope="module")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qa.cli import main

    store = tmp_path_factory.mktemp("ui") / "store"
    assert main(["ingest", "--no-progress", "--persist-dir", str(store), str(SEEDS)]) == 0
    return store


def test_ask_shows_an_answer_with_its_source(seeded_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("QA_PERSIST_DIR", str(seeded_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    at.chat_input[0].set_value("Where will the summit take place?").run()
    assert not at.exception
    assert "Singapore" in at.markdown[0].value  # the answer text
    sources = [e.label for e in at.expander]
    assert sources and sources[0].startswith("[1] Trump Seeks China")
    assert any("<mark>" in m.value and "Singapore" in m.value for m in at.markdown)
    msgs = at.session_state["messages"]
    assert [m.role for m in msgs] == ["user", "assistant"]


def test_empty_store_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QA_PERSIST_DIR", str(tmp_path / "nothing"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Nothing is ingested yet" in at.warning[0].value


EVAL_PAGE = str(ROOT / "ui" / "pages" / "1_Evaluation.py")


def test_evaluation_page_runs_a_small_eval(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QA_EVAL_DIR", str(tmp_path / "report"))
    at = AppTest.from_file(EVAL_PAGE, default_timeout=180).run()
    assert not at.exception
    assert "No report" in at.info[0].value
    at.sidebar.slider[0].set_value(5)
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert (tmp_path / "report" / "report.json").is_file()
    assert at.dataframe  # the summary table
    assert len(at.get("image")) == 3  # the three plots


def test_sidebar_follow_up_and_new_chat(seeded_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("QA_PERSIST_DIR", str(seeded_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert any("1 documents" in c.value for c in at.sidebar.caption)
    at.chat_input[0].set_value("What is the U.S. president planning to discuss with Xi?").run()
    at.chat_input[0].set_value("What does he want from Beijing?").run()
    assert not at.exception
    assert any(c.value.startswith("searched for: What does he want") for c in at.caption)
    assert len(at.session_state["messages"]) == 4
    at.sidebar.slider[0].set_value(2)
    at.chat_input[0].set_value("Who is Bonnie Glaser?").run()
    assert len(at.session_state["messages"][-1].answer.passages) == 2
    at.sidebar.button[0].click().run()
    assert at.session_state["messages"] == []


def test_empty_question_shows_a_message(seeded_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("QA_PERSIST_DIR", str(seeded_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.chat_input[0].set_value("   ").run()
    assert not at.exception
    assert "question is empty" in at.error[0].value
