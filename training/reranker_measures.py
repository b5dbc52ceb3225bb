"""How well a scorer ranks a question's candidate sentences (hit@1, QNLI accuracy), and the
scorers compared: the trained model, its ONNX export, the bi-encoder and word overlap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.text import content_words, normalize
from qa.answering.cross_encoder import CrossEncoder, pair_text
from training.reranker_data import Question

Scorer = Callable[[str, list[str]], list[float]]


def hit_at_1(questions: Sequence[Question], score: Scorer, with_title: bool = False) -> float:
    """Share of the questions with a right sentence whose best-scored sentence is right."""
    qs = [q for q in questions if q.has_right]
    hits = 0
    for q in qs:
        texts = [
            pair_text(c, t, with_title=with_title)
            for c, t in zip(q.candidates, q.titles or [""] * len(q.candidates), strict=True)
        ]
        s = score(q.text, texts)
        hits += q.labels[max(range(len(s)), key=s.__getitem__)]
    return round(hits / len(qs), 4) if qs else 0.0


def qnli_accuracy(pairs: Sequence[tuple[str, str, int]], score: Scorer) -> float:
    """Pairwise accuracy at logit 0 (QNLI validation)."""
    right = sum(int((score(q, [pair_text(s)])[0] > 0) == bool(lab)) for q, s, lab in pairs)
    return round(right / len(pairs), 4) if pairs else 0.0


def bi_encoder() -> Scorer:
    """MiniLM cosine, as the answerer's `sem` feature computes it."""
    from qa.store.embeddings import LocalEmbeddings

    emb = LocalEmbeddings()

    def score(q: str, texts: list[str]) -> list[float]:
        qv = emb.embed_query(q)
        return [sum(a * b for a, b in zip(qv, v, strict=True)) for v in emb.embed_documents(texts)]

    return score


def overlap(q: str, texts: list[str]) -> list[float]:
    """Shared stemmed content words."""
    qw = set(content_words(q))
    return [float(len(qw & set(content_words(t)))) for t in texts]


def torch_scorer(model: Any) -> Scorer:
    """The trained model's logits (`predict` gives sigmoid probabilities: turned back)."""
    import math

    def score(q: str, texts: list[str]) -> list[float]:
        probs = model.predict([(normalize(q), t) for t in texts], batch_size=32)
        return [math.log(max(p, 1e-7) / max(1 - p, 1e-7)) for p in map(float, probs)]

    return score


def onnx_scorer(model_dir: Path) -> Scorer:
    ce = CrossEncoder(model_dir)
    return ce.score
