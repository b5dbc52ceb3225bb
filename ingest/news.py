"""Recognise the header of a news article: title, date line (with section) and dateline.

The layout recognised is::

    Trump Seeks China's Help to Curb Russia — But Beijing Holds the Cards

    Oct 29, 2025 | Politics

    Washington / Beijing — As the upcoming Trump-Xi summit draws near, ...

Pure logic, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["NewsHeader", "parse_news_header"]

# How many non-empty lines (title included) may precede the date line.
_MAX_HEADER_LINES = 4

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

_DATE_LINE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
    r"\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"(?:\s*\|\s*(?P<section>[^|]*?))?\s*",
    re.IGNORECASE,
)

# A place phrase (at most 80 characters) followed by an em dash, an en dash or " - ".
_DATELINE = re.compile(
    r"(?P<place>[^\s\u2013\u2014][^\u2013\u2014]{0,79}?)\s*(?:[\u2013\u2014]|\s-\s)"
)
_PLACE_TOKEN = re.compile(r"\(?[A-Z][\w./'\u2019-]*\)?,?")
_PLACE_CONNECTORS = frozenset({"/", "&", "and", "de", "del", "la", "le", "of", "on", "upon", "am"})


@dataclass(frozen=True)
class NewsHeader:
    """Metadata read from the top of a news article; `published` is an ISO 8601 date."""

    title: str
    published: str | None
    section: str | None
    dateline: str | None


def _clean(line: str) -> str:
    """Collapse all whitespace (NBSP included) to single spaces and strip."""
    return " ".join(line.split())


def _parse_date_line(line: str) -> tuple[str, str | None] | None:
    """The ISO date and optional section of a line like `Oct 29, 2025 | Politics`."""
    match = _DATE_LINE.fullmatch(line)
    if match is None:
        return None
    month = _MONTHS[match["month"][:3].lower()]
    try:
        date = dt.date(int(match["year"]), month, int(match["day"]))
    except ValueError:
        return None
    section = _clean(match["section"] or "") or None
    return date.isoformat(), section


def _parse_dateline(paragraph: str) -> str | None:
    """The place phrase opening a body paragraph, e.g. `Washington / Beijing —` -> place."""
    match = _DATELINE.match(paragraph)
    if match is None:
        return None
    place = _clean(match["place"])
    tokens = place.split()
    words = [t for t in tokens if t.lower() not in _PLACE_CONNECTORS]
    if not 1 <= len(words) <= 6 or not _PLACE_TOKEN.fullmatch(tokens[0]):
        return None
    if not all(_PLACE_TOKEN.fullmatch(word) for word in words):
        return None
    return place.rstrip(",")


def parse_news_header(text: str) -> NewsHeader | None:
    """Read title, date, section and dateline from a news layout; None if there is no date line.

    The title is the first non-empty line (empty when that line is the date line itself). The
    date line must be among the first few non-empty lines; the dateline is read from the first
    non-empty line after it.
    """
    lines = [_clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    for i, line in enumerate(lines[:_MAX_HEADER_LINES]):
        parsed = _parse_date_line(line)
        if parsed is None:
            continue
        published, section = parsed
        title = lines[0].lstrip("#").strip() if i > 0 else ""
        dateline = _parse_dateline(lines[i + 1]) if i + 1 < len(lines) else None
        return NewsHeader(title=title, published=published, section=section, dateline=dateline)
    return None
