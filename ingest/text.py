"""Bytes and markup read as text, and the record of a file or link left out: what the loaders,
the PDF and web readers and the fetcher share, so that none of them imports another for it."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString

__all__ = ["SkipFile", "Skipped", "decode_text", "html_to_text", "human_size"]

_MB = 1024 * 1024
_DROP_TAGS = ("script", "style", "noscript", "template", "head", "svg", "nav", "footer")
_LINE_TAGS = ("br", "li", "tr", "dt", "dd")
_CELL_TAGS = ("td", "th")
_BLOCK_TAGS = (
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "header",
    "main",
    "aside",
    "figure",
    "figcaption",
    "hr",
    "form",
)


class SkipFile(Exception):
    """A file is not loaded; `reason` says why in one short line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Skipped:
    """A file left out of an ingest run, with a one-line reason."""

    path: str
    reason: str


def human_size(n: int) -> str:
    """A byte count as a short string: '25.3 MB', '20 MB', '1.5 KB', '80 bytes'."""
    for unit, scale in (("MB", _MB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def decode_text(data: bytes) -> str:
    """UTF-8 (optional BOM) text with line endings normalised to '\\n'."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + bom
        reason = f"invalid byte 0x{data[offset]:02x} at offset {offset}; re-save it as UTF-8"
        raise SkipFile(f"not UTF-8 text ({reason})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _render(root: object) -> str:
    """The text of a parsed tree, blocks on their own lines; one pass, no recursion.

    (Editing the tree instead, as separators inserted around every block, costs time in the
    square of the nesting depth.)
    """
    parts: list[str] = []
    stack: list[tuple[object, bool]] = [(root, False)]
    pre_depth = 0
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comment, doctype, CDATA, ...
                parts.append(str(node) if pre_depth else re.sub(r"[ \t\r\n\f\v]+", " ", node))
            continue
        name = getattr(node, "name", None)
        sep = (
            "\n"
            if name in _LINE_TAGS
            else " "
            if name in _CELL_TAGS
            else ("\n\n" if name in _BLOCK_TAGS else "")
        )
        if leaving:
            parts.append(sep)
            pre_depth -= name == "pre"
            continue
        if name not in _LINE_TAGS:
            parts.append(sep)
        pre_depth += name == "pre"
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.children)))  # type: ignore[attr-defined]
    return "".join(parts)


def html_to_text(markup: str) -> tuple[str, str | None]:
    """All readable text of an HTML page (paragraphs separated by blank lines) and its title;
    pages are read with `ingest.web.extract_html`, which falls back on this where trafilatura
    finds no main text."""
    soup = BeautifulSoup(markup, "html.parser")
    title = None
    for tag in (soup.title, soup.find("h1")):
        if tag is not None and (title := " ".join(tag.get_text().split())):
            break
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    text_out = _render(soup)
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text_out.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text, title or None
