"""Label lines: a headline, date line, dateline, byline or section label of a document, which
is never the answer to a question that does not ask for it. Pure logic.

- `label_kinds(text, chunk)` / `label_kind(text, chunk)`: whether a sentence of `chunk` is a
  label line, and of which kinds (`LABELS`; "byline" states the field "author").
- `is_non_answer(text, chunk, asked)`: a label line whose kinds the question does not ask for.
- `written_dates(text)`, `byline_names(text)`: the dates and the byline's names a line writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator

from core.text import normalize
from core.types import Chunk

__all__ = [
    "LABELS",
    "byline_names",
    "is_non_answer",
    "label_kind",
    "label_kinds",
    "written_dates",
]

LABELS = ("headline", "published", "section", "byline", "dateline", "site")
# The field a label line states ("byline" states the author).
_FIELD_OF = {"byline": "author"}

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)"
_ORD = r"(?:st|nd|rd|th)?"
# A written date: groups m/d/y of each form (the numeric one is read both ways).
_DATE = re.compile(
    rf"\b(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}}){_ORD},?\s+(?P<y1>\d{{4}})\b|"
    rf"\b(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m2>{_MONTH}),?\s+(?P<y2>\d{{4}})\b|"
    r"\b(?P<y3>\d{4})-(?P<m3>\d{1,2})-(?P<d3>\d{1,2})\b|"
    r"\b(?P<a4>\d{1,2})[/.](?P<b4>\d{1,2})[/.](?P<y4>\d{4})\b",
    re.IGNORECASE,
)
_DATE_PART = re.compile(
    r"(?:(?:first\s+|last\s+)?(?:published|updated|posted|modified|dated)(?:\s+on)?:?\s+)?"
    rf"{_WEEKDAY}?(?:{_DATE.pattern})"
    r"(?:,?\s+(?:at\s+)?\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?|"
    r"T[\d:.]+(?:z|[+-][\d:]+)?)?",
    re.IGNORECASE,
)
_READ_TIME = re.compile(r"\d+\s*(?:-\s*)?min(?:ute)?s?\.?\s+read", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:[|•·]|\s[-\u2013\u2014]\s)\s*")
_TRAILING_DASH = re.compile(r"\s*(?:[\u2013\u2014]|\s-|--)\s*$")

_PARTICLE = r"(?:de|da|di|del|der|den|van|von|al|bin|ibn|la|le|st\.?)"
_NAME_WORD = r"[A-Z][\w'’.\-]*"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}){{0,3}}"
_ROLE_WORDS = (
    r"(?:staff|senior|chief|political|foreign|business|science|sports?|special|contributing|"
    r"associate|managing|deputy|news|wire|writer|reporter|correspondent|editor|contributor|"
    r"columnist|journalist|analyst|photographer|and|of|for|the|in|at)"
)
_ITEM = rf"(?:{_NAME}(?:\s+in\s+{_NAME})?|{_ROLE_WORDS}(?:\s+{_ROLE_WORDS}){{0,4}})"
_NAMES = rf"{_ITEM}(?:\s*(?:,|&|\band\b)\s*{_ITEM}){{0,6}}"
_BY = (
    r"(?i:(?:(?:additional\s+)?(?:reporting|writing|editing|written|words|story|text|photos?|"
    r"graphics|compiled|research)\s+)?by)"
)
_BYLINE = re.compile(rf"{_BY}:?\s+(?P<names>{_NAMES})\.?")
# "By Friday, ..." is not a byline.
_NOT_NAME = frozenset(
    re.findall(
        r"\w+",
        "monday tuesday wednesday thursday friday saturday sunday january february march april "
        "may june july august september october november december now then noon midnight "
        "tonight today tomorrow yesterday dawn dusk christmas contrast comparison law design "
        "definition",
    )
)
_PLACE_TOKEN = re.compile(r"\(?[A-Z][\w./'’-]*\)?,?")
_PLACE_CONNECTORS = frozenset({"/", "&", "and", "de", "del", "la", "le", "of", "on", "upon"})
_AGENCY = re.compile(r"\s*\([A-Z][\w&.' ]{0,30}\)$")
_DATELINE_DATE = re.compile(rf",?\s+{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?$", re.IGNORECASE)
_SHORT_LABEL = re.compile(r"[A-Z][\w&'’.\-]*(?:\s+(?:&\s+)?[A-Z][\w&'’.\-]*){0,2}")


def _key(text: str) -> str:
    """`text` for comparing labels: normalised, case-folded, without quotes, # and end marks."""
    return normalize(text).casefold().strip(" \"'#*_.:;,")


def _is_headline(line: str, chunk: Chunk) -> bool:
    title = _key(chunk.title)
    if not title:
        return False
    key = _key(line)
    if key == title:
        return True
    site = _key(chunk.site or "")
    return (
        bool(site)
        and re.sub(rf"\s*(?:[|•·:]|[-\u2013\u2014])\s*{re.escape(site)}$", "", key) == title
    )


