"""The `qa` command's arguments, help and examples."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["EPILOG", "make_parser"]

EPILOG = """\
configuration: every option also has an environment variable (QA_PERSIST_DIR, QA_CHROMA_URL,
QA_COLLECTION, QA_TOP_K, QA_MIN_SCORE, QA_LLM, ...); see docs/configuration.md.

examples:
  qa ingest seeds/                      ingest the seed article (re-running adds nothing)
  qa ingest https://example.org/news/story.html report.pdf
  qa ingest --links links.txt --feed https://example.org/rss.xml
  qa ask "Where will the summit take place?"
  qa ask --since 2025-10-01 --until 2025-10-31 "What did Beijing say?"
  qa ask --as-of 2025-03-12 "Which storm hit the coast this week?"
  qa ask --json "Who is Bonnie Glaser?"
  qa ask --history "Who is Ukraine's president?" "What does he insist on?"
  qa ask --llm llamacpp:model.gguf --stream "Where will the summit take place?"
  qa docs                               list what is ingested
  qa rebuild                            re-create a damaged store from the recorded sources
  qa eval tests/data/seed_questions.jsonl --docs seeds/ --baseline
  qa serve --port 8000                  the HTTP API on 127.0.0.1:8000 (docs at /docs)
"""


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions about your documents; every answer cites verbatim passages.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--collection",
        metavar="NAME",
        help="Chroma collection (env QA_COLLECTION; default cited-qa)",
    )
    store.add_argument(
        "--persist-dir", type=Path, metavar="DIR", help="local store folder (env QA_PERSIST_DIR)"
    )
    store.add_argument(
        "--chroma-url",
        metavar="URL",
        help="use a Chroma server, e.g. http://127.0.0.1:8000 (env QA_CHROMA_URL)",
    )

    ask = sub.add_parser(
        "ask",
        parents=[store],
        help="answer a question with cited passages",
        description="Answer a question from the ingested documents.",
    )
    ask.add_argument("question", help="the question (quote it)")
    ask.add_argument(
        "--history",
        action="append",
        default=[],
        metavar="TEXT",
        help="an earlier question of the conversation, oldest first; repeatable",
    )
    ask.add_argument("--k", type=int, metavar="N", help="passages to retrieve (env QA_TOP_K)")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument(
        "--llm",
        metavar="SPEC",
        help="write the answer with a language model: "
        "llamacpp:PATH.gguf or openai:URL#MODEL (env QA_LLM)",
    )
    ask.add_argument(
        "--stream",
        action="store_true",
        help="print the answer as it is written, then the checked answer",
    )
    ask.add_argument(
        "--since", metavar="DATE", help="only documents published on or after DATE (YYYY-MM-DD)"
    )
    ask.add_argument(
        "--until", metavar="DATE", help="only documents published on or before DATE (YYYY-MM-DD)"
    )
    ask.add_argument(
        "--as-of",
        metavar="DATE",
        help="the date 'this week', 'yesterday', "
        "'latest' ... are counted from (YYYY-MM-DD; default today)",
    )

    ing = sub.add_parser(
        "ingest",
        parents=[store],
        help="load, chunk and embed documents",
        description="Ingest .txt, .md, .html and .pdf files and folders "
        "(recursively), links (http/https pages and PDFs) and feeds. Unchanged "
        "documents are not embedded again; a feed's unchanged entries are not "
        "fetched again.",
    )
    ing.add_argument(
        "paths", nargs="*", metavar="PATH", help="files, folders or links (http:// or https://)"
    )
    ing.add_argument(
        "--links",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a text file of links, one a line (# comments); repeatable",
    )
    ing.add_argument(
        "--feed",
        action="append",
        default=[],
        metavar="URL",
        help="an RSS or Atom feed: fetch its new or changed entries; repeatable",
    )
    ing.add_argument(
        "--reset",
        action="store_true",
        help="keep only what PATH holds: remove every other document",
    )
    ing.add_argument(
        "--prune", action="store_true", help="remove documents under PATH whose files are gone"
    )
    ing.add_argument("--no-progress", action="store_true", help="no progress bar")

    ev = sub.add_parser(
        "eval",
        parents=[store],
        help="score answers against a question set",
        description="Run a labelled question set (JSONL) through the same QA "
        "the UI uses and write a report (report.json, report.md).",
    )
    ev.add_argument("questions", type=Path, metavar="QUESTIONS", help="question set (.jsonl)")
    ev.add_argument(
        "--docs",
        type=Path,
        nargs="+",
        metavar="DOCS",
        help="documents (.jsonl of doc_id/title/text, or files and folders) to "
        "ingest into a temporary collection; default: the configured collection",
    )
    ev.add_argument("--k", type=int, metavar="N", help="passages to retrieve (env QA_TOP_K)")
    ev.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="report folder (env QA_EVAL_DIR; default: eval-report)",
    )
    ev.add_argument(
        "--baseline",
        action="store_true",
        help="also run the stock LangChain recipe, side by side (needs --docs)",
    )
    ev.add_argument(
        "--calibrate",
        action="store_true",
        help="answer with no threshold, then sweep it and print the best value",
    )
    ev.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    ev.add_argument(
        "--split",
        choices=["fit", "report"],
        help="only one half of an external set: 'report' is never fitted on (the docs' "
        "figures); default: every question",
    )
    ev.add_argument(
        "--llm",
        metavar="SPEC",
        help="also answer with this language model "
        "(llamacpp:PATH.gguf or openai:URL#MODEL), side by side",
    )
    ev.add_argument("--no-progress", action="store_true", help="no progress bar")

    reb = sub.add_parser(
        "rebuild",
        parents=[store],
        help="re-create a damaged store from the recorded sources",
        description="Re-create the store from what is recorded beside it (each document's "
        "source, metadata and kept text; files are read again where needed), never from "
        "Chroma's files, into a new store that replaces the old one only when complete. "
        "The old local store is kept aside as DIR.damaged.",
    )
    reb.add_argument("--no-progress", action="store_true", help="no progress bar")

    docs = sub.add_parser(
        "docs",
        parents=[store],
        help="list the ingested documents",
        description="List ingested documents: title, site, author, date, pages, chunks, source.",
    )
    docs.add_argument("--json", action="store_true", help="print JSON lines")

    serve = sub.add_parser(
        "serve",
        parents=[store],
        help="serve the HTTP API",
        description="Serve the HTTP API (ask, stream, documents, and "
        "OpenAI-compatible chat completions) with uvicorn; the model and "
        "store are loaded once. Binding another address than loopback "
        "needs QA_API_KEY.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    return p
