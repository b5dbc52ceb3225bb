"""Real OpenAI clients of `/v1/chat/completions`: the official `openai` package and LangChain's
`ChatOpenAI`, streaming and not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import serve_qa

pytestmark = pytest.mark.slow
SUMMIT = "Where will the summit take place?"


def _client(url: str, key: str = "not-needed") -> Any:
    from openai import OpenAI

    return OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=120)


def test_openai_client_gets_the_answer_with_sources(url: str) -> None:
    completion = _client(url).chat.completions.create(
        model="cited-qa", messages=[{"role": "user", "content": SUMMIT}]
    )
    content = completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop" and completion.model == "cited-qa"
    text, sources = content.split("\n\nSources:\n")
    assert "Singapore" in text and text.endswith("[1]")
    assert sources.startswith("[1] Trump Seeks China’s Help") and "2025-10-29" in sources
    cited = completion.model_extra["cited_qa"]  # the whole answer, for clients that read it
    assert cited["answer"] == text and cited["status"] == "answered"
    c = cited["citations"][0]
    assert " ".join(c["quote"].split()) in sources  # on one line, spaces made plain
    assert {"start", "end", "doc_id", "source"} <= c.keys()


def test_openai_client_streams_the_same_content(url: str) -> None:
    client = _client(url)
    messages = [{"role": "user", "content": SUMMIT}]
    whole = client.chat.completions.create(model="cited-qa", messages=messages)
    chunks = list(client.chat.completions.create(model="cited-qa", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    streamed = "".join(ch.choices[0].delta.content or "" for ch in chunks)
    assert streamed == whole.choices[0].message.content and len(chunks) > 5
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["cited_qa"]["citations"] == whole.model_extra["cited_qa"]["citations"]


def test_earlier_user_turns_are_the_history(url: str) -> None:
    completion = _client(url).chat.completions.create(
        model="cited-qa",
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "Who is Ukraine's president?"},
            {"role": "assistant", "content": "Volodymyr Zelensky. [1]"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What does he insist any peace deal must include?"}
                ],
            },
        ],
    )
    cited = completion.model_extra["cited_qa"]
    assert "Ukraine" in cited["query"] and "withdrawal" in completion.choices[0].message.content


def test_models_and_errors_through_the_client(url: str) -> None:
    import openai

    client = _client(url)
    assert [m.id for m in client.models.list()] == ["cited-qa"]
    with pytest.raises(openai.BadRequestError, match="the question is empty"):
        client.chat.completions.create(model="cited-qa", messages=[{"role": "user", "content": ""}])
    with pytest.raises(openai.BadRequestError, match="k must be a whole number from 1 to 50"):
        client.chat.completions.create(
            model="cited-qa", extra_body={"k": 0}, messages=[{"role": "user", "content": SUMMIT}]
        )
    with pytest.raises(openai.BadRequestError, match="limit is 1000"):
        long = [{"role": "user", "content": "x" * 1001}]
        client.chat.completions.create(model="cited-qa", stream=True, messages=long)


def test_a_declined_question_has_no_sources(url: str) -> None:
    off_topic = [{"role": "user", "content": "Which team won the 1998 World Cup?"}]
    completion = _client(url).chat.completions.create(model="cited-qa", messages=off_topic)
    assert completion.choices[0].message.content == "The documents don't answer this question."
    assert completion.model_extra["cited_qa"]["status"] == "not_found"


def test_the_key_is_the_clients_api_key(seeded_qa: Any) -> None:
    import openai

    with serve_qa(seeded_qa, api_key="sk-local-7d1e") as base:
        with pytest.raises(openai.AuthenticationError, match="missing or wrong API key"):
            _client(base, "sk-wrong").models.list()
        reply = _client(base, "sk-local-7d1e").chat.completions.create(
            model="cited-qa", messages=[{"role": "user", "content": SUMMIT}]
        )
        assert "Singapore" in reply.choices[0].message.content


def test_langchain_chat_openai_invokes_and_streams(url: str) -> None:
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url=f"{url}/v1", api_key="not-needed", model="cited-qa", max_retries=0)  # type: ignore[arg-type]
    reply = chat.invoke(SUMMIT)
    assert "Singapore" in reply.text and "\n\nSources:\n[1] " in reply.text
    streamed = "".join(chunk.text for chunk in chat.stream(SUMMIT))
    assert streamed == reply.text
    follow = chat.invoke(
        [
            ("human", "Who is Ukraine's president?"),
            ("ai", "Zelensky. [1]"),
            ("human", "What does he insist a peace deal must include?"),
        ]
    )
    assert "withdrawal" in follow.text
