"""Write an evaluation as JSON for machines and Markdown for people."""

from __future__ import annotations

import json
from pathlib import Path

from qa.evaluation.metrics import threshold_sweep
from qa.evaluation.runner import EvalRun, SystemRun

__all__ = ["calibration_table", "markdown_report", "summary_table", "write_report"]

# (key, label, is a share shown as a percentage)
ROWS = [
    ("hit@1", "retrieval hit@1", True),
    ("hit@k", "retrieval hit@k", True),
    ("mrr", "retrieval MRR", False),
    ("recall@k", "retrieval recall@k", True),
    ("evidence_cited_first", "evidence cited first", True),
    ("contains_answer", "answer contains a gold answer", True),
    ("exact_match", "exact match", True),
    ("token_f1", "token F1", False),
    ("short_f1", "token F1 of the short answer (questions asking for one)", False),
    ("supported_share", "answer sentences backed by their citation (by qa.grounding)", True),
    ("answer_words_median", "answer words (median)", False),
    ("citation_validity", "citations verbatim at their offsets", True),
    ("citation_precision", "citation precision", True),
    ("citation_recall", "citation recall", True),
    ("abstain_precision", "abstention precision", True),
    ("abstain_recall", "abstention recall (unanswerable declined)", True),
    ("abstain_f1", "abstention F1", False),
    ("wrongly_declined", "answerable wrongly declined", True),
    ("uncertain_answerable", "answerable answered `uncertain`", True),
    ("uncertain_unanswerable", "unanswerable answered `uncertain`", True),
    ("declined_or_uncertain", "unanswerable declined or `uncertain`", True),
    ("right", "right overall (answered right or declined right)", True),
    ("latency_p50_ms", "latency p50 ms", False),
    ("latency_p95_ms", "latency p95 ms", False),
]


def _fmt(value: float, share: bool) -> str:
    return f"{value:.1%}" if share else f"{value:.3g}" if value < 100 else f"{value:.0f}"


def summary_table(systems: tuple[SystemRun, ...]) -> str:
    """A Markdown table: one row per metric, one column per system."""
    head = "| metric | " + " | ".join(s.name for s in systems) + " |"
    lines = [head, "|---" * (len(systems) + 1) + "|"]
    for key, label, share in ROWS:
        cells = " | ".join(_fmt(s.summary[key], share) for s in systems)
        lines.append(f"| {label} | {cells} |")
    ingest = " | ".join(
        f"{s.documents / s.ingest_seconds:.1f} docs/s, {s.chunks / s.ingest_seconds:.1f} chunks/s"
        if s.ingest_seconds
        else "—"
        for s in systems
    )
    lines.append(f"| ingest throughput | {ingest} |")
    return "\n".join(lines)


def calibration_table(system: SystemRun) -> str:
    """What each `min_score` would give on the answers of `system` (answered with no threshold),
    as a Markdown table, then the best values by balanced accuracy and by decline F1."""
    results = system.results
    points = threshold_sweep(
        [r.score for r in results], [r.answerable for r in results], [r.right for r in results]
    )
    lines = [
        "| min_score | answerable answered right | unanswerable declined | "
        "balanced accuracy | decline F1 |",
        "|---|---|---|---|---|",
    ]
    for p in points[::5]:
        lines.append(
            f"| {p.threshold:.2f} | {p.answered_right:.1%} | {p.declined:.1%} | "
            f"{p.balanced:.3f} | {p.decline_f1:.3f} |"
        )
    best = max(points, key=lambda p: p.balanced)
    best_f1 = max(points, key=lambda p: p.decline_f1)
    lines.append(
        f"\nbest balanced accuracy {best.balanced:.3f} at min_score={best.threshold:.2f}; "
        f"best decline F1 {best_f1.decline_f1:.3f} at {best_f1.threshold:.2f}"
    )
    return "\n".join(lines)


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_report(run: EvalRun, worst: int = 10) -> str:
    """Summary table, then the worst failures of our system."""
    ours = run.systems[0]
    s = ours.summary
    out = [
        f"# Evaluation of `{run.questions}`",
        "",
        f"{int(s['questions'])} questions ({int(s['answerable'])} answerable), run {run.started}"
        f" with top_k={run.settings.get('top_k')}, min_score={run.settings.get('min_score')}.",
        "",
        summary_table(run.systems),
        "",
        "## Worst failures",
        "",
    ]
    failures = [r for r in ours.results if not r.right]
    # Confident mistakes first: the higher the score of a wrong answer, the worse.
    failures.sort(key=lambda r: (r.status == "not_found", -r.score))
    if not failures:
        out.append("None: every question was answered right or declined right.")
    for r in failures[:worst]:
        expected = "; ".join(r.expected) if r.answerable else "(not answerable: decline)"
        out += [
            f"### {r.id}: {_one_line(r.question)}",
            "",
            f"- expected: {_one_line(expected)}",
            f"- answered ({r.status}, score {r.score:.2f}): {_one_line(r.answer)}",
            f"- cited: {_one_line(r.cited) or '—'}",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def write_report(run: EvalRun, out: Path, *, plots: bool = True) -> list[Path]:
    """`report.json`, `report.md` and the PNG plots in `out`; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    data = {
        "questions": run.questions,
        "started": run.started,
        "settings": run.settings,
        "systems": [s.to_dict() for s in run.systems],
    }
    paths = [out / "report.json", out / "report.md"]
    paths[0].write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if plots:
        from qa.evaluation.plots import write_plots

        paths += write_plots(run, out)
    md = markdown_report(run)
    if plots:
        md += "\n## Plots\n\n" + "\n".join(f"![{p.stem}]({p.name})" for p in paths[2:]) + "\n"
    paths[1].write_text(md, encoding="utf-8")
    return paths
