"""Marker parsing and the claim check, on hand-made cases (a stand-in embedding for the unit
tests; the real model in the slow one)."""

from __future__ import annotations

import logging

import pytest

from core.types import Chunk, Passage
from qa.llm.grounding import Claim, check_claims, split_claims
from tests.qa.test_answerers import BagOfWords


def _passage(text: str, doc: str = "d1", start: int = 0) -> Passage:
    chunk = Chunk(
        chunk_id=f"c-{doc}",
        doc_id=doc,
        source=f"{doc}.txt",
        title=doc.upper(),
        index=0,
        start=start,
        end=start + len(text),
        text=text,
    )
    return Passage(chunk, 0.5)


def test_markers_are_parsed_per_sentence() -> None:
    claims = split_claims("The summit is in Singapore [1]. It starts Monday [2, 1]. Unsure.", 2)
    assert claims == [
        Claim("The summit is in Singapore.", (1,)),
        Claim("It starts Monday.", (2, 1)),
        Claim("Unsure.", ()),
    ]


def test_a_marker_after_the_period_belongs_to_the_sentence_before() -> None:
    claims = split_claims("The summit is in Singapore. [1] It rains. [2]", 2)
    assert claims == [Claim("The summit is in Singapore.", (1,)), Claim("It rains.", (2,))]


def test_markers_past_the_last_passage_are_dropped_and_logged(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="qa.llm.grounding"):
        claims = split_claims("It rains [1][7]. Snow [0].", 2)
    assert claims == [Claim("It rains.", (1,)), Claim("Snow.", ())]
    assert "marker(s) [7]" in caplog.text and "marker(s) [0]" in caplog.text


def test_claims_find_their_verbatim_support_in_the_cited_passage() -> None:
    text = "It may rain today. The summit will meet in Singapore. Leaders like rain."
    passages = [_passage("Weather is bad.", "d0"), _passage(text, "d1", start=100)]
    claims = [Claim("The summit meets in Singapore.", (2,)), Claim("Weather is bad.", (2,))]
    best, wrong_cite = check_claims(claims, passages, BagOfWords(), min_support=0.5)
    assert best.supported and best.quote == "The summit will meet in Singapore."
    assert (best.start, best.end) == (
        100 + text.index(best.quote),
        100 + text.index(best.quote) + len(best.quote),
    )
    assert not wrong_cite.supported  # it cites passage 2, which does not say so
    (uncited,) = check_claims([Claim("Weather is bad.")], passages, BagOfWords(), min_support=0.5)
    assert uncited.supported and uncited.passage is passages[0]  # searched in all passages


@pytest.mark.slow
def test_support_with_the_real_model(embeddings) -> None:
    text = (
        "The Trump–Xi summit, expected to take place next week in Singapore, will mark the "
        "first face-to-face meeting between the two leaders since 2020."
    )
    passages = [_passage(text)]
    claims = [
        Claim("The summit will be held in Singapore.", (1,)),
        Claim("It will be in Paris and broadcast on the moon.", (1,)),
    ]
    good, bad = check_claims(claims, passages, embeddings, min_support=0.5)
    assert good.supported and good.score > bad.score + 0.2
    assert not bad.supported
