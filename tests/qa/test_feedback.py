"""The thumbs-up/down log: one JSON line per vote, at the configured place."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

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


def _votes_from_four_threads(log: FeedbackLog, each: int) -> None:
    """`each` votes "down" from each of 4 threads at once."""
    threads = [
        threading.Thread(target=lambda: [log.record(ANSWER, "down") for _ in range(each)])
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_concurrent_votes_write_whole_lines(tmp_path: Path) -> None:
    _votes_from_four_threads(FeedbackLog(tmp_path / "f.jsonl"), 50)
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


def test_votes_stay_whole_lines_where_a_write_is_not_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system may write a line in pieces (here: half, a pause, the rest); the log's lock
    keeps the votes of concurrent threads from interleaving."""
    opened = Path.open

    class Halting:
        def __init__(self, f: Any) -> None:
            self.f = f

        def __enter__(self) -> Halting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

        def write(self, text: str) -> int:
            half = len(text) // 2
            self.f.write(text[:half])
            self.f.flush()
            time.sleep(0.005)
            return self.f.write(text[half:])

    def slow_open(path: Path, *args: Any, **kwargs: Any) -> Any:
        return Halting(opened(path, *args, **kwargs))

    monkeypatch.setattr(Path, "open", slow_open)
    log = FeedbackLog(tmp_path / "f.jsonl")
    _votes_from_four_threads(log, 5)
    monkeypatch.undo()
    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20 and all(json.loads(x)["vote"] == "down" for x in lines)
