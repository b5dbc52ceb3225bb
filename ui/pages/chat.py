"""Chat page: ask, read the cited passages, vote. All answering happens in `qa`."""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterator

import streamlit as st

from qa import Answer, QAError
from qa.answering.answer_text import UNSUPPORTED
from qa.store.feedback import FeedbackLog
from ui.messages import Message
from ui.resources import corpus_stats, escape_md, feedback_log, open_qa

VOTES = {0: "down", 1: "up"}  # st.feedback("thumbs") values
DOCUMENTS_PAGE = "pages/documents.py"


def render_sources(answer: Answer, show_scores: bool = False) -> None:
    """The numbered sources of an answer, each passage with its quoted sentence highlighted."""
    if show_scores:
        st.caption(f"answer score {answer.score:.2f}")
    for c in (c.shown() for c in answer.citations):  # no server path
        about = "".join(f" · {x}" for x in (c.site, c.published, c.page and f"page {c.page}") if x)
        with st.expander(f"\\[{c.n}\\] {escape_md(c.title)}{escape_md(about)}", expanded=c.n == 1):
            score = f" · passage score {c.score:.2f}" if show_scores else ""
            st.caption(escape_md(f"{c.source} · characters {c.start}–{c.end}{score}"))
            before, quote, after = answer.quote_in_passage(c)
            st.markdown(
                # One line of escaped HTML: no blank line can end the HTML block and let the
                # rest of the passage be read as Markdown.
                f"<div>{_as_html(before)}<mark>{_as_html(quote)}</mark>{_as_html(after)}</div>",
                unsafe_allow_html=True,  # every piece of document text is escaped
            )
            if c.also_in:
                st.caption(escape_md(c.also_in_line()))


def _as_html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def render_query(answer: Answer) -> None:
    """The query that was searched for, when it is not the question itself (a follow-up), and
    the publication dates searched among."""
    if answer.query and answer.query != answer.question:
        st.caption(escape_md(f"searched for: {answer.query}"))
    if answer.window:
        st.caption(escape_md(f"documents published {answer.window.describe()}"))


def render_answer(answer: Answer, show_scores: bool = False) -> None:
    """The answer, then its numbered sources (a not-found reply looks different)."""
    render_query(answer)
    if answer.status == "not_found":
        st.info(escape_md(answer.text), icon=":material/search_off:")
        return
    render_text(answer)
    render_sources(answer, show_scores)


def render_text(answer: Answer) -> None:
    """The answer text; sentences no passage backs carry an orange "unsupported" badge; an
    `uncertain` answer (weak evidence: the closest passage, under a caveat) is a warning box."""
    text = escape_md(answer.text).replace(escape_md(UNSUPPORTED), ":orange-badge[unsupported]")
    if answer.status == "uncertain":
        st.warning(text, icon=":material/help:")
        return
    st.markdown(text)
    if answer.status == "partial":
        st.caption("Sentences marked unsupported are not backed by the documents.")


def _vote(log: FeedbackLog, message: Message) -> None:
    """Append the thumbs vote on `message` to the feedback log."""
    value = st.session_state.get(f"vote-{message.id}")
    try:
        log.record(message.answer, VOTES.get(value), turn=message.id)  # type: ignore[arg-type]
    except QAError as exc:
        st.toast(escape_md(str(exc)), icon=":material/error:")
    else:
        st.toast("Thanks: your vote is saved." if value is not None else "Vote taken back.")


def render_votes(m: Message, log: FeedbackLog) -> None:
    """Thumbs up and down under an answer."""
    st.feedback("thumbs", key=f"vote-{m.id}", on_change=_vote, args=(log, m))


