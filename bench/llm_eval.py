"""Written answers from a local GGUF model beside the extractive answerer, on the question sets,
and the orders of decision of the LLM path (`qa.llm.answerer.LLMFlow`) side by side.

    python bench/llm_eval.py --gguf /models/model.gguf
    python bench/llm_eval.py --gguf /models/model.gguf --sets seed squad2 --limit 40 --orders

The model is never a dependency of the project: bring the file. Each set is ingested into a
temporary store; on it, the same questions go through the extractive answerer and the LLM
answerer as the service builds them (`qa.evaluation.runner.run_eval`). The external sets are
asked from their *report* half only (`qa.evaluation.splits`; the relevance floor and every
other fitted value come from the fit half); `--limit` caps the questions of each (a 0.5B
model takes seconds a question on two CPU cores). The seed set is asked whole and only
measures.

`--orders` then asks questions through each flow of `FLOWS` on one store, with the model's
replies kept per prompt (flows that show the model the same passages share a reply), and
prints the figures of each beside the extractive answerer's, with how many times the model
was asked. The flow is chosen on these figures, so on the external sets they come from the
*fit* half (`--limit` questions); on the seed set they only measure.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

from core.settings import Settings
from qa.answering.extractive import ExtractiveAnswerer
from qa.evaluation.questions import ask_question, load_questions
from qa.evaluation.report import summary_table, write_report
from qa.evaluation.runner import load_corpus, run_eval
from qa.evaluation.scoring import score_answer, summarize
from qa.evaluation.scratch import scratch_qa
from qa.evaluation.splits import in_split
from qa.llm.answerer import LLMAnswerer, LLMFlow
from qa.llm.models import LlamaCppChat
from qa.service import QA, default_answerer
from qa.store.embeddings import stay_offline

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
SETS = {
    "seed": (ROOT / "seeds", ROOT / "tests" / "data" / "seed_questions.jsonl"),
    "squad2": (
        DATA / "squad2-dev-500/docs.jsonl",
        DATA / "squad2-dev-500/questions.jsonl",
    ),
    "hotpotqa": (
        DATA / "hotpotqa-dev-500/docs.jsonl",
        DATA / "hotpotqa-dev-500/questions.jsonl",
    ),
}
DEFAULT = LLMFlow()
FLOWS = {
    "previous (extractive gate)": LLMFlow.previous(),
    "relevance gate (default: NOT FOUND -> closest sentence, uncertain)": DEFAULT,
    "status from the model": replace(DEFAULT, status="model"),
    "unsupported marked": replace(DEFAULT, unsupported="mark"),
    "unbacked: extractive": replace(DEFAULT, unbacked="extractive"),
    "NOT FOUND: decline": replace(DEFAULT, refusal="decline"),
    "NOT FOUND: demote": replace(DEFAULT, refusal="demote"),
    "confident extractive answers kept": replace(DEFAULT, confident="quote"),
}
ORDER_ROWS = [  # (summary key, label, a share)
    ("evidence_cited_first", "evidence cited first", True),
    ("contains_answer", "answer contains a gold answer", True),
    ("short_f1", "short-answer token F1", False),
    ("supported_share", "answer sentences backed", True),
    ("wrongly_declined", "answerable wrongly declined", True),
    ("uncertain_answerable", "answerable `uncertain`", True),
    ("abstain_recall", "unanswerable declined", True),
    ("declined_or_uncertain", "unanswerable declined or `uncertain`", True),
]


class RepliesOnce(LlamaCppChat):
    """The llama.cpp model, asked once per prompt: a prompt seen before gets the same reply
    (generation is greedy, so it would anyway). `calls` counts the model's generations."""

    _replies: dict[str, str] = PrivateAttr(default_factory=dict)
    calls: int = 0

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        key = json.dumps([m.text for m in messages])
        if key not in self._replies:
            self.calls += 1
            pieces = super()._stream(messages, stop, run_manager, **kwargs)
            self._replies[key] = "".join(c.text for c in pieces)
        yield ChatGenerationChunk(message=AIMessageChunk(content=self._replies[key]))


