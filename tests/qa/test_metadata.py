"""Unit tests of label lines and questions about the article itself (no model, no store)."""

from __future__ import annotations

import dataclasses

import pytest

from core.types import Chunk, Passage
from qa.answering.answer_text import NOT_FOUND_TEXT
from qa.answering.metadata import (
    asked_fields,
    is_non_answer,
    label_kind,
    label_kinds,
    metadata_answer,
)

TITLE = "Harbour Plan Wins Council Approval After Long Fight"
DOC = (
    f"{TITLE}\n\n"
    "March 5, 2024 | Local News\n\n"
    "By Jane Doe and John Roe, Coast Herald\n\n"
    "Port Ellis — The town council approved the harbour plan on Monday after two years of "
    "debate. Work on the new breakwater starts in May.\n\n"
    "The plan costs $4 million, most of it from a state grant. Fishermen welcomed the vote."
)
SPLIT = DOC.index("Port Ellis")


def _chunk(start: int, end: int, **meta: str | None) -> Chunk:
    fields: dict[str, str | None] = {
        "published": "2024-03-05",
        "section": "Local News",
        "author": "Jane Doe",
    }
    fields.update(meta)
    return Chunk(
        chunk_id=f"harbour-{start}",
        doc_id="harbour",
        source="harbour.txt",
        title=TITLE,
        published=fields["published"],
        section=fields["section"],
        index=0 if start == 0 else 1,
        start=start,
        end=end,
        text=DOC[start:end],
        site="Coast Herald",
        author=fields["author"],
    )


def _passages(**meta: str | None) -> list[Passage]:
    """The body chunk first (the best passage), then the header chunk."""
    return [
        Passage(_chunk(SPLIT, len(DOC), **meta), 0.8),
        Passage(_chunk(0, SPLIT + 40, **meta), 0.5),
    ]


CHUNK = _chunk(0, len(DOC))


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("When was the article published?", "published"),
        ("When was it published?", "published"),
        ("When was this published?", "published"),
        ("What date did the story come out?", "published"),
        ("On what date was the piece published?", "published"),
        ("What is the publication date?", "published"),
        ("What date is this article from?", "published"),
        ("When did this report come out?", "published"),
        ("Which section was the article published in?", "section"),
        ("What section is this story in?", "section"),
        ("Under which category was it published?", "section"),
        ("Which news category is it filed under?", "section"),
        ("What category does the article fall under?", "section"),
        ("Who wrote the article?", "author"),
        ("Who wrote this?", "author"),
        ("Who is the author?", "author"),
        ("Who is the reporter of this story?", "author"),
        ("Which journalist wrote the piece?", "author"),
        ("What is the byline?", "author"),
        ("What is the headline?", "headline"),
        ("What's the title of the article?", "headline"),
        ("What is the dateline?", "dateline"),
        ("Where was the story filed from?", "dateline"),
    ],
)
def test_asked_fields(question: str, field: str) -> None:
    assert asked_fields(question) == {field}


@pytest.mark.parametrize(
    "question",
    [
        "When will the summit be held?",
        "Who wrote the letter to the president?",
        "What did the report say about trade?",
        "Which section of the treaty covers trade?",
        "Which section of the article mentions the breakwater?",
        "When was the treaty published?",
        "When was the report published?",  # often a report the article is about
        "What is the publication date of the IMF report?",
        "Who wrote the report?",
        "Who wrote it?",  # as often a follow-up about a letter or a law
        "Who wrote the piece of legislation?",
        "Who is the author of the letter?",
        "Who was the journalist killed in the attack?",
        "Where was the lawsuit filed?",
        "What was the headline inflation figure?",
        "Which company made headlines?",
        "What is the title of his book?",
        "What category of weapons was used?",
        "When did the work start?",
        "What date did the council vote?",
    ],
)
def test_ordinary_questions_ask_no_field(question: str) -> None:
    assert asked_fields(question) == frozenset()


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (TITLE, "headline"),
        (f"“{TITLE}”", "headline"),
        (f"{TITLE} | Coast Herald", "headline"),
        ("March 5, 2024 | Local News", "published"),
        ("Published: Tuesday, 5 March 2024 at 10:30 a.m. ET", "published"),
        ("2024-03-05", "published"),
        ("Local News", "section"),
        ("By Jane Doe", "byline"),
        ("By Jane Doe and John Roe, Coast Herald", "byline"),
        ("BY SAM POE, STAFF WRITER", "byline"),
        ("Reporting by Sam Poe in Port Ellis; Editing by Ann Lee", "byline"),
        ("Port Ellis —", "dateline"),
        ("PORT ELLIS, March 5 (Reuters) -", "dateline"),
        ("Port Ellis — The town council approved the harbour plan on Monday.", None),
        ("By Friday, the council had voted.", None),
        ("By the end of 2024 the breakwater will be built.", None),
        ("March 5, 2024 was a cold day in Port Ellis.", None),
        ("The council voted 7-2 — a clear majority — to approve it.", None),
    ],
)
def test_label_kind(line: str, kind: str | None) -> None:
    assert label_kind(line, CHUNK) == kind


