"""Chat page: ask, read the cited passages, vote. All answering happens in `qa`."""

from __future__ import annotations

import html
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import streamlit as st

from qa import Answer, QAError
from ui.resources import corpus_stats, escape_md, feedback_log, open_qa

VOTES = {0: "down", 1: "up"}  # st.feedback("thumbs") values
DOCUMENTS_PAGE = "pages/documents.py"


@dataclass(frozen=True)
class Message:
    """One chat turn kept in `st.session_state.messages`."""

    role: str  # "user" or "assistant"
    text: str
    answer: Answer | None = None
    error: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def render_answer(answer: Answer, show_scores: bool = False) -> None:
    """The answer, then its numbered sources with the quoted sentence highlighted."""
    if answer.query and answer.query != answer.question:
        st.caption(f"searched for: {answer.query}")
    if answer.status == "not_found":
        st.info(answer.text, icon=":material/search_off:")
        return
    st.markdown(escape_md(answer.text))
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



def _vote(message: Message) -> None:
    """Append the thumbs vote on `message` to the feedback log."""
    value = st.session_state.get(f"vote-{message.id}")
    settings = st.session_state["qa_settings"]
    try:
        feedback_log(settings).record(message.answer, VOTES.get(value), turn=message.id)
    except QAError as exc:
        st.toast(str(exc), icon=":material/error:")
    else:
        st.toast("Thanks: your vote is saved." if value is not None else "Vote taken back.")


def render_message(m: Message, show_scores: bool) -> None:
    """One turn of the history."""
    if m.answer is not None:
        render_answer(m.answer, show_scores)
        st.feedback("thumbs", key=f"vote-{m.id}", on_change=_vote, args=(m,))
    elif m.error:
        st.error(m.text)
    else:
        st.text(m.text)


def stream_answer(pieces: Iterator[str | Answer]) -> Answer:
    """Show the answer text as it streams in; returns the finished `Answer`.

    The first piece comes once retrieval is done, under a spinner; `QAError`s propagate.
    """
    with st.spinner("Searching the documents…"):
        first = next(pieces)
    done: list[Answer] = []

    def text() -> Iterator[str]:
        for piece in itertools.chain([first], pieces):
            if isinstance(piece, Answer):
                done.append(piece)
            else:
                yield escape_md(piece)

    slot = st.empty()
    with slot.container():
        st.write_stream(text())
    slot.empty()  # replaced by the full answer with its sources
    return done[-1]


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def main() -> None:
    st.title("Ask the documents")
    st.caption("Answers come only from the ingested documents, each claim with its source.")
    qa = open_qa()
    if qa is None:
        return
    settings = st.session_state["qa_settings"] = qa.settings
    try:
        n_docs, n_chunks, last = corpus_stats(qa, repr(settings))
    except QAError as exc:  # e.g. the Chroma server stopped
        st.error(str(exc))
        return
    with st.sidebar:
        st.subheader("Documents")
        st.caption(f"{_n(n_docs, 'document')} · {_n(n_chunks, 'chunk')} · "
                   f"collection `{settings.collection}`")  # fmt: skip
        if last:
            st.caption(f"last ingest {last}")
        st.page_link(DOCUMENTS_PAGE, label="Add or remove documents", icon=":material/upload_file:")
        st.subheader("Settings")
        k = st.slider("passages to search", 1, 10, min(settings.top_k, 10))
        show_scores = st.toggle("show scores", value=False)
        if st.button("New chat", icon=":material/add_comment:"):
            st.session_state["messages"] = []
    if n_docs == 0:
        where = settings.chroma_url or settings.persist_dir
        st.warning(f"Nothing is ingested yet in {where} (collection `{settings.collection}`).")
        st.markdown("Add documents on the Documents page, or run `qa ingest seeds/`.")
        return

    messages: list[Message] = st.session_state.setdefault("messages", [])
    for m in messages:
        with st.chat_message(m.role):
            render_message(m, show_scores)

    if prompt := st.chat_input("Ask a question about the documents"):
        messages.append(Message("user", prompt))
        with st.chat_message("user"):
            st.text(prompt)
        history = [m.answer for m in messages if m.answer is not None]
        with st.chat_message("assistant"):
            try:
                answer = stream_answer(iter(qa.stream(prompt, history, k=k)))
            except QAError as exc:
                messages.append(Message("assistant", str(exc), error=True))
                st.error(str(exc))
            else:
                message = Message("assistant", answer.text, answer=answer)
                messages.append(message)
                render_message(message, show_scores)


main()
