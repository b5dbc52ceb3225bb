"""Thumbs up or down on answers, appended to a local JSONL file (one vote per line)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from core.errors import ConfigError
from core.types import Answer

__all__ = ["FeedbackLog", "Vote", "read_feedback"]

Vote = Literal["up", "down"]
_CITATION_FIELDS = (
    "n",
    "doc_id",
    "source",
    "title",
    "published",
    "chunk_id",
    "quote",
    "start",
    "end",
    "score",
)


class FeedbackLog:
    """Appends one JSON object per vote to `path`.

    A line holds `time` (UTC, ISO 8601), `turn` (an id of the chat turn, so that a changed vote
    can be told apart from a new one: the last line of a turn wins), `vote` (`"up"`, `"down"` or
    null when the vote was taken back), `question`, `answer`, `status`, `query`, `score` and
    `citations` (number, document, source, title, date, quote and its character offsets).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, answer: Answer, vote: Vote | None, *, turn: str = "") -> dict[str, Any]:
        """Append a vote on `answer`; returns the record written."""
        if vote not in ("up", "down", None):
            raise ValueError(f"vote must be 'up', 'down' or None, got {vote!r}")
        record = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "turn": turn,
            "vote": vote,
            "question": answer.question,
            "answer": answer.text,
            "status": answer.status,
            "query": answer.query,
            "score": answer.score,
            "citations": [{f: getattr(c, f) for f in _CITATION_FIELDS} for c in answer.citations],
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        except OSError as exc:
            raise ConfigError(
                f"cannot write feedback to {self.path}: {exc.strerror}; "
                "set QA_FEEDBACK_PATH to a writable file"
            ) from None
        return record


def read_feedback(path: Path) -> list[dict[str, Any]]:
    """Every vote in the file at `path`, oldest first (an empty list when there is none)."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
