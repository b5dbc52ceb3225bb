"""One provenance value object: each field declared once, and the stored and printed formats
as they were before it (the literals below are what the code before `Provenance` wrote), so
stores made by older versions open and API clients see the same fields."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

import pytest

from core.types import (
    Attribution,
    Chunk,
    Citation,
    DocumentInfo,
    OtherSource,
    Passage,
    Provenance,
    SourceDocument,
)
from qa.store.manifest import DocEntry
from qa.store.records import chunk_from_record, record_metadata
from qa.store.sources import SourceRecord

FULL = {
    "doc_id": "d",
    "source": "/x/a.pdf",
    "title": "T",
    "published": "2025-10-29",
    "section": "World",
    "site": "Herald",
    "author": "Ann",
    "name": "a.pdf",
}
AT = "2026-01-01T00:00:00+00:00"
FULL_CHUNK = Chunk(
    **FULL, chunk_id="c1", index=2, start=10, end=20, text="0123456789", doc_hash="h", page=3
)
PLACE = {"index": 0, "start": 0, "end": 5, "text": "abcde"}
BARE_CHUNK = Chunk(chunk_id="c2", doc_id="e", source="/x/b.txt", title="", **PLACE)
ODD_DATE = Chunk(
    chunk_id="c3", doc_id="f", source="/x/c.txt", title="C", published="Oct 2025", **PLACE
)


@pytest.mark.parametrize(
    ("chunk", "stored"),
    [
        (
            FULL_CHUNK,
            {
                "author": "Ann",
                "doc_chunks": 4,
                "doc_hash": "h",
                "doc_id": "d",
                "end": 20,
                "index": 2,
                "ingested_at": AT,
                "name": "a.pdf",
                "page": 3,
                "published": "2025-10-29",
                "published_day": 20251029,
                "section": "World",
                "site": "Herald",
                "source": "/x/a.pdf",
                "start": 10,
                "title": "T",
            },
        ),
        (
            BARE_CHUNK,
            {
                "doc_chunks": 4,
                "doc_hash": "",
                "doc_id": "e",
                "end": 5,
                "index": 0,
                "ingested_at": AT,
                "published": "",
                "section": "",
                "source": "/x/b.txt",
                "start": 0,
                "title": "",
            },
        ),
        (
            ODD_DATE,
            {
                "doc_chunks": 4,
                "doc_hash": "",
                "doc_id": "f",
                "end": 5,
                "index": 0,
                "ingested_at": AT,
                "published": "Oct 2025",
                "published_day": 0,
                "section": "",
                "source": "/x/c.txt",
                "start": 0,
                "title": "C",
            },
        ),
    ],
)
def test_chunk_metadata_is_stored_as_before(chunk: Chunk, stored: dict[str, object]) -> None:
    assert record_metadata(chunk, 4, AT) == stored
    assert chunk_from_record(chunk.chunk_id, chunk.text, stored) == chunk


def test_manifest_entries_are_stored_as_before() -> None:
    full = DocEntry(**FULL, doc_hash="h", chunks=4, ingested_at="2026", pages=2, complete=False)
    bare = DocEntry(doc_id="g", source="s", title="", doc_hash="h", chunks=1, ingested_at="")
    stored = {
        full: {
            "author": "Ann",
            "chunks": 4,
            "doc_hash": "h",
            "ingested_at": "2026",
            "name": "a.pdf",
            "pages": 2,
            "published": "2025-10-29",
            "section": "World",
            "site": "Herald",
            "source": "/x/a.pdf",
            "state": "pending",
            "title": "T",
        },
        bare: {
            "chunks": 1,
            "doc_hash": "h",
            "ingested_at": "",
            "source": "s",
            "state": "ok",
            "title": "",
        },
    }
    for entry, meta in stored.items():
        assert entry.to_metadata() == meta
        assert DocEntry.from_metadata(meta, doc_id=entry.doc_id) == entry
        info = entry.info()
        assert type(info) is DocumentInfo and set(asdict(info)) == {
            *FULL,
            "chunks",
            "ingested_at",
            "pages",
        }


def test_source_records_are_stored_as_before() -> None:
    doc = SourceDocument(**FULL, text="x" * 30, dateline="Paris —", page_starts=(0, 10))
    record = SourceRecord.of(doc, "h")
    assert json.loads(json.dumps(asdict(record))) == {
        "doc_id": "d",
        "source": "/x/a.pdf",
        "title": "T",
        "doc_hash": "h",
        "published": "2025-10-29",
        "section": "World",
        "dateline": "Paris —",
        "site": "Herald",
        "author": "Ann",
        "page_starts": [0, 10],
        "name": "a.pdf",
    }
    assert record.document(doc.text) == doc


def test_a_citation_prints_the_fields_it_printed_before() -> None:
    passage = Passage(FULL_CHUNK, 0.123456, duplicates=(BARE_CHUNK,))
    printed = Citation.of(1, passage, "3456", 13, 17, support=0.5).shown().to_dict()
    assert printed == {
        "n": 1,
        "doc_id": "d",
        "source": "a.pdf",
        "title": "T",
        "published": "2025-10-29",
        "chunk_id": "c1",
        "text": "0123456789",
        "quote": "3456",
        "start": 13,
        "end": 17,
        "score": 0.1235,
        "support": 0.5,
        "site": "Herald",
        "page": 3,
        "name": "a.pdf",
        "also_in": [
            {
                "doc_id": "e",
                "source": "b.txt",
                "title": "",
                "site": None,
                "published": None,
                "chunk_id": "c2",
                "name": None,
            },
        ],
    }
    assert next(iter(printed)) == "n"


def test_each_provenance_field_is_declared_once() -> None:
    records = (SourceDocument, Chunk, DocumentInfo, Citation, OtherSource, SourceRecord, DocEntry)
    declared = [name for cls in (Attribution, Provenance) for name in cls.__annotations__]
    assert sorted(declared) == sorted(FULL)
    for cls in records:
        assert issubclass(cls, Attribution)
        assert not set(cls.__annotations__) & set(declared), cls
        assert all(f.kw_only for f in fields(cls)), cls


def test_a_citation_names_its_source_without_section_or_author() -> None:
    assert {f.name for f in fields(Citation)} >= {f.name for f in fields(Attribution)}
    assert not {"section", "author"} & {f.name for f in fields(Citation)}
    assert Provenance.fields_of(FULL_CHUNK) == FULL
    assert Provenance.from_metadata(FULL_CHUNK.to_metadata()) == Provenance(**FULL)
