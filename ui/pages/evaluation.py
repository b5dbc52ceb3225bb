"""Evaluation page: the latest `qa eval` report, and a small eval run from the browser."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from qa import QAError, Settings
from ui.resources import load_embeddings


def show_report(folder: Path) -> None:
    """The summary table, the plots and the worst failures of the report in `folder`."""
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    st.caption(f"`{data['questions']}` · run {data['started']} · {folder}")
    from qa.evaluation.report import ROWS

    rows = []
    for key, label, share in ROWS:
        row = {"metric": label}
        for system in data["systems"]:
            v = system["summary"].get(key)  # None: a report from before the metric existed
            row[system["name"]] = "—" if v is None else f"{v:.1%}" if share else f"{v:.3g}"
        rows.append(row)
    st.dataframe(rows, hide_index=True)
    for png in ("metrics.png", "scores.png", "latency.png"):
        if (folder / png).is_file():
            st.image(str(folder / png))
    ours = data["systems"][0]["results"]
    failures = sorted(
        (r for r in ours if not r["right"]), key=lambda r: (r["status"] == "not_found", -r["score"])
    )
    st.subheader(f"Worst failures ({len(failures)} in all)")
    for r in failures[:10]:
        with st.expander(f"{r['id']}: {r['question']}"):
            expected = "; ".join(r["expected"]) if r["answerable"] else "(decline)"
            st.text(
                f"expected: {expected}\nanswered ({r['status']}, score {r['score']:.2f}):"
                f"\n{r['answer']}"
            )


def main() -> None:
    st.title("Evaluation")
    settings = Settings.from_env()
    folder = settings.eval_dir
    with st.sidebar:
        st.subheader("Run a small eval")
        n = st.slider("questions", 5, 48, 12)
        run = st.button("Run", type="primary")
        st.caption(
            f"{settings.eval_questions} over {settings.eval_docs} (QA_EVAL_QUESTIONS, QA_EVAL_DOCS)"
        )
    missing = [p for p in (settings.eval_questions, settings.eval_docs) if not p.exists()]
    if run and missing:
        st.error(
            f"not found: {', '.join(map(str, missing))}; set QA_EVAL_QUESTIONS to a question "
            "set (.jsonl) and QA_EVAL_DOCS to its documents"
        )
    elif run:
        from qa.evaluation.report import write_report
        from qa.evaluation.runner import load_corpus, run_eval

        try:
            with st.spinner(f"Answering {n} questions…"):
                result = run_eval(
                    settings.eval_questions,
                    settings,
                    docs=load_corpus([settings.eval_docs]),
                    embeddings=load_embeddings(settings),
                    baseline=True,
                    limit=n,
                    progress=False,
                )
                write_report(result, folder)
        except (QAError, OSError) as exc:
            st.error(str(exc))
    if (folder / "report.json").is_file():
        show_report(folder)
    else:
        st.info(
            f"No report in {folder} yet: run one from the sidebar, or "
            "`qa eval tests/data/seed_questions.jsonl --docs seeds/ --baseline`."
        )


main()
