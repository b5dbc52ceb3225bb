"""LangChain's standard test suites for the interfaces we implement."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from langchain_tests.integration_tests import (
    ChatModelIntegrationTests,
    EmbeddingsIntegrationTests,
    RetrieversIntegrationTests,
)

from qa.llm.models import LlamaCppChat
from qa.store.embeddings import LocalEmbeddings
from qa.store.retriever import ChunkRetriever
from tests.conftest import SEEDS, smollm2_gguf

pytestmark = pytest.mark.slow


@functools.cache
def _seeded() -> tuple[Any, LocalEmbeddings]:
    from ingest.pipeline import ingest_paths
    from qa import ChunkStore, Settings, open_client

    emb = LocalEmbeddings()
    settings = Settings(persist_dir=Path(tempfile.mkdtemp(prefix="qa-standard-")) / "store")
    store = ChunkStore.open(
        open_client(settings, create=True), settings.collection, emb, create=True
    )
    ingest_paths([SEEDS], store, emb.count_tokens, settings, progress=False)
    return store, emb


class TestLocalEmbeddings(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[LocalEmbeddings]:
        return LocalEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {}


class TestChunkRetriever(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[ChunkRetriever]:
        return ChunkRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        store, emb = _seeded()
        return {"store": store, "embeddings": emb}

    @property
    def retriever_query_example(self) -> str:
        return "Where will the summit take place?"


class TestLlamaCppChat(ChatModelIntegrationTests):
    """Our thin chat model over llama-cpp-python, with SmolLM2-135M-Instruct."""

    @property
    def chat_model_class(self) -> type[LlamaCppChat]:
        return LlamaCppChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model_path": str(smollm2_gguf()), "max_tokens": 32}

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return False
