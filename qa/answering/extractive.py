"""Answerers turn retrieved passages into a cited answer. The default needs no LLM.

The candidate sentences, their order for the cross-encoder and the picking of an answer's
sentences are in `qa.answering.candidates` (their names re-exported here)."""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from langchain_core.embeddings import Embeddings

from core.text import content_words, normalize
from core.types import Answer, Citation, Passage, Status
from qa.answering.answer_text import cited, declined, uncertain
from qa.answering.answer_types import answer_type, short_answer, supplies
from qa.answering.candidates import passage_sentences, pick_sentences, prefilter_order
from qa.answering.chain_state import QueryVector
from qa.answering.cross_encoder import CrossEncoder, pair_text
from qa.answering.metadata import metadata_answer
from qa.answering.metadata_questions import asked_fields
from qa.answering.ranker import RankerModel

__all__ = [
    "DEFAULT_RERANK_TOP",
    "ExtractiveAnswerer",
    "ScoredSentence",
    "passage_sentences",
    "pick_sentences",
    "prefilter_order",
]

_MAX_GAP = 8  # characters of whitespace between two neighbouring sentences


def _current(query: str) -> str:
    """The current question: it leads the query (a follow-up's earlier questions come after
    it; see qa.answering.conversation.condense_query)."""
    return re.split(r"(?<=\?)\s+", query.strip())[0]


