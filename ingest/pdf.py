"""PDF documents with `pypdf`: the text of each page, and where each page starts in it.

Pages are joined by a blank line; `SourceDocument.page_starts` records the offset of each, so
chunks are cut page by page and every chunk and citation names its page. A PDF without a text
layer (a scan) is skipped with a one-line reason.
"""

from __future__ import annotations

import io
import re

from core.types import SourceDocument
from ingest.news import parse_news_header
from ingest.text import SkipFile

__all__ = ["PDF_MAGIC", "pdf_document"]

PDF_MAGIC = b"%PDF-"
_PAGE_BREAK = "\n\n"


def _page_text(raw: str) -> str:
    """A page's text with line endings normalised and trailing spaces and blank lines trimmed."""
    lines = [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def pdf_document(data: bytes, *, doc_id: str, source: str, fallback_title: str) -> SourceDocument:
    """The text of a PDF, page by page; raises `SkipFile` for a damaged, encrypted or scanned
    (text-less) one."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.startswith(PDF_MAGIC):
        raise SkipFile("not a PDF (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SkipFile("encrypted PDF (remove the password first)")
        pages = [_page_text(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SkipFile(f"unreadable PDF ({type(exc).__name__})") from None
    if not any(any(ch.isalnum() for ch in p) for p in pages):
        raise SkipFile(f"no text in its {len(pages)} page(s): a scanned PDF? (run OCR on it first)")
    starts, parts, at = [], [], 0
    for text in pages:
        starts.append(at)
        parts.append(text)
        at += len(text) + len(_PAGE_BREAK)
    text = _PAGE_BREAK.join(parts)
    header = parse_news_header(text)
    title = " ".join(str(info.title or "").split()) if info else ""
    author = " ".join(str(info.author or "").split()) if info else ""
    return SourceDocument(
        doc_id=doc_id,
        source=source,
        title=title or (header.title if header else "") or fallback_title,
        text=text,
        published=header.published if header else None,
        section=header.section if header else None,
        dateline=header.dateline if header else None,
        author=author or None,
        page_starts=tuple(starts),
    )
