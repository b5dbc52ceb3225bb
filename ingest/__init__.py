"""Ingest: read documents (files, JSONL corpora, links, feeds) and cut them into
content-addressed chunks with their provenance. Writing them into the store is `qa`'s
(`QA.ingest`, `QA.add_uploads`, `QA.add_links`)."""

from ingest.chunking import chunk_document
from ingest.links import fetch_links
from ingest.loaders import Skipped, load_file, load_jsonl_documents, load_paths

__all__ = [
    "Skipped",
    "chunk_document",
    "fetch_links",
    "load_file",
    "load_jsonl_documents",
    "load_paths",
]
