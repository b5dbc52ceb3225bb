"""One settings object, read at the edges (environment, CLI flags) and passed down.

`Settings` is a frozen pydantic-settings model: every field has an environment variable
`QA_<NAME>` (read by `Settings.from_env`, never by `Settings()`), values are parsed and checked
by pydantic, and an invalid one is a `ConfigError` of one line that names it.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.errors import ConfigError
from core.limits import (
    MAX_FILE_MB,
    MAX_QUESTION_CHARS,
    MAX_TOP_K,
    MIN_TOP_K,
    MODEL_MAX_TOKENS,
    MODEL_WINDOW,
)
from core.settings_parsing import (
    BETWEEN,
    FIX,
    Environment,
    Share,
    UserPath,
    between,
    comma_separated,
    is_host,
    one_line,
    positive,
    rule,
)

__all__ = [
    "DEFAULT_FOLD_SIMILARITY",
    "DEFAULT_MIN_SUPPORT",
    "EmbeddingBackend",
    "Reranker",
    "Settings",
    "default_data_dir",
    "default_models_dir",
    "default_persist_dir",
]

DEFAULT_MIN_SUPPORT = 0.40
DEFAULT_FOLD_SIMILARITY = 0.2

_COLLECTION_RE = re.compile(r"^[a-zA-Z0-9._-]{3,512}$")
_ORIGIN_RE = re.compile(r"^https?://[^/\s]+$")
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII: can be sent in an HTTP header


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/cited-qa`, or `~/.local/share/cited-qa`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cited-qa"


def default_persist_dir() -> Path:
    """`$XDG_DATA_HOME/cited-qa/chroma`, or `~/.local/share/cited-qa/chroma`."""
    return default_data_dir() / "chroma"


def default_models_dir() -> Path:
    """`$XDG_DATA_HOME/cited-qa/models`: where the exported ONNX model is kept."""
    return default_data_dir() / "models"


EmbeddingBackend = Literal["onnx", "torch"]
Reranker = Literal["none", "cross-encoder"]


class Settings(BaseSettings):
    """Configuration of a QA service; every field has an environment variable `QA_<NAME>`."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid")

    persist_dir: UserPath = Field(default_factory=default_persist_dir)
    chroma_url: str | None = None
    collection: Annotated[
        str,
        rule(
            _COLLECTION_RE.match,
            "invalid collection name {value!r}: use 3-512 characters of "
            "letters, digits, '.', '_' or '-'",
        ),
    ] = "cited-qa"
    # chosen for HotpotQA's recall@k with hybrid retrieval (see docs/how-it-works.md)
    top_k: Annotated[
        int,
        rule(
            between(MIN_TOP_K, MAX_TOP_K),
            BETWEEN.format(name="{name}", lo=MIN_TOP_K, hi=MAX_TOP_K),
        ),
    ] = 6
    retrieval: Literal["hybrid", "dense"] = "hybrid"  # "dense": cosine similarity alone
    # The answer's confidence at or above which it answers, and below which it declines
    # (between the two: `uncertain`); None: the values fitted with the ranker
    # (qa/answering/ranker.json, see docs/how-it-works.md, "The ranker, and abstaining").
    min_score: Annotated[
        float | None,
        rule(between(0.0, 1.0), "{name} must be between 0 and 1, got {value}" + FIX),
    ] = None
    decline_score: Annotated[
        float | None,
        rule(between(0.0, 1.0), "{name} must be between 0 and 1, got {value}" + FIX),
    ] = None
    max_question_chars: Annotated[
        int, rule(lambda v: v >= 1, "{name} must be positive, got {value}")
    ] = MAX_QUESTION_CHARS
    chunk_tokens: Annotated[
        int,
        rule(
            between(16, MODEL_MAX_TOKENS),
            f"{{name}} must be between 16 and {MODEL_MAX_TOKENS} "
            f"(the model reads {MODEL_WINDOW} word pieces), got {{value}}",
        ),
    ] = 200
    chunk_overlap_tokens: int = 48  # in [0, chunk_tokens)
    embed_batch_size: Annotated[
        int, rule(between(1, 1024), BETWEEN.format(name="{name}", lo=1, hi=1024))
    ] = 32
    max_file_mb: Annotated[float, rule(positive, "{name} must be positive, got {value}")] = (
        MAX_FILE_MB
    )
    eval_dir: UserPath = Path("eval-report")
    upload_dir: UserPath | None = None  # default: `uploads/` beside `persist_dir`
    feedback_path: UserPath | None = None  # default: `feedback.jsonl` beside `persist_dir`
    # The question set and the documents (files, folders or .jsonl) of the Evaluation page's
    # small run; by default the seed questions and article, from a checkout of the project.
    eval_questions: UserPath = Path("tests/data/seed_questions.jsonl")
    eval_docs: UserPath = Path("seeds")
    llm: str | None = None  # e.g. llamacpp:/path/model.gguf; unset: the extractive answerer
    llm_timeout: Annotated[
        float,
        rule(  # seconds for the model to answer
            positive, "{name} must be a positive number of seconds, got {value}"
        ),
    ] = 60.0
    llm_max_tokens: Annotated[
        int, rule(between(1, 8192), BETWEEN.format(name="{name}", lo=1, hi=8192))
    ] = 256
    llm_context: Annotated[
        int,
        rule(  # llamacpp: the context window in tokens
            between(512, 131072), "{name} must be between 512 and 131072 tokens, got {value}"
        ),
    ] = 4096
    llm_api_key: str | None = Field(default=None, repr=False)
    # How the embedding model runs: "onnx" (onnxruntime over the packaged model exported once
    # to `models_dir`; no torch on the query path) or "torch" (sentence-transformers).
    embedding_backend: EmbeddingBackend = "onnx"
    # "cross-encoder": the project's cross-encoder rescores the candidate sentences, with the
    # ranker fitted on its score (qa/answering/ranker-cross-encoder.json); off by default: on
    # the held-out halves it did not improve the answers (docs/evaluation.md, Answer quality).
    reranker: Reranker = "none"
    models_dir: UserPath = Field(default_factory=default_models_dir)
    # CPU threads of one embedding call (onnxruntime's intra-op threads, or torch's), set when
    # the model loads; unset: the runtime's own (one per core), and 1 for the HTTP API, whose
    # requests already run in parallel.
    cpu_threads: Annotated[
        int | None, rule(between(1, 256), BETWEEN.format(name="{name}", lo=1, hi=256))
    ] = None
    # Sentences of written answers whose support is below this are unsupported; chosen with
    # bench/calibrate_support.py (see docs/guide.md, "Written answers from a language model").
    min_support: Share = DEFAULT_MIN_SUPPORT
    # The LLM path's relevance floor (None: the fitted one, qa/llm/relevance.json): on the
    # bi-encoder's cosine, or on the cross-encoder's score with QA_RERANKER=cross-encoder.
    llm_relevance_floor: float | None = None
    # The HTTP API (`qa serve`): a key every request must send as `Authorization: Bearer KEY`,
    # the browser origins allowed to call it (none: no CORS headers), the largest request body,
    # the host names it answers to besides loopback ones (e.g. behind a reverse proxy).
    api_key: Annotated[
        str | None,
        rule(
            _HEADER_SAFE.match,
            "QA_API_KEY must be visible ASCII characters without spaces (it is "
            "sent in an HTTP header); make one with `python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`",
        ),
    ] = Field(default=None, repr=False)
    cors_origins: Annotated[tuple[str, ...], BeforeValidator(comma_separated)] = ()
    max_body_mb: Annotated[float, rule(positive, "{name} must be positive, got {value}")] = 50.0
    allowed_hosts: Annotated[tuple[str, ...], BeforeValidator(comma_separated)] = ()
    # With a key: whether the OpenAPI page and schema (no data) still open without it (/healthz
    # always does: liveness probes seldom send one; /readyz and the rest need it).
    open_docs: bool = True
    # Ingesting links and feeds: seconds a whole page may take, its largest size, redirects.
    fetch_timeout: Annotated[
        float,
        rule(
            lambda v: math.isfinite(v) and 0 < v <= 600,
            "{name} must be between 0 and 600 seconds, got {value}" + FIX,
        ),
    ] = 20.0
    max_fetch_mb: Annotated[float, rule(positive, "{name} must be positive, got {value}" + FIX)] = (
        10.0
    )
    max_redirects: Annotated[
        int, rule(between(0, 20), BETWEEN.format(name="{name}", lo=0, hi=20) + FIX)
    ] = 5
    # Links whose host has a private, loopback, link-local or reserved address are refused
    # before any connection; 1 allows them (an intranet). 0: robots.txt is not read.
    fetch_allow_private: bool = False
    fetch_robots: bool = True
    # Passages this similar (0-1, see core.duplicates) to a better-ranked one of another
    # document are folded into it at answer time ("also in"); 1 folds only identical ones.
    fold_similarity: Annotated[
        float,
        rule(
            lambda v: math.isfinite(v) and 0 < v <= 1,
            "{name} must be above 0 and at most 1, got {value}" + FIX,
        ),
    ] = DEFAULT_FOLD_SIMILARITY

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(one_line(exc)) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given: the environment is read by `from_env`, at the edges."""
        return (init_settings,)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise ValueError(
                "chunk_overlap_tokens must be in [0, chunk_tokens), "
                f"got {self.chunk_overlap_tokens}"
            )
        for origin in self.cors_origins:
            if origin != "*" and not _ORIGIN_RE.match(origin):
                raise ValueError(
                    f"QA_CORS_ORIGINS: {origin!r} is not an origin; give comma-separated "
                    "origins like http://localhost:3000 (scheme and host, no path), or *"
                )
        for host in self.allowed_hosts:
            if host != "*" and not is_host(host):
                raise ValueError(
                    f"QA_ALLOWED_HOSTS: {host!r} is not a host name; give comma-separated "
                    "names or addresses like api.example.org (no scheme or port), or *"
                )
        return self

    @property
    def max_file_bytes(self) -> int:
        """The file size limit of ingest in bytes."""
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_body_bytes(self) -> int:
        """The request body limit of the HTTP API in bytes."""
        return int(self.max_body_mb * 1024 * 1024)

    @property
    def max_fetch_bytes(self) -> int:
        """The size limit of a fetched page, PDF or feed in bytes."""
        return int(self.max_fetch_mb * 1024 * 1024)

    def _beside_store(self, kind: str) -> Path:
        """`<persist_dir>.<kind>/<collection>` for a local store; for a Chroma server,
        `<kind>/<server>/<collection>` beside where a local store would be."""
        if self.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(self.chroma_url)
            server = re.sub(r"[^A-Za-z0-9._-]", "_", f"{url.hostname}_{url.port or ''}")
            return self.persist_dir.parent / kind / server / self.collection
        return self.persist_dir.with_name(f"{self.persist_dir.name}.{kind}") / self.collection

    @property
    def texts_dir(self) -> Path:
        """Where the text of every ingested document is kept, the text its chunks' and quotes'
        offsets refer to (see `qa.store.texts.DocumentTexts`)."""
        return self._beside_store("texts")

    @property
    def sources_dir(self) -> Path:
        """Where the record of every ingested document (source, title, dates, hash) is kept,
        readable without Chroma: what `qa rebuild` re-creates a damaged store from."""
        return self._beside_store("sources")

    @property
    def feeds_dir(self) -> Path:
        """Where what was read of each feed is kept, so that a re-run fetches only new or
        changed entries."""
        return self._beside_store("feeds")

    @property
    def lock_file(self) -> Path:
        """The lock file that lets one process or thread at a time change the collection."""
        return self._beside_store("locks").with_suffix(".lock")

    @property
    def uploads(self) -> Path:
        """Where the chat UI keeps uploaded files: `upload_dir`, or `uploads/` beside the store."""
        return self.upload_dir or self.persist_dir.parent / "uploads"

    @property
    def lexical_dir(self) -> Path:
        """Where the BM25 index of the collection is kept: beside a local store
        (`<persist_dir>.lexical/<collection>`); for a Chroma server, in `lexical/<server>/
        <collection>` beside where a local store would be."""
        return self._beside_store("lexical")

    @property
    def feedback_file(self) -> Path:
        """The JSONL file of thumbs-up/down votes: `feedback_path`, or beside the store."""
        return self.feedback_path or self.persist_dir.parent / "feedback.jsonl"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `QA_*` variables of `env` (default `os.environ`), then `overrides`.

        Overrides whose value is None are ignored, so CLI flags that were not given fall through.
        """
        values = Environment(cls, os.environ if env is None else env)()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (checked as when made)."""
        return type(self)(**{**dict(self), **changes})
