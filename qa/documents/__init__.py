"""Writing the store: documents read by `ingest` chunked, embedded and added; uploads, links
and feeds; re-ingest, delete and rebuild; one writer at a time per collection (`StoreLock`).
Surfaces reach all of it through `QA` (`qa.documents.ops.DocumentOps`)."""
