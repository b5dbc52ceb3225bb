"""What each `qa` command does: read its arguments into settings, call `qa.QA` (or the
evaluation or the API), print the outcome. Each command imports its own parts, so that
`qa --help` is quick."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from core.errors import ConfigError, IngestError

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = ["ask", "docs", "evaluate", "ingest", "rebuild", "serve", "settings_of"]


def settings_of(args: argparse.Namespace) -> Settings:
    from core.settings import Settings

    return Settings.from_env(
        collection=args.collection,
        persist_dir=args.persist_dir,
        chroma_url=args.chroma_url,
        top_k=getattr(args, "k", None),
    )


def ask(args: argparse.Namespace) -> int:
    from core.types import Answer
    from qa.answering.chain import date_windows, validate_question
    from qa.service import QA

    settings = settings_of(args)
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


def ingest(args: argparse.Namespace) -> int:
    from qa.service import QA

    settings = settings_of(args)
    links = [link for path in args.links for link in QA.read_links_file(path)]
    if not (args.paths or links or args.feed):
        raise ConfigError(
            "nothing to ingest: give files, folders or links, --links FILE or --feed URL"
        )
    # Every file is read before the store is touched: a bad path leaves the store as it was.
    batch = QA.read_sources([*args.paths, *links], settings)
    qa = QA.from_settings(settings, create=True, preload=False)
    report = qa.ingest(
        batch,
        feeds=args.feed,
        prune=args.prune,
        reset=args.reset,
        progress=False if args.no_progress else None,
        on_wait=lambda: print(
            f"waiting for another change of collection {settings.collection!r} to end…",
            file=sys.stderr,
        ),
    )
    for line in report.lines():
        print(line, file=sys.stderr)
    n = report.documents
    print(
        f"{n} document{'' if n == 1 else 's'}: {report.summary()}; collection "
        f"{settings.collection!r} holds {qa.store.count()} chunks"
    )
    if report.skipped and not (report.added or report.updated or report.unchanged):
        print(
            f"qa ingest: error: none of the {n} document{'' if n == 1 else 's'} given could be "
            "ingested (see the skipped lines above)",
            file=sys.stderr,
        )
        return 1  # a script can tell that nothing was ingested (unchanged ones are no failure)
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from qa.evaluation.report import calibration_table, summary_table, write_report
    from qa.evaluation.runner import load_corpus, run_eval

    settings = settings_of(args)
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


def rebuild(args: argparse.Namespace) -> int:
    from qa.service import QA

    settings = settings_of(args)
    report = QA.rebuild(settings, progress=False if args.no_progress else None)
    for lost in report.lost:
        print(f"not re-created: {lost.path}: {lost.reason}", file=sys.stderr)
    print(report.summary())
    return 1 if report.lost else 0


def docs(args: argparse.Namespace) -> int:
    from qa.service import open_store

    settings = settings_of(args)
    infos = open_store(settings).documents()  # listing needs no model
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


def serve(args: argparse.Namespace) -> int:
    from api.guard import is_loopback, is_wildcard

    settings = settings_of(args)
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
