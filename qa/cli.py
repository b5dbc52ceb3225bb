"""The `qa` command: a thin shell over the `qa` and `ingest` libraries."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

# Only what every command needs is imported here, so that `qa --help` is quick; each command
# imports its own parts.
from qa.core.errors import ConfigError, IngestError, QAError, QuestionError

if TYPE_CHECKING:
    from qa.core.settings import Settings

__all__ = ["main"]

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


def _parser() -> argparse.ArgumentParser:
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


def _settings(args: argparse.Namespace) -> Settings:
    from qa.core.settings import Settings

    return Settings.from_env(
        collection=args.collection,
        persist_dir=args.persist_dir,
        chroma_url=args.chroma_url,
        top_k=getattr(args, "k", None),
    )


def _cmd_ask(args: argparse.Namespace) -> int:
    from qa.answering.chain import date_windows, validate_question
    from qa.core.types import Answer
    from qa.service import QA

    settings = _settings(args)
    if args.llm:
        settings = settings.with_(llm=args.llm)
    validate_question(args.question, settings.max_question_chars)  # fail before loading models
    dates = {"since": args.since, "until": args.until, "as_of": args.as_of}
    date_windows(args.question, dates)  # a bad date fails before loading models, too
    qa = QA.from_settings(settings)
    streamed: list[str] = []
    if args.stream and not args.json:
        answer = None
        try:
            for piece in qa.stream(args.question, args.history, **dates):
                if isinstance(piece, Answer):
                    answer = piece
                else:
                    streamed.append(piece)
                    print(piece, end="", flush=True)
        finally:
            if streamed:
                print()  # an error after some words starts on a line of its own
        assert answer is not None
    else:
        answer = qa.ask(args.question, args.history, **dates)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if "".join(streamed) != answer.text:  # written, then checked: show the checked answer
        print("\nchecked answer:\n" if streamed else "", end="")
        print(answer.text)
    if answer.short:
        print(f"(short answer: {answer.short})")
    if answer.query != answer.question:
        print(f"\n(searched for: {answer.query})")
    if answer.window:
        print(f"(documents published {answer.window.describe()})")
    for c in answer.citations:
        print(f"\n{c.heading()} — {c.source} [{c.start}:{c.end}]")
        print(f"    {c.quote_line()}")
        if c.also_in:
            print(f"    {c.also_in_line()}")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.fetch import make_client
    from ingest.links import fetch_links
    from ingest.loaders import load_paths
    from ingest.pipeline import gone_under, ingest_documents
    from ingest.web import read_links_file, split_inputs
    from qa.service import load_embeddings, open_store

    settings = _settings(args)
    links, given = split_inputs(args.paths)
    for path in args.links:
        links.extend(read_links_file(path))
    if not (given or links or args.feed):
        raise ConfigError(
            "nothing to ingest: give files, folders or links, --links FILE or --feed URL"
        )
    paths = [Path(p) for p in given]
    # Read every file before touching the store: a bad path leaves the store as it was.
    docs, skipped = load_paths(paths, max_bytes=settings.max_file_bytes) if paths else ([], [])
    embeddings = load_embeddings(settings)  # the tokenizer; the model at the first embedding
    store = open_store(settings, embeddings, create=True)
    unchanged: list[str] = []  # links of feed entries that did not change: not fetched
    if links or args.feed:
        with make_client(settings) as http:
            pages, failed, unchanged = fetch_links(
                links, args.feed, http, settings, store.has_document
            )
        docs, skipped = [*docs, *pages], [*skipped, *failed]
    # --reset keeps the collection (a running UI holds it open) and removes, after this run,
    # every document it did not ingest; a failed run leaves the old documents in place.
    kept = set(unchanged)
    prune = (
        (lambda source: source not in kept)
        if args.reset
        else gone_under(paths)
        if args.prune
        else None
    )
    report = ingest_documents(
        docs,
        store,
        embeddings.count_tokens,
        settings,
        skipped=skipped,
        prune=prune,
        progress=False if args.no_progress else None,
    )
    report = replace(report, unchanged=report.unchanged + len(unchanged))
    for line in report.lines():
        print(line, file=sys.stderr)
    n = len(docs) + len(skipped) + len(unchanged)
    print(
        f"{n} document{'' if n == 1 else 's'}: {report.summary()}; collection "
        f"{settings.collection!r} holds {store.count()} chunks"
    )
    if report.skipped and not (report.added or report.updated or report.unchanged):
        print(
            f"qa ingest: error: none of the {n} document{'' if n == 1 else 's'} given could be "
            "ingested (see the skipped lines above)",
            file=sys.stderr,
        )
        return 1  # a script can tell that nothing was ingested (unchanged ones are no failure)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluation.report import calibration_table, summary_table, write_report
    from qa.evaluation.runner import load_corpus, run_eval

    settings = _settings(args)
    if not args.questions.is_file():
        raise IngestError(f"question set not found: '{args.questions}' (give a .jsonl file)")
    if args.baseline and not args.docs:
        raise ConfigError("--baseline needs --docs: the recipe ingests the documents itself")
    if args.calibrate:
        settings = settings.with_(min_score=0.0)
    docs = load_corpus(args.docs) if args.docs else None
    run = run_eval(
        args.questions,
        settings,
        docs=docs,
        baseline=args.baseline,
        llm=args.llm,
        limit=args.limit,
        split=args.split,
        progress=False if args.no_progress else None,
    )
    paths = write_report(run, args.out or settings.eval_dir)
    print(summary_table(run.systems))
    print(f"\nreport: {', '.join(str(p) for p in paths)}")
    if args.calibrate:
        print("\n" + calibration_table(run.systems[0]))
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from ingest.rebuild import rebuild_store
    from qa.service import load_embeddings

    settings = _settings(args)
    embeddings = load_embeddings(settings)
    report = rebuild_store(
        settings,
        embeddings,
        embeddings.count_tokens,
        progress=False if args.no_progress else None,
    )
    for lost in report.lost:
        print(f"not re-created: {lost.path}: {lost.reason}", file=sys.stderr)
    print(report.summary())
    return 1 if report.lost else 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from qa.store.chunks import ChunkStore
    from qa.store.client import open_client

    settings = _settings(args)
    # Listing needs no model, nor the answering parts that `qa.service` brings in.
    infos = ChunkStore.from_settings(open_client(settings), settings).documents()
    if args.json:
        for i in infos:
            print(json.dumps(i.__dict__, ensure_ascii=False))
        return 0
    if not infos:
        print(f"collection {settings.collection!r} is empty: run `qa ingest PATH`")
    for i in infos:
        about = [
            i.site,
            i.author and f"by {i.author}",
            i.published or "no date",
            i.pages and f"{i.pages} pages",
            f"{i.chunks} chunks",
            i.source,
        ]
        print(f"{i.title or '(untitled)'}\n    {' · '.join(a for a in about if a)}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from api.guard import is_loopback, is_wildcard

    settings = _settings(args)
    if not is_loopback(args.host) and not settings.api_key:
        raise ConfigError(
            f"refusing to serve on {args.host} without an API key: set QA_API_KEY "
            "(clients then send 'Authorization: Bearer KEY'), or use --host "
            "127.0.0.1"
        )
    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {args.port}")
    if settings.llm:
        from qa.llm.models import parse_llm_spec

        parse_llm_spec(settings.llm)  # a bad QA_LLM fails now, not at the first question
    # The API answers to loopback names and to the address it listens on; on every interface
    # (a key is needed there), to any name unless QA_ALLOWED_HOSTS says which.
    if is_wildcard(args.host):
        settings = settings.with_(allowed_hosts=settings.allowed_hosts or ("*",))
    elif not is_loopback(args.host):
        settings = settings.with_(allowed_hosts=(*settings.allowed_hosts, args.host))
    import uvicorn

    from api import create_app

    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 failure, 2 bad input)."""
    args = _parser().parse_args(argv)
    from qa.store.embeddings import stay_offline

    stay_offline()
    handler = {
        "ask": _cmd_ask,
        "ingest": _cmd_ingest,
        "docs": _cmd_docs,
        "rebuild": _cmd_rebuild,
        "eval": _cmd_eval,
        "serve": _cmd_serve,
    }[args.command]

    try:
        return handler(args)
    except (QuestionError, ConfigError, IngestError) as exc:
        print(f"qa {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except QAError as exc:
        print(f"qa {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"qa {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # e.g. a Chroma server dying mid-run, a read-only store
        if os.environ.get("QA_DEBUG"):
            raise
        print(
            f"qa {args.command}: unexpected error: {type(exc).__name__}: {exc} "
            "(set QA_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
