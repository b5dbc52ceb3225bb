"""Scoring of single answers against labelled questions, on hand-made cases."""

from core.types import Answer, Chunk, Citation, Passage
from qa.evaluation.questions import EvalQuestion
from qa.evaluation.scoring import score_answer, summarize

SRC = "Intro line. The summit is in Singapore. It starts next week."


def _chunk(doc_id: str, start: int, end: int) -> Chunk:
    return Chunk(
        chunk_id=f"{doc_id}-{start}",
        doc_id=doc_id,
        source="s",
        title="t",
        index=0,
        start=start,
        end=end,
        text=SRC[start:end],
    )


def _citation(doc_id: str, quote: str, start: int, end: int) -> Citation:
    return Citation(
        n=1,
        doc_id=doc_id,
        source="s",
        title="t",
        chunk_id="c",
        text=SRC,
        quote=quote,
        start=start,
        end=end,
        score=0.8,
    )


def _answer(start: int, end: int, doc_id: str = "d1", status: str = "answered") -> Answer:
    quote = SRC[start:end]
    passages = (Passage(_chunk("d2", 0, 11), 0.9), Passage(_chunk(doc_id, 0, len(SRC)), 0.8))
    if status == "not_found":
        return Answer("q", "none", "not_found", (), "q", passages, score=0.1)
    c = _citation(doc_id, quote, start, end)
    return Answer("q", f"{quote} [1]", "answered", (c,), "q", passages, score=0.7)


def test_evidence_question_answered_right() -> None:
    q = EvalQuestion("1", "Where?", answers=("Singapore",), evidence="in Singapore")
    at = SRC.index("The summit")
    r = score_answer(q, _answer(at, at + 28), {"d1": SRC, "d2": SRC}, 12.0)
    assert r.first_citation_relevant and r.contains and r.right
    assert r.hit_rank == 2 and r.citations_valid and r.words == 5
    assert r.f1 > 0 and r.em == 0.0


def test_wrong_sentence_and_wrong_offsets_are_caught() -> None:
    q = EvalQuestion("1", "Where?", answers=("Singapore",), evidence="in Singapore")
    at = SRC.index("It starts")
    r = score_answer(q, _answer(at, at + 21), {"d1": SRC}, 1.0)
    assert not r.first_citation_relevant and not r.right
    bad = _answer(at, at + 21)
    shifted = Answer(
        "q",
        bad.text,
        "answered",
        (_citation("d1", bad.citations[0].quote, at + 1, at + 22),),
        "q",
        bad.passages,
    )
    assert not score_answer(q, shifted, {"d1": SRC}, 1.0).citations_valid


def test_gold_docs_decide_relevance_without_evidence() -> None:
    q = EvalQuestion("1", "Where?", answers=("Singapore",), gold_doc_ids=("d1", "d3"))
    at = SRC.index("The summit")
    r = score_answer(q, _answer(at, at + 28), {"d1": SRC}, 1.0)
    assert r.right and r.recall_at_k == 0.5 and r.citation_recall == 0.5


def test_unanswerable_is_right_only_when_declined() -> None:
    q = EvalQuestion("2", "Who won the cup?", answerable=False)
    declined = score_answer(q, _answer(0, 11, status="not_found"), {"d1": SRC}, 1.0)
    answered = score_answer(q, _answer(0, 11), {"d1": SRC}, 1.0)
    assert declined.right and not answered.right
    s = summarize([declined, answered])
    assert s["abstain_recall"] == 0.5 and s["abstain_precision"] == 1.0 and s["right"] == 0.5
