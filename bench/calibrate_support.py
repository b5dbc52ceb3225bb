"""Choose `min_support`, the claim check's threshold for written answers, from labelled data.

    python bench/calibrate_support.py --llm llamacpp:/path/model.gguf [--limit 150]

A language model answers answerable SQuAD 2.0 questions (default: the first 150 of the
sample) with the threshold at 0. Every sentence it writes is checked as the answerer does
(`qa.llm.grounding`) and recorded with its support score, whether it passed the consistency
check, and a label: does the sentence state a gold answer (`qa.evaluation.metrics.contains_answer`)?
That label is a proxy: a true sentence that does not hold the answer string counts against
it. For each threshold t the script prints the share of labelled-true sentences that would
be backed, the share of the others that would be marked unsupported, and their mean
(balanced accuracy); the best t is the calibrated value. The LLM's sentences, not the
extractive answerer's, are what the threshold is for, so the answers come from the LLM.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingest.loaders import load_jsonl_documents
from qa import QA, Answer, Settings
from qa.evaluation.metrics import contains_answer
from qa.evaluation.questions import load_questions
from qa.evaluation.scratch import scratch_qa
from qa.llm.answerer import LLMAnswerer
from qa.llm.grounding import check_claims, split_claims
from qa.store.embeddings import LocalEmbeddings, stay_offline

ROOT = Path(__file__).resolve().parent.parent

DATA = Path(os.environ.get("CITED_QA_DATA", ROOT.parent / "shared" / "data"))
SQUAD = DATA / "squad2-dev-500"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm", required=True, help="llamacpp:PATH.gguf or openai:URL#MODEL")
    ap.add_argument("--limit", type=int, default=150, help="answerable questions to ask")
    args = ap.parse_args()

    stay_offline()
    embeddings = LocalEmbeddings()
    settings = Settings(llm=args.llm, min_support=0.0)
    docs = load_jsonl_documents(SQUAD / "docs.jsonl")
    with scratch_qa(docs, settings, embeddings=embeddings) as scratch:
        calibrate(scratch.qa, embeddings, args.limit)
    return 0


def calibrate(qa: QA, embeddings: LocalEmbeddings, limit: int) -> None:
    """Ask `limit` answerable questions and print the support sweep of their sentences."""
    answerer = qa.answerer
    assert isinstance(answerer, LLMAnswerer)
    questions = [q for q in load_questions(SQUAD / "questions.jsonl") if q.answerable]
    samples: list[tuple[float, bool, bool]] = []  # support, consistent, states a gold answer
    for i, q in enumerate(questions[:limit], start=1):
        pieces = list(qa.stream(q.question))
        answer = pieces[-1]
        assert isinstance(answer, Answer)
        reply = "".join(p for p in pieces if isinstance(p, str))
        ranked = answerer.extractive.score_sentences(answer.query, answer.passages)
        quoted = answerer.extractive.from_ranked(q.question, answer.query, answer.passages, ranked)
        if not answerer.worth_asking(quoted, ranked):
            continue  # declined before the model was asked
        shown = answerer.prompt_passages(ranked, answer.passages)  # what the model saw
        claims = split_claims(reply, len(shown))
        for sup in check_claims(claims, shown, embeddings, min_support=0.0):
            samples.append((sup.score, sup.supported, contains_answer(sup.claim.text, q.answers)))
        print(f"\r{i} questions, {len(samples)} sentences", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    pos = [s for s in samples if s[2]]
    neg = [s for s in samples if not s[2]]
    print(f"{len(samples)} sentences: {len(pos)} state a gold answer, {len(neg)} do not\n")
    print("| min_support | gold-stating backed | others marked unsupported | balanced |")
    print("|---|---|---|---|")
    best = (0.0, 0.0)
    for step in range(0, 101, 5):
        t = step / 100
        tp = sum(ok and score >= t for score, ok, _ in pos) / (len(pos) or 1)
        tn = sum(not (ok and score >= t) for score, ok, _ in neg) / (len(neg) or 1)
        bal = (tp + tn) / 2
        best = max(best, (bal, t))
        if step % 10 == 0:
            print(f"| {t:.2f} | {tp:.1%} | {tn:.1%} | {bal:.3f} |")
    print(f"\nbest balanced accuracy {best[0]:.3f} at min_support={best[1]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
