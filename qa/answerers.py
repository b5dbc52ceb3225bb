"""Answerers turn retrieved passages into a cited answer. The default needs no LLM."""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from langchain_core.embeddings import Embeddings

from qa.answer_types import answer_type, short_answer, supplies
from qa.text import INSTRUCTION, content_words, sentence_spans
from qa.types import Answer, Citation, Passage

__all__ = [
    "NOT_FOUND_TEXT",
    "Answerer",
    "ExtractiveAnswerer",
    "ScoredSentence",
    "passage_sentences",
]

NOT_FOUND_TEXT = "The documents don't answer this question."
_MAX_GAP = 8  # characters of whitespace between two neighbouring sentences


def passage_sentences(passages: Sequence[Passage]) -> list[tuple[int, int, int, str]]:
    """Each distinct sentence of `passages` (overlapping chunks repeat some) as
    `(passage index, start, end, text)`, with offsets in the source document.

    Sentences that address an AI assistant ("ignore previous instructions ...") are left out:
    they are not evidence of anything.
    """
    seen: set[tuple[str, int, int]] = set()
    out = []
    for i, p in enumerate(passages):
        c = p.chunk
        for s, e in sentence_spans(c.text):
            key = (c.doc_id, c.start + s, c.start + e)
            if key not in seen and not INSTRUCTION.search(c.text[s:e]):
                seen.add(key)
                out.append((i, c.start + s, c.start + e, c.text[s:e]))
    return out


