"""The API over a local GGUF model (SmolLM2-135M through llama-cpp-python): one answer at a time,
the others wait up to QA_LLM_TIMEOUT and then get 503; streamed chat shows the checked answer."""

from __future__ import annotations

import gc
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import one_line_error, serve_app, serve_qa, sse_events
from tests.conftest import SEEDS, smollm2_gguf

pytestmark = pytest.mark.slow
SUMMIT = "Where will the summit take place?"
EARLIER = "Who is Ukraine's president?"
FOLLOW_UP = "What does he insist any peace deal must include?"


@pytest.fixture(scope="module")
def llm_qa(seeded_qa: Any) -> Any:
    from qa import QA

    settings = seeded_qa.settings.with_(
        llm=f"llamacpp:{smollm2_gguf()}", llm_timeout=15, llm_max_tokens=64
    )
    return QA(seeded_qa.store, seeded_qa.embeddings, settings=settings)


def test_a_busy_model_is_503_after_the_timeout(llm_qa: Any) -> None:
    model = llm_qa.answerer.chat_model
    with serve_qa(llm_qa) as base, httpx.Client(base_url=base, timeout=120) as c:
        held = model.stream("Count from one to a hundred.")  # another question has the model
        next(held)
        try:
            r = c.post("/v1/ask", json={"question": SUMMIT})
            busy = f"the model {Path(model.model_path).name} stayed busy"
            error = one_line_error(r, 503, busy)
            assert error["code"] == "LLMBusyError" and "for 15 s; try again" in error["message"]
            # A follow-up is rewritten by the model first: it waits once, not for the rewrite
            # and again for the answer (generous bound: well under twice the timeout).
            start = time.monotonic()
            follow_up = c.post("/v1/ask", json={"question": FOLLOW_UP, "history": [EARLIER]})
            assert time.monotonic() - start < 1.6 * 15
            one_line_error(follow_up, 503, busy)
        finally:
            held.close()  # the model is free again
        r = c.post("/v1/ask", json={"question": SUMMIT})
        statuses = ("answered", "partial", "uncertain", "not_found")
        assert r.status_code == 200 and r.json()["status"] in statuses


def test_streamed_chat_ends_with_the_checked_answer(llm_qa: Any) -> None:
    from openai import OpenAI

    with serve_qa(llm_qa) as base:
        client = OpenAI(base_url=f"{base}/v1", api_key="-", max_retries=0, timeout=120)
        ask = [{"role": "user", "content": SUMMIT}]
        chunks = list(client.chat.completions.create(model="cited-qa", stream=True, messages=ask))
    content = "".join(ch.choices[0].delta.content or "" for ch in chunks)
    answer = chunks[-1].model_extra["cited_qa"]
    assert len(chunks) > 5 and chunks[-1].choices[0].finish_reason == "stop"
    # The model's words as they came; then, when the check changed them, the checked answer.
    written = content.split("\n\nSources:\n")[0]
    assert written.endswith(answer["answer"])
    assert (written == answer["answer"]) != ("\n\nChecked answer:\n" in written)
    for c in answer["citations"]:
        source = (SEEDS / c["source"]).read_text(encoding="utf-8")  # relative to seeds/
        assert source[c["start"] : c["end"]] == c["quote"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/ask/stream", {"question": SUMMIT}),
        (
            "/v1/chat/completions",
            {"stream": True, "messages": [{"role": "user", "content": SUMMIT}]},
        ),
    ],
)
def test_a_client_that_leaves_mid_stream_frees_the_model(
    llm_qa: Any, path: str, body: dict[str, Any]
) -> None:
    gc.disable()  # the model must be freed by the request's end, not by the garbage collector
    try:
        with serve_qa(llm_qa) as base:
            with (
                httpx.Client(base_url=base, timeout=120) as leaving,
                leaving.stream("POST", path, json=body) as r,
            ):
                assert r.status_code == 200
                assert next(sse_events(r.iter_lines()))[1].startswith("{")  # the first event
            # The model is free again well before QA_LLM_TIMEOUT (15 s): no 503 "busy".
            r = httpx.post(f"{base}/v1/ask", json={"question": SUMMIT}, timeout=120)
            assert r.status_code == 200, r.text
    finally:
        gc.enable()


def test_more_streams_than_worker_threads_answer_or_get_503(llm_qa: Any) -> None:
    """With 3 worker threads, 4 streams at once: each is answered or refused (503 busy), and
    none is starved of threads mid-stream by the questions waiting for the model."""
    import anyio

    from api import create_app

    app = create_app(llm_qa.settings, qa_factory=lambda: llm_qa)

    async def three_threads(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            anyio.to_thread.current_default_thread_limiter().total_tokens = 3
        await app(scope, receive, send)

    results: list[tuple[int, Any]] = []

    def client(base: str) -> None:
        with (
            httpx.Client(base_url=base, timeout=120) as c,
            c.stream("POST", "/v1/ask/stream", json={"question": SUMMIT}) as r,
        ):
            if r.status_code != 200:
                results.append((r.status_code, json.loads(r.read())["error"]["code"]))
                return
            events = list(sse_events(r.iter_lines()))
            results.append((200, [name for name, _ in events][-1]))

    with serve_app(three_threads) as base:
        threads = [threading.Thread(target=client, args=(base,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    assert len(results) == 4
    assert all(r in ((200, "answer"), (503, "LLMBusyError")) for r in results), results
    assert (200, "answer") in results


def test_a_stream_sends_each_piece_as_the_model_writes_it(
    llm_qa: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After its first token the model waits (up to 60 s) until the client has read an event:
    nothing is held back until the answer is finished."""
    from langchain_core.callbacks import BaseCallbackHandler

    client_read = threading.Event()
    tokens: list[str] = []
    waited_in_vain: list[str] = []

    class Gate(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            tokens.append(token)
            if len(tokens) == 2 and not client_read.wait(timeout=60):
                waited_in_vain.append(token)

    monkeypatch.setattr(llm_qa.answerer.chat_model, "callbacks", [Gate()])
    with (
        serve_qa(llm_qa) as base,
        httpx.Client(base_url=base, timeout=120) as c,
        c.stream("POST", "/v1/ask/stream", json={"question": SUMMIT}) as r,
    ):
        events = sse_events(r.iter_lines())
        first = next(events)
        client_read.set()
        rest = list(events)
    assert first[0] == "text" and json.loads(first[1])["text"] == tokens[0]
    assert rest[-1][0] == "answer" and len(tokens) > 2
    assert not waited_in_vain  # the first piece reached the client while the model wrote on
