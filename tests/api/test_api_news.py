"""News through the HTTP API (real uvicorn): links and feeds in, dates and as-of in answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import one_line_error, serve_qa
from tests.news_site import news_site

pytestmark = pytest.mark.slow


@pytest.fixture
def api(
    store: Any, embeddings: Any, settings: Any, tmp_path: Path
) -> Iterator[tuple[httpx.Client, str]]:
    """The API over an empty store of its own, and the base URL of the news site."""
    from qa import QA

    served = serve_qa(
        QA(store, embeddings, settings=settings.with_(max_fetch_mb=1.0, fetch_allow_private=True))
    )
    with (
        news_site(tmp_path / "site") as (site, _),
        served as base,
        httpx.Client(base_url=base, timeout=120) as client,
    ):
        yield client, site


def test_links_and_feeds_then_dates_in_answers(api: tuple[httpx.Client, str]) -> None:
    client, site = api
    body = {
        "urls": [
            f"{site}/storm-alba.html",
            f"{site}/storm-bran.html",
            f"{site}/big",
            f"{site}/council-report.pdf",
        ],
        "feeds": [f"{site}/feed.xml"],
    }
    r = client.post("/v1/documents/links", json=body)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["added"] == 5 and "5 added" in report["summary"]
    assert report["skipped"] == [
        {"path": f"{site}/big", "reason": "too large (3 MB > limit 1 MB; set QA_MAX_FETCH_MB)"}
    ]
    docs = {d["source"]: d for d in client.get("/v1/documents").json()["documents"]}
    alba = docs[f"{site}/storm-alba.html"]
    assert (alba["title"], alba["site"], alba["published"]) == (
        "Storm Alba floods Portmere harbour",
        "Coast Herald",
        "2025-03-03",
    )
    assert docs[f"{site}/council-report.pdf"]["pages"] == 2

    ask = {"question": "Which town did the latest storm hit?", "as_of": "2025-03-05"}
    answer = client.post("/v1/ask", json=ask).json()
    assert answer["window"]["as_of"] == "2025-03-05" and answer["window"]["latest"] is True
    assert answer["window"]["since"] == "2025-03-03"  # Alba's date: the newest before then
    bounded = client.post(
        "/v1/ask", json={"question": "Which town did Storm Bran hit?", "until": "2025-03-05"}
    ).json()
    assert bounded["window"] == {
        "since": None,
        "until": "2025-03-05",
        "phrase": None,
        "as_of": None,
        "latest": False,
    }
    assert all(c["published"] <= "2025-03-05" for c in bounded["citations"])
    sea_wall = [{"role": "user", "content": "How much will the sea wall repair cost?"}]
    chat = client.post("/v1/chat/completions", json={"messages": sea_wall}).json()
    assert (
        ", page 2: “The sea wall repair will cost 3.2 million pounds"
        in chat["choices"][0]["message"]["content"]
    )
    assert chat["cited_qa"]["citations"][0]["page"] == 2
    dated = client.post(
        "/v1/chat/completions", json={"messages": sea_wall, "since": "2025-01-01"}
    ).json()
    cited = dated["cited_qa"]["citations"]  # the report has no date: a date filter leaves it out
    assert all(c["source"] != f"{site}/council-report.pdf" for c in cited)

    one_line_error(client.post("/v1/ask", json={"question": "q", "since": "March"}), 422, "since")
    one_line_error(
        client.post(
            "/v1/ask", json={"question": "q", "since": "2025-03-05", "until": "2025-03-01"}
        ),
        400,
        "since 2025-03-05 is after until 2025-03-01",
    )
    again = client.post("/v1/documents/links", json=body).json()
    assert again["chunks_embedded"] == 0 and again["unchanged"] == 5
    gone = client.post("/v1/documents/links", json={"urls": [f"{site}/missing.html"]})
    one_line_error(gone, 400, f"{site}/missing.html: the server answered 404")
    reread = client.post("/v1/documents/reingest").json()
    assert reread["unchanged"] == 5 and reread["chunks_embedded"] == 0


def test_links_to_private_addresses_are_refused_by_default(
    store: Any, embeddings: Any, settings: Any, tmp_path: Path
) -> None:
    """An open port and a closed one on loopback, and cloud metadata: the same refusal, and
    the site on 127.0.0.1 is never asked."""
    from qa import QA
    from tests.servers import free_port

    closed = f"http://127.0.0.1:{free_port()}/secret"
    with (
        news_site(tmp_path / "site") as (site, agents),
        serve_qa(QA(store, embeddings, settings=settings)) as base,
    ):
        urls = [f"{site}/storm-alba.html", closed, "http://169.254.169.254/latest/meta-data/"]
        r = httpx.post(f"{base}/v1/documents/links", json={"urls": urls}, timeout=60)
        message = one_line_error(r, 400, "refused: ")["message"]
    assert agents == []
    reasons = {part.split(": ", 1)[1] for part in message.split("; http")}
    assert len(reasons) == 1 and reasons.pop().startswith("refused: the link's host is a private")