@runtime_checkable
class Answerer(Protocol):
    """Writes the answer to `question` from `passages`; `query` is what retrieval searched for."""

    def answer(self, question: str, query: str, passages: Sequence[Passage]) -> Answer:
        """An `Answer` whose every `[n]` marker refers to one of its citations."""
        ...


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate sentence: its span in the source document and how well it answers."""

    passage: Passage
    start: int  # offsets in the source document
    end: int
    text: str
    semantic: float
    lexical: float
    score: float


class ExtractiveAnswerer:
    """Answers with the one to three source sentences that best answer the question.

    Each sentence of the retrieved passages is scored by a blend of its embedding similarity to
    the query (raised towards a more similar neighbour's by `context_weight`) and the share of
    the query's IDF-weighted content words it contains, plus `passage_weight` times its
    passage's retrieval score, minus `type_penalty` when the question asks for a number, date,
    name or place and the sentence has none. Below `min_score` it abstains. The default
    weights were chosen on samples of the SQuAD 2.0 and HotpotQA dev sets.
    """

    def __init__(
        self,
        embeddings: Embeddings,
        *,
        min_score: float,
        max_sentences: int = 3,
        semantic_weight: float = 0.6,
        max_words: int = 60,
        context_weight: float = 0.3,
        passage_weight: float = 0.4,
        type_penalty: float = 0.1,
        cache_size: int = 4096,
    ) -> None:
        self.embeddings = embeddings
        self.min_score = min_score
        self.max_sentences = max_sentences
        self.semantic_weight = semantic_weight
        self.max_words = max_words
        self.context_weight = context_weight
        self.passage_weight = passage_weight
        self.type_penalty = type_penalty
        self.cache_size = cache_size
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def sentence_vectors(self, texts: list[str]) -> list[list[float]]:
        """Sentence vectors, cached (LRU): the same chunks come back for related questions."""
        unique = list(dict.fromkeys(texts))
        with self._lock:
            vecs = {t: self._cache[t] for t in unique if t in self._cache}
        missing = [t for t in unique if t not in vecs]
        if missing:
            vecs.update(zip(missing, self.embeddings.embed_documents(missing), strict=True))
        with self._lock:
            for t in unique:
                self._cache[t] = vecs[t]
                self._cache.move_to_end(t)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return [vecs[t] for t in texts]

    def score_sentences(self, query: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        """Every distinct sentence of `passages`, best first."""
        cands = [(passages[i], s, e, t) for i, s, e, t in passage_sentences(passages)]
        if not cands:
            return []
        q_vec = self.embeddings.embed_query(query)
        s_vecs = self.sentence_vectors([t for *_, t in cands])
        sems = [max(0.0, sum(a * b for a, b in zip(q_vec, v, strict=True))) for v in s_vecs]
        sets = [set(content_words(t)) for *_, t in cands]
        df = Counter(w for ws in sets for w in ws)
        n = len(cands)
        q_words = set(content_words(query))
        idf = {w: math.log(1 + (n + 1) / (df.get(w, 0) + 0.5)) for w in q_words}
        q_mass = sum(idf.values()) or 1.0
        # The answer type comes from the current question, which leads the query (a follow-up's
        # earlier questions come after it; see qa.conversation.condense_query).
        kind = answer_type(re.split(r"(?<=\?)\s+", query.strip())[0])
        # Context: the similarity of the sentences just before and after in the same document.
        order = sorted(range(n), key=lambda i: (cands[i][0].chunk.doc_id, cands[i][1]))
        ctx = [0.0] * n
        for a, b in itertools.pairwise(order):
            same_doc = cands[a][0].chunk.doc_id == cands[b][0].chunk.doc_id
            if same_doc and cands[b][1] - cands[a][2] <= _MAX_GAP:
                ctx[a] = max(ctx[a], sems[b])
                ctx[b] = max(ctx[b], sems[a])
        w_sem = self.semantic_weight
        scored = []
        for i, (p, s, e, t) in enumerate(cands):
            lex = sum(idf[w] for w in q_words & sets[i]) / q_mass
            sem = sems[i] + self.context_weight * max(0.0, ctx[i] - sems[i])
            score = w_sem * sem + (1 - w_sem) * lex + self.passage_weight * p.score
            if kind and not supplies(kind, t, q_words):
                score -= self.type_penalty
            scored.append(ScoredSentence(p, s, e, t, sems[i], lex, score))
        scored.sort(key=lambda x: x.score, reverse=True)
        return scored

    def _pick(self, query: str, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
        best = ranked[0]
        picked = [best]
        covered = set(content_words(best.text))
        q_words = set(content_words(query))
        words = len(best.text.split())
        for cand in ranked[1 : 2 * self.max_sentences]:
            if len(picked) == self.max_sentences or cand.score < best.score - 0.05:
                break
            new = (q_words & set(content_words(cand.text))) - covered
            n_words = len(cand.text.split())
            if new and words + n_words <= self.max_words:
                picked.append(cand)
                covered |= set(content_words(cand.text))
                words += n_words
        return picked

    def answer(self, question: str, query: str, passages: Sequence[Passage]) -> Answer:
        """The best sentences with `[n]` markers, or a not-found answer when evidence is weak."""
        return self.from_ranked(question, query, passages, self.score_sentences(query, passages))

    def from_ranked(
        self,
        question: str,
        query: str,
        passages: Sequence[Passage],
        ranked: list[ScoredSentence],
    ) -> Answer:
        """`answer`, given the sentences `score_sentences` ranked (so callers score once)."""
        best = round(ranked[0].score, 4) if ranked else 0.0
        if not ranked or ranked[0].score < self.min_score:
            return Answer(question=question, text=NOT_FOUND_TEXT, status="not_found",
                          query=query, passages=tuple(passages), score=best)  # fmt: skip
        citations = []
        parts = []
        picked = self._pick(query, ranked)
        for n, s in enumerate(picked, start=1):
            c = s.passage.chunk
            citation = Citation(
                n=n, doc_id=c.doc_id, source=c.source, title=c.title, published=c.published,
                chunk_id=c.chunk_id, text=c.text, quote=s.text, start=s.start, end=s.end,
                score=round(s.passage.score, 4),
            )  # fmt: skip
            citations.append(citation)
            parts.append(f"{s.text} [{n}]")
        return Answer(
            question=question, text=" ".join(parts), status="answered",
            citations=tuple(citations), query=query, passages=tuple(passages), score=best,
            short=short_answer(question, picked[0].text),
        )  # fmt: skip
