"""Load .txt, .md, .html and .pdf files (and JSONL evaluation corpora) into `SourceDocument`s.

A file that cannot be loaded raises `SkipFile` with a one-line reason; `load_paths` turns each
into a `Skipped` record so one bad file never stops a batch.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from bs4.exceptions import ParserRejectedMarkup

from core.errors import IngestError
from core.limits import MAX_FILE_MB
from core.types import SourceDocument
from ingest.news import parse_news_header
from ingest.text import SkipFile, Skipped, decode_text, html_to_text, human_size

__all__ = [
    "SUPPORTED_SUFFIXES",
    "SkipFile",
    "Skipped",
    "decode_text",
    "doc_id_for",
    "html_to_text",
    "human_size",
    "iter_files",
    "load_file",
    "load_jsonl_documents",
    "load_paths",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
DEFAULT_MAX_BYTES = int(MAX_FILE_MB * 1024 * 1024)
_SNIFF_BYTES = 8 * 1024

_ATX_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")
_FENCE = re.compile(r" {0,3}(```|~~~)")
_JSONL_SHAPE = 'expected one object per line like {"doc_id": "d1", "title": "...", "text": "..."}'


def doc_id_for(path: Path) -> str:
    """First 16 hex chars of the sha256 of the resolved absolute POSIX path."""
    posix = Path(path).resolve().as_posix()
    return hashlib.sha256(posix.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _markdown_title(text: str) -> str | None:
    """The text of the first ATX heading outside fenced code blocks."""
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _ATX_HEADING.fullmatch(line)):
            return " ".join(match[1].split()) or None
    return None


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDocument:
    """Load one .txt/.md/.html/.pdf file; raises `SkipFile` with a one-line reason if it
    cannot."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"'{suffix}'" if suffix else "(no extension)"
        raise SkipFile(f"unsupported file type {kind} (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise SkipFile("not a regular file")
        if info.st_size > max_bytes:
            raise SkipFile(
                f"too large ({human_size(info.st_size)} > limit {human_size(max_bytes)}; "
                "set QA_MAX_FILE_MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"unreadable: {exc.strerror or exc}") from None
    if not data:
        raise SkipFile("empty file")
    stem_title = " ".join(re.sub(r"[_-]", " ", path.stem).split()) or path.name
    source, doc_id = str(path.resolve()), doc_id_for(path)
    if suffix == ".pdf":
        from ingest.pdf import pdf_document

        return pdf_document(data, doc_id=doc_id, source=source, fallback_title=stem_title)
    if b"\0" in data[:_SNIFF_BYTES]:
        raise SkipFile("binary file")
    text = decode_text(data)
    title: str | None = None
    if suffix in (".html", ".htm"):
        from ingest.web import html_document

        try:
            return html_document(text, doc_id=doc_id, source=source, fallback_title=stem_title)
        except (ParserRejectedMarkup, RecursionError, ValueError) as exc:
            raise SkipFile(f"unparseable HTML ({type(exc).__name__})") from None
    if not any(ch.isalnum() for ch in text):
        raise SkipFile("empty file (no letters or digits)")
    if suffix in (".md", ".markdown"):
        title = _markdown_title(text)
    header = parse_news_header(text)
    return SourceDocument(
        doc_id=doc_id,
        source=source,
        title=title or (header.title if header else "") or stem_title,
        text=text,
        published=header.published if header else None,
        section=header.section if header else None,
        dateline=header.dateline if header else None,
    )


def _walk(
    directory: Path, on_error: Callable[[Path, str], None], seen: set[Path]
) -> Iterator[Path]:
    """Files under `directory`, sorted, skipping hidden entries, `__pycache__` and symlink loops."""
    real = directory.resolve()
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        on_error(directory, f"unreadable folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir():
            yield from _walk(entry, on_error, seen)
        elif entry.is_file():
            yield entry


def iter_files(
    paths: Sequence[Path | str], *, on_error: Callable[[Path, str], None] | None = None
) -> Iterator[Path]:
    """Files named in `paths` or found in its folders (recursively, sorted, hidden skipped).

    Raises `IngestError` before yielding anything if a path does not exist; unreadable folders
    are passed to `on_error(path, reason)` if given, else skipped.
    """
    given = [Path(p) for p in paths]
    for path in given:
        if not path.exists():
            raise IngestError(
                f"path not found: '{path}' (check the path; give links, or files or folders of "
                ".txt, .md, .html or .pdf)"
            )
    return _iter_given(given, on_error or (lambda _path, _reason: None))


def _iter_given(given: list[Path], on_error: Callable[[Path, str], None]) -> Iterator[Path]:
    seen: set[Path] = set()
    for path in given:
        if path.is_dir():
            yield from _walk(path, on_error, seen)
        else:
            yield path


def load_paths(
    paths: Sequence[Path | str], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[SourceDocument], list[Skipped]]:
    """Load every file in `paths` once; files that cannot be loaded become `Skipped`. Each
    document is named (`SourceDocument.name`) by its path relative to the folder given that
    holds it, or by its file name."""
    docs: list[SourceDocument] = []
    skipped: list[Skipped] = []
    loaded: set[Path] = set()
    folders = [Path(p) for p in paths if Path(p).is_dir()]

    def name_of(path: Path) -> str:
        folder = next((f for f in folders if path.is_relative_to(f)), None)
        return path.relative_to(folder).as_posix() if folder else path.name

    def report(path: Path, reason: str) -> None:
        skipped.append(Skipped(str(path), reason))

    for path in iter_files(paths, on_error=report):
        real = path.resolve()
        if real in loaded:
            continue
        loaded.add(real)
        try:
            docs.append(replace(load_file(path, max_bytes=max_bytes), name=name_of(path)))
        except SkipFile as exc:
            report(path, exc.reason)
    return docs, skipped


def load_jsonl_documents(path: Path) -> list[SourceDocument]:
    """Documents of a JSONL corpus: one object per line with doc_id, title, text.

    `published` and `section` are optional; texts are kept verbatim. Raises `IngestError`
    naming the file (and line) for an unreadable file or a malformed line.
    """
    resolved = Path(path).resolve()
    try:
        lines = resolved.read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise IngestError(f"cannot read JSONL corpus '{path}': {reason} (check the path)") from None
    docs: list[SourceDocument] = []
    ids: set[str] = set()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(f"{where}: malformed JSON ({exc.msg}); {_JSONL_SHAPE}") from None
        values = record if isinstance(record, dict) else {}
        doc_id, text = values.get("doc_id"), values.get("text")
        extra = [values.get(k) for k in ("title", "published", "section")]
        if not (doc_id and isinstance(doc_id, str) and isinstance(text, str)) or any(
            v is not None and not isinstance(v, str) for v in extra
        ):
            raise IngestError(f"{where}: needs string 'doc_id' and 'text'; {_JSONL_SHAPE}")
        if doc_id in ids:
            raise IngestError(f"{where}: duplicate doc_id '{doc_id}'")
        ids.add(doc_id)
        title, published, section = extra
        docs.append(
            SourceDocument(
                doc_id=doc_id,
                source=f"{resolved}#{doc_id}",
                title=title or "",
                text=text,
                published=published,
                section=section,
            )
        )
    return docs
