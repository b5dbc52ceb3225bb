"""The ONNX backend against the torch one, with the real model: the same vectors, the export
kept and re-made only for another model, the fallback, and a quiet library."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.store.embeddings import LocalEmbeddings, packaged_model_path
from qa.store.onnx_model import onnx_path, prepare_onnx
from tests.conftest import SEED_QUESTIONS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def torch_embeddings() -> LocalEmbeddings:
    return LocalEmbeddings(backend="torch")


def test_onnx_vectors_equal_the_torch_ones(seed_qa, torch_embeddings: LocalEmbeddings) -> None:
    chunks = [c.text for c in seed_qa.store.chunks()]
    lines = SEED_QUESTIONS.read_text().splitlines()[:12]
    queries = [json.loads(x).get("question") or json.loads(x)["turns"][-1] for x in lines]
    onnx = seed_qa.embeddings
    long_text = "The summit of the two leaders. " * 80  # past the 256-piece window: truncated
    texts = [*chunks, long_text, "Busan", "  “Curly”\u00a0quotes  "]

    a = np.array(onnx.embed_documents(texts))
    b = np.array(torch_embeddings.embed_documents(texts))
    assert onnx.loaded_backend == "onnx" and torch_embeddings.loaded_backend == "torch"
    assert len(chunks) >= 3 and a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() >= 0.9999
    q_onnx = np.array([onnx.embed_query(q) for q in queries])
    q_torch = np.array([torch_embeddings.embed_query(q) for q in queries])
    assert (q_onnx * q_torch).sum(axis=1).min() >= 0.9999
    # A text alone or in a padded batch gets the same vector.
    assert float(np.dot(onnx.embed_query(texts[-2]), a[-2])) >= 0.99999


def test_export_is_kept_and_made_again_for_another_model(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(packaged_model_path(), model)
    models = tmp_path / "models"
    made = prepare_onnx(model, models)
    assert made.is_file() and made.parent == models and made.suffix == ".onnx"
    assert not list(models.glob(".*.tmp"))  # written to a temporary file, then renamed
    stamp = made.stat().st_mtime_ns
    assert prepare_onnx(model, models) == made and made.stat().st_mtime_ns == stamp

    embeddings = LocalEmbeddings(model, models_dir=models, threads=1)
    assert len(embeddings.embed_query("Where will the summit take place?")) == 384
    assert embeddings.loaded_backend == "onnx"

    config = model / "config.json"
    config.write_text(
        config.read_text().replace(
            '"hidden_dropout_prob": 0.1', '"x": 1, "hidden_dropout_prob": 0.1'
        )
    )
    assert onnx_path(model, models) != made  # another model version: another file


def test_a_failed_export_falls_back_to_torch_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the models folder should be")
    embeddings = LocalEmbeddings(models_dir=blocked)
    with caplog.at_level(logging.WARNING, logger="qa.store.embeddings"):
        assert len(embeddings.embed_query("Where will the summit take place?")) == 384
    assert embeddings.loaded_backend == "torch"
    (record,) = caplog.records
    message = record.getMessage()
    assert "\n" not in message and "using the torch backend" in message
    assert "QA_EMBEDDING_BACKEND=torch" in message


def test_threads_are_set_when_the_model_loads() -> None:
    embeddings = LocalEmbeddings(threads=1)
    assert len(embeddings.embed_query("Where will the summit take place?")) == 384
    options = embeddings._model()._session.get_session_options()  # type: ignore[attr-defined]
    assert options.intra_op_num_threads == 1


_LIBRARY_USE = """
import sys
from ingest.loaders import load_paths
from qa import Settings
from qa.evaluation.scratch import scratch_qa

settings = Settings(embedding_backend=sys.argv[1])
with scratch_qa(load_paths([sys.argv[2]])[0], settings) as scratch:
    print(scratch.qa.ask("Where will the summit take place?").text)
"""


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_library_use_is_quiet(backend: str) -> None:
    from tests.conftest import SEEDS

    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    done = subprocess.run(
        [sys.executable, "-c", _LIBRARY_USE, backend, str(SEEDS)],
        capture_output=True,
        text=True,
        env={**env, "HF_HUB_OFFLINE": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Singapore" in done.stdout
    assert "Loading weights" not in done.stderr and "it/s]" not in done.stderr, done.stderr
