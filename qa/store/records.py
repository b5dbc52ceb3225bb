"""The one mapping between a `Chunk` and its record in Chroma: its text, and its provenance as
flat metadata (Chroma keeps no None, so absent values are left out or stored as "")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from core.dates import as_date, day_number
from core.types import Chunk, DateWindow

if TYPE_CHECKING:
    from chromadb import Where

__all__ = ["DAY_KEY", "chunk_from_record", "chunk_metadata", "record_metadata", "where_filter"]

DAY_KEY = "published_day"  # the publication date as the number YYYYMMDD (0: no ISO date)


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """The chunk's provenance and place as metadata: what `chunk_from_record` reads back."""
    # A date that is no ISO date is stored as day 0: matched by no window, and not taken for
    # a chunk stored before days were (see `qa.store.migration.scan_doc_states`).
    date = as_date(chunk.published)
    dated = {DAY_KEY: (day_number(date) if date else 0)} if chunk.published else {}
    return {
        # Stores have always held published and section, "" when absent.
        **chunk.to_metadata(blank={"published", "section"}),
        **({"page": chunk.page} if chunk.page else {}),
        **dated,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "doc_hash": chunk.doc_hash,
    }


def record_metadata(chunk: Chunk, doc_chunks: int, ingested_at: str) -> dict[str, Any]:
    """The metadata a chunk is stored with: its provenance, how many chunks its document has
    (to tell a partly written document) and when it was ingested."""
    return {**chunk_metadata(chunk), "doc_chunks": doc_chunks, "ingested_at": ingested_at}


def chunk_from_record(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    """The `Chunk` of a stored record (the inverse of `chunk_metadata`)."""
    return Chunk.from_metadata(
        meta,
        chunk_id=chunk_id,
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        doc_hash=str(meta.get("doc_hash", "")),
        page=int(meta["page"]) if meta.get("page") else None,
    )


def where_filter(window: DateWindow | None) -> Where | None:
    """The Chroma metadata filter of `window` (None when it is open at both ends). Chunks
    without a date never match a window."""
    if not window:
        return None
    parts: list[Where] = []
    if window.since:
        parts.append(cast("Where", {DAY_KEY: {"$gte": day_number(window.since)}}))
    if window.until:
        parts.append(cast("Where", {DAY_KEY: {"$lte": day_number(window.until)}}))
    return parts[0] if len(parts) == 1 else {"$and": parts}
