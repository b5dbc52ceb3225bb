"""Web pages and links: the main text and metadata of HTML with `trafilatura` and `htmldate`,
and links fetched (`ingest.fetch`) and turned into `SourceDocument`s.

A page's text is trafilatura's main text (navigation, related links, comments, footers left
out), one paragraph per block; title, author, site and publication date come from its metadata
(JSON-LD, OpenGraph, meta tags). Where the page has no date markup, `htmldate` searches the
page and its URL; then the news header of the text (`ingest.news`); then, for a feed entry, the
feed's date. Where trafilatura finds no main text (a tiny page), the hand-written extraction of
`ingest.loaders` is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from core.errors import IngestError
from core.settings import Settings
from core.types import SourceDocument
from ingest.fetch import HTML_TYPES, PDF_TYPES, Fetched, fetch, is_url, normalize_url
from ingest.news import parse_news_header
from ingest.pdf import pdf_document
from ingest.text import SkipFile, Skipped, decode_text, html_to_text

# What these libraries log of a page they cannot read is said once, as the link's skip reason;
# without a handler of their own, Python's last resort would print it to stderr as well.
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

__all__ = [
    "PageMeta",
    "doc_id_for_url",
    "document_of",
    "extract_html",
    "html_document",
    "is_article",
    "load_url",
    "load_urls",
    "read_links_file",
    "split_inputs",
]


@dataclass(frozen=True)
class PageMeta:
    """What a page says of itself."""

    title: str | None = None
    author: str | None = None
    site: str | None = None
    published: str | None = None  # ISO date


def doc_id_for_url(url: str) -> str:
    """First 16 hex chars of the sha256 of the link (without its #fragment)."""
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:16]


def _clean(value: object) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def _markup_date(markup: str, url: str | None) -> str | None:
    """A date from anywhere in the page or its URL (htmldate's extensive search); its last
    resorts, January 1 of a copyright notice's or a lone year, are not publication dates."""
    from htmldate import find_date

    latest = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    try:
        found = find_date(
            markup, url=url, extensive_search=True, original_date=True, max_date=latest
        )
    except (ValueError, TypeError):
        return None
    return None if not found or found.endswith("-01-01") else found


