"""The answer-text format, defined once: `[n]` markers, `[unsupported]`, the not-found text, the
uncertain prefix, and the markers and NOT FOUND reply a language model writes.

An answer's text is its sentences, each followed by ` [n]` (the citation `n` that backs it) or,
in a written answer, ` [unsupported]`; an `uncertain` answer starts with `UNCERTAIN_PREFIX`; a
declined one is `NOT_FOUND_TEXT`. The answerers write it, the evaluation reads it back, and the
UI and the HTTP API show it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.types import Answer, Passage

__all__ = [
    "NOT_FOUND_REPLY",
    "NOT_FOUND_TEXT",
    "REPLY_MARKER",
    "UNCERTAIN_PREFIX",
    "UNSUPPORTED",
    "backed_sentences",
    "cited",
    "declined",
    "marker_numbers",
    "says_not_found",
    "sentences",
    "uncertain",
    "unsupported",
    "without_markers",
    "without_not_found",
    "words",
]

NOT_FOUND_TEXT = "The documents don't answer this question."
# An `uncertain` answer: the evidence is weak but present; the closest passage follows, cited.
UNCERTAIN_PREFIX = "The documents may not answer this; the closest passage says:"
UNSUPPORTED = "[unsupported]"
# What a language model is asked to reply when no passage is about the question.
NOT_FOUND_REPLY = "NOT FOUND"

_MARKER = re.compile(r"\s*\[(\d+|unsupported)\]")
_SENTENCE_END = re.compile(r"\[(?:\d+|unsupported)\](?=\s|$)")  # each sentence ends in one
_BACKED = re.compile(r"\[\d+\](?=\s|$)")

_NUMS = r"\d{1,3}(?:\s*(?:[,;\u2013-]|and)\s*\d{1,3})*"
# A model's citation markers: [1], [1, 2], [1-3], [Passage 2], (1); numbers only up to 3
# digits, so "(2020)" is text. Group 1 holds the numbers (see `marker_numbers`).
REPLY_MARKER = re.compile(rf"[\[(](?:(?i:passages?|sources?)\s*)?({_NUMS})[\])]")
# The NOT FOUND marker in a model's reply, in capitals, with the punctuation after it.
_NOT_FOUND = re.compile(r"\bNOT[\s_-]*FOUND\b[\s.!:;,]*")


def cited(sentence: str, n: int) -> str:
    """`sentence [n]`: a sentence backed by citation `n`."""
    return f"{sentence} [{n}]"


def unsupported(sentence: str) -> str:
    """`sentence [unsupported]`: a written sentence that no passage backs."""
    return f"{sentence} {UNSUPPORTED}"


def uncertain(text: str) -> str:
    """The text of an `uncertain` answer: the caveat, then the closest sentence(s), cited."""
    return f"{UNCERTAIN_PREFIX} {text}"


def without_markers(text: str) -> str:
    """`text` without its `[n]` and `[unsupported]` markers."""
    return _MARKER.sub("", text)


def words(text: str) -> int:
    """Words of an answer, without its markers."""
    return len(without_markers(text).split())


def sentences(text: str) -> int:
    """Sentences of an answer: each ends in a marker."""
    return len(_SENTENCE_END.findall(text))


def backed_sentences(text: str) -> int:
    """Sentences of an answer that end in a citation (not `[unsupported]`)."""
    return len(_BACKED.findall(text))


def marker_numbers(group: str) -> list[int]:
    """The passage numbers of a model's marker (group 1 of `REPLY_MARKER`): "1, 2" -> [1, 2],
    "1-3" -> [1, 2, 3] (a range of at most 21)."""
    out: list[int] = []
    for part in re.split(r"\s*(?:[,;]|and)\s*", group.strip()):
        lo, _, hi = re.sub(r"\s", "", part).replace("\u2013", "-").partition("-")
        if lo and hi and int(lo) <= int(hi) <= int(lo) + 20:
            out.extend(range(int(lo), int(hi) + 1))
        elif lo:
            out.append(int(lo))
    return out


def says_not_found(text: str) -> bool:
    """Whether `text` says NOT FOUND and nothing else (any case, any punctuation)."""
    return re.sub(r"[^a-z]+", " ", text.lower()).strip() == "not found"


def without_not_found(reply: str) -> str:
    """A model's reply with its NOT FOUND marker taken out wherever it stands."""
    return _NOT_FOUND.sub(" ", reply).strip()


def declined(question: str, query: str, passages: Sequence[Passage], score: float = 0.0) -> Answer:
    """The not-found answer: `NOT_FOUND_TEXT`, no citations."""
    return Answer(
        question=question,
        text=NOT_FOUND_TEXT,
        status="not_found",
        query=query,
        passages=tuple(passages),
        score=score,
    )
