"""Links and feeds into the store: what `qa ingest URL… --feed URL`, the Documents page and
`POST /v1/documents/links` all call (through `QA.add_links`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import httpx

from core.settings import Settings
from ingest.chunking import TokenCounter
from ingest.links import fetch_links
from qa.documents.pipeline import IngestReport, ingest_documents
from qa.store.chunks import ChunkStore

__all__ = ["ingest_links"]


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
