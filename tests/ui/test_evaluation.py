"""The Evaluation page under AppTest: a small eval from the browser writes and shows a report."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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
