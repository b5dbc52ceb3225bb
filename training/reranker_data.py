"""The open data the reranker is trained and measured on (SelQA, QNLI dev, WikiQA test), read
from the shared data folder and split, and the training pairs made from it."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.text import normalize
from qa.answering.cross_encoder import pair_text
from qa.evaluation.splits import bucket

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
