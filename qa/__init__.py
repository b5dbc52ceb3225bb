"""cited-qa: question answering over documents, every answer backed by verbatim cited passages.

from qa import QA
answer = QA.from_settings().ask("Where will the summit take place?")
print(answer.text, answer.citations[0].quote)
"""

from qa.answering.answer_text import NOT_FOUND_TEXT
from qa.answering.chain import build_chain
from qa.answering.extractive import ExtractiveAnswerer
from qa.answering.protocols import Answerer
from qa.core.errors import (
    CollectionNotFoundError,
    ConfigError,
    DocumentNotFoundError,
    IngestError,
    LLMBusyError,
    LLMError,
    QAError,
    QuestionError,
    StoreDamagedError,
    StoreNotFoundError,
    StoreUnavailableError,
)
from qa.core.settings import Settings
from qa.core.types import Answer, Chunk, Citation, DocumentInfo, Passage, SourceDocument, Timings
from qa.llm.answerer import LLMAnswerer
from qa.service import QA
from qa.store.chunks import ChunkStore
from qa.store.client import open_client
from qa.store.feedback import FeedbackLog
from qa.store.retriever import ChunkRetriever

__all__ = [
    "NOT_FOUND_TEXT",
    "QA",
    "Answer",
    "Answerer",
    "Chunk",
    "ChunkRetriever",
    "ChunkStore",
    "Citation",
    "CollectionNotFoundError",
    "ConfigError",
    "DocumentInfo",
    "DocumentNotFoundError",
    "ExtractiveAnswerer",
    "FeedbackLog",
    "IngestError",
    "LLMAnswerer",
    "LLMBusyError",
    "LLMError",
    "Passage",
    "QAError",
    "QuestionError",
    "Settings",
    "SourceDocument",
    "StoreDamagedError",
    "StoreNotFoundError",
    "StoreUnavailableError",
    "Timings",
    "build_chain",
    "open_client",
]
