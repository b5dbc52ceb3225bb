"""Labelled question sets: load them and run them through a `QA`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.errors import QAError
from core.types import Answer

__all__ = [
    "Asker",
    "EvalQuestion",
    "ask_question",
    "load_questions",
]


@dataclass(frozen=True)
class EvalQuestion:
    """One labelled question; `turns` holds earlier user turns of a conversation, oldest first."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    answerable: bool = True
    evidence: str = ""
    gold_doc_ids: tuple[str, ...] = ()
    turns: tuple[str, ...] = field(default=())


def load_questions(path: Path | str) -> list[EvalQuestion]:
    """Questions from JSONL: `question` or `turns` (last one scored), `answers`, `answerable`..."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            turns = list(row.get("turns") or [row["question"]])
            out.append(
                EvalQuestion(
                    id=str(row["id"]),
                    question=turns[-1],
                    turns=tuple(turns[:-1]),
                    answers=tuple(row.get("answers") or ()),
                    answerable=bool(row.get("answerable", True)),
                    evidence=row.get("evidence") or "",
                    gold_doc_ids=tuple(row.get("gold_doc_ids") or ()),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QAError(
                f"{path}:{n}: not a question record ({exc}); see docs/evaluation.md"
            ) from None
    return out


class Asker(Protocol):
    """Anything that answers with history, like `QA` or the baseline recipe."""

    def ask(self, question: str, history: Sequence[str | Answer] = ()) -> Answer:
        """Answer `question`."""
        ...


def ask_question(qa: Asker, q: EvalQuestion) -> Answer:
    """Ask `q` as a conversation: earlier turns first, then the scored one."""
    history: list[Answer] = []
    for turn in q.turns:
        history.append(qa.ask(turn, history))
    return qa.ask(q.question, history)
