"""LangChain's standard test suites for the interfaces we implement."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def _seeded_store() -> Iterator[None]:
    """The seed article in a temporary store, for the retriever suite (removed after it)."""
    from ingest.loaders import load_paths
    from qa.evaluation.scratch import scratch_qa

    emb = LocalEmbeddings()
    with scratch_qa(load_paths([SEEDS])[0], embeddings=emb) as scratch:
        _SEEDED.append((scratch.qa.store, emb))
        yield
        _SEEDED.clear()


_SEEDED: list[tuple[Any, LocalEmbeddings]] = []


class TestLocalEmbeddings(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[LocalEmbeddings]:
        return LocalEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {}


@pytest.mark.usefixtures("_seeded_store")
class TestChunkRetriever(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[ChunkRetriever]:
        return ChunkRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        store, emb = _SEEDED[0]
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
