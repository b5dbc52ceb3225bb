"""Exception hierarchy for cited-qa.

Every error carries a message that names the offending value and says how to fix it, so the
CLI and UI can show it as one line instead of a traceback.
"""

from __future__ import annotations

__all__ = [
    "CollectionNotFoundError",
    "ConfigError",
    "DocumentNotFoundError",
    "IngestError",
    "LLMBusyError",
    "LLMError",
    "ModelError",
    "QAError",
    "QuestionError",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreNotFoundError",
    "StoreUnavailableError",
]


class QAError(Exception):
    """Base class of every error raised on purpose by cited-qa."""


class ConfigError(QAError, ValueError):
    """A setting (environment variable or flag) has an invalid value."""


class QuestionError(QAError, ValueError):
    """The question is empty, whitespace only, or longer than the limit."""


class StoreNotFoundError(QAError):
    """No document store exists at the configured location (nothing ingested yet)."""


class CollectionNotFoundError(QAError):
    """The store exists but holds no collection of the requested name."""


class StoreUnavailableError(QAError):
    """The Chroma server could not be reached."""


class StoreDamagedError(QAError):
    """Chroma cannot read the local store's files (e.g. after a crash during a write)."""


class StoreBusyError(QAError):
    """Another ingest, upload, re-ingest or delete kept the collection busy for longer than the
    caller waits."""


class IngestError(QAError):
    """An ingest run cannot start, e.g. because a path given does not exist."""


class DocumentNotFoundError(IngestError):
    """No document of the given id is in the collection."""


class LLMError(QAError):
    """The language model failed: its server is down or timed out, or generation failed."""


class LLMBusyError(LLMError):
    """A local model stayed busy with other questions for longer than `QA_LLM_TIMEOUT`."""


class ModelError(QAError):
    """A model file the project ships (the reranker) is missing or cannot be read."""
