"""Written answers from any local GGUF model beside the extractive answerer, on the three
question sets: `qa eval --llm` for each, the tables printed side by side.

    python bench/llm_eval.py --gguf /models/model.gguf
    python bench/llm_eval.py --gguf /models/model.gguf --sets seed squad2 --limit 60

The model is never a dependency of the project: bring the file. Each set is ingested into a
temporary store; the same questions go through the extractive answerer and the LLM answerer on
that store (`qa.evaluation.runner.run_eval`). `--limit` caps the questions of each set (a 0.5B model
takes several seconds a question on two CPU cores); the seed set is always asked whole.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from qa.core.settings import Settings
from qa.evaluation.report import summary_table, write_report
from qa.evaluation.runner import load_corpus, run_eval
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


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gguf", type=Path, required=True, help="a local GGUF model file")
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    ap.add_argument("--limit", type=int, default=60, help="questions per external set")
    ap.add_argument("--out", type=Path, default=Path("eval-report/llm"), help="reports here")
    args = ap.parse_args(argv)
    stay_offline()
    if not args.gguf.is_file():
        ap.error(f"no GGUF file at {args.gguf}")
    settings = Settings.from_env()
    for name in args.sets:
        docs_path, questions = SETS[name]
        run = run_eval(
            questions,
            settings,
            docs=load_corpus([docs_path]),
            llm=f"llamacpp:{args.gguf.resolve()}",
            limit=None if name == "seed" else args.limit,
        )
        write_report(run, args.out / name)
        asked = len(run.systems[0].results)
        print(f"\n### {name} ({asked} questions, model {args.gguf.name})\n")
        print(summary_table(run.systems), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