def test_a_date_line_states_date_and_section() -> None:
    assert label_kinds("March 5, 2024 | Local News", CHUNK) == {"published", "section"}
    # without section metadata, a short capitalised part beside a date is still the section
    bare = dataclasses.replace(CHUNK, section=None)
    assert label_kinds("Oct 29, 2025 | Politics", bare) == {"published", "section"}


def test_is_non_answer_unless_asked() -> None:
    byline = "By Jane Doe and John Roe, Coast Herald"
    assert is_non_answer(byline, CHUNK, frozenset())
    assert not is_non_answer(byline, CHUNK, frozenset({"author"}))
    assert is_non_answer(TITLE, CHUNK, frozenset({"published"}))
    assert not is_non_answer(TITLE, CHUNK, frozenset({"headline"}))
    assert not is_non_answer("Port Ellis — The council voted.", CHUNK, frozenset())


@pytest.mark.parametrize(
    ("question", "quote", "short"),
    [
        ("When was the article published?", "March 5, 2024 | Local News", "March 5, 2024"),
        ("Which section was the story published in?", "March 5, 2024 | Local News", "Local News"),
        ("Who wrote the article?", "By Jane Doe and John Roe, Coast Herald", "Jane Doe"),
    ],
)
def test_metadata_answer_cites_the_stating_line(question: str, quote: str, short: str) -> None:
    answer = metadata_answer(question, question, _passages())
    assert answer is not None and answer.status == "answered"
    assert f"{quote} [1]" in answer.text
    assert answer.short == short
    (citation,) = answer.citations
    assert citation.quote == quote
    assert DOC[citation.start : citation.end] == quote
    assert citation.doc_id == "harbour"


def test_metadata_answer_in_other_date_forms() -> None:
    text = DOC.replace("March 5, 2024", "05 March 2024")
    chunk = dataclasses.replace(CHUNK, text=text, end=len(text))
    answer = metadata_answer("What is the publication date?", "q", [Passage(chunk, 0.7)])
    assert answer is not None and answer.short == "05 March 2024"


def test_an_unset_author_is_not_found() -> None:
    no_byline = DOC.replace("By Jane Doe and John Roe, Coast Herald", "Staff report")
    chunk = dataclasses.replace(CHUNK, text=no_byline, end=len(no_byline), author=None)
    answer = metadata_answer("Who wrote the article?", "q", [Passage(chunk, 0.7)])
    assert answer is not None
    assert answer.status == "not_found" and answer.text == NOT_FOUND_TEXT
    assert answer.citations == ()


def test_a_byline_answers_even_without_author_metadata() -> None:
    answer = metadata_answer("Who wrote the article?", "q", _passages(author=None))
    assert answer is not None and answer.status == "answered"
    assert answer.short == "Jane Doe and John Roe, Coast Herald"


def test_no_stating_line_gives_none() -> None:
    body_only = [_passages()[0]]  # the header chunk was not retrieved
    assert metadata_answer("When was the article published?", "q", body_only) is None
    assert metadata_answer("Which section is this story in?", "q", body_only) is None


def test_the_headline_is_the_answer_to_a_question_about_it() -> None:
    answer = metadata_answer("What is the headline?", "q", _passages())
    assert answer is not None and answer.status == "answered"
    assert answer.citations[0].quote.strip() == TITLE and answer.short == TITLE
    assert metadata_answer("What is the headline?", "q", [_passages()[0]]) is None


def test_other_questions_give_none() -> None:
    assert metadata_answer("When does work start?", "q", _passages()) is None
    assert metadata_answer("When was the article published?", "q", []) is None
