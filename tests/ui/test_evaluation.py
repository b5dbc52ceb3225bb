"""The Evaluation page under AppTest: a small eval from the browser writes and shows a report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import SEED_QUESTIONS, SEEDS
from tests.ui.conftest import APP

pytestmark = pytest.mark.slow


def test_evaluation_page_runs_a_small_eval(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_PERSIST_DIR", str(seeded_dir))
    monkeypatch.setenv("QA_EVAL_DIR", str(tmp_path / "report"))
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("pages/evaluation.py").run()
    assert not at.exception
    assert "No report" in at.info[0].value
    at.sidebar.slider[0].set_value(5)
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert (tmp_path / "report" / "report.json").is_file()
    assert at.dataframe  # the summary table
    assert len(at.get("image")) == 3  # the three plots


def test_the_evaluation_page_takes_its_question_set_from_settings(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from another folder (as an installed app is), the page reads QA_EVAL_QUESTIONS and
    QA_EVAL_DOCS, and says which setting to fix when they point at nothing."""
    lines = SEED_QUESTIONS.read_text(encoding="utf-8").splitlines()[:5]
    (tmp_path / "five.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QA_PERSIST_DIR", str(seeded_dir))
    monkeypatch.setenv("QA_EVAL_DIR", str(tmp_path / "report"))
    monkeypatch.setenv("QA_EVAL_QUESTIONS", str(tmp_path / "five.jsonl"))
    monkeypatch.setenv("QA_EVAL_DOCS", str(tmp_path / "gone"))
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("pages/evaluation.py").run()
    at.sidebar.button[0].click().run()
    assert "set QA_EVAL_QUESTIONS" in at.error[0].value and "gone" in at.error[0].value
    monkeypatch.setenv("QA_EVAL_DOCS", str(SEEDS))
    at.sidebar.button[0].click().run()
    assert not at.exception
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["questions"] == str(tmp_path / "five.jsonl")
    assert report["systems"][0]["summary"]["questions"] == 5
