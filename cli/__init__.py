"""The `qa` command: a thin shell over `qa.QA`, the evaluation and the HTTP API."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# Only what every command needs is imported here, so that `qa --help` is quick.
from cli import commands
from cli.parser import make_parser
from core.errors import ConfigError, IngestError, QAError, QuestionError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 failure, 2 bad input)."""
    args = make_parser().parse_args(argv)
    from qa.store.embeddings import stay_offline

    stay_offline()
    handler = {
        "ask": commands.ask,
        "ingest": commands.ingest,
        "docs": commands.docs,
        "rebuild": commands.rebuild,
        "eval": commands.evaluate,
        "serve": commands.serve,
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
