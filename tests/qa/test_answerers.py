"""Unit tests of the extractive answerer's composition, with a stand-in embedding."""

from __future__ import annotations

import dataclasses

import pytest
from langchain_core.embeddings import Embeddings

from qa.answerers import NOT_FOUND_TEXT, ExtractiveAnswerer
from qa.text import content_words
from qa.types import Chunk, Passage

VOCAB = ["summit", "singapore", "meet", "weather", "rain", "leader"]


class BagOfWords(Embeddings):
    """A deterministic stand-in: unit vectors of vocabulary counts."""

    def _vec(self, text: str) -> list[float]:
        words = content_words(text)
        v = [float(sum(w.startswith(t[:5]) for w in words)) for t in VOCAB]
        norm = sum(x * x for x in v) ** 0.5 or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


TEXT = "It may rain today. The summit will meet in Singapore. Leaders like rain."


def _passage(offset: int = 100) -> Passage:
    chunk = Chunk(
        chunk_id="c1", doc_id="d1", source="s.txt", title="T", published=None, section=None,
        index=0, start=offset, end=offset + len(TEXT), text=TEXT,
    )
    return Passage(chunk, 0.5)


def test_best_sentence_is_cited_with_document_offsets() -> None:
    answerer = ExtractiveAnswerer(BagOfWords(), min_score=0.1)
    a = answerer.answer("Where will the summit meet?", "Where will the summit meet?", [_passage()])
    assert a.status == "answered"
    c = a.citations[0]
    assert c.quote == "The summit will meet in Singapore."
    assert (c.start, c.end) == (100 + TEXT.index(c.quote), 100 + TEXT.index(c.quote) + 34)
    assert a.text.startswith("The summit will meet in Singapore. [1]")


def test_weak_evidence_abstains() -> None:
    answerer = ExtractiveAnswerer(BagOfWords(), min_score=0.99)
    a = answerer.answer("Who won the cup?", "Who won the cup?", [_passage()])
    assert (a.status, a.text, a.citations) == ("not_found", NOT_FOUND_TEXT, ())
    assert a.passages  # what was looked at is still reported


def test_no_passages_abstains() -> None:
    a = ExtractiveAnswerer(BagOfWords(), min_score=0.0).answer("Q?", "Q?", [])
    assert a.status == "not_found"


def test_overlapping_passages_do_not_repeat_a_sentence() -> None:
    answerer = ExtractiveAnswerer(BagOfWords(), min_score=0.0)
    ranked = answerer.score_sentences("summit", [_passage(), _passage()])
    assert len(ranked) == 3


def test_answer_type_comes_from_the_current_question_of_a_follow_up() -> None:
    # The condensed query puts the current question first; its "where" must decide the type,
    # not the earlier "why" question that follows it.
    place = Chunk(chunk_id="p", doc_id="d", source="s", title="T", published=None, section=None,
                  index=0, start=0, end=20, text="They will meet soon.")  # fmt: skip
    answerer = ExtractiveAnswerer(BagOfWords(), min_score=0.0, type_penalty=0.5)
    led = answerer.score_sentences("Where will they meet? Why meet?", [Passage(place, 0.5)])
    trailed = answerer.score_sentences("Why meet? Where will they meet?", [Passage(place, 0.5)])
    # No place in the sentence: penalised only when "where" is the current question.
    assert led[0].score == pytest.approx(trailed[0].score - 0.5)


def test_quote_in_passage_splits_by_offsets() -> None:
    a = ExtractiveAnswerer(BagOfWords(), min_score=0.1).answer(
        "Where will the summit meet?", "Where will the summit meet?", [_passage()]
    )
    before, quote, after = a.quote_in_passage(a.citations[0])
    assert (before, quote) == ("It may rain today. ", "The summit will meet in Singapore.")
    assert before + quote + after == TEXT
    orphan = dataclasses.replace(a, passages=())  # placed by its text instead
    assert orphan.quote_in_passage(a.citations[0]) == (before, quote, after)
