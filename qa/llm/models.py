"""Language models for the LLM answerer, chosen by one setting (`QA_LLM`, `--llm`).

llamacpp:/path/to/model.gguf                 a local GGUF file (the `llm` extra)
openai:http://127.0.0.1:8080/v1#model-name   any OpenAI-compatible server
"""

from __future__ import annotations

import functools
import importlib.util
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from core.errors import ConfigError, LLMBusyError, LLMError
from core.settings import Settings

__all__ = [
    "LLMSpec",
    "LlamaCppChat",
    "as_llm_error",
    "make_chat_model",
    "parse_llm_spec",
    "server_failed",
]

_EXAMPLES = "e.g. llamacpp:/path/model.gguf or openai:http://127.0.0.1:8080/v1#model-name"
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


@dataclass(frozen=True)
class LLMSpec:
    """A parsed `QA_LLM` value: which kind of model, its file or URL, and the model name."""

    kind: Literal["llamacpp", "openai"]
    target: str
    model: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}" + (f"#{self.model}" if self.model else "")


def parse_llm_spec(spec: str) -> LLMSpec:
    """Parse `llamacpp:PATH` or `openai:URL[#MODEL]`; `ConfigError` names what is wrong."""
    kind, sep, rest = spec.strip().partition(":")
    if not sep or not rest:
        raise ConfigError(f"QA_LLM={spec!r} is not a model spec: {_EXAMPLES}")
    if kind == "llamacpp":
        path = Path(rest).expanduser()
        if not path.is_file():
            raise ConfigError(f"QA_LLM: no GGUF model file at {path}; give the path of a .gguf")
        return LLMSpec("llamacpp", str(path.resolve()))
    if kind == "openai":
        url, _, model = rest.partition("#")
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"QA_LLM: {url!r} is not an http(s) URL; {_EXAMPLES}")
        if not model.strip():
            raise ConfigError(f"QA_LLM={spec!r} names no model: add #MODEL-NAME after the URL")
        return LLMSpec("openai", url.rstrip("/"), model)
    raise ConfigError(f"QA_LLM={spec!r}: unknown kind {kind!r}; {_EXAMPLES}")


class LlamaCppChat(BaseChatModel):
    """A LangChain chat model over `llama_cpp.Llama`: a local GGUF file on the CPU.

    A thin wrapper of our own: langchain_community's `ChatLlamaCpp` lives in a package that is
    being retired. The model loads on first use; one generation runs at a time per instance.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 0
    timeout: float = 120.0  # seconds to wait for the model (busy with another question) and
    # to write one answer
    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "max_tokens": self.max_tokens}

    def _client(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ConfigError(
                    "QA_LLM=llamacpp:… needs llama-cpp-python: pip install -e '.[llm]'"
                ) from None
            self._llama = Llama(
                model_path=self.model_path, n_ctx=self.n_ctx, seed=self.seed, verbose=False
            )
        return self._llama

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        return {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stop": stop,
        }

    def _acquire(self) -> float:
        """Take the model (one generation at a time); returns the deadline of this answer."""
        if not self._lock.acquire(timeout=self.timeout):
            raise LLMBusyError(
                f"the model {Path(self.model_path).name} stayed busy with other "
                f"questions for {self.timeout:g} s; try again"
            )
        return time.monotonic() + self.timeout

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        deadline = self._acquire()
        try:
            chunks = self._client().create_chat_completion(
                **self._request(messages, stop), stream=True
            )
            for chunk in chunks:
                if time.monotonic() > deadline:
                    raise LLMError(
                        f"the model {Path(self.model_path).name} did not finish in "
                        f"{self.timeout:g} s; raise QA_LLM_TIMEOUT or lower "
                        "QA_LLM_MAX_TOKENS"
                    )
                text = chunk["choices"][0]["delta"].get("content") or ""
                if not text:
                    continue
                gen = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager is not None:
                    run_manager.on_llm_new_token(text, chunk=gen)
                yield gen
        except ValueError as exc:  # llama.cpp: the prompt does not fit the context window
            raise LLMError(
                f"the model {Path(self.model_path).name} refused the prompt: {exc} "
                "(lower QA_TOP_K or raise QA_LLM_CONTEXT)"
            ) from None
        finally:
            self._lock.release()


def make_chat_model(spec: LLMSpec, settings: Settings) -> BaseChatModel:
    """The chat model of `spec`, with the token limit and timeout of `settings`."""
    if spec.kind == "llamacpp":
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError("QA_LLM=llamacpp:… needs llama-cpp-python: pip install -e '.[llm]'")
        return LlamaCppChat(
            model_path=spec.target,
            max_tokens=settings.llm_max_tokens,
            n_ctx=settings.llm_context,
            timeout=settings.llm_timeout,
        )
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise ConfigError(
            "QA_LLM=openai:… needs langchain-openai: pip install -e '.[llm]'"
        ) from None
    return ChatOpenAI(
        base_url=spec.target,
        model=spec.model,
        api_key=settings.llm_api_key or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=0,
        temperature=0.0,
        max_tokens=settings.llm_max_tokens,
    )


@functools.cache
def _failure_types() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """The exception types of a model that timed out, and of a server that can't be reached:
    Python's and httpx's, and the `openai` client's where it is installed (the `llm` extra)."""
    import httpx

    timeouts: list[type[BaseException]] = [TimeoutError, httpx.TimeoutException]
    unreachable: list[type[BaseException]] = [ConnectionError]
    if importlib.util.find_spec("openai") is not None:
        import openai

        timeouts.append(openai.APITimeoutError)  # a subclass of APIConnectionError: asked first
        unreachable.append(openai.APIConnectionError)
    return tuple(timeouts), tuple(unreachable)


def _timed_out(exc: Exception) -> bool:
    return isinstance(exc, _failure_types()[0])


def _unreachable(exc: Exception) -> bool:
    return isinstance(exc, _failure_types()[1])


def server_failed(exc: Exception) -> bool:
    """Whether `exc` says the model's server is down or timed out (not a bad reply)."""
    return _timed_out(exc) or _unreachable(exc)


def as_llm_error(exc: Exception, chat_model: BaseChatModel) -> LLMError:
    """One clear line for a failure of `chat_model`: server down, timeout, anything else."""
    url = getattr(chat_model, "openai_api_base", None) or getattr(chat_model, "model_path", "")
    name = type(exc).__name__
    if _timed_out(exc):
        return LLMError(
            f"the language model at {url} did not answer in time ({name}); raise "
            "QA_LLM_TIMEOUT, or use a smaller model"
        )
    if _unreachable(exc):
        return LLMError(
            f"cannot reach the language model server at {url} ({exc}); start it, or "
            "fix or unset QA_LLM"
        )
    return LLMError(f"the language model at {url} failed: {name}: {exc}")
