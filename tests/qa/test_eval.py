"""`qa eval` end to end on the seed set, with the baseline beside it, and its quality floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main
from tests.conftest import SEED_QUESTIONS, SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("eval")
    code = main(
        [
            "eval",
            str(SEED_QUESTIONS),
            "--docs",
            str(SEEDS),
            "--baseline",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| metric | cited-qa | LangChain recipe |" in md and "## Worst failures" in md
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _summary(report: dict, name: str = "cited-qa") -> dict:
    return next(s for s in report["systems"] if s["name"] == name)["summary"]


def test_report_has_both_systems_and_every_question(report: dict) -> None:
    names = [s["name"] for s in report["systems"]]
    assert names == ["cited-qa", "LangChain recipe"]
    for s in report["systems"]:
        assert len(s["results"]) == 48 and s["summary"]["questions"] == 48
        assert s["ingest"]["chunks"] > 0


def test_citations_are_always_verbatim(report: dict) -> None:
    assert _summary(report)["citation_validity"] == 1.0
    assert _summary(report, "LangChain recipe")["citation_validity"] == 1.0


def test_we_abstain_and_the_recipe_does_not(report: dict) -> None:
    assert _summary(report)["abstain_recall"] >= 0.6
    assert _summary(report, "LangChain recipe")["abstain_recall"] == 0.0
    assert (
        _summary(report)["answer_words_median"]
        < _summary(report, "LangChain recipe")["answer_words_median"]
    )


def test_quality_does_not_regress(report: dict) -> None:
    s = _summary(report)
    assert s["contains_answer"] >= 0.35 and s["right"] >= 0.40


def test_uncertain_answers_are_counted_apart(report: dict) -> None:
    s = _summary(report)
    assert s["declined_or_uncertain"] == pytest.approx(
        s["abstain_recall"] + s["uncertain_unanswerable"]
    )
    assert 0.0 < s["uncertain_answerable"] < 1.0


def test_missing_question_set_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["eval", str(tmp_path / "none.jsonl"), "--docs", str(SEEDS)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "question set not found" in err[0]
