"""Limits that more than one module enforces, each defined once here."""

from __future__ import annotations

__all__ = [
    "MAX_FILE_MB",
    "MAX_QUESTION_CHARS",
    "MAX_TOP_K",
    "MIN_TOP_K",
    "MODEL_MAX_TOKENS",
    "MODEL_WINDOW",
]

# Passages retrieved per question (QA_TOP_K, `k` of a request).
MIN_TOP_K, MAX_TOP_K = 1, 50
# The default longest question, in characters (QA_MAX_QUESTION_CHARS).
MAX_QUESTION_CHARS = 1000
# The default largest file ingested or uploaded, in MB (QA_MAX_FILE_MB).
MAX_FILE_MB = 20.0
# all-MiniLM-L6-v2 reads 256 word pieces, two of which are [CLS] and [SEP]: a chunk holds at
# most 254 (QA_CHUNK_TOKENS).
MODEL_WINDOW = 256
MODEL_MAX_TOKENS = MODEL_WINDOW - 2
