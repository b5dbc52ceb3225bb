"""Documents page: upload files, fetch links and feeds, list what is ingested, re-ingest or
delete."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from core.types import shown_source
from qa import QA, UPLOAD_TYPES, DocumentInfo, IngestReport, QAError
from qa.documents.lock import STORE_WAIT
from ui.resources import corpus_stats, escape_md, open_qa


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None]]:
    """A Streamlit progress bar for `on_progress(done, total)`, removed when the work ends."""
    bar = st.progress(0.0, text="Reading the files…")

    def update(done: int, total: int) -> None:
        if total:
            bar.progress(done / total, text=f"Embedding: {done} of {total} chunks")

    try:
        yield update
    finally:
        bar.empty()


def _done(what: str, report: IngestReport | str) -> None:
    """Keep the outcome for the next run of the page (which clears the uploader)."""
    st.session_state["documents_outcome"] = (what, report)
    corpus_stats.clear()


def show_outcome() -> None:
    """The outcome of the last change: a summary, then one line per file left out."""
    outcome = st.session_state.pop("documents_outcome", None)
    if outcome is None:
        return
    what, report = outcome
    if what == "error":
        st.error(escape_md(report))
        return
    if isinstance(report, str):
        st.success(escape_md(f"{what}: {report}"))
        return
    done = report.added + report.updated + report.unchanged + report.removed
    (st.success if done else st.warning)(escape_md(f"{what}: {report.summary()}"))
    for s in report.skipped:
        st.warning(escape_md(f"{shown_source(s.path, None)}: {s.reason}"))
    for d in report.near_duplicates:
        st.info(
            escape_md(
                f"{shown_source(d.source, None)} repeats {shown_source(d.of, None)} "
                f"({d.similarity:.0%} alike): its passages "
                "are folded into one in answers"
            ),
            icon=":material/content_copy:",
        )
    if report.added or report.updated:
        st.page_link("pages/chat.py", label="Ask about them in the chat", icon=":material/chat:")


def _add(qa: QA, key: str) -> None:
    """Button callback: save and ingest the files of uploader `key`, then clear it."""
    data = [(f.name, f.getvalue()) for f in st.session_state.get(key) or ()]
    with _progress() as update:
        report = qa.add_uploads(data, on_progress=update, wait=STORE_WAIT)
    st.session_state["uploader_n"] += 1  # a fresh, empty uploader
    _done(f"Uploaded {len(data)} file{'' if len(data) == 1 else 's'}", report)


def _fetch(qa: QA) -> None:
    """Button callback: fetch the links and feed typed in, ingest them, then clear the fields."""
    urls = [u.strip() for u in st.session_state.get("links", "").splitlines() if u.strip()]
    feeds = [f] if (f := st.session_state.get("feed", "").strip()) else []
    with _progress() as update:
        report = qa.add_links(urls, feeds=feeds, on_progress=update, wait=STORE_WAIT)
    st.session_state["links"] = st.session_state["feed"] = ""
    n = len(urls) + len(feeds)
    _done(f"Fetched {n} link{'' if n == 1 else 's'}", report)


def _reingest(qa: QA, doc_ids: list[str]) -> None:
    """Button callback: read these documents' files again."""
    with _progress() as update:
        report = qa.reingest(doc_ids, on_progress=update, wait=STORE_WAIT)
    _done("Re-ingested", report)


def _delete(qa: QA, doc_ids: list[str]) -> None:
    """Button callback: remove these documents (and uploaded files)."""
    with qa.lock.held(STORE_WAIT):
        present = qa.store.doc_states(doc_ids).keys()  # another tab may have removed some
        gone = [d for d in dict.fromkeys(doc_ids) if d in present]
        try:
            removed = sum(qa.delete(d) for d in gone)  # the lock is held: no wait
        finally:
            corpus_stats.clear()
    _done("Deleted", f"{len(gone)} document(s), {removed} chunks")


