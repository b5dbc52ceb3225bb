"""Work only where there is work (fast tier): the embedding model is not loaded until something
is embedded, `qa ingest` of unchanged or unreadable files loads none, and exits 1 when nothing
given could be ingested. Real processes, real stores; no model loads here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.loaders import load_paths
from qa.documents.pipeline import ingest_documents
from tests.conftest import SEEDS

# Runs the CLI, then says on stderr which model runtimes the process imported.
_PROBE = (
    "import sys\n"
    "from cli import main\n"
    "code = main(sys.argv[1:])\n"
    "heavy = ('torch', 'onnxruntime', 'sentence_transformers', 'transformers')\n"
    "print('imported:', sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _qa(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QA_PERSIST_DIR": str(store), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_model_loads_at_the_first_embedding_not_before() -> None:
    from qa.store.embeddings import LocalEmbeddings

    embeddings = LocalEmbeddings()
    assert embeddings.count_tokens("Where will the summit take place?") == 7
    assert embeddings.embed_documents([]) == []
    assert embeddings.loaded_backend is None  # nothing embedded, nothing loaded


def test_unchanged_files_load_no_model_and_exit_0(toy_store, settings) -> None:
    docs, _ = load_paths([SEEDS])
    ingest_documents(docs, toy_store, len, settings, progress=False)  # stored with the stand-in

    done = _qa(settings.persist_dir, "ingest", "--no-progress", str(SEEDS))
    assert done.returncode == 0, done.stderr
    assert "0 added, 0 updated, 1 unchanged, 0 skipped" in done.stdout
    assert "imported: []" in done.stderr


def test_nothing_ingestible_exits_1_with_its_summary(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (bad / "latin1.md").write_bytes("caf\xe9 cr\xe8me, d\xe9j\xe0 vu".encode("latin-1"))

    done = _qa(tmp_path / "store", "ingest", "--no-progress", str(bad))
    assert done.returncode == 1, done.stderr
    assert "3 documents: 0 added, 0 updated, 0 unchanged, 3 skipped" in done.stdout
    assert "none of the 3 documents given could be ingested" in done.stderr
    why = [line for line in done.stderr.splitlines() if line.startswith("skipped ")]
    assert len(why) == 3  # one line per file, saying why
    assert "imported: []" in done.stderr


@pytest.mark.slow  # embeds the seed article
def test_some_ingested_some_skipped_is_no_failure(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    done = _qa(tmp_path / "store", "ingest", "--no-progress", str(folder), str(SEEDS))
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout and "1 skipped" in done.stdout
