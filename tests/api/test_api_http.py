"""The HTTP API over a real store, served by a real uvicorn on 127.0.0.1, spoken to with httpx."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import httpx
import pytest

from tests.api.conftest import one_line_error, read_stream, ready_within, serve_app, serve_qa
from tests.conftest import SEED_QUESTIONS, SEEDS

pytestmark = pytest.mark.slow
SUMMIT = "Where will the summit take place?"


def _without_timings(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "timings"}


def test_health_and_readiness(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_ask_returns_what_qa_ask_json_prints(client: httpx.Client, seeded_qa: Any) -> None:
    r = client.post("/v1/ask", json={"question": SUMMIT})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert _without_timings(body) == _without_timings(seeded_qa.ask(SUMMIT).shown().to_dict())
    assert body["status"] == "answered" and body["short"] == "Singapore"
    c = body["citations"][0]
    source = (SEEDS / c["source"]).read_text(encoding="utf-8")  # relative to the folder
    assert source[c["start"] : c["end"]] == c["quote"] and "Singapore" in c["quote"]
    assert set(body["timings"]) == {"retrieve_ms", "answer_ms", "total_ms"}


def test_the_documented_answer_schema_is_the_cli_json(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    answer = client.post("/v1/ask", json={"question": SUMMIT}).json()
    assert set(schema["AnswerOut"]["properties"]) == set(answer)
    assert set(schema["Citation"]["properties"]) == set(answer["citations"][0])


def test_the_openapi_page_needs_no_network(client: httpx.Client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    links = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)""", page.text)
    assert "/docs/assets/swagger-ui-bundle.js" in links and "://" not in page.text
    for link in links:
        if link.startswith("/"):
            assert client.get(link).status_code == 200, link


def test_history_and_k(client: httpx.Client) -> None:
    r = client.post(
        "/v1/ask",
        json={
            "question": "What does he insist any peace deal must include?",
            "history": ["Who is Ukraine's president?"],
            "k": 2,
        },
    )
    body = r.json()
    assert "Ukraine" in body["query"] and "withdrawal" in body["answer"]
    declined = client.post("/v1/ask", json={"question": "Which team won the 1998 World Cup?"})
    assert declined.json()["status"] == "not_found" and declined.json()["citations"] == []


def test_stream_is_text_then_the_whole_answer(client: httpx.Client) -> None:
    events = read_stream(client, "/v1/ask/stream", {"question": SUMMIT})
    names = [n for n, _ in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"text"} and len(names) > 3
    final = events[-1][1]
    assert "".join(d["text"] for _, d in events[:-1]) == final["answer"]
    whole = client.post("/v1/ask", json={"question": SUMMIT}).json()
    assert _without_timings(final) == _without_timings(whole)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "needle"),
    [
        (
            "POST",
            "/v1/ask",
            {"question": "   "},
            400,
            "the question is empty: type a question about the documents",
        ),
        ("POST", "/v1/ask", {"question": "x" * 1001}, 400, "the limit is 1000"),
        (
            "POST",
            "/v1/ask",
            {"question": "Hi?", "k": 0},
            400,
            "k must be a whole number from 1 to 50, got 0",
        ),
        ("POST", "/v1/ask", {"question": "Hi?", "k": "3"}, 422, "k: Input should be a valid"),
        ("POST", "/v1/ask", {}, 422, "question: Field required"),
        ("POST", "/v1/ask", {"question": "Hi?", "questoin": "x"}, 422, "questoin: Extra inputs"),
        (
            "POST",
            "/v1/ask",
            "{not json",
            422,
            "the body is not valid JSON: Expecting property "
            "name enclosed in double quotes (at character 1)",
        ),
        (
            "POST",
            "/v1/ask",
            {"question": "And he?", "history": ["x" * 1001, "Who?"]},
            400,
            "an earlier question is 1001 characters long; the limit is 1000",
        ),
        ("POST", "/v1/ask/stream", {"question": ""}, 400, "the question is empty"),
        (
            "POST",
            "/v1/chat/completions",
            {"messages": [{"role": "system", "content": "Hi"}]},
            400,
            "the chat has no user message",
        ),
        ("POST", "/v1/chat/completions", {"messages": []}, 422, "messages: List should have"),
        (
            "POST",
            "/v1/chat/completions",
            {
                "messages": [
                    {"role": "user", "content": "x" * 1001},
                    {"role": "user", "content": "And he?"},
                ]
            },
            400,
            "an earlier question is 1001 characters long",
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"stream": True, "messages": [{"role": "user", "content": " "}]},
            400,
            "the question is empty",
        ),
        ("POST", "/v1/documents/reingest", {"doc_ids": "abc"}, 422, "doc_ids: Input should be"),
        (
            "DELETE",
            "/v1/documents/0123456789abcdef",
            None,
            404,
            "no document '0123456789abcdef' in collection 'cited-qa'",
        ),
        ("GET", "/v1/nothing", None, 404, "Not Found"),
        ("GET", "/v1/ask", None, 405, "Method Not Allowed"),
    ],
)
def test_bad_input_is_one_clear_line(
    client: httpx.Client, method: str, path: str, body: Any, status: int, needle: str
) -> None:
    if isinstance(body, str):
        r = client.request(method, path, content=body, headers={"content-type": "application/json"})
    else:
        r = client.request(method, path, json=body)
    one_line_error(r, status, needle)


