"""Unit tests of the extractive answerer's composition, with a stand-in embedding."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from langchain_core.embeddings import Embeddings

from core.text import content_words
from core.types import Answer, Chunk, Citation, Passage
from qa.answering.answer_text import NOT_FOUND_TEXT, UNCERTAIN_PREFIX
from qa.answering.extractive import ExtractiveAnswerer, pick_sentences
from qa.answering.ranker import FEATURES, Logistic, RankerModel

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


def _chunk(chunk_id: str, start: int, text: str, doc_id: str = "d", source: str = "s") -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=doc_id,
        source=source,
        title="T",
        index=0,
        start=start,
        end=start + len(text),
        text=text,
    )


def _passage(offset: int = 100) -> Passage:
    return Passage(_chunk("c1", offset, TEXT, doc_id="d1", source="s.txt"), 0.5)


def _model(answer_at: float = 0.5, decline_below: float = 0.3) -> RankerModel:
    """Both models: the logistic of 10 x (sem - 0.5), so P = 0.5 at a cosine of 0.5."""
    sem = Logistic(("sem",), (0.5,), (0.1,), (1.0,), 0.0)
    return RankerModel(sem, sem, answer_at=answer_at, decline_below=decline_below)


def _answerer(**kw: float) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(BagOfWords(), model=_model(**kw))


def test_best_sentence_is_cited_with_document_offsets() -> None:
    answerer = _answerer(answer_at=0.1)
    a = answerer.answer("Where will the summit meet?", "Where will the summit meet?", [_passage()])
    assert a.status == "answered"
    c = a.citations[0]
    assert c.quote == "The summit will meet in Singapore."
    assert (c.start, c.end) == (100 + TEXT.index(c.quote), 100 + TEXT.index(c.quote) + 34)
    assert a.text.startswith("The summit will meet in Singapore. [1]")
    assert 0.5 < a.score <= 1.0  # the answerability model's probability


def test_weak_evidence_abstains() -> None:
    answerer = _answerer(answer_at=0.99, decline_below=0.99)
    a = answerer.answer("Who won the cup?", "Who won the cup?", [_passage()])
    assert (a.status, a.text, a.citations) == ("not_found", NOT_FOUND_TEXT, ())
    assert a.passages  # what was looked at is still reported


def test_middle_evidence_is_uncertain_with_the_closest_sentence_cited() -> None:
    answerer = _answerer(answer_at=0.999, decline_below=0.01)
    a = answerer.answer("Where will the summit meet?", "Where will the summit meet?", [_passage()])
    assert a.status == "uncertain" and a.answered
    assert a.text == f"{UNCERTAIN_PREFIX} The summit will meet in Singapore. [1]"
    assert [c.quote for c in a.citations] == ["The summit will meet in Singapore."]
    assert answerer.status_of(0.5) == "uncertain"
    assert (answerer.status_of(0.999), answerer.status_of(0.0)) == ("answered", "not_found")


def test_no_passages_abstains() -> None:
    a = _answerer(answer_at=0.0, decline_below=0.0).answer("Q?", "Q?", [])
    assert a.status == "not_found"


def test_overlapping_passages_do_not_repeat_a_sentence() -> None:
    ranked = _answerer().score_sentences("summit", [_passage(), _passage()])
    assert len(ranked) == 3


def test_features_take_the_answer_type_from_the_current_question_of_a_follow_up() -> None:
    # The condensed query puts the current question first; its "where" must decide the type,
    # not the earlier "why" question that follows it.
    place = _chunk("p", 0, "They will meet soon.")
    answerer = _answerer()
    ((*_, led),) = answerer.features("Where will they meet? Why meet?", [Passage(place, 0.5)])
    ((*_, trailed),) = answerer.features("Why meet? Where will they meet?", [Passage(place, 0.5)])
    assert (led["asks"], led["supplies"]) == (1.0, 0.0)  # asks for a place; none in it
    assert trailed["asks"] == 0.0


def test_features_of_a_sentence() -> None:
    chunk = _chunk("p", 0, "In 2020 Xi met Trump. The summit met in rain.")
    (*_, first), (*_, second) = _answerer().features(
        "When did Xi meet Trump in 2020?", [Passage(chunk, 0.7, lexical=0.25)]
    )
    assert set(first) == set(FEATURES) - {"ce"}  # no cross-encoder given, none used
    assert (first["ent"], first["num"], first["pdense"], first["plex"]) == (1.0, 1.0, 0.7, 0.25)
    assert first["supplies"] == 1.0 and second["ent"] == 0.0
    assert first["lex"] > second["lex"]


class _LengthReranker:
    """Stands in for the cross-encoder: scores a sentence by its length, records its calls."""

    with_title = False

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def score(self, query: str, texts: list[str]) -> list[float]:
        self.calls.append((query, list(texts)))
        return [float(len(t)) for t in texts]


def test_the_cross_encoder_reads_the_first_candidates_and_scores_the_rest_below() -> None:
    text = " ".join(f"Sentence {i} is about the summit {'x' * i}." for i in range(6))
    chunk = _chunk("p", 0, text)
    reranker = _LengthReranker()
    answerer = ExtractiveAnswerer(
        BagOfWords(),
        model=_model(),
        reranker=reranker,  # type: ignore[arg-type]
        rerank_top=2,
    )
    rows = answerer.features("Why meet? What about the summit?", [Passage(chunk, 0.5)])
    ((query, read),) = reranker.calls
    assert query == "Why meet? What about the summit?"  # the whole (rewritten) query
    assert len(read) == 2
    scores = sorted((r["ce"] for *_, r in rows), reverse=True)
    assert len(rows) > 2 and scores[2:] == [min(scores[:2]) - 1.0] * (len(rows) - 2)


def test_a_second_sentence_joins_when_it_adds_question_words() -> None:
    texts = ["The summit is in Singapore.", "Leaders meet next week.", "Singapore is hot."]
    both = pick_sentences(
        "Where and when will leaders meet at the summit?",
        texts,
        [0.9, 0.6, 0.5],
        max_sentences=3,
        max_words=40,
        extra_ratio=0.5,
    )
    assert both == [0, 1]  # the third adds no question word
    assert pick_sentences(
        "Where and when will leaders meet at the summit?",
        texts,
        [0.9, 0.6, 0.5],
        max_sentences=3,
        max_words=40,
        extra_ratio=0.8,
    ) == [0]
    assert pick_sentences(
        "Where and when will leaders meet at the summit?",
        texts,
        [0.9, 0.6, 0.5],
        max_sentences=3,
        max_words=8,
        extra_ratio=0.5,
    ) == [0]
    assert pick_sentences("q", [], [], max_sentences=3, max_words=40, extra_ratio=0.5) == []


def test_quote_in_passage_splits_by_offsets() -> None:
    a = _answerer(answer_at=0.1).answer(
        "Where will the summit meet?", "Where will the summit meet?", [_passage()]
    )
    before, quote, after = a.quote_in_passage(a.citations[0])
    assert (before, quote) == ("It may rain today. ", "The summit will meet in Singapore.")
    assert before + quote + after == TEXT
    orphan = dataclasses.replace(a, passages=())  # placed by its text instead
    assert orphan.quote_in_passage(a.citations[0]) == (before, quote, after)


def test_a_quote_that_the_passage_repeats_is_placed_by_its_offsets() -> None:
    """The passage says "Rain fell." twice; the citation is of the second: the offsets, not a
    search of the text, say which one is highlighted."""
    text = "Rain fell. Rain fell. Sun shone."
    chunk = _chunk("c", 100, text)
    citation = Citation.of(1, Passage(chunk, 0.5), "Rain fell.", 111, 121)
    answer = Answer("q", "Rain fell. [1]", "answered", (citation,), passages=(Passage(chunk, 0.5),))
    assert answer.quote_in_passage(citation) == ("Rain fell. ", "Rain fell.", " Sun shone.")
    orphan = dataclasses.replace(answer, passages=())  # not among the passages: by its text
    assert orphan.quote_in_passage(citation) == ("", "Rain fell.", " Rain fell. Sun shone.")


def test_ranker_model_round_trips_and_refuses_unknown_features(tmp_path) -> None:
    model = _model()
    path = tmp_path / "r.json"
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    assert RankerModel.load(path) == model
    assert model.sentence.prob({"sem": 0.5}) == pytest.approx(0.5)
    assert model.sentence.prob({"sem": 0.6}) == pytest.approx(1 / (1 + math.exp(-1.0)))
    bad = model.to_dict()
    bad["sentence"]["features"] = ["shoe_size"]
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="shoe_size"):
        RankerModel.load(path)


def test_the_packaged_model_is_complete() -> None:
    model = RankerModel.load()
    assert 0.0 <= model.decline_below <= model.answer_at <= 1.0
    assert model.sentence.features and model.answerable.features
    assert model.about["script"] == "bench/fit_ranker.py"
