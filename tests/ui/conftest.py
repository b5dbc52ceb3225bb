"""Fixtures of the UI tests: real stores holding the seed article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

APP = str(ROOT / "ui" / "app.py")


def ingest_seeds(store: Path) -> Path:
    """Ingest `seeds/` into a new store at `store`."""
    from cli import main

    assert main(["ingest", "--no-progress", "--persist-dir", str(store), str(SEEDS)]) == 0
    return store


@pytest.fixture(scope="module")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the seed article, shared by the tests of a module that only read it."""
    return ingest_seeds(tmp_path_factory.mktemp("ui") / "store")


@pytest.fixture
def own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with the seed article for one test that changes it; the app is pointed at it."""
    store = ingest_seeds(tmp_path / "store")
    monkeypatch.setenv("QA_PERSIST_DIR", str(store))
    return store


def shown(markdown: str) -> str:
    """What the reader sees of Markdown escaped by `ui.resources.escape_md`."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")
