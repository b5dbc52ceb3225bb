"""The chat page under Streamlit's AppTest, against a real store and the real model."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qa.store.feedback import read_feedback
from tests.conftest import smollm2_gguf
from tests.servers import free_port
from tests.ui.conftest import APP, shown

pytestmark = pytest.mark.slow


@pytest.fixture
def at(seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app over the shared seed store; votes go to `tmp_path`."""
    monkeypatch.setenv("QA_PERSIST_DIR", str(seeded_dir))
    monkeypatch.setenv("QA_FEEDBACK_PATH", str(tmp_path / "feedback.jsonl"))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception
    return app


def test_ask_shows_an_answer_with_its_source(at: AppTest) -> None:
    at.chat_input[0].set_value("Where will the summit take place?").run()
    assert not at.exception
    answer = at.session_state["messages"][-1].answer
    assert "Singapore" in at.markdown[0].value  # the answer text
    assert at.markdown[0].value.endswith("\\[1\\]")  # the marker, shown as text
    sources = [e.label for e in at.expander]
    title = "Trump Seeks China’s Help to Curb Russia — But Beijing Holds the Cards"
    assert shown(sources[0]) == f"[1] {title} · 2025-10-29"
    assert len(sources) == len(answer.citations)
    marked = [m.value for m in at.markdown if "<mark>" in m.value]
    assert f"<mark>{answer.citations[0].quote}</mark>" in marked[0]
    assert [m.role for m in at.session_state["messages"]] == ["user", "assistant"]


def test_not_found_looks_different(at: AppTest) -> None:
    at.chat_input[0].set_value("What is the boiling point of mercury?").run()
    assert not at.exception
    assert "don't answer" in shown(at.info[0].value)
    assert not at.expander  # no sources under a not-found reply


def test_thumbs_are_saved_to_the_feedback_file(at: AppTest, tmp_path: Path) -> None:
    # A question that is answered: "Who is Bonnie Glaser?", asked here before, is now declined
    # (confidence 0.08, on main too), and a declined answer cites nothing.
    at.chat_input[0].set_value("Where will the summit take place?").run()
    at.feedback[0].set_value(0).run()  # thumbs down
    at.feedback[0].set_value(1).run()  # changed to thumbs up
    assert not at.exception
    down, up = read_feedback(tmp_path / "feedback.jsonl")
    assert (down["vote"], up["vote"]) == ("down", "up")
    assert down["turn"] == up["turn"] == at.session_state["messages"][-1].id
    assert up["question"] == "Where will the summit take place?" and up["citations"][0]["quote"]


def test_empty_store_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_PERSIST_DIR", str(tmp_path / "nothing"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Nothing is ingested yet" in shown(at.warning[0].value)
    assert not at.chat_input


def test_a_chroma_server_that_is_down_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("QA_CHROMA_URL", f"http://127.0.0.1:{port}")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Chroma server" in shown(at.error[0].value) and str(port) in shown(at.error[0].value)


def test_sidebar_follow_up_and_new_chat(at: AppTest) -> None:
    assert any("1 document · " in c.value for c in at.sidebar.caption)
    at.chat_input[0].set_value("What is the U.S. president planning to discuss with Xi?").run()
    at.chat_input[0].set_value("What does he want from Beijing?").run()
    assert not at.exception
    assert any(shown(c.value).startswith("searched for: What does he want") for c in at.caption)
    assert len(at.session_state["messages"]) == 4
    follow = at.session_state["messages"][-1].answer
    assert follow.answered and "Beijing" in follow.citations[0].quote
    at.sidebar.slider[0].set_value(2)
    at.chat_input[0].set_value("Who is Bonnie Glaser?").run()
    assert len(at.session_state["messages"][-1].answer.passages) == 2
    at.sidebar.toggle[0].set_value(True).run()
    assert any(shown(c.value).startswith("answer score") for c in at.caption)
    at.sidebar.button[0].click().run()
    assert at.session_state["messages"] == []


@pytest.mark.parametrize(
    ("question", "error"), [("   ", "question is empty"), ("why? " * 300, "the limit is 1000")]
)
def test_bad_questions_show_one_line(at: AppTest, question: str, error: str) -> None:
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    assert error in shown(at.error[0].value)


def test_written_answers_with_an_llm(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = smollm2_gguf()
    monkeypatch.setenv("QA_PERSIST_DIR", str(seeded_dir))
    monkeypatch.setenv("QA_LLM", f"llamacpp:{gguf}")
    monkeypatch.setenv("QA_FEEDBACK_PATH", str(tmp_path / "feedback.jsonl"))
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert any("answers written by llamacpp" in shown(c.value) for c in at.sidebar.caption)
    at.chat_input[0].set_value("Where will the summit take place?").run()
    assert not at.exception
    answer = at.session_state["messages"][-1].answer
    assert answer.status in ("answered", "partial", "uncertain", "not_found")
    if answer.status == "not_found":
        assert "don't answer" in shown(at.info[0].value)
    else:
        box = at.warning if answer.status == "uncertain" else at.markdown
        text = shown(box[0].value)
        assert text == answer.text.replace("[unsupported]", ":orange-badge[unsupported]")
        assert len(at.expander) == len(answer.citations)
