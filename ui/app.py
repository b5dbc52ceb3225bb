"""Chat with your documents: `streamlit run ui/app.py`. All answering happens in `qa`."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field

import streamlit as st

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from qa import QA, Answer, QAError, Settings
from qa.errors import CollectionNotFoundError, StoreNotFoundError


@dataclass(frozen=True)
class Message:
    """One chat turn kept in `st.session_state.messages`."""

    role: str  # "user" or "assistant"
    text: str
    answer: Answer | None = None
    error: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@st.cache_resource(show_spinner="Loading the embedding model and the document store…")
def load_qa(settings: Settings) -> QA:
    """One `QA` (model and store) per process, shared by every session."""
    return QA.from_settings(settings)


@st.cache_data(ttl=30, show_spinner=False)
def corpus_stats(_qa: QA, collection: str) -> tuple[int, int, str]:
    """Documents, chunks and the last ingest time of the collection (cached for 30 s)."""
    docs = _qa.documents()
    last = max((d.ingested_at for d in docs), default="")
    return len(docs), sum(d.chunks for d in docs), last.replace("T", " ").replace("+00:00", " UTC")


def render_answer(answer: Answer, show_scores: bool = False) -> None:
    """The answer, then its numbered sources with the quoted sentence highlighted."""
    if answer.query and answer.query != answer.question:
        st.caption(f"searched for: {answer.query}")
    if answer.status == "not_found":
        st.info(answer.text, icon=":material/search_off:")
        return
    st.markdown(_escape_md(answer.text))
    if show_scores:
        st.caption(f"answer score {answer.score:.2f}")
    for c in answer.citations:
        date = f" · {c.published}" if c.published else ""
        with st.expander(f"[{c.n}] {c.title}{date}", expanded=c.n == 1):
            score = f" · passage score {c.score:.2f}" if show_scores else ""
            st.caption(f"{c.source} · characters {c.start}–{c.end}{score}")
            before, after = _around(answer, c.chunk_id, c.start, c.end, c.text, c.quote)
            st.markdown(
                f"<div>{html.escape(before)}<mark>{html.escape(c.quote)}</mark>"
                f"{html.escape(after)}</div>",
                unsafe_allow_html=True,  # every piece of document text is escaped above
            )


def _around(
    answer: Answer, chunk_id: str, start: int, end: int, text: str, quote: str
) -> tuple[str, str]:
    """The passage text before and after the quote, placed by its offsets."""
    for p in answer.passages:
        if p.chunk.chunk_id == chunk_id and p.chunk.start <= start <= end <= p.chunk.end:
            a, b = start - p.chunk.start, end - p.chunk.start
            return text[:a], text[b:]
    before, _, after = text.partition(quote)
    return before, after


def _escape_md(text: str) -> str:
    """Show text as text: escape Markdown and HTML specials."""
    text = html.escape(text, quote=False)
    for ch in "\\`*_{}[]()#+-.!|~>$":
        text = text.replace(ch, "\\" + ch)
    return text


def main() -> None:
    st.set_page_config(page_title="cited-qa", page_icon="📰")
    st.title("Ask the documents")
    st.caption("Answers come only from the ingested documents, each claim with its source.")
    try:
        qa = load_qa(Settings.from_env())
    except (StoreNotFoundError, CollectionNotFoundError) as exc:
        st.warning(f"Nothing is ingested yet. {exc}")
        st.code("qa ingest seeds/", language="bash")
        return
    except QAError as exc:
        st.error(str(exc))
        return

    settings = qa.settings
    with st.sidebar:
        n_docs, n_chunks, last = corpus_stats(qa, settings.collection)
        st.subheader("Documents")
        st.caption(f"{n_docs} documents · {n_chunks} chunks · collection `{settings.collection}`")
        if last:
            st.caption(f"last ingest {last}")
        st.subheader("Settings")
        k = st.slider("passages to search", 1, 10, min(settings.top_k, 10))
        show_scores = st.toggle("show scores", value=False)
        if st.button("New chat", icon=":material/add_comment:"):
            st.session_state["messages"] = []

    messages: list[Message] = st.session_state.setdefault("messages", [])
    for m in messages:
        with st.chat_message(m.role):
            if m.answer is not None:
                render_answer(m.answer, show_scores)
            elif m.error:
                st.error(m.text)
            else:
                st.text(m.text)

    if prompt := st.chat_input("Ask a question about the documents"):
        messages.append(Message("user", prompt))
        with st.chat_message("user"):
            st.text(prompt)
        history = [m.answer for m in messages if m.answer is not None]
        with st.chat_message("assistant"):
            try:
                with st.spinner("Searching the documents…"):
                    answer = qa.ask(prompt, history, k=k)
            except QAError as exc:
                messages.append(Message("assistant", str(exc), error=True))
                st.error(str(exc))
            else:
                messages.append(Message("assistant", answer.text, answer=answer))
                render_answer(answer, show_scores)


main()
