"""Ingest: load documents (files, links, feeds), chunk them and embed them into a
`qa.ChunkStore`."""

from ingest.links import ingest_links
from ingest.loaders import Skipped, load_file, load_jsonl_documents, load_paths
from ingest.pipeline import IngestReport, gone_under, ingest_documents, ingest_paths

__all__ = [
    "IngestReport",
    "Skipped",
    "gone_under",
    "ingest_documents",
    "ingest_links",
    "ingest_paths",
    "load_file",
    "load_jsonl_documents",
    "load_paths",
]
