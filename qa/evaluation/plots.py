"""PNG plots of an evaluation (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

from qa.evaluation.runner import EvalRun

__all__ = ["write_plots"]

BARS = [
    ("hit@1", "hit@1"),
    ("evidence_cited_first", "evidence\ncited first"),
    ("contains_answer", "contains\ngold answer"),
    ("citation_precision", "citation\nprecision"),
    ("abstain_recall", "unanswerable\ndeclined"),
    ("right", "right\noverall"),
]


def write_plots(run: EvalRun, out: Path) -> list[Path]:
    """`metrics.png`, `latency.png` and `scores.png` in `out`; returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    paths = []

    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(run.systems)
    for i, system in enumerate(run.systems):
        xs = [j + i * width for j in range(len(BARS))]
        ys = [system.summary[key] for key, _ in BARS]
        ax.bar(xs, ys, width, label=system.name)
        for x, y in zip(xs, ys, strict=True):
            ax.text(x, y + 0.01, f"{y:.0%}", ha="center", fontsize=7)
    ax.set_xticks([j + width * (len(run.systems) - 1) / 2 for j in range(len(BARS))])
    ax.set_xticklabels([label for _, label in BARS], fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share of questions")
    ax.legend()
    ax.set_title("Quality beside the baseline")
    paths.append(_save(fig, out / "metrics.png"))

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for system in run.systems:
        ax.hist([r.latency_ms for r in system.results], bins=30, alpha=0.6, label=system.name)
    ax.set_xlabel("question latency, ms")
    ax.set_ylabel("questions")
    ax.legend()
    ax.set_title("Latency")
    paths.append(_save(fig, out / "latency.png"))

    ours = run.systems[0]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    bins = [i / 40 for i in range(0, 61)]
    ax.hist(
        [r.score for r in ours.results if r.answerable], bins=bins, alpha=0.6, label="answerable"
    )
    ax.hist(
        [r.score for r in ours.results if not r.answerable],
        bins=bins,
        alpha=0.6,
        label="unanswerable",
    )
    threshold = run.settings.get("min_score")
    if threshold is not None:
        ax.axvline(float(threshold), color="black", linestyle="--", label="min_score")
    ax.set_xlabel("answer score")
    ax.set_ylabel("questions")
    ax.legend()
    ax.set_title(f"{ours.name}: answer scores")
    paths.append(_save(fig, out / "scores.png"))
    return paths


def _save(fig: object, path: Path) -> Path:
    fig.tight_layout()  # type: ignore[attr-defined]
    fig.savefig(path, dpi=110)  # type: ignore[attr-defined]
    import matplotlib.pyplot as plt

    plt.close(fig)  # type: ignore[arg-type]
    return path