def stream_answer(pieces: Iterator[str | Answer], show_scores: bool = False) -> Answer:
    """Show the answer text as the answerer writes it; returns the finished `Answer`.

    The first piece comes once retrieval is done, under a spinner; `QAError`s propagate. The
    streamed text stays; a not-found reply is then replaced by its distinct look.
    """
    with st.spinner("Searching the documents…"):
        first = next(pieces)
    done: list[Answer] = []
    streamed: list[str] = []

    def text() -> Iterator[str]:
        for piece in itertools.chain([first], pieces):
            if isinstance(piece, Answer):
                done.append(piece)
            else:
                streamed.append(piece)
                yield escape_md(piece)

    query_slot, answer_slot = st.empty(), st.empty()
    with answer_slot.container():
        st.write_stream(text())
    answer = done[-1]
    if answer.status == "not_found":
        with answer_slot.container():
            render_answer(answer)
        return answer
    # A written answer, now checked, shows the checked text; an uncertain one its caveat box.
    if "".join(streamed) != answer.text or answer.status == "uncertain":
        with answer_slot.container():
            render_text(answer)
    with query_slot.container():
        render_query(answer)
    render_sources(answer, show_scores)
    return answer


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def main() -> None:
    st.title("Ask the documents")
    st.caption("Answers come only from the ingested documents, each claim with its source.")
    qa = open_qa()
    if qa is None:
        return
    settings = qa.settings
    log = feedback_log(settings)
    try:
        n_docs, n_chunks, last = corpus_stats(qa, repr(settings))
    except QAError as exc:  # e.g. the Chroma server stopped
        st.error(escape_md(str(exc)))
        return
    with st.sidebar:
        st.subheader("Documents")
        st.caption(
            f"{_n(n_docs, 'document')} · {_n(n_chunks, 'chunk')} · "
            f"collection `{settings.collection}`"
        )
        if last:
            st.caption(f"last ingest {last}")
        st.page_link(DOCUMENTS_PAGE, label="Add or remove documents", icon=":material/upload_file:")
        st.subheader("Settings")
        st.caption(
            escape_md(
                f"answers written by {settings.llm}, each sentence checked"
                if settings.llm
                else "answers quoted from the documents"
            )
        )
        k = st.slider("passages to search", 1, 50, settings.top_k)
        since = st.date_input("published since", value=None, format="YYYY-MM-DD")
        until = st.date_input("published until", value=None, format="YYYY-MM-DD")
        as_of = st.date_input(
            "as of",
            value="today",
            format="YYYY-MM-DD",
            help="the date that 'this week', 'yesterday', 'latest' … in a "
            "question are counted from",
        )
        show_scores = st.toggle("show scores", value=False)
        if st.button("New chat", icon=":material/add_comment:"):
            st.session_state["messages"] = []
    if n_docs == 0:
        where = settings.chroma_url or settings.persist_dir
        msg = f"Nothing is ingested yet in {where} (collection {settings.collection})."
        st.warning(escape_md(msg))
        st.markdown("Add documents on the Documents page, or run `qa ingest seeds/`.")
        return

    messages: list[Message] = st.session_state.setdefault("messages", [])
    for m in messages:
        with st.chat_message(m.role):
            if m.answer is not None:
                render_answer(m.answer, show_scores)
                render_votes(m, log)
            elif m.error:
                st.error(escape_md(m.text))
            else:
                st.text(m.text)

    if prompt := st.chat_input("Ask a question about the documents"):
        with st.chat_message("user"):
            st.text(prompt)
        history = [m.answer for m in messages if m.answer is not None]
        with st.chat_message("assistant"):
            try:
                pieces = qa.stream(prompt, history, k=k, since=since, until=until, as_of=as_of)
                answer = stream_answer(iter(pieces), show_scores)
            except QAError as exc:
                reply = Message("assistant", str(exc), error=True)
                st.error(escape_md(str(exc)))
            else:
                reply = Message("assistant", answer.text, answer=answer)
                render_votes(reply, log)
        # Both turns are kept only once the answer is complete: a run cut short by a new
        # question leaves no unanswered turn behind.
        messages.extend([Message("user", prompt), reply])


main()
