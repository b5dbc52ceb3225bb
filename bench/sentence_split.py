"""The hand-written sentence splitter (`core.text.sentence_spans`) beside pysbd's rule-based
one, on the seed article and the documents of the eval sets: how many sentences each finds,
where they disagree, and a sample of the disagreements to check by hand.

    pip install pysbd==0.3.4            # not a dependency of the project
    python bench/sentence_split.py [--show 40] [--seed 1]

A boundary is the end offset of a sentence (trailing whitespace trimmed). A disagreement is a
boundary one splitter has and the other has not; each is printed with the text around it.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

from core.text import sentence_spans
from ingest.loaders import load_jsonl_documents, load_paths

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
CORPORA = {
    "seed": ROOT / "seeds",
    "squad2": DATA / "squad2-dev-500/docs.jsonl",
    "hotpotqa": DATA / "hotpotqa-dev-500/docs.jsonl",
}


def ours(text: str) -> set[int]:
    return {e for _, e in sentence_spans(text)}


def pysbd_ends(segmenter: object, text: str) -> set[int]:
    ends = set()
    for span in segmenter.segment(text):  # type: ignore[attr-defined]
        end = span.end
        while end > span.start and text[end - 1].isspace():
            end -= 1
        if end > span.start:
            ends.add(end)
    return ends


def main() -> None:
    import pysbd

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--show", type=int, default=40, help="disagreements to print per corpus")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    rng = random.Random(args.seed)
    print(
        "| corpus | documents | characters | sentences (ours) | sentences (pysbd) | "
        "boundaries only ours | only pysbd | ms per 10k chars (ours / pysbd) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    samples = {}
    for name, path in CORPORA.items():
        docs = load_jsonl_documents(path) if path.suffix == ".jsonl" else load_paths([path])[0]
        n_ours = n_sbd = only_ours = only_sbd = chars = 0
        t_ours = t_sbd = 0.0
        found = []
        for d in docs:
            t0 = time.perf_counter()
            a = ours(d.text)
            t1 = time.perf_counter()
            b = pysbd_ends(segmenter, d.text)
            t2 = time.perf_counter()
            t_ours, t_sbd = t_ours + t1 - t0, t_sbd + t2 - t1
            chars += len(d.text)
            n_ours, n_sbd = n_ours + len(a), n_sbd + len(b)
            only_ours += len(a - b)
            only_sbd += len(b - a)
            found += [("ours", d.text, e) for e in sorted(a - b - {len(d.text.rstrip())})]
            found += [("pysbd", d.text, e) for e in sorted(b - a - {len(d.text.rstrip())})]
        per = 10_000 / max(chars, 1) * 1000
        print(
            f"| {name} | {len(docs)} | {chars:,} | {n_ours:,} | {n_sbd:,} | {only_ours:,} | "
            f"{only_sbd:,} | {t_ours * per:.1f} / {t_sbd * per:.1f} |"
        )
        samples[name] = rng.sample(found, min(args.show, len(found)))
    for name, picked in samples.items():
        print(f"\n### {name}: {len(picked)} disagreements, at random\n")
        for who, text, end in picked:
            before = " ".join(text[max(0, end - 60) : end].split())
            after = " ".join(text[end : end + 40].split())
            print(f"- only {who}: …{before} ‖ {after}…")


if __name__ == "__main__":
    main()
