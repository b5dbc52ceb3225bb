"""The typed chat turns kept in `st.session_state.messages`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from qa import Answer

__all__ = ["Message"]


@dataclass(frozen=True)
class Message:
    """One chat turn: a question, an answer, or an error shown in place of an answer."""

    role: str  # "user" or "assistant"
    text: str
    answer: Answer | None = None
    error: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
