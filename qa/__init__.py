"""cited-qa: question answering over documents, every answer backed by verbatim cited passages.

from qa import QA
answer = QA.from_settings().ask("Where will the summit take place?")
print(answer.text, answer.citations[0].quote)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.errors import (
        CollectionNotFoundError,
        ConfigError,
        DocumentNotFoundError,
        IngestError,
        LLMBusyError,
        LLMError,
        ModelError,
        QAError,
        QuestionError,
        StoreBusyError,
        StoreDamagedError,
        StoreNotFoundError,
        StoreUnavailableError,
    )
    from core.settings import Settings
    from core.types import (
        Answer,
        Chunk,
        Citation,
        DocumentInfo,
        Passage,
        Provenance,
        SourceDocument,
        Timings,
    )
    from ingest.loaders import Skipped
    from ingest.uploads import UPLOAD_TYPES
    from qa.answering.answer_text import NOT_FOUND_TEXT
    from qa.answering.chain import build_chain
    from qa.answering.cross_encoder import CrossEncoder
    from qa.answering.extractive import ExtractiveAnswerer
    from qa.answering.protocols import Answerer
    from qa.documents.lock import StoreLock
    from qa.documents.ops import SourceBatch
    from qa.documents.pipeline import IngestReport
    from qa.documents.rebuild import RebuildReport
    from qa.llm.answerer import LLMAnswerer, LLMFlow
    from qa.llm.relevance import RelevanceFloor
    from qa.service import QA
    from qa.store.chunks import ChunkStore
    from qa.store.client import open_client
    from qa.store.feedback import FeedbackLog
    from qa.store.retriever import ChunkRetriever

# Each public name and the module it comes from, imported on first use: `import qa` (and so
# `qa --help`, `qa docs`) does not pay for LangChain, Chroma and the answerer until needed.
_EXPORTS = {
    "Answer": "core.types",
    "Answerer": "qa.answering.protocols",
    "Chunk": "core.types",
    "ChunkRetriever": "qa.store.retriever",
    "ChunkStore": "qa.store.chunks",
    "Citation": "core.types",
    "CollectionNotFoundError": "core.errors",
    "ConfigError": "core.errors",
    "CrossEncoder": "qa.answering.cross_encoder",
    "DocumentInfo": "core.types",
    "DocumentNotFoundError": "core.errors",
    "ExtractiveAnswerer": "qa.answering.extractive",
    "FeedbackLog": "qa.store.feedback",
    "IngestError": "core.errors",
    "IngestReport": "qa.documents.pipeline",
    "RebuildReport": "qa.documents.rebuild",
    "Skipped": "ingest.loaders",
    "SourceBatch": "qa.documents.ops",
    "StoreBusyError": "core.errors",
    "StoreLock": "qa.documents.lock",
    "UPLOAD_TYPES": "ingest.uploads",
    "LLMAnswerer": "qa.llm.answerer",
    "LLMFlow": "qa.llm.answerer",
    "LLMBusyError": "core.errors",
    "LLMError": "core.errors",
    "ModelError": "core.errors",
    "RelevanceFloor": "qa.llm.relevance",
    "NOT_FOUND_TEXT": "qa.answering.answer_text",
    "Passage": "core.types",
    "Provenance": "core.types",
    "QA": "qa.service",
    "QAError": "core.errors",
    "QuestionError": "core.errors",
    "Settings": "core.settings",
    "SourceDocument": "core.types",
    "StoreDamagedError": "core.errors",
    "StoreNotFoundError": "core.errors",
    "StoreUnavailableError": "core.errors",
    "Timings": "core.types",
    "build_chain": "qa.answering.chain",
    "open_client": "qa.store.client",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "NOT_FOUND_TEXT",
    "QA",
    "UPLOAD_TYPES",
    "Answer",
    "Answerer",
    "Chunk",
    "ChunkRetriever",
    "ChunkStore",
    "Citation",
    "CollectionNotFoundError",
    "ConfigError",
    "CrossEncoder",
    "DocumentInfo",
    "DocumentNotFoundError",
    "ExtractiveAnswerer",
    "FeedbackLog",
    "IngestError",
    "IngestReport",
    "LLMAnswerer",
    "LLMBusyError",
    "LLMError",
    "LLMFlow",
    "ModelError",
    "Passage",
    "Provenance",
    "QAError",
    "QuestionError",
    "RebuildReport",
    "RelevanceFloor",
    "Settings",
    "Skipped",
    "SourceBatch",
    "SourceDocument",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreLock",
    "StoreNotFoundError",
    "StoreUnavailableError",
    "Timings",
    "build_chain",
    "open_client",
]
