"""Links and feeds fetched: the pages of links and the new or changed entries of feeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from core.settings import Settings
from core.types import SourceDocument
from ingest.feeds import read_feed
from ingest.loaders import Skipped
from ingest.web import load_urls

__all__ = ["fetch_links"]


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
