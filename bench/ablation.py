"""What each lever of the extractive answerer gives, on data nobody fitted on: the seed set
(measure only), the *report* halves of the SQuAD 2.0 and HotpotQA samples
(`qa.evaluation.splits`), SelQA's report articles and WikiQA test (`training/`).

    python bench/ablation.py                       # every set
    python bench/ablation.py --sets seed --limit 50

Answer variants (each adds one lever to the one before, except the last three):
- `before`: the answerer of the last release: the logistic ranker fitted without the
  cross-encoder (`bench/ranker_before_reranker.json`), label lines allowed as answers, no
  answers from metadata.
- `+ label lines, metadata`: a headline, date line or byline is no answer unless asked for;
  questions about the article's date, section or author are answered from its metadata.
- `default`: the ranker, answerability model and thresholds refitted on the fit halves
  (`qa/answering/ranker.json`, `bench/fit_ranker.py --exclude ce`).
- `+ cross-encoder`: the cross-encoder's score (`ce`) as a feature the fit may choose, the
  first 12 candidates scored (`qa/answering/ranker-cross-encoder.json`,
  `QA_RERANKER=cross-encoder`); `reading 4`: 4 candidates (the latency lever).
- `+ cross-encoder, no uncertain` and `+ cross-encoder, one sentence`: the `uncertain` band,
  and the second and third sentences, taken out.

`before` was fitted on the whole SQuAD and HotpotQA samples, report halves included, so its
figures there flatter it; the others never saw the report halves.

Sentence hit@1 (the best-scored candidate states a gold answer, over questions where one of the
candidates does): the cross-encoder alone, the bi-encoder (MiniLM cosine) alone, and the
mix (the sentence ranker of `QA_RERANKER=cross-encoder`), on the candidates it reads.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.types import Chunk, Passage  # noqa: E402
from ingest.loaders import load_jsonl_documents, load_paths  # noqa: E402
from qa import QA, Settings  # noqa: E402
from qa.answering.conversation import condense_query  # noqa: E402
from qa.answering.cross_encoder import CrossEncoder  # noqa: E402
from qa.answering.extractive import ExtractiveAnswerer  # noqa: E402
from qa.answering.ranker import RankerModel  # noqa: E402
from qa.evaluation.metrics import contains_answer  # noqa: E402
from qa.evaluation.questions import ask_question, load_questions  # noqa: E402
from qa.evaluation.scoring import score_answer, summarize  # noqa: E402
from qa.evaluation.scratch import scratch_qa  # noqa: E402
from qa.evaluation.splits import Split, in_split  # noqa: E402
from qa.store.embeddings import LocalEmbeddings, stay_offline  # noqa: E402
from training.reranker_data import load_selqa, load_wikiqa  # noqa: E402
from training.reranker_measures import hit_at_1  # noqa: E402

BEFORE = ROOT / "bench" / "ranker_before_reranker.json"
WITH_CE = ROOT / "qa" / "answering" / "ranker-cross-encoder.json"
# The shared data folder (../shared/data, or $CITED_QA_DATA): read there, never copied in.
DATA = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
# name: (documents, questions, half)
SETS: dict[str, tuple[Path, Path, Split | None]] = {
    "seed": (ROOT / "seeds", ROOT / "tests" / "data" / "seed_questions.jsonl", None),
    "squad2-report": (
        DATA / "squad2-dev-500/docs.jsonl",
        DATA / "squad2-dev-500/questions.jsonl",
        "report",
    ),
    "hotpotqa-report": (
        DATA / "hotpotqa-dev-500/docs.jsonl",
        DATA / "hotpotqa-dev-500/questions.jsonl",
        "report",
    ),
}
SENTENCE_SETS = ("selqa-report", "wikiqa-test")
ROWS = [
    ("recall@k", "retrieval recall@k"),
    ("evidence_cited_first", "evidence cited first"),
    ("contains_answer", "answer contains a gold answer"),
    ("answer_words_median", "answer words (median)"),
    ("wrongly_declined", "answerable wrongly declined"),
    ("uncertain_answerable", "answerable answered `uncertain`"),
    ("abstain_recall", "unanswerable declined"),
    ("uncertain_unanswerable", "unanswerable answered `uncertain`"),
    ("declined_or_uncertain", "unanswerable declined or `uncertain`"),
    ("latency_p50_ms", "latency p50 ms"),
]


@dataclass(frozen=True)
class Variant:
    name: str
    answerer: Callable[[LocalEmbeddings, CrossEncoder], ExtractiveAnswerer]


def _before(emb: LocalEmbeddings, ce: CrossEncoder, **kw: Any) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(emb, model=RankerModel.load(BEFORE), **kw)


VARIANTS = [
    Variant("before", lambda e, c: _before(e, c, about_documents=False)),
    Variant("+ label lines, metadata", lambda e, c: _before(e, c)),
    Variant("default (refitted on the fit halves)", lambda e, c: ExtractiveAnswerer(e)),
    Variant(
        "+ cross-encoder (QA_RERANKER)",
        lambda e, c: ExtractiveAnswerer(e, model=RankerModel.load(WITH_CE), reranker=c),
    ),
    Variant(
        "+ cross-encoder reading 4",
        lambda e, c: ExtractiveAnswerer(
            e, model=RankerModel.load(WITH_CE), reranker=c, rerank_top=4
        ),
    ),
    Variant(
        "+ cross-encoder, no uncertain",
        lambda e, c: ExtractiveAnswerer(
            e,
            model=RankerModel.load(WITH_CE),
            reranker=c,
            decline_below=RankerModel.load(WITH_CE).answer_at,
        ),
    ),
    Variant(
        "+ cross-encoder, one sentence",
        lambda e, c: ExtractiveAnswerer(
            e, model=RankerModel.load(WITH_CE), reranker=c, extra_ratio=2.0
        ),
    ),
]


def sentence_hits(
    answerer: ExtractiveAnswerer, qa: QA, questions: Sequence[Any], sources: dict[str, str]
) -> dict[str, float]:
    """Sentence hit@1 of the cross-encoder, the bi-encoder and the shipped mix."""
    hits: dict[str, list[int]] = {"cross-encoder alone": [], "bi-encoder alone": [], "mix": []}
    for q in questions:
        if not q.answerable or not q.answers:
            continue
        query = condense_query(q.question, list(q.turns))
        rows = answerer.features(query, qa.retriever.search(query))
        gold = set(q.gold_doc_ids)
        labels = [
            int((not gold or p.chunk.doc_id in gold) and contains_answer(t, q.answers))
            for p, _, _, t, _ in rows
        ]
        if not any(labels):
            continue
        feats = [r for *_, r in rows]
        mix = answerer.model.rank(feats)
        for name, values in (
            ("cross-encoder alone", [r["ce"] for r in feats]),
            ("bi-encoder alone", [r["sem"] for r in feats]),
            ("mix", mix),
        ):
            hits[name].append(labels[max(range(len(values)), key=values.__getitem__)])
    out = {k: sum(v) / len(v) for k, v in hits.items() if v}
    out["questions"] = len(hits["mix"])
    return out


def run_set(
    name: str, limit: int | None, emb: LocalEmbeddings, ce: CrossEncoder
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    docs_path, questions_path, half = SETS[name]
    docs = (
        load_jsonl_documents(docs_path)
        if docs_path.suffix == ".jsonl"
        else load_paths([docs_path])[0]
    )
    sources = {d.doc_id: d.text for d in docs}
    with scratch_qa(docs, Settings(), embeddings=emb) as scratch:
        store, settings = scratch.qa.store, scratch.qa.settings
        questions = in_split(load_questions(questions_path), half)[:limit]
        out = {}
        for v in VARIANTS:
            answerer = v.answerer(emb, ce)
            qa = QA(store, emb, settings=settings, answerer=answerer)
            ask_question(qa, questions[0])  # warm: caches, sessions
            scored = []
            for q in questions:
                t0 = time.perf_counter()
                answer = ask_question(qa, q)
                scored.append(score_answer(q, answer, sources, (time.perf_counter() - t0) * 1e3))
            out[v.name] = summarize(scored)
            print(f"  {name}: {v.name} done", flush=True)
        with_ce = ExtractiveAnswerer(emb, model=RankerModel.load(WITH_CE), reranker=ce)
        hits = sentence_hits(with_ce, scratch.qa, questions, sources)
        return out, hits


def selection_hits(name: str, emb: LocalEmbeddings, ce: CrossEncoder) -> dict[str, float]:
    """Sentence hit@1 on a sentence-selection set: ready-made candidates, one passage."""
    questions = load_selqa(DATA)["report"] if name == "selqa-report" else load_wikiqa(DATA)
    answerer = ExtractiveAnswerer(
        emb, model=RankerModel.load(WITH_CE), reranker=ce, rerank_top=10**6
    )

    def mix(query: str, texts: list[str]) -> list[float]:
        body, spans, pos = [], [], 0
        for t in texts:
            spans.append((pos, pos + len(t)))
            body.append(t)
            pos += len(t) + 1
        text = " ".join(body)
        chunk = Chunk(
            chunk_id="c",
            doc_id="d",
            source="",
            title="",
            index=0,
            start=0,
            end=len(text),
            text=text,
        )
        passage = Passage(chunk, 0.0)
        cands = [(passage, s, e, t) for (s, e), t in zip(spans, texts, strict=True)]
        rows = answerer.candidate_features(query, cands, [passage])
        return answerer.model.rank([r for *_, r in rows])

    def bi(query: str, texts: list[str]) -> list[float]:
        qv = emb.embed_query(query)
        return [sum(a * b for a, b in zip(qv, v, strict=True)) for v in emb.embed_documents(texts)]

    t0 = time.perf_counter()
    out = {
        "cross-encoder alone": hit_at_1(questions, ce.score, ce.with_title),
        "bi-encoder alone": hit_at_1(questions, bi),
        "mix": hit_at_1(questions, mix),
        "questions": sum(q.has_right for q in questions),
    }
    print(f"  {name} done in {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def answer_table(results: dict[str, dict[str, float]]) -> str:
    names = list(results)
    lines = ["| " + " | ".join(["measure", *names]) + " |", "|---" * (len(names) + 1) + "|"]
    for key, label in ROWS:
        cells = []
        for n in names:
            value = results[n][key]
            cells.append(f"{value:.0f}" if key.endswith(("_ms", "median")) else f"{value:.1%}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def hits_table(hits: dict[str, dict[str, float]]) -> str:
    lines = [
        "| set | questions | cross-encoder alone | bi-encoder alone | fitted mix (QA_RERANKER) |",
        "|---|---|---|---|---|",
    ]
    for name, h in hits.items():
        lines.append(
            f"| {name} | {h['questions']:.0f} | {h['cross-encoder alone']:.3f} | "
            f"{h['bi-encoder alone']:.3f} | {h['mix']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    choices = [*SETS, *SENTENCE_SETS]
    ap.add_argument("--sets", nargs="+", choices=choices, default=choices)
    ap.add_argument("--limit", type=int, help="questions per answer set")
    args = ap.parse_args(argv)
    stay_offline()
    emb = LocalEmbeddings()
    ce = CrossEncoder()
    hits: dict[str, dict[str, float]] = {}
    for name in args.sets:
        if name in SETS:
            results, hits[name] = run_set(name, args.limit, emb, ce)
            print(f"\n### {name}\n\n{answer_table(results)}\n", flush=True)
        else:
            hits[name] = selection_hits(name, emb, ce)
    print(f"\n### sentence hit@1\n\n{hits_table(hits)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
