"""The thumbs-up/down log: one JSON line per vote, at the configured place."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from qa import Answer, Citation, ConfigError, Settings
from qa.store.feedback import FeedbackLog, read_feedback

CITATION = Citation(
    n=1,
    doc_id="d1",
    source="/docs/a.txt",
    title="A",
    published="2025-10-29",
    chunk_id="c1",
    text="Long passage text. The summit is in Singapore.",
    quote="The summit is in Singapore.",
    start=19,
    end=46,
    score=0.61,
)
ANSWER = Answer(
    question="Where?",
    text="The summit is in Singapore. [1]",
    status="answered",
    citations=(CITATION,),
    query="Where?",
    score=0.7,
)


def test_votes_are_appended_as_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "feedback.jsonl"
    log = FeedbackLog(path)
    log.record(ANSWER, "up", turn="t1")
    log.record(ANSWER, None, turn="t1")
    first, second = read_feedback(path)
    assert first["vote"] == "up" and second["vote"] is None and first["turn"] == "t1"
    assert first["question"] == "Where?" and first["answer"] == ANSWER.text
    assert first["citations"] == [
        {
            "n": 1,
            "doc_id": "d1",
            "source": "/docs/a.txt",
            "title": "A",
            "published": "2025-10-29",
            "chunk_id": "c1",
            "quote": "The summit is in Singapore.",
            "start": 19,
            "end": 46,
            "score": 0.61,
        }
    ]
    assert first["time"].endswith("+00:00")


def test_concurrent_votes_write_whole_lines(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "f.jsonl")
    threads = [
        threading.Thread(target=lambda: [log.record(ANSWER, "down") for _ in range(50)])
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (tmp_path / "f.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200 and all(json.loads(x)["vote"] == "down" for x in lines)


def test_bad_vote_and_unwritable_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="vote must be"):
        FeedbackLog(tmp_path / "f.jsonl").record(ANSWER, "meh")  # type: ignore[arg-type]
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="QA_FEEDBACK_PATH"):
        FeedbackLog(tmp_path / "file" / "f.jsonl").record(ANSWER, "up")


def test_missing_log_reads_as_empty(tmp_path: Path) -> None:
    assert read_feedback(tmp_path / "none.jsonl") == []


def test_default_places_are_beside_the_store(tmp_path: Path) -> None:
    s = Settings(persist_dir=tmp_path / "store")
    assert s.feedback_file == tmp_path / "feedback.jsonl"
    assert s.uploads == tmp_path / "uploads"
    env = {"QA_FEEDBACK_PATH": str(tmp_path / "v.jsonl"), "QA_UPLOAD_DIR": str(tmp_path / "up")}
    s = Settings.from_env(env, persist_dir=tmp_path / "store")
    assert s.feedback_file == tmp_path / "v.jsonl" and s.uploads == tmp_path / "up"