def is_article(markup: str) -> bool:
    """Whether a page marks up an article: an `<article>` or `<main>` element, or OpenGraph or
    JSON-LD metadata (news pages do; a plain HTML document does not)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    return bool(
        soup.find(["article", "main"])
        or soup.find("meta", attrs={"property": re.compile(r"^(og|article):")})
        or soup.find("script", attrs={"type": "application/ld+json"})
    )


def extract_html(markup: str, url: str | None = None) -> tuple[str, PageMeta]:
    """The text of an HTML page (paragraphs separated by blank lines) and its metadata.

    For an article (`is_article`) the text is trafilatura's main text; for a plain document,
    or where trafilatura finds none, all its readable text (`ingest.loaders.html_to_text`):
    on the test pages each does better there (see docs/guide.md, "Ingesting news"). Raises
    `SkipFile` when the page has no readable text.
    """
    import trafilatura

    extracted = trafilatura.bare_extraction(
        markup,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True, "url": url},
    )
    lines = [" ".join(x.split()) for x in (getattr(extracted, "text", "") or "").split("\n")]
    text = "\n\n".join(x for x in lines if x)
    meta = PageMeta(
        title=_clean(getattr(extracted, "title", None)),
        author=_clean(getattr(extracted, "author", None)),
        site=_clean(getattr(extracted, "sitename", None)),
        published=_clean(getattr(extracted, "date", None)),
    )
    if not text or not is_article(markup):
        text, title = html_to_text(markup)
        meta = replace(meta, title=title or meta.title)
    if not text:
        raise SkipFile("empty file (no readable text in the HTML)")
    header = parse_news_header(text)
    published = (
        meta.published or (header.published if header else None) or _markup_date(markup, url)
    )
    return text, replace(meta, published=published)


def html_document(
    markup: str,
    *,
    doc_id: str,
    source: str,
    fallback_title: str,
    url: str | None = None,
    published: str | None = None,
) -> SourceDocument:
    """A `SourceDocument` of an HTML page (see `extract_html`); `published` is the date to use
    when the page gives none (a feed's)."""
    text, meta = extract_html(markup, url)
    header = parse_news_header(text)
    return SourceDocument(
        doc_id=doc_id,
        source=source,
        title=meta.title or (header.title if header else "") or fallback_title,
        text=text,
        published=meta.published or published,
        section=header.section if header else None,
        dateline=header.dateline if header else None,
        site=meta.site,
        author=meta.author,
    )


def _name_of(url: str) -> str:
    """A title of last resort: the last part of the link's path, or its host."""
    parts = urlsplit(url)
    last = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    stem = last.rsplit(".", 1)[0] if "." in last else last
    return " ".join(stem.replace("-", " ").replace("_", " ").split()) or parts.netloc


def document_of(
    page: Fetched, *, published: str | None = None, title: str | None = None
) -> SourceDocument:
    """The `SourceDocument` of a fetched page, PDF or text file; its source is the link asked
    for. `published` and `title` (a feed entry's) serve where the page gives none. `SkipFile`
    when it holds nothing readable."""
    source = normalize_url(page.url)
    doc_id, title = doc_id_for_url(source), title or _name_of(page.final_url)
    if page.content_type in PDF_TYPES:
        doc = pdf_document(page.data, doc_id=doc_id, source=source, fallback_title=title)
        return replace(doc, published=doc.published or published)
    if page.content_type in HTML_TYPES:
        markup = page.data.decode(page.charset or "utf-8", errors="replace")
        return html_document(
            markup,
            doc_id=doc_id,
            source=source,
            fallback_title=title,
            url=page.final_url,
            published=published,
        )
    text = decode_text(page.data)
    if not any(ch.isalnum() for ch in text):
        raise SkipFile("empty page (no letters or digits)")
    header = parse_news_header(text)
    return SourceDocument(
        doc_id=doc_id,
        source=source,
        title=(header.title if header else "") or title,
        text=text,
        published=(header.published if header else None) or published,
        section=header.section if header else None,
    )


def load_url(
    client: httpx.Client,
    url: str,
    settings: Settings,
    *,
    published: str | None = None,
    title: str | None = None,
) -> SourceDocument:
    """Fetch `url` and make its document (see `document_of`); `SkipFile` with a one-line
    reason when it cannot."""
    page = fetch(
        client,
        url,
        max_bytes=settings.max_fetch_bytes,
        timeout=settings.fetch_timeout,
        allow_private=settings.fetch_allow_private,
        robots=settings.fetch_robots,
    )
    return document_of(page, published=published, title=title)


def load_urls(
    urls: Iterable[str],
    client: httpx.Client,
    settings: Settings,
    *,
    dates: Mapping[str, str] | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> tuple[list[SourceDocument], list[Skipped]]:
    """Fetch every link once; links that cannot be used become `Skipped` (the link and why).
    `dates` gives the date of a link whose page has none (the one a feed gave it before);
    `on_page(done, total)` is called after each link."""
    wanted = list(dict.fromkeys(normalize_url(u) for u in urls if u.strip()))
    docs: list[SourceDocument] = []
    skipped: list[Skipped] = []
    for i, url in enumerate(wanted, start=1):
        try:
            docs.append(load_url(client, url, settings, published=(dates or {}).get(url)))
        except SkipFile as exc:
            skipped.append(Skipped(url, exc.reason))
        if on_page is not None:
            on_page(i, len(wanted))
    return docs, skipped


def read_links_file(path: Path | str) -> list[str]:
    """The links of a text file, one a line (blank lines and `#` comments ignored); raises
    `IngestError` for an unreadable file or a line that is not a link."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise IngestError(f"cannot read the links file '{path}': {why} (check the path)") from None
    links = []
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_url(line):
            raise IngestError(f"{path}:{n}: {line[:80]!r} is not a link (one http(s) link a line)")
        links.append(line)
    return links


def split_inputs(items: Sequence[str]) -> tuple[list[str], list[str]]:
    """`items` as (links, paths): what looks like a link (scheme and host) is a link."""
    links = [i for i in items if is_url(i)]
    return links, [i for i in items if not is_url(i)]
