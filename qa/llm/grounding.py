"""Grounding of written answers: parse `[n]` markers, check each claim against the passages.

A generated answer is split into sentences (claims). Each claim is compared with every sentence
of the passages it cites (or, citing none, of all passages): the best match becomes its quote,
with offsets in the source document, and a support score that blends word overlap and
embedding similarity. Claims below `min_support` are unsupported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from core.text import content_words, normalize, sentence_spans
from core.types import Passage
from qa.answering.answer_text import REPLY_MARKER, marker_numbers
from qa.answering.extractive import passage_sentences

__all__ = ["Claim", "Support", "check_claims", "consistent", "split_claims"]

log = logging.getLogger(__name__)
_HELD = re.compile("\ue000([^\ue001]*)\ue001")  # a marker, held in place while splitting
_LEADING = re.compile("^(?:\\s*\ue000[^\ue001]*\ue001)+")
_LIST_ITEM = re.compile(r"(?m)^[ \t]*(?:[-*\u2022]|\d{1,2}[.)])[ \t]+")


@dataclass(frozen=True)
class Claim:
    """One sentence of a written answer, its markers removed; `cited` are passage numbers."""

    text: str
    cited: tuple[int, ...] = ()


@dataclass(frozen=True)
class Support:
    """The best evidence for a claim: a verbatim sentence of a passage, and how well it fits."""

    claim: Claim
    passage: Passage | None
    start: int  # offsets in the source document
    end: int
    quote: str
    score: float
    supported: bool


def _clean(sentence: str) -> str:
    """A sentence without its markers, with the spaces and commas they leave tidied away."""
    text = " ".join(_HELD.sub(" ", sentence).split())
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return re.sub(r"[,;:]+(?=[.!?]|$)", "", text).strip()


def split_claims(text: str, n_passages: int) -> list[Claim]:
    """The sentences of `text` with the passage numbers their markers cite.

    Markers may be `[1]`, `[1, 2]`, `[1-3]`, `[Passage 2]` or `(1)`, before or after the full
    stop; one that opens a sentence ("... big. [1] It ...") belongs to the sentence before it.
    List bullets and numbers are dropped. Numbers outside 1..`n_passages` are dropped and
    logged, never shown.
    """
    held = REPLY_MARKER.sub(lambda m: f" \ue000{m.group(1)}\ue001 ", _LIST_ITEM.sub("", text))
    claims: list[tuple[str, list[int]]] = []
    for s, e in sentence_spans(held):
        sentence = held[s:e]
        lead = _LEADING.match(sentence)
        if lead and claims:
            claims[-1][1].extend(n for g in _HELD.findall(lead.group()) for n in marker_numbers(g))
            sentence = sentence[lead.end() :]
        cited = [n for g in _HELD.findall(sentence) for n in marker_numbers(g)]
        sentence = _clean(sentence)
        if any(ch.isalnum() for ch in sentence):
            claims.append((sentence, cited))
        elif claims:
            claims[-1][1].extend(cited)
    result = []
    for sentence, cited in claims:
        bad = [n for n in cited if not 1 <= n <= n_passages]
        if bad:
            log.warning("dropped citation marker(s) %s: only %d passages", bad, n_passages)
        valid = tuple(dict.fromkeys(n for n in cited if 1 <= n <= n_passages))
        result.append(Claim(sentence, valid))
    return result


def _lexical(claim_words: set[str], sentence: str) -> float:
    if not claim_words:
        return 0.0
    return len(claim_words & set(content_words(sentence))) / len(claim_words)


def check_claims(
    claims: Sequence[Claim],
    passages: Sequence[Passage],
    embeddings: Embeddings,
    *,
    min_support: float,
    semantic_weight: float = 0.5,
    sentence_vectors: Callable[[list[str]], list[list[float]]] | None = None,
) -> list[Support]:
    """The best supporting sentence of each claim, with its support score.

    support = `semantic_weight` × cosine(claim, sentence) + (1 − `semantic_weight`) × the share
    of the claim's content words found in the sentence. A claim is supported when its support
    reaches `min_support` and it is `consistent` with its quote. Sentences that address the
    model (`INSTRUCTION`) never support anything. `sentence_vectors` embeds the passages'
    sentences (default `embeddings.embed_documents`; the LLM answerer passes the extractive
    answerer's cache, which already holds them).
    """
    cands = passage_sentences(passages)
    if not claims:
        return []
    claim_vecs = embeddings.embed_documents([c.text for c in claims])
    cand_vecs = (sentence_vectors or embeddings.embed_documents)([t for *_, t in cands])
    out = []
    for claim, cv in zip(claims, claim_vecs, strict=True):
        allowed = {n - 1 for n in claim.cited} or set(range(len(passages)))
        words = set(content_words(claim.text))
        best: tuple[float, int] | None = None
        for j, (pi, *_rest, text) in enumerate(cands):
            if pi not in allowed:
                continue
            sem = max(0.0, sum(a * b for a, b in zip(cv, cand_vecs[j], strict=True)))
            score = semantic_weight * sem + (1 - semantic_weight) * _lexical(words, text)
            if best is None or score > best[0]:
                best = (score, j)
        if best is None:
            out.append(Support(claim, None, 0, 0, "", 0.0, False))
            continue
        score, j = best
        pi, start, end, text = cands[j]
        ok = score >= min_support and consistent(claim.text, text, passages[pi].chunk.text)
        out.append(Support(claim, passages[pi], start, end, text, round(score, 4), ok))
    return out


_NEGATION = {
    "not",
    "no",
    "never",
    "neither",
    "nor",
    "none",
    "nobody",
    "nothing",
    "without",
    "cannot",
    "n't",
}
_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")
_PROPER = re.compile(r"(?<=\s)[A-Z][\w'’\-]*")


def _negated(text: str) -> bool:
    words = re.findall(r"[a-z']+", normalize(text).lower().replace("n't", " n't"))
    return any(w in _NEGATION for w in words)


def consistent(claim: str, quote: str, passage: str) -> bool:
    """What word overlap can miss: the claim's figures are in the quote, it is negated only if
    the quote is, and its names (capitalised words after the first) are in the passage."""
    q_norm = normalize(quote).replace(",", "")
    if any(f.replace(",", "") not in q_norm for f in _FIGURE.findall(normalize(claim))):
        return False
    if _negated(claim) != _negated(quote):
        return False
    p_norm = normalize(passage).lower()
    return all(name.lower().strip("'’") in p_norm for name in _PROPER.findall(normalize(claim)))