def orders(
    name: str, gguf: Path, settings: Settings, limit: int | None, flows: Sequence[str] = ()
) -> str:
    """The figures of each flow of `FLOWS` (or of `flows`) on set `name`, as a Markdown table."""
    docs_path, questions_path = SETS[name]
    questions = load_questions(questions_path)
    questions = questions if name == "seed" else in_split(questions, "fit")[:limit]
    docs = load_corpus([docs_path])
    sources = {d.doc_id: d.text for d in docs}
    model = RepliesOnce(
        model_path=str(gguf),
        max_tokens=settings.llm_max_tokens,
        n_ctx=settings.llm_context,
        timeout=settings.llm_timeout,
    )
    columns: list[tuple[str, dict[str, float], int]] = []
    with scratch_qa(docs, settings.with_(collection="orders")) as scratch:
        base = scratch.qa
        extractive = default_answerer(base.settings, base.embeddings)
        assert isinstance(extractive, ExtractiveAnswerer)
        runs = {"extractive": extractive} | {
            label: LLMAnswerer(
                model,
                base.embeddings,
                min_support=settings.min_support,
                extractive=extractive,
                max_prompt_chars=max(
                    2000, (settings.llm_context - settings.llm_max_tokens - 500) * 3
                ),
                flow=flow,
            )
            for label, flow in FLOWS.items()
            if not flows or label in flows
        }
        for label, answerer in runs.items():
            qa = QA(base.store, base.embeddings, settings=base.settings, answerer=answerer)
            before = model.calls
            t0 = time.perf_counter()
            scored = [score_answer(q, ask_question(qa, q), sources, 0.0) for q in questions]
            print(f"  {label}: {time.perf_counter() - t0:.0f} s", flush=True)
            columns.append((label, summarize(scored), model.calls - before))
    head = "| " + name + " | " + " | ".join(c[0] for c in columns) + " |"
    lines = [head, "|---" * (len(columns) + 1) + "|"]
    for key, label, share in ORDER_ROWS:
        cells = (f"{c[1][key]:.1%}" if share else f"{c[1][key]:.3f}" for c in columns)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| model asked (new prompts) | " + " | ".join(str(c[2]) for c in columns) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gguf", type=Path, required=True, help="a local GGUF model file")
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    ap.add_argument("--limit", type=int, default=40, help="report-half questions per external set")
    ap.add_argument("--orders", action="store_true", help="also compare the flows of FLOWS")
    ap.add_argument("--only-orders", action="store_true", help="compare the flows only")
    ap.add_argument("--flows", nargs="+", choices=list(FLOWS), help="these flows only")
    ap.add_argument("--out", type=Path, default=Path("eval-report/llm"), help="reports here")
    args = ap.parse_args(argv)
    stay_offline()
    if not args.gguf.is_file():
        ap.error(f"no GGUF file at {args.gguf}")
    settings = Settings.from_env()
    for name in args.sets:
        where = "" if name == "seed" else f" (fit half, {args.limit} questions)"
        if args.only_orders:
            print(f"\n#### {name}: orders of the LLM path{where}\n", flush=True)
            print(
                orders(name, args.gguf.resolve(), settings, args.limit, args.flows or ()),
                flush=True,
            )
            continue
        docs_path, questions = SETS[name]
        run = run_eval(
            questions,
            settings,
            docs=load_corpus([docs_path]),
            llm=f"llamacpp:{args.gguf.resolve()}",
            limit=None if name == "seed" else args.limit,
            split=None if name == "seed" else "report",
        )
        write_report(run, args.out / name)
        asked = len(run.systems[0].results)
        half = "" if name == "seed" else ", report half"
        print(f"\n### {name} ({asked} questions{half}, model {args.gguf.name})\n")
        print(summary_table(run.systems), flush=True)
        if args.orders:
            print(f"\n#### {name}: orders of the LLM path{where}\n", flush=True)
            print(
                orders(name, args.gguf.resolve(), settings, args.limit, args.flows or ()),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