def test_bodies_over_the_limit_are_413(seeded_qa: Any) -> None:
    with serve_qa(seeded_qa, max_body_mb=0.01) as base, httpx.Client(base_url=base) as c:
        big = "x" * 20_000
        one_line_error(c.post("/v1/ask", json={"question": big}), 413, "over the 0.01 MB limit")
        files = {"files": ("big.txt", big.encode())}
        one_line_error(c.post("/v1/documents", files=files), 413, "raise QA_MAX_BODY_MB")
        chunked = (part.encode() for part in ['{"question": "', big, '"}'])  # no Content-Length
        r = c.post("/v1/ask", content=chunked, headers={"content-type": "application/json"})
        one_line_error(r, 413, "over the 0.01 MB limit")
        assert c.post("/v1/ask", json={"question": SUMMIT}).status_code == 200


def test_no_cors_unless_configured(client: httpx.Client, seeded_qa: Any) -> None:
    preflight = {"Origin": "http://app.test", "Access-Control-Request-Method": "POST"}
    refused = client.options("/v1/ask", headers=preflight)
    one_line_error(refused, 403, "requests from the web page of 'http://app.test' are refused")
    assert "access-control-allow-origin" not in refused.headers
    with serve_qa(seeded_qa, cors_origins=("http://app.test",)) as base:
        allowed = httpx.options(f"{base}/v1/ask", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "http://app.test"
        asked = httpx.post(
            f"{base}/v1/ask",
            json={"question": SUMMIT},
            headers={"Origin": "http://app.test"},
            timeout=60,
        )
        assert asked.status_code == 200
        assert asked.headers["access-control-allow-origin"] == "http://app.test"
        other = httpx.options(f"{base}/v1/ask", headers={**preflight, "Origin": "http://evil.test"})
        assert "access-control-allow-origin" not in other.headers


def test_web_pages_and_other_host_names_are_refused(
    client: httpx.Client, url: str, seeded_qa: Any
) -> None:
    before = client.get("/v1/documents").json()
    # A page of another site may post a form or an upload (no preflight): 403, nothing stored.
    evil = {"Origin": "http://evil.test"}
    upload = client.post(
        "/v1/documents", files={"files": ("poison.md", b"# Poison\n\nLies.\n")}, headers=evil
    )
    one_line_error(upload, 403, "add it to QA_CORS_ORIGINS")
    one_line_error(client.post("/v1/documents/reingest", headers=evil), 403, "evil.test")
    one_line_error(client.get("/healthz", headers={"Origin": "null"}), 403, "'null'")
    assert client.get("/v1/documents").json() == before
    # The API's own page (/docs) sends its own origin.
    same = client.post("/v1/ask", json={"question": SUMMIT}, headers={"Origin": url})
    assert same.status_code == 200
    # DNS rebinding: a page whose name now points at 127.0.0.1 sends that name as Host.
    port = url.rsplit(":", 1)[1]
    rebound = client.get("/v1/documents", headers={"Host": f"attacker.example:{port}"})
    one_line_error(rebound, 400, "the Host header 'attacker.example:")
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200
    with serve_qa(seeded_qa, allowed_hosts=("api.test",)) as base:
        named = httpx.get(f"{base}/v1/documents", headers={"Host": "api.test"})
        assert named.status_code == 200 and named.json() == before


def test_a_key_guards_every_endpoint_before_the_body_is_read(seeded_qa: Any) -> None:
    from api import create_app

    key = "test-key-5f2c9e"
    app = create_app(seeded_qa.settings.with_(api_key=key), qa_factory=lambda: seeded_qa)
    routes = [
        (method.upper(), re.sub(r"\{[^}]+\}", "0123456789abcdef", path))
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]
    assert len(routes) == 11
    with serve_app(app, key) as base, httpx.Client(base_url=base) as c:
        # Every endpoint but the OpenAPI page and schema (no data) and /healthz (probes).
        assert c.get("/healthz").json() == {"status": "ok"}
        for method, path in (r for r in routes if r[1] != "/healthz"):
            r = c.request(
                method, path, content="{not json", headers={"content-type": "application/json"}
            )
            error = one_line_error(r, 401, "missing or wrong API key")  # not 422: body unread
            assert error["type"] == "authentication_error"
            assert r.headers["www-authenticate"] == "Bearer"
        upload = c.post("/v1/documents", files={"files": ("big.txt", b"x " * 2_000_000)})
        one_line_error(upload, 401, "missing or wrong API key")
        wrong = c.post("/v1/ask", json={"question": SUMMIT}, headers={"Authorization": "Bearer x"})
        one_line_error(wrong, 401, "missing or wrong API key")
        basic = c.post("/v1/ask", json={"question": SUMMIT}, auth=("user", key))
        one_line_error(basic, 401, "missing or wrong API key")
        right = c.post(
            "/v1/ask",
            json={"question": SUMMIT},
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        assert right.status_code == 200 and right.json()["status"] == "answered"
        schema = c.get("/openapi.json").json()  # the schema and page hold no data
        assert "HTTPBearer" in schema["components"]["securitySchemes"]  # the page's Authorize
        assert c.get("/docs").status_code == 200
        assert c.get("/docs/assets/swagger-ui.css").status_code == 200
    closed = create_app(app.state.settings.with_(open_docs=False), qa_factory=lambda: seeded_qa)
    with serve_app(closed, key) as base, httpx.Client(base_url=base) as c:
        for path in ("/docs", "/openapi.json", "/readyz"):
            one_line_error(c.get(path), 401, "missing or wrong API key")
        assert c.get("/healthz").status_code == 200


def test_not_ready_while_loading_then_ready(seeded_qa: Any) -> None:
    from api import create_app
    from tests.servers import uvicorn_thread

    release = threading.Event()

    def slow_factory() -> Any:
        release.wait(timeout=60)
        return seeded_qa

    app = create_app(seeded_qa.settings, qa_factory=slow_factory)
    with uvicorn_thread(app) as base:
        one_line_error(httpx.get(f"{base}/readyz"), 503, "still loading")
        # A question does not wait for the load: 503 at once, as /readyz says.
        r = httpx.post(f"{base}/v1/ask", json={"question": SUMMIT}, timeout=60)
        one_line_error(r, 503, "not ready: still loading")
        release.set()
        ready_within(base, 60)
        r = httpx.post(f"{base}/v1/ask", json={"question": SUMMIT}, timeout=60)
        assert r.status_code == 200


def test_eight_clients_at_once_get_the_answers_one_client_gets(url: str) -> None:
    questions = [
        json.loads(line)["question"]
        for line in SEED_QUESTIONS.read_text(encoding="utf-8").splitlines()
        if "question" in json.loads(line)
    ][:5]
    with httpx.Client(base_url=url, timeout=120) as c:
        alone = {q: c.post("/v1/ask", json={"question": q}).json()["answer"] for q in questions}
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def client_run() -> None:
        with httpx.Client(base_url=url, timeout=120) as c:
            for q in questions:
                r = c.post("/v1/ask", json={"question": q})
                with lock:
                    results.append((q, r.status_code, r.json().get("answer", r.text)))

    threads = [threading.Thread(target=client_run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(results) == 8 * len(questions)
    assert all(status == 200 and answer == alone[q] for q, status, answer in results)


def test_no_server_path_in_answers_documents_or_readiness(client: httpx.Client) -> None:
    """The store was ingested from the absolute folder of the seeds: sources are shown
    relative to it; the absolute path stays in the store for re-ingest."""
    body = client.post("/v1/ask", json={"question": SUMMIT}).json()
    chat = client.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": SUMMIT}]}
    ).json()
    documents = client.get("/v1/documents").json()["documents"]
    streamed = read_stream(client, "/v1/ask/stream", {"question": SUMMIT})[-1][1]
    for answer in (body, chat["cited_qa"], streamed):
        assert answer["citations"] and all(
            not c["source"].startswith("/") for c in answer["citations"]
        )
    assert documents and all(not d["source"].startswith("/") for d in documents)
    assert str(SEEDS) not in json.dumps([body, chat, documents, streamed])
    assert str(SEEDS) not in client.get("/readyz").text
