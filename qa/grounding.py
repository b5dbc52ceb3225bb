"""Grounding of written answers: parse `[n]` markers, check each claim against the passages.

A generated answer is split into sentences (claims). Each claim is compared with every sentence
of the passages it cites (or, citing none, of all passages): the best match becomes its quote,
with offsets in the source document, and a support score that blends word overlap and
embedding similarity. Claims below `min_support` are unsupported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from qa.answerers import passage_sentences
from qa.text import content_words, normalize, sentence_spans
from qa.types import Passage

__all__ = ["Claim", "Support", "check_claims", "split_claims"]

log = logging.getLogger(__name__)
_MARKER = re.compile(r"\s*\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_LEADING = re.compile(r"^(?:\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])+")


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


def _numbers(group: str) -> list[int]:
    return [int(x) for x in re.split(r"\s*[,;]\s*", group.strip())]


def split_claims(text: str, n_passages: int) -> list[Claim]:
    """The sentences of `text` with the passage numbers their `[n]` markers cite.

    A marker that opens a sentence ("... big. [1] It ...") belongs to the sentence before it.
    Numbers outside 1..`n_passages` are dropped and logged, never shown.
    """
    claims: list[tuple[str, list[int]]] = []
    for s, e in sentence_spans(text):
        sentence = text[s:e]
        lead = _LEADING.match(sentence)
        if lead and claims:
            claims[-1][1].extend(n for g in _MARKER.findall(lead.group()) for n in _numbers(g))
            sentence = sentence[lead.end() :]
        cited = [n for g in _MARKER.findall(sentence) for n in _numbers(g)]
        sentence = " ".join(_MARKER.sub("", sentence).split())
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
) -> list[Support]:
    """The best supporting sentence of each claim, with its support score.

    support = `semantic_weight` × cosine(claim, sentence) + (1 − `semantic_weight`) × the share
    of the claim's content words found in the sentence.
    """
    cands = passage_sentences(passages)
    if not claims:
        return []
    vecs = embeddings.embed_documents(
        [normalize(c.text) for c in claims] + [normalize(t) for *_, t in cands]
    )
    claim_vecs, cand_vecs = vecs[: len(claims)], vecs[len(claims) :]
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
        out.append(Support(claim, passages[pi], start, end, text, round(score, 4),
                           score >= min_support))  # fmt: skip
    return out
