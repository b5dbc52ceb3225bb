"""The packaged all-MiniLM-L6-v2 as a LangChain `Embeddings`, offline, on normalised text.

Two backends compute the same vectors: onnxruntime over the model exported once to ONNX
(`qa.store.onnx_model`; the default, and what keeps torch and sentence-transformers off the
query path), and sentence-transformers on torch (the fallback). Nothing loads until the first
text is embedded: counting word pieces needs only the tokenizer.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from langchain_core.embeddings import Embeddings

from core.errors import ConfigError
from core.limits import MODEL_MAX_TOKENS, MODEL_WINDOW
from core.settings import EmbeddingBackend as Backend
from core.settings import Settings, default_models_dir
from core.text import normalize
from qa.store.model_files import packaged_model_path, stay_offline

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "MODEL_MAX_TOKENS",
    "Backend",
    "EmbeddingModel",
    "LocalEmbeddings",
    "packaged_model_path",
    "stay_offline",
]


log = logging.getLogger(__name__)


class EmbeddingModel(Embeddings, ABC):
    """A LangChain `Embeddings` that also counts a text's word pieces as its model reads them,
    so that chunks are cut to fit the model's window."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Word pieces of `text`, without special tokens."""

    def load(self, *, background: bool = False) -> None:
        """Load the model now rather than at the first embedding; with `background`, in a
        thread, while the caller goes on (e.g. opening the store). A model without a loading
        step does nothing."""


class _Encoder(Protocol):
    """A loaded model: unit-length vectors of normalised texts."""

    backend: Backend

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray: ...


class _OnnxEncoder:
    """The exported model on onnxruntime, tokenised by `tokenizers` as sentence-transformers
    does (truncated to the model's 256 pieces), mean-pooled over real tokens, L2-normalised."""

    backend: Backend = "onnx"

    def __init__(self, onnx_file: Path, tokenizer_file: Path, threads: int | None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from qa.store.onnx_model import INPUTS, OUTPUT

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: onnxruntime's own (one per core)
        options.log_severity_level = 3  # errors only
        self._session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs, self._output = INPUTS, OUTPUT
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(MODEL_WINDOW)
        self._tokenizer.no_padding()

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        import numpy as np

        pieces = [e.ids for e in self._tokenizer.encode_batch(texts)]
        out = np.empty((len(texts), 0), dtype=np.float32)
        # Shortest first, so that a batch pads to about its own length.
        order = sorted(range(len(texts)), key=lambda i: len(pieces[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(pieces[i]) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : len(pieces[i])] = pieces[i]
                mask[r, : len(pieces[i])] = 1
            feeds = dict(zip(self._inputs, (ids, mask, np.zeros_like(ids)), strict=True))
            hidden = self._session.run([self._output], feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            if out.shape[1] == 0:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[rows] = pooled / norms
        return out


class _TorchEncoder:
    """sentence-transformers on torch, as the model ships."""

    backend: Backend = "torch"

    def __init__(self, model_path: Path, device: str, threads: int | None) -> None:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        if threads is not None:
            torch.set_num_threads(threads)  # for the whole process: torch has no other scope
        hf_logging.disable_progress_bar()  # no "Loading weights" bar
        self._model = SentenceTransformer(str(model_path), device=device, local_files_only=True)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )


class LocalEmbeddings(EmbeddingModel):
    """The packaged model's embeddings from a local folder, never from a hub.

    `backend="onnx"` (the default) runs the model's ONNX export on onnxruntime: the file is
    made from the packaged model the first time it is needed (about 10 s, with torch) and kept
    in `models_dir`; if that fails, one warning is logged and the torch backend is used.
    `backend="torch"` runs sentence-transformers. The model loads on the first call that
    embeds, not before: building this object reads only the tokenizer.

    Texts are normalised (NFKC, straight quotes, single spaces) before embedding; vectors are
    unit length, for cosine similarity. `threads` sets the CPU threads of one call.
    """

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalEmbeddings:
        """The packaged model with the backend, batch size and CPU threads of `settings`."""
        return cls(
            batch_size=settings.embed_batch_size,
            threads=settings.cpu_threads,
            backend=settings.embedding_backend,
            models_dir=settings.models_dir,
        )

    def __init__(
        self,
        model_path: Path | str | None = None,
        *,
        batch_size: int = 32,
        device: str = "cpu",
        threads: int | None = None,
        backend: Backend = "onnx",
        models_dir: Path | None = None,
    ) -> None:
        from tokenizers import Tokenizer

        if backend not in ("onnx", "torch"):
            raise ConfigError(
                f"embedding backend must be 'onnx' or 'torch', got {backend!r}; "
                "fix or unset QA_EMBEDDING_BACKEND"
            )
        self.model_path = Path(model_path) if model_path else packaged_model_path()
        if not (self.model_path / "modules.json").is_file():
            raise FileNotFoundError(f"no sentence-transformers model at {self.model_path}")
        self.batch_size = batch_size
        self.device = device
        self.threads = threads
        self.backend: Backend = backend if device == "cpu" else "torch"
        self.models_dir = models_dir or default_models_dir()
        self._encoder: _Encoder | None = None
        self._lock = threading.Lock()
        self._tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    @property
    def loaded_backend(self) -> Backend | None:
        """The backend the model runs on, once loaded; None before the first embedding."""
        return self._encoder.backend if self._encoder else None

    def load(self, *, background: bool = False) -> None:
        """Load the model now; with `background`, start the ONNX session in a thread (when the
        ONNX file is already made; else the first embedding makes and loads it)."""
        if self._encoder is not None:
            return
        if not background:
            self._model()
            return
        if self.backend != "onnx":
            return
        # Imported here, in the caller's thread: two threads importing one package at once can
        # find it half made (numpy fails so), and the caller may be importing chromadb now.
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        from qa.store.onnx_model import onnx_path

        if not onnx_path(self.model_path, self.models_dir).is_file():
            return

        def run() -> None:  # onnxruntime builds the session without holding the GIL
            with self._lock, contextlib.suppress(Exception):  # the first embedding tries again
                self._encoder = self._encoder or self._onnx()

        # Not a daemon: the process waits for it at exit rather than tearing down onnxruntime
        # under a thread that is still inside it.
        threading.Thread(target=run, name="qa-embeddings-load").start()

    def _model(self) -> _Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = self._load()
            return self._encoder

    def _onnx(self) -> _Encoder:
        from qa.store.onnx_model import prepare_onnx

        onnx_file = prepare_onnx(self.model_path, self.models_dir)
        return _OnnxEncoder(onnx_file, self.model_path / "tokenizer.json", self.threads)

    def _load(self) -> _Encoder:
        if self.backend == "onnx":
            try:
                return self._onnx()
            except Exception as exc:
                log.warning(
                    "cited-qa: the ONNX embedding model could not be used (%s: %s); using "
                    "the torch backend (QA_EMBEDDING_BACKEND=torch skips this attempt)",
                    type(exc).__name__,
                    str(exc).splitlines()[0] if str(exc) else "",
                )
        return _TorchEncoder(self.model_path, self.device, self.threads)

    def _embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model().encode([normalize(t) for t in texts], self.batch_size)
        return vectors.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts for storage."""
        if not texts:
            return []
        return self._embed(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._embed([text])[0]

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` as the model sees it, without special tokens."""
        return len(self._tokenizer.encode(normalize(text), add_special_tokens=False).ids)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        """`count_tokens` for many texts at once."""
        encodings = self._tokenizer.encode_batch(
            [normalize(t) for t in texts], add_special_tokens=False
        )
        return [len(e.ids) for e in encodings]
