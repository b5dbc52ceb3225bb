"""The candidate sentences of retrieved passages, the order in which the cross-encoder reads
them, and the sentences an extractive answer is made of. Pure logic."""

from __future__ import annotations

from collections.abc import Sequence

from core.text import INSTRUCTION, content_words, sentence_spans
from core.types import Passage
from qa.answering.label_lines import is_non_answer

__all__ = ["passage_sentences", "pick_sentences", "prefilter_order"]


def passage_sentences(
    passages: Sequence[Passage], asked: frozenset[str] | None = None
) -> list[tuple[int, int, int, str]]:
    """Each distinct sentence of `passages` (overlapping chunks repeat some) as
    `(passage index, start, end, text)`, with offsets in the source document.

    Sentences that address an AI assistant ("ignore previous instructions ...") are left out:
    they are not evidence of anything. With `asked` (the metadata a question asks about,
    `qa.answering.metadata_questions.asked_fields`), so are the label lines it does not ask for: a
    headline, date line, byline or section label is no answer to other questions.
    """
    seen: set[tuple[str, int, int]] = set()
    out = []
    for i, p in enumerate(passages):
        c = p.chunk
        for s, e in sentence_spans(c.text):
            key = (c.doc_id, c.start + s, c.start + e)
            if key in seen or INSTRUCTION.search(c.text[s:e]):
                continue
            seen.add(key)
            if asked is None or not is_non_answer(c.text[s:e], c, asked):
                out.append((i, c.start + s, c.start + e, c.text[s:e]))
    return out


def prefilter_order(sems: Sequence[float], lexes: Sequence[float]) -> list[int]:
    """Candidate indices by reciprocal-rank fusion of their similarity and word-overlap ranks
    (k = 60, as in the retrieval's fusion): the order in which the cross-encoder reads them."""
    fused = [0.0] * len(sems)
    for values in (sems, lexes):
        for r, i in enumerate(sorted(range(len(values)), key=lambda i: -values[i])):
            fused[i] += 1.0 / (60 + r)
    return sorted(range(len(sems)), key=lambda i: -fused[i])


def pick_sentences(
    query: str,
    texts: Sequence[str],
    probs: Sequence[float],
    *,
    max_sentences: int,
    max_words: int,
    extra_ratio: float,
) -> list[int]:
    """Indices of the sentences of an answer, best first: the most probable one, then each
    next most probable one that holds question words the answer lacks, while its probability
    is at least `extra_ratio` times the best one's and the answer stays within `max_words`."""
    order = sorted(range(len(texts)), key=lambda i: -probs[i])
    if not order:
        return []
    best = order[0]
    picked = [best]
    q_words = set(content_words(query))
    covered = set(content_words(texts[best]))
    words = len(texts[best].split())
    for i in order[1 : 4 * max_sentences]:
        if len(picked) == max_sentences or probs[i] < extra_ratio * probs[best]:
            break
        new = (q_words & set(content_words(texts[i]))) - covered
        n_words = len(texts[i].split())
        if new and words + n_words <= max_words:
            picked.append(i)
            covered |= set(content_words(texts[i]))
            words += n_words
    return picked