# Candidate sentences the cross-encoder reads when the model file does not say.
DEFAULT_RERANK_TOP = 16


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate sentence: its span in the source document, its features and how likely it
    is to state the answer (`score`, the ranker's probability)."""

    passage: Passage
    start: int  # offsets in the source document
    end: int
    text: str
    semantic: float
    lexical: float
    score: float
    features: Mapping[str, float] = field(default_factory=dict, compare=False)


_CAPS = re.compile(r"(?<![\w'])[A-Z][\w'\-]*")
_FIGURE = re.compile(r"\d[\d,.]*\d|\d")


class ExtractiveAnswerer:
    """Answers with the one to three source sentences that best answer the question.

    Each sentence of the retrieved passages gets the features of `qa.answering.ranker.FEATURES`
    and a learned ranker's probability that it states the answer; a learned answerability model
    turns the best sentence's features into the answer's confidence (`Answer.score`). At or
    above `answer_at` it answers; from `decline_below` up to `answer_at` it answers
    `uncertain`: the closest sentences, cited, under a caveat; below `decline_below` it
    declines. The models and both thresholds were fitted on the SQuAD 2.0 and HotpotQA samples
    (`bench/fit_ranker.py`); `answer_at` and `decline_below` can be overridden.

    A second sentence (and a third) joins the best one when it holds question words the
    answer does not have yet, its probability is at least `extra_ratio` times the best one's,
    and the answer stays within `max_words` words.
    """

    def __init__(
        self,
        embeddings: Embeddings,
        *,
        model: RankerModel | None = None,
        reranker: CrossEncoder | None = None,
        rerank_top: int | None = None,
        answer_at: float | None = None,
        decline_below: float | None = None,
        max_sentences: int = 3,
        max_words: int = 40,
        extra_ratio: float | None = None,
        cache_size: int = 4096,
        about_documents: bool = True,
    ) -> None:
        self.embeddings = embeddings
        self.model = model or RankerModel.load()
        # The cross-encoder scores the `rerank_top` candidates first by similarity and word
        # overlap (feature `ce`); only a model that uses `ce` needs one.
        if reranker is None and self.model.uses("ce"):
            reranker = CrossEncoder()
        self.reranker = reranker
        self.rerank_top = (
            int(self.model.about.get("rerank_top", DEFAULT_RERANK_TOP))
            if rerank_top is None
            else rerank_top
        )
        self.answer_at = self.model.answer_at if answer_at is None else answer_at
        self.decline_below = (
            min(self.model.decline_below, self.answer_at)
            if decline_below is None
            else decline_below
        )
        self.max_sentences = max_sentences
        self.max_words = max_words
        self.extra_ratio = (
            float(self.model.about.get("extra_ratio", 0.5)) if extra_ratio is None else extra_ratio
        )
        self.cache_size = cache_size
        # Questions about the article itself answered from its metadata, and label lines
        # (headline, date line, byline) no answer to other questions (`qa.answering.metadata`).
        self.about_documents = about_documents
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

    def query_vector(self, query: str, given: QueryVector | None = None) -> Sequence[float]:
        """The embedding of `query`: `given`'s values when they are that of this text by this
        answerer's model (retrieval's, handed on by the chain), else made here."""
        values = given.values_for(query, self.embeddings) if given is not None else None
        return self.embeddings.embed_query(query) if values is None else values

    def features(
        self,
        query: str,
        passages: Sequence[Passage],
        vector: QueryVector | None = None,
    ) -> list[tuple[Passage, int, int, str, dict[str, float]]]:
        """Every distinct sentence of `passages` with its features (`ranker.FEATURES`);
        `vector`: retrieval's embedding of `query`, when the caller has it (`query_vector`)."""
        asked = asked_fields(_current(query)) if self.about_documents else None
        cands = [(passages[i], s, e, t) for i, s, e, t in passage_sentences(passages, asked)]
        return self.candidate_features(query, cands, passages, vector)

    def candidate_features(
        self,
        query: str,
        cands: Sequence[tuple[Passage, int, int, str]],
        passages: Sequence[Passage],
        vector: QueryVector | None = None,
    ) -> list[tuple[Passage, int, int, str, dict[str, float]]]:
        """`features` of given candidates `(passage, start, end, text)` (each passage one of
        `passages`, in retrieval order): also for sentence-selection sets whose candidates come
        ready-made."""
        if not cands:
            return []
        first = _current(query)
        rank = {id(p): r for r, p in enumerate(passages)}
        q_vec = self.query_vector(query, vector)
        s_vecs = self.sentence_vectors([t for *_, t in cands])
        sems = [sum(a * b for a, b in zip(q_vec, v, strict=True)) for v in s_vecs]
        sets = [set(content_words(t)) for *_, t in cands]
        df = Counter(w for ws in sets for w in ws)
        n = len(cands)
        q_words = set(content_words(query))
        idf = {w: math.log(1 + (n + 1) / (df.get(w, 0) + 0.5)) for w in q_words}
        q_mass = sum(idf.values()) or 1.0
        kind = answer_type(first)
        q_caps = {w.lower() for w in _CAPS.findall(normalize(first))[1:]}
        q_figures = set(_FIGURE.findall(first))
        # Context: the similarity of the sentences just before and after in the same document.
        order = sorted(range(n), key=lambda i: (cands[i][0].chunk.doc_id, cands[i][1]))
        near = [0.0] * n
        for a, b in itertools.pairwise(order):
            same_doc = cands[a][0].chunk.doc_id == cands[b][0].chunk.doc_id
            if same_doc and cands[b][1] - cands[a][2] <= _MAX_GAP:
                near[a] = max(near[a], sems[b])
                near[b] = max(near[b], sems[a])
        lexes = [sum(idf[w] for w in q_words & sets[i]) / q_mass for i in range(n)]
        ce = self.cross_scores(query, cands, sems, lexes)
        out = []
        for i, (p, s, e, t) in enumerate(cands):
            text = normalize(t)
            caps = {w.lower() for w in _CAPS.findall(text)}
            row = {
                "sem": sems[i],
                "ctx": max(0.0, near[i] - sems[i]),
                "lex": lexes[i],
                "pdense": p.score,
                "plex": p.lexical,
                "prank": 1.0 / (1 + rank[id(p)]),
                "asks": float(kind is not None),
                "supplies": float(kind is not None and supplies(kind, t, q_words)),
                "ent": len(q_caps & caps) / len(q_caps) if q_caps else 0.0,
                "num": len(q_figures & set(_FIGURE.findall(text))) / len(q_figures)
                if q_figures
                else 0.0,
                "words": math.log1p(len(t.split())),
            }
            if ce is not None:
                row["ce"] = ce[i]
            out.append((p, s, e, t, row))
        return out

    def cross_scores(
        self,
        query: str,
        cands: Sequence[tuple[Passage, int, int, str]],
        sems: Sequence[float],
        lexes: Sequence[float],
    ) -> list[float] | None:
        """The cross-encoder's score of each candidate (None without a reranker): the first
        `rerank_top` by `prefilter_order` are scored, the rest get the lowest score less one."""
        if self.reranker is None:
            return None
        top = prefilter_order(sems, lexes)[: self.rerank_top]
        texts = [
            pair_text(cands[i][3], cands[i][0].chunk.title, with_title=self.reranker.with_title)
            for i in top
        ]
        scored = self.reranker.score(query, texts)
        floor = min(scored, default=0.0) - 1.0
        out = [floor] * len(cands)
        for i, v in zip(top, scored, strict=True):
            out[i] = v
        return out

    def score_sentences(
        self,
        query: str,
        passages: Sequence[Passage],
        vector: QueryVector | None = None,
    ) -> list[ScoredSentence]:
        """Every distinct sentence of `passages`, most likely to state the answer first
        (`vector`: retrieval's embedding of `query`, when the caller has it)."""
        rows = self.features(query, passages, vector)
        probs = self.model.rank([r for *_, r in rows])
        scored = [
            ScoredSentence(p, s, e, t, r["sem"], r["lex"], prob, r)
            for (p, s, e, t, r), prob in zip(rows, probs, strict=True)
        ]
        scored.sort(key=lambda x: x.score, reverse=True)
        return scored

    def confidence(self, ranked: Sequence[ScoredSentence]) -> float:
        """P(the documents answer the question), from the best sentence's features."""
        return self.model.answerable.prob(ranked[0].features) if ranked else 0.0

    def pick(self, query: str, ranked: Sequence[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence, and up to two more that add question words (see the class)."""
        chosen = pick_sentences(
            query,
            [s.text for s in ranked],
            [s.score for s in ranked],
            max_sentences=self.max_sentences,
            max_words=self.max_words,
            extra_ratio=self.extra_ratio,
        )
        return [ranked[i] for i in chosen]

    def answer(self, question: str, query: str, passages: Sequence[Passage]) -> Answer:
        """The best sentences with `[n]` markers: answered, uncertain, or not found. A question
        about the article itself (its date, section or author) is answered from the document's
        metadata, citing the line that states it (`qa.answering.metadata`)."""
        return self.answer_with_vector(question, query, passages, None)

    def answer_with_vector(
        self,
        question: str,
        query: str,
        passages: Sequence[Passage],
        vector: QueryVector | None,
    ) -> Answer:
        """`answer`, with `vector` retrieval's embedding of `query` (None: embed it here), so
        the chain embeds the query once."""
        about = self.about_document(question, query, passages)
        if about is not None:
            return about
        ranked = self.score_sentences(query, passages, vector)
        return self.from_ranked(question, query, passages, ranked)

    def about_document(
        self, question: str, query: str, passages: Sequence[Passage]
    ) -> Answer | None:
        """The answer from the document's metadata to a question about the article itself
        (`qa.answering.metadata.metadata_answer`), or None: for any other question, or with
        `about_documents` off."""
        return metadata_answer(question, query, passages) if self.about_documents else None

    def status_of(self, confidence: float) -> Status:
        """`answered`, `uncertain` or `not_found` for an answer of this confidence."""
        if confidence >= self.answer_at:
            return "answered"
        return "uncertain" if confidence >= self.decline_below else "not_found"

    def from_ranked(
        self,
        question: str,
        query: str,
        passages: Sequence[Passage],
        ranked: list[ScoredSentence],
        *,
        status: Status | None = None,
    ) -> Answer:
        """`answer`, given the sentences `score_sentences` ranked (so callers score once);
        `status` (`uncertain` or `not_found`) overrides the one the confidence gives."""
        confidence = round(self.confidence(ranked), 4)
        status = status or self.status_of(confidence) if ranked else "not_found"
        if status == "not_found":
            return declined(question, query, passages, confidence)
        citations = []
        parts = []
        picked = self.pick(query, ranked) if status == "answered" else [ranked[0]]
        for n, s in enumerate(picked, start=1):
            citations.append(Citation.of(n, s.passage, s.text, s.start, s.end))
            parts.append(cited(s.text, n))
        text = " ".join(parts)
        if status == "uncertain":
            text = uncertain(text)
        return Answer(
            question=question,
            text=text,
            status=status,
            citations=tuple(citations),
            query=query,
            passages=tuple(passages),
            score=confidence,
            short=short_answer(question, picked[0].text),
        )
