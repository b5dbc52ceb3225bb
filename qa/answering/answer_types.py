"""Answer types: what kind of answer a question asks for, and whether a sentence can supply it.

Used as soft evidence by the extractive answerer: a sentence without the cue may still answer.
"""

from __future__ import annotations

import re

from core.text import STOPWORDS, normalize, stem

__all__ = ["answer_type", "asks_short", "short_answer", "supplies"]

# Answer types a question asks for, and cues that a sentence can supply one. Used as soft
# evidence only: a sentence without the cue may still answer.
_Q_NUMBER = re.compile(
    r"\bhow (many|much|old|far|big|large|tall|high|often)\b|"
    r"\bwhat (percentage|proportion|share|number|amount|rate|value|size)\b"
)
_Q_DURATION = re.compile(r"\bhow long\b|\bfor how\b")
_Q_DATE = re.compile(r"\b(what|which|exact) (date|day)\b")
_Q_TIME = re.compile(r"\bwhen\b|\b(what|which) (year|month|time|decade|century|period)\b")
_Q_PERSON = re.compile(
    r"^(?:\W*\w+\W+){0,3}?(who|whom|whose)\b|"
    r"\b(which|what) (\w+ )?(person|people|leader|president|man|woman|author|writer|"
    r"player|king|queen|ruler|official|scientist|artist|director|actor|singer)\b"
)
_Q_PLACE = re.compile(
    r"\bwhere\b|\b(which|what) (\w+ )?(city|country|state|place|region|town|capital|"
    r"continent|island|river|location)\b"
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|trillion|dozen|half|twice|once|several)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(1\d{3}|20\d{2})s?\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|"
    r"\b\d{1,2} (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow)\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    _DATE.pattern + r"|\b(week|month|year|decade|century|ago|since|until|spring|summer|"
    r"autumn|winter|season)s?\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<![\w'])[A-Z][\w'\-]*")


def answer_type(question: str) -> str | None:
    """The kind of answer `question` asks for: number, duration, date, time, person, place, None."""
    q = normalize(question).lower()
    kinds = (
        ("duration", _Q_DURATION),
        ("number", _Q_NUMBER),
        ("date", _Q_DATE),
        ("time", _Q_TIME),
        ("person", _Q_PERSON),
        ("place", _Q_PLACE),
    )
    return next((kind for kind, pattern in kinds if pattern.search(q)), None)


def supplies(kind: str | None, sentence: str, question_words: set[str]) -> bool:
    """Whether `sentence` has a cue of the answer type `kind` that `question` lacks."""
    text = normalize(sentence)
    if kind == "number":
        return bool(_NUMBER.search(text))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "time":
        return bool(_TIME.search(text))
    if kind == "duration":
        return bool(_NUMBER.search(text) or _TIME.search(text))
    if kind in ("person", "place"):
        names = (stem(w.lower()) for w in _CAPITALISED.findall(text)[1:])
        return any(w not in question_words and w not in STOPWORDS for w in names)
    return True


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_SHORT = {
    "date": re.compile(
        rf"\b{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\b\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|"
        rf"\b{_MONTH}\s+\d{{4}}|\b(?:1\d{{3}}|20\d{{2}})s?\b",
        re.IGNORECASE,
    ),
    "number": re.compile(
        r"(?:[$€£]\s?)?\b\d[\d,.]*(?:\s*(?:%|percent|per cent|million|billion|thousand|"
        r"trillion))?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"twenty|thirty|forty|fifty|hundred|dozen)(?:[\s-]+(?:hundred|thousand|million|"
        r"billion))*\b",
        re.IGNORECASE,
    ),
}
_SHORT["time"] = re.compile(
    _SHORT["date"].pattern + r"|\b(?:next|last|this)\s+(?:week|month|year|spring|summer|"
    r"autumn|fall|winter)\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|yesterday|tomorrow)\b",
    re.IGNORECASE,
)
_SHORT["duration"] = re.compile(
    _SHORT["number"].pattern + r"(?:\s+(?:days?|weeks?|months?|years?|hours?|minutes?|"
    r"decades?|centuries))?",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"(?<![\w'’])[A-Z][\w'’.\-]*(?:(?:\s+|\s+(?:of|de|la|van|von|al|bin)\s+)"
    r"[A-Z][\w'’.\-]*)*"
)
_YEAR = re.compile(r"\b(?:1\d{3}|20\d{2})\b")
# "Who is Ada Lovelace?" asks for a description, not a name.
_DEFINITION = re.compile(
    r"\W*(?i:who|what)\s+(?i:is|was|are|were)\s+[A-Z][\w'’\-]*(\s+[A-Z]\S*)*\W*$"
)
_PLACE_CUE = re.compile(
    r"\b(?:in|at|to|from|near|inside|outside|across)\s+(?:the\s+)?$", re.IGNORECASE
)


def asks_short(question: str) -> bool:
    """Whether `question` asks for a name, place, date, time or number (not a description, as
    "Who is Ada Lovelace?" does)."""
    return answer_type(question) is not None and not _DEFINITION.match(question)


def short_answer(question: str, sentence: str) -> str | None:
    """A short answer phrase of `sentence`, verbatim, for a question that asks for one.

    A date, time, number or duration is the first such span; a person or place is the first
    run of capitalised words that the question does not already name (for a place, one after
    "in", "at", "to", "from"... first). None when the question asks for no such kind or the
    sentence holds none.
    """
    kind = answer_type(question)
    if kind is None or not asks_short(question):
        return None
    if kind in ("time", "date") and re.search(r"\byear\b", question, re.IGNORECASE):
        m = _YEAR.search(sentence)
        if m:
            return m.group()
    if kind in _SHORT:
        m = _SHORT[kind].search(sentence)
        return m.group().strip(" ,.") if m else None
    q_words = {stem(w.lower()) for w in re.findall(r"[\w'’]+", normalize(question))}
    names = []
    for m in _NAME.finditer(sentence):
        words = [
            w
            for w in m.group().split()
            if stem(normalize(w).lower().strip(".")) not in q_words | STOPWORDS
        ]
        if not words or (m.start() == 0 and len(m.group().split()) == 1):
            continue  # the question's own names, or a sentence's capitalised first word
        names.append(m)
    if not names:
        return None
    if kind == "place":
        cued = [m for m in names if _PLACE_CUE.search(sentence[: m.start()])]
        names = cued or names
    return names[0].group().rstrip(".")
