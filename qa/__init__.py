"""cited-qa: question answering over documents, every answer backed by verbatim cited passages.

    from qa import QA
    answer = QA.from_settings().ask("Where will the summit take place?")
    print(answer.text, answer.citations[0].quote)
"""

from qa.answerers import NOT_FOUND_TEXT, Answerer, ExtractiveAnswerer
from qa.chain import build_chain
from qa.errors import (
    CollectionNotFoundError,
    ConfigError,
    DocumentNotFoundError,
    IngestError,
    LLMBusyError,
    LLMError,
    QAError,
    QuestionError,
    StoreNotFoundError,
    StoreUnavailableError,
)
from qa.feedback import FeedbackLog
from qa.llm_answerer import LLMAnswerer
from qa.retrieval import ChunkRetriever
from qa.service import QA
from qa.settings import Settings
from qa.store import ChunkStore, open_client
from qa.types import Answer, Chunk, Citation, DocumentInfo, Passage, SourceDocument, Timings

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
    "StoreNotFoundError",
    "StoreUnavailableError",
    "Timings",
    "build_chain",
    "open_client",
]
