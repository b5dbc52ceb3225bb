"""A temporary store, documents ingested into it, and a `QA` over it: what an eval run, the
bench scripts and tests need, in one place. Its folder is removed when the block ends."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings
from core.types import SourceDocument
from qa.documents.ops import SourceBatch
from qa.documents.pipeline import IngestReport
from qa.service import QA, load_embeddings, open_store
from qa.store.embeddings import EmbeddingModel

__all__ = ["Scratch", "scratch_folder", "scratch_qa"]


@dataclass(frozen=True)
class Scratch:
    """The `QA` over a temporary store, and what ingesting its documents did and took."""

    qa: QA
    report: IngestReport
    ingest_seconds: float


@contextmanager
def scratch_folder(prefix: str = "qa-scratch-") -> Iterator[Path]:
    """A temporary folder, removed with everything in it when the block ends."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)


@contextmanager
def scratch_qa(
    docs: Sequence[SourceDocument],
    settings: Settings | None = None,
    *,
    embeddings: EmbeddingModel | None = None,
    progress: bool | None = False,
) -> Iterator[Scratch]:
    """A `QA` over a local store in a temporary folder holding just `docs`, ingested and
    answered as `settings` say (default `Settings()`; its store location is replaced), with
    `embeddings` (default: the packaged model). The folder is removed when the block ends.

        with scratch_qa(load_corpus([Path("seeds")])) as scratch:
            print(scratch.qa.ask("Where will the summit take place?").text)
    """
    with scratch_folder() as folder:
        settings = (settings or Settings()).with_(persist_dir=folder / "store", chroma_url=None)
        embeddings = embeddings or load_embeddings(settings)
        qa = QA(open_store(settings, embeddings, create=True), embeddings, settings=settings)
        t0 = time.perf_counter()
        report = qa.ingest(SourceBatch(documents=tuple(docs)), progress=progress)
        seconds = time.perf_counter() - t0
        yield Scratch(qa, report, seconds)
