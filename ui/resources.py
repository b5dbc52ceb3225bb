"""What the pages share: the model and store, loaded once per process, and small helpers."""

from __future__ import annotations

import html
import re
from pathlib import Path

import streamlit as st

from qa import QA, QAError, Settings
from qa.service import load_embeddings as _load_embeddings
from qa.store.embeddings import EmbeddingModel, stay_offline
from qa.store.feedback import FeedbackLog

stay_offline()  # before the model loads

_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|www)(?=://|\.)")

__all__ = [
    "corpus_stats",
    "escape_md",
    "feedback_log",
    "load_embeddings",
    "load_qa",
    "open_qa",
]


def load_embeddings(settings: Settings) -> EmbeddingModel:
    """The packaged embedding model, once per process (per backend, batch size and threads),
    shared by every page and session."""
    return _cached_embeddings(
        settings.embed_batch_size,
        settings.cpu_threads,
        settings.embedding_backend,
        settings.models_dir,
    )


@st.cache_resource(show_spinner="Loading the embedding model…")
def _cached_embeddings(
    batch_size: int, threads: int | None, backend: str, models_dir: Path
) -> EmbeddingModel:
    return _load_embeddings(
        Settings(
            embed_batch_size=batch_size,
            cpu_threads=threads,
            embedding_backend=backend,
            models_dir=models_dir,
        )
    )


@st.cache_resource(show_spinner="Opening the document store…")
def load_qa(settings: Settings) -> QA:
    """One `QA` per settings and process; the store is created empty if it does not exist yet,
    so that documents can be uploaded into it."""
    embeddings = load_embeddings(settings)
    embeddings.load(background=True)  # while the store opens (no-op once loaded)
    return QA.from_settings(settings, embeddings=embeddings, create=True)


@st.cache_resource
def feedback_log(settings: Settings) -> FeedbackLog:
    """The vote log (one per process, so that concurrent votes append whole lines)."""
    return FeedbackLog(settings.feedback_file)


def open_qa() -> QA | None:
    """The configured `QA`, or None after showing the error in the page."""
    try:
        return load_qa(Settings.from_env())
    except QAError as exc:
        st.error(escape_md(str(exc)))
        return None


@st.cache_data(ttl=30, show_spinner=False)
def corpus_stats(_qa: QA, key: str) -> tuple[int, int, str]:
    """Documents, chunks and the last ingest time of the store of `_qa` (`key` names it; cached
    for 30 s, `corpus_stats.clear()` after a change)."""
    docs = _qa.documents()
    last = max((d.ingested_at for d in docs), default="")
    return len(docs), sum(d.chunks for d in docs), last.replace("T", " ").replace("+00:00", " UTC")


def escape_md(text: str) -> str:
    """Show text as text: escape Markdown and HTML specials and the `:` of emoji shortcodes.

    Streamlit also turns bare URLs and e-mail addresses into links, escaped or not; an
    invisible word joiner (U+2060) after `http`, `https`, `ftp` or `www` and before `@` stops
    that. Works on whole words, so the pieces of a streamed text can be escaped one at a time.
    """
    text = _AUTOLINK.sub("\\1\u2060", text).replace("@", "\u2060@")
    text = html.escape(text, quote=False)
    for ch in "\\`*_{}[]()#+-.!|~>$:":
        text = text.replace(ch, "\\" + ch)
    return text
