"""One settings object, read at the edges (environment, CLI flags) and passed down."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from qa.core.errors import ConfigError

__all__ = ["DEFAULT_FOLD_SIMILARITY", "DEFAULT_MIN_SUPPORT", "Settings", "default_persist_dir"]

DEFAULT_MIN_SUPPORT = 0.40
DEFAULT_FOLD_SIMILARITY = 0.2

_COLLECTION_RE = re.compile(r"^[a-zA-Z0-9._-]{3,512}$")
_ORIGIN_RE = re.compile(r"^https?://[^/\s]+$")
_HOST_NAME_RE = re.compile(r"^[A-Za-z0-9.-]+$")
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII: can be sent in an HTTP header


def default_persist_dir() -> Path:
    """`$XDG_DATA_HOME/cited-qa/chroma`, or `~/.local/share/cited-qa/chroma`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cited-qa" / "chroma"


@dataclass(frozen=True)
class Settings:
    """Configuration of a QA service; every field has an environment variable `QA_<NAME>`."""

    persist_dir: Path = field(default_factory=default_persist_dir)
    chroma_url: str | None = None
    collection: str = "cited-qa"
    top_k: int = 6  # chosen for HotpotQA's recall@k with hybrid retrieval (see the README)
    retrieval: str = "hybrid"  # or "dense": cosine similarity alone
    # The answer's confidence at or above which it answers, and below which it declines
    # (between the two: `uncertain`); None: the values fitted with the ranker
    # (qa/answering/ranker.json, see the README, "Abstaining").
    min_score: float | None = None
    decline_score: float | None = None
    max_question_chars: int = 1000
    chunk_tokens: int = 200
    chunk_overlap_tokens: int = 48
    embed_batch_size: int = 32
    max_file_mb: float = 20.0
    eval_dir: Path = Path("eval-report")
    upload_dir: Path | None = None  # default: `uploads/` beside `persist_dir`
    feedback_path: Path | None = None  # default: `feedback.jsonl` beside `persist_dir`
    llm: str | None = None  # e.g. llamacpp:/path/model.gguf; unset: the extractive answerer
    llm_timeout: float = 60.0  # seconds for the model to answer
    llm_max_tokens: int = 256
    llm_context: int = 4096  # llamacpp: the context window in tokens
    llm_api_key: str | None = field(default=None, repr=False)
    # CPU threads of one embedding call (torch), set when the model loads; unset: torch's own
    # (one per core), and 1 for the HTTP API, whose requests already run in parallel.
    cpu_threads: int | None = None
    # Sentences of written answers whose support is below this are unsupported; chosen with
    # bench/calibrate_support.py (see the README, "Written answers from a language model").
    min_support: float = DEFAULT_MIN_SUPPORT
    # The HTTP API (`qa serve`): a key every request must send as `Authorization: Bearer KEY`,
    # the browser origins allowed to call it (none: no CORS headers), the largest request body,
    # the host names it answers to besides loopback ones (e.g. behind a reverse proxy).
    api_key: str | None = field(default=None, repr=False)
    cors_origins: tuple[str, ...] = ()
    max_body_mb: float = 50.0
    allowed_hosts: tuple[str, ...] = ()
    # Ingesting links and feeds: seconds a whole page may take, its largest size, redirects.
    fetch_timeout: float = 20.0
    max_fetch_mb: float = 10.0
    max_redirects: int = 5
    # Passages this similar (0-1, see qa.core.duplicates) to a better-ranked one of another document
    # are folded into it at answer time ("also in"); 1 folds only identical ones.
    fold_similarity: float = DEFAULT_FOLD_SIMILARITY

    def __post_init__(self) -> None:
        if not _COLLECTION_RE.match(self.collection):
            raise ConfigError(
                f"invalid collection name {self.collection!r}: use 3-512 characters of "
                "letters, digits, '.', '_' or '-'"
            )
        if self.top_k < 1 or self.top_k > 50:
            raise ConfigError(f"top_k must be between 1 and 50, got {self.top_k}")
        if self.retrieval not in ("hybrid", "dense"):
            raise ConfigError(
                f"retrieval must be 'hybrid' or 'dense', got {self.retrieval!r}; fix or unset "
                "QA_RETRIEVAL"
            )
        for name in ("min_score", "decline_score"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ConfigError(
                    f"{name} must be between 0 and 1, got {value}; fix or unset "
                    f"QA_{name.upper()}"
                )
        if self.max_question_chars < 1:
            raise ConfigError(
                f"max_question_chars must be positive, got {self.max_question_chars}"
            )
        if not 16 <= self.chunk_tokens <= 254:
            raise ConfigError(
                f"chunk_tokens must be between 16 and 254 (the model reads 256 word pieces), "
                f"got {self.chunk_tokens}"
            )
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise ConfigError(
                "chunk_overlap_tokens must be in [0, chunk_tokens), "
                f"got {self.chunk_overlap_tokens}"
            )
        if not 1 <= self.embed_batch_size <= 1024:
            raise ConfigError(
                f"embed_batch_size must be between 1 and 1024, got {self.embed_batch_size}"
            )
        if not math.isfinite(self.llm_timeout) or self.llm_timeout <= 0:
            raise ConfigError(f"llm_timeout must be a positive number of seconds, got "
                              f"{self.llm_timeout}")  # fmt: skip
        if not 1 <= self.llm_max_tokens <= 8192:
            raise ConfigError(f"llm_max_tokens must be between 1 and 8192, got "
                              f"{self.llm_max_tokens}")  # fmt: skip
        if not 512 <= self.llm_context <= 131072:
            raise ConfigError(f"llm_context must be between 512 and 131072 tokens, got "
                              f"{self.llm_context}")  # fmt: skip
        if self.cpu_threads is not None and not 1 <= self.cpu_threads <= 256:
            raise ConfigError(f"cpu_threads must be between 1 and 256, got {self.cpu_threads}")
        if not 0.0 <= self.min_support <= 1.0:
            raise ConfigError(f"min_support must be between 0 and 1, got {self.min_support}")
        if not math.isfinite(self.max_file_mb) or self.max_file_mb <= 0:
            raise ConfigError(f"max_file_mb must be positive, got {self.max_file_mb}")
        if not math.isfinite(self.max_body_mb) or self.max_body_mb <= 0:
            raise ConfigError(f"max_body_mb must be positive, got {self.max_body_mb}")
        if self.api_key is not None and not _HEADER_SAFE.match(self.api_key):
            raise ConfigError("QA_API_KEY must be visible ASCII characters without spaces (it is "
                              "sent in an HTTP header); make one with `python -c 'import secrets;"
                              " print(secrets.token_urlsafe(32))'`")  # fmt: skip
        for origin in self.cors_origins:
            if origin != "*" and not _ORIGIN_RE.match(origin):
                raise ConfigError(f"QA_CORS_ORIGINS: {origin!r} is not an origin; give "
                                  "comma-separated origins like http://localhost:3000 (scheme "
                                  "and host, no path), or *")  # fmt: skip

        if not math.isfinite(self.fetch_timeout) or not 0 < self.fetch_timeout <= 600:
            raise ConfigError(f"fetch_timeout must be between 0 and 600 seconds, got "
                              f"{self.fetch_timeout}; fix or unset QA_FETCH_TIMEOUT")  # fmt: skip
        if not math.isfinite(self.max_fetch_mb) or self.max_fetch_mb <= 0:
            raise ConfigError(f"max_fetch_mb must be positive, got {self.max_fetch_mb}; fix or "
                              "unset QA_MAX_FETCH_MB")  # fmt: skip
        if not 0 <= self.max_redirects <= 20:
            raise ConfigError(f"max_redirects must be between 0 and 20, got "
                              f"{self.max_redirects}; fix or unset QA_MAX_REDIRECTS")  # fmt: skip
        if not 0.0 < self.fold_similarity <= 1.0:
            raise ConfigError(f"fold_similarity must be above 0 and at most 1, got "
                              f"{self.fold_similarity}; fix or unset "
                              "QA_FOLD_SIMILARITY")  # fmt: skip
        for host in self.allowed_hosts:
            if host != "*" and not _is_host(host):
                raise ConfigError(f"QA_ALLOWED_HOSTS: {host!r} is not a host name; give "
                                  "comma-separated names or addresses like api.example.org "
                                  "(no scheme or port), or *")  # fmt: skip

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
    def feeds_dir(self) -> Path:
        """Where what was read of each feed is kept, so that a re-run fetches only new or
        changed entries."""
        return self._beside_store("feeds")

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
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"QA_{f.name.upper()}")
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = _parse(f.name, raw.strip(), f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return bool(_HOST_NAME_RE.match(host))
    return True


def _parse(name: str, raw: str, type_: Any) -> Any:
    kind = str(type_)
    if kind.startswith("tuple"):  # comma-separated
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    try:
        if "Path" in kind:
            return Path(raw).expanduser()
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError:
        raise ConfigError(
            f"QA_{name.upper()}={raw!r} is not a valid {kind.split()[0]}; fix or unset it"
        ) from None
    return raw
