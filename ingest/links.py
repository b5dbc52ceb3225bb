"""Links and feeds into the store: what `qa ingest URL… --feed URL`, the Documents page and
`POST /v1/documents/links` all call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import httpx

from ingest.chunking import TokenCounter
from ingest.feeds import read_feed
from ingest.loaders import Skipped
from ingest.pipeline import IngestReport, ingest_documents
from ingest.web import load_urls
from qa.core.settings import Settings
from qa.core.types import SourceDocument
from qa.store.chunks import ChunkStore

__all__ = ["fetch_links", "ingest_links"]


def fetch_links(
    urls: Sequence[str],
    feeds: Sequence[str],
    client: httpx.Client,
    settings: Settings,
    in_store: Callable[[str], bool],
) -> tuple[list[SourceDocument], list[Skipped], list[str]]:
    """Fetch the pages of `urls` and the new or changed entries of `feeds`: the documents, the
    links skipped (with why), and the links of feed entries left alone as unchanged."""
    docs, skipped = load_urls(urls, client, settings)
    unchanged: list[str] = []
    for feed in feeds:
        run = read_feed(feed, client, settings, in_store)
        docs.extend(run.docs)
        skipped.extend(run.skipped)
        unchanged.extend(run.unchanged)
    return docs, skipped, unchanged


def ingest_links(
    urls: Sequence[str],
    store: ChunkStore,
    count_tokens: TokenCounter,
    settings: Settings,
    client: httpx.Client,
    *,
    feeds: Sequence[str] = (),
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Fetch links and feeds with `client` and ingest what they hold (see `ingest_documents`);
    a link that cannot be used is in the report's `skipped`, and the others are still added."""
    docs, skipped, unchanged = fetch_links(urls, feeds, client, settings, store.has_document)
    report = ingest_documents(
        docs,
        store,
        count_tokens,
        settings,
        skipped=skipped,
        progress=False,
        on_progress=on_progress,
    )
    return replace(report, unchanged=report.unchanged + len(unchanged))
