"""The features and labels `bench/fit_ranker.py` fits on: every sentence of the passages
retrieved for each fit-half question, as the extractive answerer sees it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.settings import Settings
from ingest.loaders import load_jsonl_documents
from qa.answering.conversation import condense_query
from qa.answering.cross_encoder import CrossEncoder
from qa.answering.extractive import ExtractiveAnswerer, prefilter_order
from qa.answering.ranker import RankerModel
from qa.evaluation.metrics import contains_answer
from qa.evaluation.questions import load_questions
from qa.evaluation.scratch import scratch_qa
from qa.evaluation.splits import in_split
from qa.store.embeddings import LocalEmbeddings
from qa.store.retriever import ChunkRetriever


def collect(
    docs_path: Path, questions_path: Path, limit: int | None, *, force_unanswerable: bool = False
) -> list[dict[str, Any]]:
    """Per question of the *fit* half: its rows of features and labels (and whether it is
    answerable). Every candidate gets the cross-encoder's score (`ce`); `with_rerank_top`
    then keeps it for the first N as the answerer does."""
    docs = load_jsonl_documents(docs_path)
    emb = LocalEmbeddings()
    with scratch_qa(docs, Settings(collection="fit"), embeddings=emb, progress=True) as scratch:
        return _collect(scratch.qa.retriever, emb, questions_path, limit, force_unanswerable)


def _collect(
    retriever: ChunkRetriever,
    emb: LocalEmbeddings,
    questions_path: Path,
    limit: int | None,
    force_unanswerable: bool,
) -> list[dict[str, Any]]:
    answerer = ExtractiveAnswerer(
        emb, model=RankerModel.by_similarity(), reranker=CrossEncoder(), rerank_top=10**6
    )
    out = []
    for q in in_split(load_questions(questions_path), "fit")[:limit]:
        query = condense_query(q.question, list(q.turns))
        rows = answerer.features(query, retriever.search(query))
        answerable = q.answerable and not force_unanswerable
        gold = set(q.gold_doc_ids)
        labels = [
            int(
                answerable
                and p.chunk.doc_id in gold
                and bool(q.answers)
                and contains_answer(t, q.answers)
            )
            for p, _, _, t, _ in rows
        ]
        out.append(
            {
                "id": q.id,
                "query": query,
                "answerable": answerable,
                "answers": q.answers,
                "rows": [r for *_, r in rows],
                "texts": [t for _, _, _, t, _ in rows],
                "labels": labels,
            }
        )
    return out


def with_rerank_top(qs: Sequence[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    """`qs` as the answerer sees them with `rerank_top=top`: the cross-encoder's score kept
    for the first `top` candidates of `prefilter_order`, the lowest less one for the rest."""
    out = []
    for q in qs:
        rows = [dict(r) for r in q["rows"]]
        order = prefilter_order([r["sem"] for r in rows], [r["lex"] for r in rows])[:top]
        floor = min((rows[i]["ce"] for i in order), default=0.0) - 1.0
        kept = set(order)
        for i, r in enumerate(rows):
            if i not in kept:
                r["ce"] = floor
        out.append({**q, "rows": rows})
    return out
