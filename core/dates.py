"""Publication dates that steer answers: date values, windows, and the relative time of questions.

A question that speaks of relative time ("this week", "yesterday", "latest", "so far this year")
is resolved against an as-of date (today by default) into a `DateWindow`; `--since/--until`
give one directly. Windows filter retrieval inside the Chroma query and the BM25 index alike
(`qa.store.records.where_filter`), on each chunk's `published_day` (the date as the number
YYYYMMDD). Pure logic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from core.errors import ConfigError
from core.text import normalize
from core.types import DateWindow

__all__ = [
    "as_date",
    "combine",
    "day_number",
    "parse_day",
    "relative_window",
    "strip_phrase",
]


_NUMBERS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "fourteen": 14,
    "thirty": 30,
}
_N = r"(\d{1,3}|" + "|".join(_NUMBERS) + r")"


def parse_day(value: str | dt.date | None, what: str = "date") -> dt.date | None:
    """`value` as a date (ISO `YYYY-MM-DD`; a date passes through; None or "" is None);
    `ConfigError` naming `what` for anything else."""
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{what} {value!r} is not a date: use YYYY-MM-DD, e.g. 2025-10-29"
        ) from None


def as_date(text: str | None) -> dt.date | None:
    """The date of a stored `published` value (ISO, time part ignored), or None when it has
    none or is no ISO date."""
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def day_number(day: str | dt.date) -> int:
    """A date (or an ISO date string, time part ignored) as the number YYYYMMDD."""
    d = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
    return d.year * 10000 + d.month * 100 + d.day


def combine(a: DateWindow | None, b: DateWindow | None) -> DateWindow | None:
    """Both windows at once (the later start, the earlier end); `b`'s phrase and flags kept."""
    if not a:
        return b
    if not b:
        return a
    since = max((d for d in (a.since, b.since) if d), default=None)
    until = min((d for d in (a.until, b.until) if d), default=None)
    return DateWindow(since, until, b.phrase, b.as_of, b.latest)


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def _last_n(m: re.Match[str], d: dt.date) -> tuple[dt.date, dt.date]:
    days = _count(m["n"]) * (7 if m["unit"].startswith("week") else 1)
    return d - dt.timedelta(days=max(days, 1) - 1), d


_Rule = Callable[[re.Match[str], dt.date], tuple[dt.date | None, dt.date]]
# First match wins; each gives (since, until) for the as-of date d.
_RULES: tuple[tuple[re.Pattern[str], _Rule], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), rule)
    for pattern, rule in (
        (rf"\b(?:past|last|previous) (?P<n>{_N}) (?P<unit>days?|weeks?)\b", _last_n),
        (r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", lambda m, d: (d, d)),
        (r"\byesterday\b", lambda m, d: (d - dt.timedelta(1), d - dt.timedelta(1))),
        (
            r"\b(?:last|previous) week\b",
            lambda m, d: (_week_start(d) - dt.timedelta(7), _week_start(d) - dt.timedelta(1)),
        ),
        (r"\bpast week\b", lambda m, d: (d - dt.timedelta(6), d)),
        (r"\b(?:this|current) week\b", lambda m, d: (_week_start(d), d)),
        (
            r"\b(?:last|previous) month\b",
            lambda m, d: (
                _month_start(_month_start(d) - dt.timedelta(1)),
                _month_start(d) - dt.timedelta(1),
            ),
        ),
        (r"\b(?:this|current) month\b", lambda m, d: (_month_start(d), d)),
        (r"\blast year\b", lambda m, d: (dt.date(d.year - 1, 1, 1), dt.date(d.year - 1, 12, 31))),
        (r"\b(?:this year|year to date)\b", lambda m, d: (dt.date(d.year, 1, 1), d)),
    )
)
_LATEST = re.compile(r"\b(?:latest|most recent|newest|recently|lately|last time)\b", re.IGNORECASE)


def relative_window(question: str, as_of: dt.date) -> DateWindow | None:
    """The window a question's words of relative time name, resolved against `as_of`; None when
    it has none.

    "today", "yesterday", "this week" (Monday to `as_of`), "last week" (Monday to Sunday before),
    "past week" and "last N days/weeks", "this month", "last month", "this year" (also "so far
    this year", "year to date"), "last year"; each ends at `as_of` at the latest. "latest",
    "most recent", "recently": the newest relevant story up to `as_of` (`latest=True`).
    """
    text = normalize(question)
    for pattern, rule in _RULES:
        if m := pattern.search(text):
            since, until = rule(m, as_of)
            return DateWindow(since, min(until, as_of), m.group(0).lower(), as_of)
    if m := _LATEST.search(text):
        return DateWindow(None, as_of, m.group(0).lower(), as_of, latest=True)
    return None


def strip_phrase(question: str, window: DateWindow | None) -> str:
    """`question` without the words of relative time its window was resolved from ("How many
    homes lost power yesterday?" -> "How many homes lost power?"): they filter the dates, and
    no document says "yesterday" of itself."""
    if window is None or not window.phrase:
        return question
    text = normalize(question)
    pattern = r"\s*\b(?:so far |in the |of the |from the |during the |over the |for the )?"
    cut = re.sub(pattern + re.escape(window.phrase) + r"\b", "", text, count=1, flags=re.I)
    cut = re.sub(r"\s+([?.!,])", r"\1", cut).strip()
    return cut if len(cut.split()) >= 2 else question
