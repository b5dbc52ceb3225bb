"""Reciprocal rank fusion of the dense (cosine) and lexical (BM25) rankings of chunks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from core.types import Passage

__all__ = ["fuse"]


def fuse(
    dense: Sequence[Passage],
    lexical: Sequence[tuple[str, float]],
    k: int,
    rrf_k: int,
    fetch: Callable[[list[str]], Mapping[str, Passage]],
) -> list[Passage]:
    """The `k` best chunks by reciprocal rank fusion: each ranking gives `1 / (rrf_k + rank)`.

    `dense` are passages best first, `lexical` `(chunk id, BM25 score)` best first; `fetch`
    gives the passages (with their cosine similarity) of chunks only BM25 found. Passages keep
    their cosine similarity as `score` and carry their BM25 rank, BM25 score relative to the
    best, and fused score.
    """
    by_id = {p.chunk.chunk_id: p for p in dense}
    fused: dict[str, float] = {}
    for r, cid in enumerate(by_id):
        fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + r + 1)
    for r, (cid, _) in enumerate(lexical):
        fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + r + 1)
    top = sorted(fused, key=lambda c: -fused[c])[:k]
    missing = [c for c in top if c not in by_id]
    if missing:
        by_id.update(fetch(missing))
    best_bm25 = lexical[0][1] if lexical else 0.0
    lex_rank: dict[str, tuple[int | None, float]] = {
        cid: (r, score) for r, (cid, score) in enumerate(lexical)
    }
    out = []
    for cid in top:
        rank, score = lex_rank.get(cid, (None, 0.0))
        out.append(
            replace(
                by_id[cid],
                lexical=score / best_bm25 if best_bm25 else 0.0,
                lexical_rank=rank,
                fused=fused[cid],
            )
        )
    return out
