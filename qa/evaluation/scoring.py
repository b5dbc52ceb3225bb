"""Score answers to labelled questions: retrieval, answer, citation and abstention figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from core.types import Answer
from qa.answering import answer_text
from qa.answering.answer_types import answer_type
from qa.evaluation.metrics import (
    abstention,
    contains_answer,
    exact_match,
    first_hit_rank,
    percentile,
    token_f1,
)
from qa.evaluation.questions import EvalQuestion

__all__ = ["Scored", "score_answer", "summarize"]


@dataclass(frozen=True)
class Scored:
    """The figures of one answered question."""

    id: str
    question: str
    answerable: bool
    status: str
    answer: str
    expected: tuple[str, ...]
    cited: str  # the first citation's quote
    cited_source: str
    hit_rank: int | None  # 1-based rank of the first relevant passage
    recall_at_k: float
    first_citation_relevant: bool
    contains: bool
    em: float
    f1: float
    words: int
    citations_valid: bool
    citation_precision: float | None
    citation_recall: float | None
    score: float
    latency_ms: float
    short: str | None
    short_f1: float  # token F1 of `Answer.short` against the gold answers
    asks_short: bool  # the question asks for a name, place, date or number
    sentences: int  # sentences of the answer, and how many cite a passage that backs them
    supported_sentences: int

    @property
    def right(self) -> bool:
        """Answerable and answered from the right place; or unanswerable and declined."""
        if not self.answerable:
            return self.status == "not_found"
        return (
            self.status != "not_found"
            and self.first_citation_relevant
            and (self.contains or not self.expected)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**asdict(self), "right": self.right}


def _relevance(q: EvalQuestion, sources: Mapping[str, str]) -> Callable[[str, int, int], bool]:
    """A test of whether a span of a document holds the question's gold evidence."""
    spans: dict[str, list[tuple[int, int]]] = {}
    if q.evidence:
        for doc_id, text in sources.items():
            if q.gold_doc_ids and doc_id not in q.gold_doc_ids:
                continue
            at = text.find(q.evidence)
            while at >= 0:
                spans.setdefault(doc_id, []).append((at, at + len(q.evidence)))
                at = text.find(q.evidence, at + 1)

    def relevant(doc_id: str, start: int, end: int) -> bool:
        if spans:
            return any(a < end and start < b for a, b in spans.get(doc_id, ()))
        return doc_id in q.gold_doc_ids

    return relevant


def score_answer(
    q: EvalQuestion, answer: Answer, sources: Mapping[str, str], latency_ms: float
) -> Scored:
    """Score `answer` to `q`; `sources` maps doc ids to the text offsets refer to."""
    relevant = _relevance(q, sources)
    hits = [relevant(p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in answer.passages]
    retrieved_docs = {p.chunk.doc_id for p in answer.passages}
    cited_docs = {c.doc_id for c in answer.citations}
    cite_hits = [relevant(c.doc_id, c.start, c.end) for c in answer.citations]
    if q.gold_doc_ids:
        gold = set(q.gold_doc_ids)
        recall_k = len(gold & retrieved_docs) / len(gold)
        cite_recall = len(gold & cited_docs) / len(gold) if answer.citations else None
    else:
        recall_k = float(any(hits))
        cite_recall = float(any(cite_hits)) if answer.citations else None
    text = answer_text.without_markers(answer.text) if answer.status != "not_found" else ""
    first = answer.citations[0] if answer.citations else None
    return Scored(
        id=q.id,
        question=q.question,
        answerable=q.answerable,
        status=answer.status,
        answer=answer.text,
        expected=q.answers,
        cited=first.quote if first else "",
        cited_source=first.source if first else "",
        hit_rank=first_hit_rank(hits),
        recall_at_k=recall_k,
        first_citation_relevant=bool(cite_hits and cite_hits[0]),
        contains=bool(text) and contains_answer(text, q.answers),
        em=exact_match(text, q.answers) if q.answers else 0.0,
        f1=token_f1(text, q.answers) if q.answers else 0.0,
        words=len(text.split()),
        citations_valid=all(
            sources.get(c.doc_id, "")[c.start : c.end] == c.quote for c in answer.citations
        ),
        citation_precision=sum(cite_hits) / len(cite_hits) if cite_hits else None,
        citation_recall=cite_recall,
        score=answer.score,
        latency_ms=latency_ms,
        short=answer.short,
        asks_short=answer_type(q.question) is not None,
        short_f1=token_f1(answer.short, q.answers) if q.answers and answer.short else 0.0,
        sentences=answer_text.sentences(answer.text) if text else 0,
        supported_sentences=answer_text.backed_sentences(answer.text) if text else 0,
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summarize(results: Sequence[Scored]) -> dict[str, float]:
    """Aggregate figures; answer and retrieval figures are over answerable questions."""
    ans = [r for r in results if r.answerable]
    unans = [r for r in results if not r.answerable]
    answered = [r for r in ans if r.status != "not_found"]
    ab = abstention([r.status == "not_found" for r in results], [r.answerable for r in results])
    precisions = [r.citation_precision for r in results if r.citation_precision is not None]
    recalls = [r.citation_recall for r in ans if r.citation_recall is not None]
    latencies = [r.latency_ms for r in results]
    return {
        "questions": len(results),
        "answerable": len(ans),
        "hit@1": _mean([r.hit_rank == 1 for r in ans]),
        "hit@k": _mean([r.hit_rank is not None for r in ans]),
        "mrr": _mean([1 / r.hit_rank if r.hit_rank else 0.0 for r in ans]),
        "recall@k": _mean([r.recall_at_k for r in ans]),
        "evidence_cited_first": _mean([r.first_citation_relevant for r in ans]),
        "contains_answer": _mean([r.contains for r in ans]),
        "exact_match": _mean([r.em for r in ans]),
        "token_f1": _mean([r.f1 for r in ans]),
        "answer_words_median": percentile([r.words for r in answered], 50),
        "citation_validity": _mean([r.citations_valid for r in results]),
        "citation_precision": _mean(precisions),
        "citation_recall": _mean(recalls),
        "abstain_precision": ab.precision,
        "abstain_recall": ab.recall,
        "abstain_f1": ab.f1,
        "wrongly_declined": ab.wrongly_declined,
        "uncertain_answerable": _mean([r.status == "uncertain" for r in ans]),
        "uncertain_unanswerable": _mean([r.status == "uncertain" for r in unans]),
        "declined_or_uncertain": _mean([r.status in ("not_found", "uncertain") for r in unans]),
        "short_f1": _mean([r.short_f1 for r in ans if r.asks_short]),
        "supported_share": (
            sum(r.supported_sentences for r in answered) / (sum(r.sentences for r in answered) or 1)
        ),
        "right": _mean([r.right for r in results]),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }
