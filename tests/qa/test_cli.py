"""The `qa` command end to end, in subprocesses, with a temporary store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.servers import holding_lock

pytestmark = pytest.mark.slow


def run(*args: str, store: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "QA_PERSIST_DIR": str(store), "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    done = run("ingest", str(SEEDS), store=store)
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout and "0 skipped" in done.stdout
    return store


def test_reingest_adds_nothing_and_docs_lists(store: Path) -> None:
    again = run("ingest", str(SEEDS), store=store)
    assert again.returncode == 0 and "0 added, 0 updated, 1 unchanged" in again.stdout
    docs = run("docs", "--json", store=store)
    rows = [json.loads(line) for line in docs.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["published"] == "2025-10-29" and rows[0]["chunks"] >= 3


def test_ask_json_shape(store: Path) -> None:
    done = run("ask", "--json", "Where will the summit take place?", store=store)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"answer", "status", "citations"} <= out.keys()
    assert out["status"] == "answered" and "Singapore" in out["answer"]
    c = out["citations"][0]
    keys = {"n", "doc_id", "source", "title", "published", "text", "quote", "start", "end"}
    assert keys | {"score"} <= c.keys()
    source = Path(c["source"]).read_text(encoding="utf-8")
    assert source[c["start"] : c["end"]] == c["quote"] and "Singapore" in c["quote"]


def test_ask_prints_each_source_with_its_quote(store: Path) -> None:
    done = run("ask", "Where will the summit take place?", store=store)
    lines = done.stdout.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("[1] "))
    assert lines[i].startswith(
        "[1] Trump Seeks China’s Help to Curb Russia — But Beijing Holds the Cards, 2025-10-29 — "
    )
    assert lines[i].endswith("000_6a35916087595feb.txt [2410:2554]")
    assert lines[i + 1].startswith("    “The Trump–Xi summit") and lines[i + 1].endswith("2020.”")


def test_ask_declines_off_topic(store: Path) -> None:
    done = run("ask", "Which team won the 1998 World Cup?", store=store)
    assert done.returncode == 0
    assert "don't answer" in done.stdout


def test_ask_with_history(store: Path) -> None:
    done = run(
        "ask",
        "--json",
        "--history",
        "Who is Ukraine's president?",
        "What does he insist any peace deal must include?",
        store=store,
    )
    out = json.loads(done.stdout)
    assert "Ukraine" in out["query"] and "withdrawal" in out["answer"]


@pytest.mark.parametrize(
    ("args", "env", "code", "needle"),
    [
        (["ask", "   "], {}, 2, "question is empty"),
        (["ask", "x" * 1001], {}, 2, "limit is 1000"),
        (["ask", "--collection", "missing", "hi?"], {}, 1, "no collection 'missing'"),
        (["ask", "--collection", "a b", "hi?"], {}, 2, "invalid collection name"),
        (["ingest", "/no/such/path"], {}, 2, "path not found: '/no/such/path'"),
        (["ask", "hi?"], {"QA_CHROMA_URL": "http://127.0.0.1:9"}, 1, "cannot reach the Chroma"),
        (["ask", "hi?"], {"QA_TOP_K": "lots"}, 2, "QA_TOP_K='lots'"),
        (["ask", "hi?"], {"QA_CHROMA_URL": "http://127.0.0.1:abc"}, 2, "invalid port"),
        (["ingest", "x"], {"QA_MAX_FILE_MB": "inf"}, 2, "max_file_mb"),
    ],
)
def test_bad_input_is_one_clear_line(
    store: Path, args: list[str], env: dict[str, str], code: int, needle: str
) -> None:
    done = run(*args, store=store, **env)
    assert done.returncode == code
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in done.stderr


def test_missing_store_is_not_created(tmp_path: Path) -> None:
    store = tmp_path / "absent"
    done = run("ask", "Where?", store=store)
    assert done.returncode == 1 and "qa ingest seeds/" in done.stderr
    assert not store.exists()


def test_bad_path_leaves_the_store_alone(tmp_path: Path) -> None:
    store = tmp_path / "fresh"
    done = run("ingest", str(SEEDS), "/no/such/file.txt", store=store)
    assert done.returncode == 2 and not store.exists()


def test_help_lists_the_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    for word in ("ask", "ingest", "docs", "QA_PERSIST_DIR"):
        assert word in done.stdout


def test_reset_keeps_only_what_the_run_ingested(store: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.md").write_text("# Tea\n\nGreen tea comes from China.\n", encoding="utf-8")
    assert run("ingest", str(other), store=store).returncode == 0
    assert len(run("docs", "--json", store=store).stdout.splitlines()) == 2
    reset = run("ingest", "--reset", str(SEEDS), store=store)
    assert reset.returncode == 0 and "1 removed" in reset.stdout
    docs = run("docs", "--json", store=store).stdout.splitlines()
    assert len(docs) == 1 and "2025-10-29" in docs[0]


def test_ingest_waits_while_another_process_changes_the_collection(tmp_path: Path) -> None:
    from qa import Settings

    store = tmp_path / "store"
    lock = Settings(persist_dir=store).lock_file
    env = {**os.environ, "QA_PERSIST_DIR": str(store), "HF_HUB_OFFLINE": "1"}
    with holding_lock(lock):
        cli = subprocess.Popen(
            [sys.executable, "-m", "cli", "ingest", "--no-progress", str(SEEDS)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert cli.stderr is not None
        waiting = cli.stderr.readline()
        assert "waiting for another change of collection 'cited-qa' to end" in waiting
        time.sleep(1)
        assert cli.poll() is None  # still waiting: nothing written meanwhile
    out, err = cli.communicate(timeout=300)
    assert cli.returncode == 0, err
    assert "1 added" in out
