"""Unit tests of the API's own small pieces: chat messages, sources, errors, readiness, flags."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api.backend import LOADING, Backend
from api.chat import conversation, reply_text
from api.errors import status_of
from api.guard import is_loopback, is_wildcard
from api.schemas import ChatMessage
from qa import (
    Answer,
    Citation,
    ConfigError,
    DocumentNotFoundError,
    IngestError,
    LLMBusyError,
    LLMError,
    QuestionError,
    Settings,
    StoreNotFoundError,
    StoreUnavailableError,
)


def _messages(*pairs: tuple[str, Any]) -> list[ChatMessage]:
    return [ChatMessage(role=role, content=content) for role, content in pairs]


def test_the_last_user_message_is_the_question() -> None:
    question, history = conversation(
        _messages(
            ("system", "Be brief."),
            ("user", "Who is Ukraine's president?"),
            ("assistant", "Z. [1]"),
            (
                "user",
                [
                    {"type": "text", "text": "What does he "},
                    {"type": "image_url"},
                    {"type": "text", "text": "insist on?"},
                ],
            ),
        )
    )
    assert question == "What does he insist on?" and history == ["Who is Ukraine's president?"]
    with pytest.raises(QuestionError, match="no user message"):
        conversation(_messages(("system", "Be brief."), ("assistant", "Hello")))


def test_the_reply_is_the_answer_then_its_sources() -> None:
    c = Citation(
        n=1,
        doc_id="d",
        source="/s.txt",
        title="Summit",
        published="2025-10-29",
        chunk_id="c",
        text="…",
        quote="It is in\u00a0Singapore.\n",
        start=3,
        end=24,
        score=0.5,
    )
    answer = Answer(
        question="Where?", text="It is in Singapore. [1]", status="answered", citations=(c,)
    )
    assert reply_text(answer) == (
        "It is in Singapore. [1]\n\nSources:\n[1] Summit, 2025-10-29: “It is in Singapore.”"
    )
    declined = Answer(
        question="Who?", text="The documents don't answer this question.", status="not_found"
    )
    assert reply_text(declined) == declined.text


@pytest.mark.parametrize(
    ("exc", "status", "type_"),
    [
        (QuestionError("the question is empty"), 400, "invalid_request_error"),
        (ConfigError("k must be a whole number"), 400, "invalid_request_error"),
        (IngestError("'x.exe' is not a supported file"), 400, "invalid_request_error"),
        (DocumentNotFoundError("no document 'x'"), 404, "not_found_error"),
        (StoreUnavailableError("the Chroma server stopped answering"), 503, "service_unavailable"),
        (LLMBusyError("the model stayed busy"), 503, "service_unavailable"),
        (LLMError("the model failed"), 503, "service_unavailable"),
        (RuntimeError("secret /path/in/message"), 500, "server_error"),
    ],
)
def test_errors_map_to_one_status_and_line(exc: Exception, status: int, type_: str) -> None:
    got, body = status_of(exc)
    error = body["error"]
    assert (got, error["type"]) == (status, type_)
    if status == 500:  # nothing of an unexpected error's text leaves the server
        assert error == {
            "message": "unexpected error: RuntimeError (see the server's log)",
            "type": "server_error",
            "code": None,
        }
    else:
        assert error["message"] == str(exc) and error["code"] == type(exc).__name__


class _FakeStore:
    def __init__(self, chunks: int) -> None:
        self.chunks = chunks

    def count(self) -> int:
        return self.chunks


class _FakeQA:
    def __init__(self, chunks: int = 4) -> None:
        self.store = _FakeStore(chunks)
        self.settings = Settings(collection="my-docs", persist_dir=Path("/srv/qa/chroma"))


def _loading(backend: Backend) -> threading.Thread:
    loader = threading.Thread(target=backend.load, daemon=True)
    loader.start()
    return loader


def test_readiness_says_why_and_the_load_is_tried_again() -> None:
    attempts: list[int] = []
    store_up = threading.Event()

    def factory() -> _FakeQA:
        attempts.append(1)
        if len(attempts) == 3:
            store_up.wait(timeout=30)
            return _FakeQA()
        raise StoreUnavailableError("cannot reach the Chroma server at http://127.0.0.1:9")

    backend = Backend(factory, retry_seconds=0.01)  # type: ignore[arg-type]
    assert backend.readiness() == (LOADING, None) and not attempts  # it never loads by itself
    loader = _loading(backend)
    _eventually(lambda: len(attempts) == 3)
    assert backend.readiness().reason == "cannot reach the Chroma server at http://127.0.0.1:9"
    store_up.set()
    loader.join(timeout=30)
    assert backend.readiness() == (None, None) and len(attempts) == 3
    assert isinstance(backend.loaded, _FakeQA)


def test_readiness_hides_an_unexpected_failure_and_warns_of_an_empty_collection() -> None:
    def broken() -> _FakeQA:
        raise RuntimeError("secret /path/in/message")

    backend = Backend(broken, retry_seconds=30)  # type: ignore[arg-type]
    loader = _loading(backend)
    _eventually(lambda: backend.reason != LOADING)
    assert backend.readiness().reason == (
        "loading the model or the store failed: RuntimeError (see the server's log)"
    )
    backend.stop()
    loader.join(timeout=30)
    assert not loader.is_alive()  # stopped, not sleeping out its 30 s

    empty = Backend(lambda: _FakeQA(chunks=0))  # type: ignore[arg-type, return-value]
    empty.load()
    reason, warning = empty.readiness()
    assert reason is None and warning == (
        "the collection 'my-docs' at /srv/qa/chroma is empty: upload documents "
        "(POST /v1/documents), or check QA_PERSIST_DIR, QA_CHROMA_URL and QA_COLLECTION"
    )


def _eventually(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the bound"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--host", "0.0.0.0"], {}, "refusing to serve on 0.0.0.0 without an API key"),
        (["--host", "example.org"], {}, "refusing to serve on example.org"),
        (["--host", "::"], {}, "refusing to serve on ::"),
        (["--port", "70000"], {}, "--port must be between 1 and 65535, got 70000"),
        ([], {"QA_API_KEY": "a key"}, "QA_API_KEY must be visible ASCII"),
        ([], {"QA_LLM": "llamacpp:/no/such.gguf"}, "no GGUF model file at /no/such.gguf"),
    ],
)
def test_serve_refuses_before_listening(
    args: list[str],
    env: dict[str, str],
    needle: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    from cli import main

    def listened(*args: Any, **kwargs: Any) -> None:
        pytest.fail("qa serve started a server instead of refusing")

    monkeypatch.setattr(uvicorn, "run", listened)
    monkeypatch.delenv("QA_API_KEY", raising=False)  # a refusal must not depend on the shell
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


@pytest.mark.parametrize(
    ("host", "loopback", "wildcard"),
    [
        ("127.0.0.1", True, False),
        ("127.8.0.2", True, False),
        ("localhost", True, False),
        ("LocalHost", True, False),
        ("::1", True, False),
        ("[::1]", True, False),
        ("0.0.0.0", False, True),
        ("::", False, True),
        ("[::]", False, True),
        ("192.168.1.5", False, False),
        ("localhost.example.org", False, False),
        ("", False, False),
    ],
)
def test_loopback_and_wildcard_addresses(host: str, loopback: bool, wildcard: bool) -> None:
    assert (is_loopback(host), is_wildcard(host)) == (loopback, wildcard)


@pytest.mark.parametrize(
    ("host", "env", "hosts"),
    [
        ("127.0.0.1", {}, ()),
        ("192.168.1.5", {}, ("192.168.1.5",)),
        ("0.0.0.0", {}, ("*",)),
        ("::", {"QA_ALLOWED_HOSTS": "qa.lan"}, ("qa.lan",)),
    ],
)
def test_serve_answers_to_the_names_of_its_address(
    host: str, env: dict[str, str], hosts: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from cli import main

    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    monkeypatch.setenv("QA_API_KEY", "k-units")
    monkeypatch.delenv("QA_ALLOWED_HOSTS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--host", host]) == 0
    settings = served["app"].state.settings
    assert served["host"] == host and settings.allowed_hosts == hosts
    assert settings.cpu_threads == 1  # the API's default: its requests run in parallel


def test_the_api_keeps_a_thread_count_that_is_set() -> None:
    from api import create_app

    assert create_app(Settings(cpu_threads=2)).state.settings.cpu_threads == 2


def test_readyz_and_errors_name_no_server_folder() -> None:
    """Over a real uvicorn: a store missing at an absolute folder, then an empty one."""
    import httpx

    from api import create_app
    from api.errors import hide_paths
    from tests.servers import uvicorn_thread

    def missing() -> _FakeQA:
        raise StoreNotFoundError("no document store at /srv/secret/chroma: ingest documents first")

    settings = Settings(persist_dir=Path("/srv/secret/chroma"))
    for factory, status in ((missing, 503), (lambda: _FakeQA(chunks=0), 200)):
        with uvicorn_thread(create_app(settings, qa_factory=factory)) as base:
            _eventually(lambda b=base: "still loading" not in httpx.get(f"{b}/readyz").text)
            r = httpx.get(f"{base}/readyz")
            assert r.status_code == status and "/srv" not in r.text, r.text
            assert "(a path on the server)" in r.text
    assert hide_paths("see http://example.org/a/b and POST /v1/documents") == (
        "see http://example.org/a/b and POST /v1/documents"
    )