def _guarded(action: Callable[..., None]) -> Callable[..., None]:
    """A callback that keeps a `QAError` for the page to show instead of raising it."""

    def run(*args: object) -> None:
        try:
            action(*args)
        except QAError as exc:
            st.session_state["documents_outcome"] = ("error", str(exc))

    return run


def upload_section(qa: QA) -> None:
    """Upload files, then ingest them with a progress bar."""
    settings = qa.settings
    st.subheader("Add documents")
    key = f"uploader-{st.session_state.setdefault('uploader_n', 0)}"
    files = st.file_uploader(
        "Text, Markdown or HTML files",
        type=list(UPLOAD_TYPES),
        accept_multiple_files=True,
        key=key,
        max_upload_size=max(1, math.ceil(settings.max_file_mb)),
        help=f"Up to {settings.max_file_mb:g} MB each; a file of the same name replaces the "
        "earlier upload.",
    )
    st.caption(f"Uploaded files are kept in `{settings.uploads}`.")
    st.button(
        "Add and ingest",
        type="primary",
        disabled=not files,
        icon=":material/upload:",
        on_click=_guarded(_add),
        args=(qa, key),
    )


def links_section(qa: QA) -> None:
    """Fetch news pages, PDFs and a feed by their links, and ingest them."""
    st.subheader("Add links")
    links = st.text_area(
        "Links to pages or PDFs, one a line",
        key="links",
        placeholder="https://example.org/news/story.html",
    )
    feed = st.text_input(
        "An RSS or Atom feed (its new or changed entries)",
        key="feed",
        placeholder="https://example.org/rss.xml",
    )
    st.caption(
        f"Each link may take {qa.settings.fetch_timeout:g} s and "
        f"{qa.settings.max_fetch_mb:g} MB; the text read from it is kept beside the "
        "store."
    )
    st.button(
        "Fetch and ingest",
        type="primary",
        disabled=not (links.strip() or feed.strip()),
        icon=":material/link:",
        on_click=_guarded(_fetch),
        args=(qa,),
    )


def _label(docs: dict[str, DocumentInfo]) -> Callable[[str], str]:
    return lambda d: f"{docs[d].title} ({docs[d].published or 'no date'})"


def list_section(qa: QA) -> None:
    """What is ingested, and re-ingest or delete chosen documents."""
    docs = {d.doc_id: d for d in qa.documents()}
    st.subheader(f"Ingested ({len(docs)})")
    if not docs:
        st.info("Nothing is ingested yet: add files above, or run `qa ingest seeds/`.")
        return
    st.dataframe(
        [
            {
                "title": d.title,
                "site": d.site,
                "published": d.published,
                "author": d.author,
                "section": d.section,
                "pages": d.pages,
                "chunks": d.chunks,
                "ingested": d.ingested_at.replace("T", " "),
                "source": d.shown().source,  # no server path
                "id": d.doc_id,
            }
            for d in docs.values()
        ],
        hide_index=True,
        column_config={"source": st.column_config.TextColumn("source")},  # shown, not a link
    )
    chosen = st.multiselect("Choose documents", list(docs), format_func=_label(docs))
    left, right = st.columns(2)
    left.button(
        "Re-ingest",
        disabled=not chosen,
        icon=":material/refresh:",
        help="Read the files and fetch the links again and update what changed",
        on_click=_guarded(_reingest),
        args=(qa, chosen),
    )
    with right.popover("Delete", disabled=not chosen, icon=":material/delete:"):
        st.write(
            f"Remove {len(chosen)} document(s) and their chunks? "
            "Uploaded files are deleted too; other files stay on disk."
        )
        st.button("Delete for good", type="primary", on_click=_guarded(_delete), args=(qa, chosen))


def main() -> None:
    st.title("Documents")
    qa = open_qa()
    if qa is None:
        return
    show_outcome()
    try:
        upload_section(qa)
        links_section(qa)
        list_section(qa)
    except QAError as exc:  # e.g. the Chroma server stopped
        st.error(str(exc))


main()
