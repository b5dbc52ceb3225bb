"""The project's own cross-encoder: reads a question and a sentence together and scores how well
the sentence answers it.

The model was trained here (`make train-reranker`, `training/train_reranker.py`) from the
packaged all-MiniLM-L6-v2 weights on open answer-sentence-selection data, exported to ONNX and
quantised to int8; it ships in `qa/answering/models/` with its tokenizer and a provenance file
(`reranker.json`: data, splits, seed, hyper-parameters, held-out figures, the model's sha256).
At question time it runs on onnxruntime with `tokenizers`: no torch. Nothing loads until the
first score (or `load`), so a process that never answers never reads the file.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ModelError
from core.text import normalize

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "DEFAULT_MODEL_DIR",
    "MAX_PIECES",
    "CrossEncoder",
    "pair_text",
]

DEFAULT_MODEL_DIR = Path(__file__).with_name("models")
MODEL_FILE = "reranker.onnx"
TOKENIZER_FILE = "reranker-tokenizer.json"
PROVENANCE_FILE = "reranker.json"
# Word pieces of a question-sentence pair the model reads (longer pairs are cut, the longer
# side first); the training used the same.
MAX_PIECES = 256
_RETRAIN = "make train-reranker"


def pair_text(sentence: str, title: str | None = None, *, with_title: bool = False) -> str:
    """The second text of a pair as the model was trained to read it (the sentence, or
    `title: sentence` when the model was trained with titles)."""
    sentence = normalize(sentence)
    if with_title and title:
        return f"{normalize(title)}: {sentence}"
    return sentence


class CrossEncoder:
    """Scores (question, sentence) pairs: a higher score means the sentence more likely answers
    the question (a logit; `sigmoid` gives a probability).

    `model_dir` holds `reranker.onnx`, its tokenizer and `reranker.json`; a missing or
    unreadable file is a `ModelError` naming `make train-reranker`. Loaded lazily and once,
    thread-safely; `load(background=True)` starts the session in a thread.
    """

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        threads: int | None = None,
        batch_size: int = 32,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir else DEFAULT_MODEL_DIR
        self.threads = threads
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._about: dict[str, Any] | None = None

    @property
    def about(self) -> dict[str, Any]:
        """The provenance file (`reranker.json`)."""
        if self._about is None:
            path = self.model_dir / PROVENANCE_FILE
            try:
                self._about = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ModelError(
                    f"the reranker's provenance file {path} cannot be read "
                    f"({type(exc).__name__}); run {_RETRAIN}"
                ) from exc
        return self._about

    @property
    def with_title(self) -> bool:
        """Whether the model reads `title: sentence` rather than the sentence alone."""
        return bool(self.about.get("pair_format") == "title")

    def load(self, *, background: bool = False) -> None:
        """Load the model now; with `background`, in a thread while the caller goes on."""
        if self._session is not None:
            return
        if not background:
            self._ensure()
            return
        # Imported in the caller's thread (two threads importing one package can see it half
        # made); the thread only builds the session, which releases the GIL.
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        def run() -> None:
            with contextlib.suppress(Exception):  # the first score tries again, and says why
                self._ensure()

        threading.Thread(target=run, name="qa-reranker-load").start()

    def _ensure(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model = self.model_dir / MODEL_FILE
            tok = self.model_dir / TOKENIZER_FILE
            for path in (model, tok):
                if not path.is_file():
                    raise ModelError(f"the reranker model file {path} is missing; run {_RETRAIN}")
            try:
                options = ort.SessionOptions()
                options.intra_op_num_threads = self.threads or 0
                options.log_severity_level = 3
                # No busy-waiting threads: the embedding model runs its own session in this
                # process, and spinning pools of two sessions starve each other on few cores.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                session = ort.InferenceSession(
                    str(model), options, providers=["CPUExecutionProvider"]
                )
                tokenizer = Tokenizer.from_file(str(tok))
            except Exception as exc:
                raise ModelError(
                    f"the reranker model {model} cannot be loaded ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'}); run {_RETRAIN}"
                ) from exc
            tokenizer.enable_truncation(MAX_PIECES)
            tokenizer.no_padding()
            self._tokenizer = tokenizer
            self._inputs = [i.name for i in session.get_inputs()]
            self._session = session

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        """The model's score of `(query, text)` for each text (texts as `pair_text` makes
        them; the query is normalised here)."""
        if not texts:
            return []
        self._ensure()
        return self._run(
            self._tokenizer.encode_batch([(normalize(query), t) for t in texts])
        ).tolist()

    def _run(self, encodings: list[Any]) -> np.ndarray:
        import numpy as np

        out = np.empty(len(encodings), dtype=np.float32)
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            arrays = {n: np.zeros((len(rows), width), dtype=np.int64) for n in self._inputs}
            for r, i in enumerate(rows):
                e = encodings[i]
                n = len(e.ids)
                arrays["input_ids"][r, :n] = e.ids
                arrays["attention_mask"][r, :n] = 1
                if "token_type_ids" in arrays:
                    arrays["token_type_ids"][r, :n] = e.type_ids
            logits = self._session.run(None, arrays)[0]
            out[rows] = logits.reshape(len(rows), -1)[:, 0]
        return out
