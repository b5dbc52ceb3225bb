"""A tiny deterministic stand-in for the embedding model, for the fast tier: real stores, real
ingest and answering, no model to load."""

from __future__ import annotations

import zlib

from core.text import content_words
from qa.store.embeddings import EmbeddingModel

DIMENSIONS = 64


class ToyEmbeddings(EmbeddingModel):
    """Unit vectors of hashed word counts: each stemmed content word adds 1 to one of 64
    dimensions, so texts that share words are close. A word is a token."""

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * DIMENSIONS
        for word in content_words(text):
            v[zlib.crc32(word.encode()) % DIMENSIONS] += 1.0
        norm = sum(x * x for x in v) ** 0.5
        return [x / norm for x in v] if norm else [DIMENSIONS**-0.5] * DIMENSIONS

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)

    def count_tokens(self, text: str) -> int:
        return len(text.split())
