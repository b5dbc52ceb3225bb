"""Tests for recognising the header of a news article."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.news import NewsHeader, parse_news_header

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_6a35916087595feb.txt"
NBSP = "\u00a0"


def test_seed_article_header() -> None:
    header = parse_news_header(SEED.read_text(encoding="utf-8"))
    assert header == NewsHeader(
        title="Trump Seeks China\u2019s Help to Curb Russia \u2014 But Beijing Holds the Cards",
        published="2025-10-29",
        section="Politics",
        dateline="Washington / Beijing",
    )


def test_full_month_name_without_section() -> None:
    text = "Storm Hits Coast\n\nOctober 29, 2025\n\nMiami \u2014 Winds reached 120 mph on Tuesday."
    header = parse_news_header(text)
    assert header is not None
    assert (header.title, header.published, header.section) == (
        "Storm Hits Coast",
        "2025-10-29",
        None,
    )
    assert header.dateline == "Miami"


@pytest.mark.parametrize(
    ("date_line", "published"),
    [
        ("Sept 3, 2024 | World", "2024-09-03"),
        ("Sep. 3, 2024 | World", "2024-09-03"),
        ("September 3 2024 | World", "2024-09-03"),
        ("JAN 1, 2023 | World", "2023-01-01"),
        ("Wednesday, Dec 31, 2025 | World", "2025-12-31"),
    ],
)
def test_month_spellings(date_line: str, published: str) -> None:
    header = parse_news_header(f"Headline\n{date_line}\nParis \u2014 Text.")
    assert header is not None
    assert (header.published, header.section, header.dateline) == (published, "World", "Paris")


def test_crlf_and_nbsp() -> None:
    text = (
        f"Markets{NBSP}Rally Again\r\n\r\nNov 2, 2025 |{NBSP}Business\r\n\r\n"
        f"New{NBSP}York \u2014{NBSP}Stocks rose.\r\n"
    )
    assert parse_news_header(text) == NewsHeader(
        title="Markets Rally Again", published="2025-11-02", section="Business", dateline="New York"
    )


@pytest.mark.parametrize(
    ("paragraph", "dateline"),
    [
        ("Kyiv \u2013 Air raid sirens sounded.", "Kyiv"),
        ("Berlin - Talks resumed.", "Berlin"),
        ("WASHINGTON (Reuters) \u2014 The Senate voted.", "WASHINGTON (Reuters)"),
        ("Rio de Janeiro \u2014 Carnival began.", "Rio de Janeiro"),
        ("The president said \u2014 once again \u2014 that talks failed.", None),
        ("Officials met on Monday.", None),
        ("One Two Three Four Five Six Seven \u2014 too many words.", None),
    ],
)
def test_dateline_variants(paragraph: str, dateline: str | None) -> None:
    header = parse_news_header(f"Title\n\nMar 5, 2025 | World\n\n{paragraph}")
    assert header is not None
    assert header.dateline == dateline


def test_no_date_line_is_not_news() -> None:
    assert parse_news_header("Meeting notes\n\nWe discussed the budget \u2014 again.") is None
    assert parse_news_header("") is None
    assert parse_news_header("   \n\n") is None


def test_date_line_too_far_down_is_not_a_header() -> None:
    text = "Title\nline two\nline three\nline four\nline five\nOct 29, 2025 | Politics\n"
    assert parse_news_header(text) is None


def test_impossible_date_is_not_a_date_line() -> None:
    assert parse_news_header("Title\nFeb 30, 2025 | Politics\nBody") is None


def test_date_on_first_line_means_no_title() -> None:
    header = parse_news_header("Oct 29, 2025 | Politics\n\nLondon \u2014 Parliament sat late.")
    assert header == NewsHeader(
        title="", published="2025-10-29", section="Politics", dateline="London"
    )


def test_header_without_body() -> None:
    header = parse_news_header("Short Item\nOct 1, 2025")
    assert header == NewsHeader(
        title="Short Item", published="2025-10-01", section=None, dateline=None
    )


def test_markdown_heading_marker_is_not_part_of_title() -> None:
    header = parse_news_header("# Big News\n\nOct 1, 2025 | Tech\n\nOslo \u2014 Text.")
    assert header is not None
    assert header.title == "Big News"
