"""Stores made before the manifest (or the source records): their documents' states read from
every chunk's metadata, and the manifest and records built from it, once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.types import Provenance
from qa.store.collection import ChunkCollection
from qa.store.manifest import DocEntry, DocState, Manifest
from qa.store.records import DAY_KEY
from qa.store.sources import SourceLog, SourceRecord

__all__ = ["migrate", "scan_doc_states"]


def scan_doc_states(chroma: ChunkCollection) -> dict[str, DocState]:
    """Per document id: its state, found by reading every chunk's metadata (what the manifest
    is migrated from; slow on a large store)."""
    hashes: dict[str, set[str]] = {}
    expected: dict[str, int] = {}
    ids: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    undated: set[str] = set()  # stored before dates could be filtered: written again
    for chunk_id, _, meta in chroma.records(["metadatas"]):
        doc_id = str(meta["doc_id"])
        sources[doc_id] = str(meta.get("source", ""))
        if meta.get("published") and DAY_KEY not in meta:
            undated.add(doc_id)
        hashes.setdefault(doc_id, set()).add(str(meta.get("doc_hash", "")))
        expected[doc_id] = int(meta.get("doc_chunks", -1))
        ids.setdefault(doc_id, []).append(chunk_id)
    return {
        d: DocState(
            doc_hash=next(iter(hashes[d])) if len(hashes[d]) == 1 else "",
            chunks=len(ids[d]),
            complete=len(hashes[d]) == 1 and expected[d] == len(ids[d]) and d not in undated,
            source=sources[d],
        )
        for d in ids
    }


def migrate(chroma: ChunkCollection, manifest: Manifest, sources: SourceLog) -> None:
    """Build the manifest (and, where none is kept, the source records) from the chunks'
    metadata: once, for a store made before there was a manifest."""
    docs: dict[str, Mapping[str, Any]] = {}
    pages: dict[str, int] = {}
    for _, _, meta in chroma.records(["metadatas"]):
        doc_id = str(meta["doc_id"])
        docs[doc_id] = meta
        pages[doc_id] = max(pages.get(doc_id, 0), int(meta.get("page") or 0))
    states = scan_doc_states(chroma) if docs else {}
    entries = [
        DocEntry.from_metadata(  # source, title, dates... as the chunk has them
            m,
            doc_id=d,
            doc_hash=states[d].doc_hash,
            chunks=states[d].chunks,
            pages=pages[d] or None,
            complete=states[d].complete,
        )
        for d, m in docs.items()
    ]
    manifest.put(entries)
    unrecorded = sources.missing(list(docs))
    sources.put(
        [
            SourceRecord(
                **Provenance.fields_of(e),
                doc_hash=e.doc_hash,
                page_starts=None if e.pages else (),
            )
            for e in entries
            if e.doc_id in unrecorded
        ]
    )
    manifest.mark_ready()
