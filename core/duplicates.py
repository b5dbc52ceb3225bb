"""One passage per story: near-duplicate passages folded at answer time, near-duplicate
documents reported at ingest.

When several outlets carry the same wire story, retrieval returns the same fact several times.
`fold_passages` keeps the best-ranked passage of each group of near-duplicates (from different
documents) and hangs the others on it (`Passage.duplicates`), so the top k hold k different
facts and the citation can say "also in: …". Similarity is MinHash's estimate of the Jaccard
similarity of word 3-shingles (`datasketch`). On the fixture set (`bench/news_eval.py`, see
docs/guide.md) it and `rapidfuzz`'s ratios all separate the copies of a story from the rest;
MinHash is kept because the same sketches find near-duplicate documents at ingest through LSH,
without comparing every pair. The copies scored 0.34-0.59 there, other pairs at most 0.02: hence the
default threshold of 0.2 (`QA_FOLD_SIMILARITY`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from core.text import normalize
from core.types import Chunk, Passage

__all__ = [
    "NearDuplicate",
    "fold_passages",
    "near_duplicate_documents",
    "shingles",
    "similarity",
    "sketch",
]

_PERMUTATIONS = 128
_SEED = 14
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 3) -> set[str]:
    """The word `n`-grams of `text`, lower-cased and normalised (the whole text if shorter)."""
    words = _WORD.findall(normalize(text).lower())
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


@functools.cache
def _permutations() -> object:
    """The hash permutations every sketch shares (made once: making them is most of the cost)."""
    from datasketch import MinHash

    return MinHash(num_perm=_PERMUTATIONS, seed=_SEED, scheme="affine32").permutations


def sketch(text: str) -> object:
    """The MinHash of `text`'s shingles (a `datasketch.MinHash`)."""
    from datasketch import MinHash

    mh = MinHash(
        num_perm=_PERMUTATIONS, seed=_SEED, permutations=_permutations(), scheme="affine32"
    )
    mh.update_batch([s.encode("utf-8") for s in shingles(text)])
    return mh


def similarity(a: object, b: object) -> float:
    """The estimated Jaccard similarity of two sketches (0-1)."""
    return float(a.jaccard(b))  # type: ignore[attr-defined]


def fold_passages(passages: Sequence[Passage], k: int, threshold: float) -> list[Passage]:
    """The first `k` passages of `passages` (best first) that are not near-duplicates of a
    better one; each near-duplicate of another document is added to the `duplicates` of the
    passage it repeats (at least `threshold` similar). Passages of one document are never
    folded together (their overlap is the chunker's), nor sketched for that (so answering
    from one document never imports `datasketch`, whose scipy import costs about 0.4 s)."""
    kept: list[Passage] = []
    sketches: dict[str, object] = {}  # by chunk id, made when first compared

    def sketch_of(chunk: Chunk) -> object:
        if chunk.chunk_id not in sketches:
            sketches[chunk.chunk_id] = sketch(chunk.text)
        return sketches[chunk.chunk_id]

    for p in passages:
        home = next(
            (
                i
                for i, q in enumerate(kept)
                if q.chunk.doc_id != p.chunk.doc_id
                and p.chunk.doc_id not in {d.doc_id for d in q.duplicates}
                and similarity(sketch_of(q.chunk), sketch_of(p.chunk)) >= threshold
            ),
            None,
        )
        if home is not None:
            kept[home] = replace(kept[home], duplicates=(*kept[home].duplicates, p.chunk))
        elif len(kept) < k:
            kept.append(p)
    return kept


@dataclass(frozen=True)
class NearDuplicate:
    """A document (`source`) that is a near-duplicate of another (`of`): `similarity` 0-1."""

    source: str
    of: str
    similarity: float


def near_duplicate_documents(
    new: Sequence[tuple[str, str]], stored: Iterable[tuple[str, str]], threshold: float
) -> list[NearDuplicate]:
    """For each `(source, text)` of `new`, the most similar other document among `stored` and
    the earlier ones of `new`, when at least `threshold` similar (MinHash LSH finds the
    candidates, so this scales to large stores)."""
    from datasketch import MinHashLSH

    if not new:
        return []
    lsh = MinHashLSH(threshold=threshold, num_perm=_PERMUTATIONS)
    sketches: dict[str, object] = {}
    new_ids = {d for d, _ in new}
    for doc_id, text in stored:
        if doc_id not in new_ids and doc_id not in sketches:
            sketches[doc_id] = sketch(text)
            lsh.insert(doc_id, sketches[doc_id])
    found = []
    for doc_id, text in new:
        if doc_id in sketches:
            continue
        mh = sketch(text)
        scored = [(similarity(mh, sketches[c]), c) for c in lsh.query(mh)]
        best = max((s for s in scored if s[0] >= threshold), default=None)
        if best is not None:
            found.append(NearDuplicate(doc_id, best[1], round(best[0], 3)))
        sketches[doc_id] = mh
        lsh.insert(doc_id, mh)
    return found