def _byline(part: str, chunk: Chunk) -> bool:
    """Whether `part` is a byline: "By Jane Doe and John Roe, Reuters", "Reporting by ...;
    Editing by ...", or the chunk's author alone."""
    if chunk.author and _key(re.sub(r"(?i)^by\s+", "", part)) == _key(chunk.author):
        return True
    clauses = [c.strip() for c in part.split(";") if c.strip()]
    for clause in clauses:
        m = _BYLINE.fullmatch(clause)
        if m is None or m["names"].split()[0].lower().strip(",.") in _NOT_NAME:
            return False
    return bool(clauses)


def _dateline(line: str) -> bool:
    """Whether `line` is a place phrase and a dash with nothing after: `Washington / Beijing —`."""
    dash = _TRAILING_DASH.search(line)
    if dash is None:
        return False
    head = _AGENCY.sub("", line[: dash.start()])
    head = _DATELINE_DATE.sub("", head).strip().rstrip(",")
    tokens = head.split()
    words = [t for t in tokens if t.lower() not in _PLACE_CONNECTORS]
    return (
        1 <= len(words) <= 6
        and _PLACE_TOKEN.fullmatch(tokens[0]) is not None
        and all(_PLACE_TOKEN.fullmatch(w) for w in words)
    )


def _part_kind(part: str, chunk: Chunk) -> str | None:
    """The kind of one separated part of a line ("" for a reading time), or None."""
    key = _key(part)
    if _DATE_PART.fullmatch(part.strip(" .,")):
        return "published"
    if chunk.section and key == _key(chunk.section):
        return "section"
    if _byline(part, chunk):
        return "byline"
    if chunk.site and key == _key(chunk.site):
        return "site"
    if _READ_TIME.fullmatch(part.strip(" .")):
        return ""
    return None


def label_kinds(text: str, chunk: Chunk) -> frozenset[str]:
    """The label kinds (`LABELS`) of a sentence or line of `chunk` (its text as it appears);
    empty when it is an ordinary sentence.

    "headline": the chunk's title; a line made only of a date, the section name, the site, a
    byline and separators (`|`, `•`, spaced dashes) has the kinds of its parts ("Oct 29, 2025
    | Politics" is published and section; a short capitalised part beside a date counts as
    the section); "dateline": a place phrase and a dash with nothing after. A sentence that
    merely opens with a dateline ("Washington — As the summit ...") is not a label line.
    """
    line = normalize(text)
    if not line:
        return frozenset()
    if _is_headline(line, chunk):
        return frozenset({"headline"})
    if _dateline(line):
        return frozenset({"dateline"})
    parts = [p for p in _SEPARATORS.split(line) if p.strip(" .")]
    kinds = [_part_kind(p, chunk) for p in parts]
    if "published" in kinds and len(parts) > 1:  # a date line's other short part: the section
        kinds = [
            "section" if k is None and _SHORT_LABEL.fullmatch(p.strip(" .")) else k
            for p, k in zip(parts, kinds, strict=True)
        ]
    if not parts or None in kinds:
        return frozenset()
    return frozenset(k for k in kinds if k) or frozenset({"site"})


def label_kind(text: str, chunk: Chunk) -> str | None:
    """The main label kind of a line of `chunk` (see `label_kinds`; of several, the first of
    `LABELS`), or None for an ordinary sentence."""
    kinds = label_kinds(text, chunk)
    return next((k for k in LABELS if k in kinds), None)


def is_non_answer(text: str, chunk: Chunk, asked: frozenset[str]) -> bool:
    """Whether a sentence of `chunk` is a label line that `asked` (`asked_fields` of the
    question) does not ask for, and so cannot answer the question."""
    kinds = label_kinds(text, chunk)
    return bool(kinds) and not {_FIELD_OF.get(k, k) for k in kinds} & asked


def written_dates(text: str) -> Iterator[tuple[re.Match[str], set[dt.date]]]:
    """Each written date of `text` with the days it may be (a numeric one, read both ways)."""
    for m in _DATE.finditer(text):
        g = m.groupdict()
        if g["m1"] or g["m2"]:
            month = _MONTHS[(g["m1"] or g["m2"])[:3].lower()]
            ymd = [(int(g["y1"] or g["y2"]), month, int(g["d1"] or g["d2"]))]
        elif g["y3"]:
            ymd = [(int(g["y3"]), int(g["m3"]), int(g["d3"]))]
        else:
            a, b, y = int(g["a4"]), int(g["b4"]), int(g["y4"])
            ymd = [(y, a, b), (y, b, a)]
        days = set()
        for y, mo, d in ymd:
            with contextlib.suppress(ValueError):
                days.add(dt.date(y, mo, d))
        if days:
            yield m, days


def byline_names(text: str) -> str | None:
    """The names of the byline in `text` ("Jane Doe and John Roe"), or None."""
    m = _BYLINE.search(normalize(text))
    return m["names"].strip(" ,.") if m else None
