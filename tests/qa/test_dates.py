"""Date values, windows and the relative time of questions (pure logic)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.dates import as_date, combine, day_number, parse_day, relative_window
from core.errors import ConfigError
from core.types import DateWindow
from qa.answering.chain import date_windows
from qa.store.records import where_filter

WED = dt.date(2025, 3, 12)


@pytest.mark.parametrize(
    ("question", "since", "until", "latest"),
    [
        ("Which storm hit today?", "2025-03-12", "2025-03-12", False),
        ("How many homes lost power yesterday?", "2025-03-11", "2025-03-11", False),
        ("What happened this week?", "2025-03-10", "2025-03-12", False),
        ("What happened last week?", "2025-03-03", "2025-03-09", False),
        ("Any storms in the past week?", "2025-03-06", "2025-03-12", False),
        ("Storms in the last three days?", "2025-03-10", "2025-03-12", False),
        ("Storms in the past 2 weeks?", "2025-02-27", "2025-03-12", False),
        ("What happened this month?", "2025-03-01", "2025-03-12", False),
        ("What happened last month?", "2025-02-01", "2025-02-28", False),
        ("How many storms so far this year?", "2025-01-01", "2025-03-12", False),
        ("Which storm hit last year?", "2024-01-01", "2024-12-31", False),
        ("Which town did the latest storm hit?", None, "2025-03-12", True),
        ("What has the council said recently?", None, "2025-03-12", True),
    ],
)
def test_relative_time_is_resolved_against_the_as_of_date(
    question: str, since: str | None, until: str, latest: bool
) -> None:
    window = relative_window(question, WED)
    assert window is not None and window.as_of == WED and window.latest == latest
    assert (str(window.since) if window.since else None, str(window.until)) == (since, until)
    assert window.phrase and window.phrase in question.lower()


def test_questions_without_relative_time_have_no_window() -> None:
    assert relative_window("Where will the summit take place?", WED) is None
    assert relative_window("What did the weekly report say?", WED) is None


def test_date_values_and_filters() -> None:
    assert parse_day("2025-03-12") == WED and parse_day(WED) is WED and parse_day(" ") is None
    with pytest.raises(ConfigError, match=r"since '12/03/2025' is not a date: use YYYY-MM-DD"):
        parse_day("12/03/2025", "since")
    assert day_number("2025-03-12T08:00:00Z") == 20250312
    assert as_date("2025-03-12T08:00") == WED and as_date("Oct 2025") is None is as_date(None)
    assert where_filter(None) is None and where_filter(DateWindow()) is None
    assert where_filter(DateWindow(since=WED)) == {"published_day": {"$gte": 20250312}}
    assert where_filter(DateWindow(WED, WED)) == {
        "$and": [{"published_day": {"$gte": 20250312}}, {"published_day": {"$lte": 20250312}}]
    }
    both = combine(
        DateWindow(dt.date(2025, 3, 1), dt.date(2025, 3, 11)),
        DateWindow(dt.date(2025, 3, 10), WED, "this week", WED),
    )
    assert (both.since, both.until, both.phrase) == (
        dt.date(2025, 3, 10),
        dt.date(2025, 3, 11),
        "this week",
    )
    assert both.describe() == 'from 2025-03-10 to 2025-03-11 ("this week", as of 2025-03-12)'
    assert DateWindow(until=WED).to_dict()["until"] == "2025-03-12"


def test_windows_of_a_question_and_its_bad_dates() -> None:
    explicit, relative = date_windows(
        "What happened yesterday?", {"since": "2025-03-01", "as_of": "2025-03-12"}
    )
    assert explicit == DateWindow(dt.date(2025, 3, 1))
    assert relative is not None and relative.since == dt.date(2025, 3, 11)
    with pytest.raises(ConfigError, match="since 2025-03-12 is after until 2025-03-01"):
        date_windows("q", {"since": "2025-03-12", "until": "2025-03-01"})
    with pytest.raises(ConfigError, match="as_of 'soon' is not a date"):
        date_windows("q", {"as_of": "soon"})
