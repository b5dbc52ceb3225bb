"""The shipped cross-encoder: it loads, it ranks, its provenance names it, it fails in one line,
and the question path runs it without torch."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import ModelError
from qa.answering.cross_encoder import (
    DEFAULT_MODEL_DIR,
    MODEL_FILE,
    PROVENANCE_FILE,
    TOKENIZER_FILE,
    CrossEncoder,
    pair_text,
)
from qa.answering.ranker import RankerModel
from tests.conftest import SEEDS

MAX_BYTES = 25 * 1024 * 1024


def test_the_model_scores_a_right_sentence_above_wrong_ones() -> None:
    ce = CrossEncoder()
    question = "What is the capital of Australia?"
    right = "Canberra is the capital city of Australia, chosen as a compromise in 1908."
    wrong = [
        "Sydney is the largest city in Australia and home to its famous opera house.",
        "The capital of Canada is Ottawa, on the south bank of the Ottawa River.",
        "Australia's population passed 27 million in 2024.",
    ]
    # Without titles, as its QNLI pairs were trained.
    scores = ce.score(question, [pair_text(t) for t in [right, *wrong]])
    assert scores[0] > max(scores[1:]), scores


def test_the_provenance_file_matches_the_model() -> None:
    about = json.loads((DEFAULT_MODEL_DIR / PROVENANCE_FILE).read_text(encoding="utf-8"))
    model = DEFAULT_MODEL_DIR / MODEL_FILE
    assert hashlib.sha256(model.read_bytes()).hexdigest() == about["sha256"]
    tok = (DEFAULT_MODEL_DIR / TOKENIZER_FILE).read_bytes()
    assert hashlib.sha256(tok).hexdigest() == about["tokenizer_sha256"]
    assert model.stat().st_size == about["bytes"] <= MAX_BYTES
    # What it was trained on, with licences; WikiQA (research only) never trained on.
    assert {"selqa", "qnli", "wikiqa"} <= set(about["data"])
    assert "never training" in about["data"]["wikiqa"]["use"]
    assert about["seed"] and about["hyper_parameters"] and about["comparison_on_validation"]
    assert about["report"]["selqa_report_articles"]["questions"] > 0


def test_the_cross_encoder_is_used_when_configured(toy_embeddings) -> None:
    from core.settings import Settings
    from qa.answering.ranker import CROSS_ENCODER_MODEL_PATH
    from qa.service import default_answerer

    assert RankerModel.load(CROSS_ENCODER_MODEL_PATH).uses("ce")
    assert not RankerModel.load().uses("ce")  # the default: the ablation did not keep it
    on = default_answerer(Settings(reranker="cross-encoder"), toy_embeddings)
    off = default_answerer(Settings(), toy_embeddings)
    assert isinstance(on.reranker, CrossEncoder) and on.rerank_top == 12  # type: ignore[attr-defined]
    assert off.reranker is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_model_is_one_line_naming_the_fix(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "models"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    if damage == "missing":
        (folder / MODEL_FILE).unlink()
    else:
        (folder / MODEL_FILE).write_bytes(b"not an onnx model" * 100)
    with pytest.raises(ModelError) as err:
        CrossEncoder(folder).score("a question?", ["a sentence."])
    message = str(err.value)
    assert "\n" not in message and "make train-reranker" in message
    assert str(folder / MODEL_FILE) in message


def test_scoring_nothing_loads_nothing(tmp_path: Path) -> None:
    ce = CrossEncoder(tmp_path / "nowhere")
    assert ce.score("a question?", []) == []  # no file read, no error


# Asks one question through the CLI, then says which model runtimes the process imported.
_PROBE = (
    "import sys\n"
    "from cli import main\n"
    "code = main(sys.argv[1:])\n"
    "heavy = ('torch', 'sentence_transformers', 'transformers')\n"
    "print('imported:', sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.mark.slow
def test_qa_ask_with_the_cross_encoder_imports_no_torch(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QA_PERSIST_DIR": str(tmp_path / "store"),
        "HF_HUB_OFFLINE": "1",
        "QA_RERANKER": "cross-encoder",
    }
    ingest = subprocess.run(
        [sys.executable, "-m", "cli", "ingest", "--no-progress", str(SEEDS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert ingest.returncode == 0, ingest.stderr
    asked = subprocess.run(
        [sys.executable, "-c", _PROBE, "ask", "--json", "Why might China be reluctant to help?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert asked.returncode == 0, asked.stderr
    assert "imported: []" in asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["citations"], answer
