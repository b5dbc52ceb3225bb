"""The `qa` command in-process over real stores, with the stand-in model (fast tier): ingest,
docs, ask, eval and their errors. tests/qa/test_cli.py runs it in subprocesses with the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main
from tests.conftest import SEED_QUESTIONS, SEEDS


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, toy_embeddings, tmp_path: Path):
    """`main` with the stand-in model, a store in `tmp_path`, and temporary folders there too."""
    monkeypatch.setattr("qa.service.load_embeddings", lambda settings: toy_embeddings)
    monkeypatch.setenv("QA_PERSIST_DIR", str(tmp_path / "store"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_ingest_docs_and_ask(cli, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "ingest", "--no-progress", str(SEEDS))
    assert code == 0 and "1 document: 1 added" in out
    code, out, _ = cli(capsys, "ingest", "--no-progress", str(SEEDS))
    assert code == 0 and "0 added, 0 updated, 1 unchanged" in out
    code, out, _ = cli(capsys, "docs", "--json")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["published"] == "2025-10-29" and row["chunks"] >= 3
    code, out, _ = cli(capsys, "ask", "--json", "Where will the summit take place?")
    answer = json.loads(out)
    assert code == 0 and list(answer) == [
        "question",
        "answer",
        "status",
        "query",
        "score",
        "short",
        "citations",
        "timings",
        "window",
    ]
    for c in answer["citations"]:
        text = Path(c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"]


def test_docs_loads_no_model(cli, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli(capsys, "ingest", "--no-progress", str(SEEDS))[0] == 0

    def no_model(settings: object) -> None:
        raise AssertionError("listing documents loaded the model")

    monkeypatch.setattr("qa.service.load_embeddings", no_model)
    code, out, _ = cli(capsys, "docs")
    assert code == 0 and "Trump Seeks China" in out


def test_errors_are_one_line_with_an_exit_status(cli, capsys) -> None:
    code, _, err = cli(capsys, "docs")
    assert code == 1 and err.count("\n") == 1 and "no document store at" in err
    code, _, err = cli(capsys, "ask", "   ")
    assert code == 2 and "the question is empty" in err
    code, _, err = cli(capsys, "ingest")
    assert code == 2 and "nothing to ingest" in err
    code, _, err = cli(capsys, "eval", "missing.jsonl")
    assert code == 2 and "question set not found" in err


def test_eval_writes_a_report_and_removes_its_stores(cli, capsys, tmp_path: Path) -> None:
    out_dir = tmp_path / "report"
    seed_eval = ("eval", str(SEED_QUESTIONS), "--docs", str(SEEDS), "--limit", "6")
    code, out, _ = cli(capsys, *seed_eval, "--baseline", "--no-progress", "--out", str(out_dir))
    assert code == 0 and "| citations verbatim at their offsets | 100.0% | 100.0% |" in out
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in report["systems"]] == ["cited-qa", "LangChain recipe"]
    assert len(report["systems"][0]["results"]) == 6
    assert list((tmp_path / "tmp").iterdir()) == []  # the temporary stores are gone
    code, out, _ = cli(capsys, *seed_eval, "--calibrate", "--no-progress", "--out", str(out_dir))
    assert code == 0 and "| min_score | answerable answered right |" in out
    assert "best balanced accuracy" in out


def test_eval_of_the_configured_store_reads_its_kept_texts(cli, capsys, tmp_path: Path) -> None:
    assert cli(capsys, "ingest", "--no-progress", str(SEEDS))[0] == 0
    code, out, _ = cli(
        capsys,
        "eval",
        str(SEED_QUESTIONS),
        "--limit",
        "4",
        "--no-progress",
        "--out",
        str(tmp_path / "report"),
    )
    assert code == 0 and "| citations verbatim at their offsets | 100.0% |" in out
