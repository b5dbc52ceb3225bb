"""Links, pages, feeds and PDFs fetched from a real `http.server` on 127.0.0.1 (no model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import IngestError
from core.settings import Settings
from ingest.feeds import parse_feed, read_feed
from ingest.fetch import USER_AGENT, is_url, make_client
from ingest.loaders import SkipFile, load_file
from ingest.web import doc_id_for_url, extract_html, is_article, load_urls, read_links_file
from tests.news_site import BOILERPLATE, STORIES, news_site

Site = tuple[str, list[str], Settings]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The news site served on 127.0.0.1, and settings with a 1 s, 1 MB, 3-redirect limit
    that allow fetching from it (a loopback address)."""
    tmp = tmp_path_factory.mktemp("news")
    settings = Settings(
        persist_dir=tmp / "store",
        fetch_timeout=1.0,
        max_fetch_mb=1.0,
        max_redirects=3,
        fetch_allow_private=True,
    )
    with news_site(tmp / "site") as (base, agents):
        yield base, agents, settings


def test_pages_give_their_text_title_site_author_and_date(site: Site) -> None:
    base, agents, settings = site
    with make_client(settings) as client:
        docs, skipped = load_urls([f"{base}/{s.path}" for s in STORIES], client, settings)
    assert skipped == []
    for story, doc in zip(STORIES, docs, strict=True):
        assert doc.source == f"{base}/{story.path}" and doc.doc_id == doc_id_for_url(doc.source)
        assert (doc.title, doc.author) == (story.title, story.author)
        # The page with no date markup has none: a feed gives it one (below).
        assert doc.published == (None if story.markup == "none" else story.published), story
        if story.markup != "none":
            assert doc.site == story.site
        for paragraph in story.paragraphs:
            assert paragraph in doc.text
        assert not any(b in doc.text for b in BOILERPLATE)  # related links, footer: left out
    assert set(agents) == {USER_AGENT}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("missing.html", "the server answered 404 File not found"),
        ("photo.png", "not a page this can read (content type 'image/png'; reads text/html, "),
        ("slow", "took longer than 1 s (set QA_FETCH_TIMEOUT)"),
        ("big", "too large (3 MB > limit 1 MB; set QA_MAX_FETCH_MB)"),
        ("big-chunked", "too large (over 1.1 MB > limit 1 MB; set QA_MAX_FETCH_MB)"),
        ("loop", "more than 3 redirects (set QA_MAX_REDIRECTS)"),
        ("to-ftp", "not an http or https link"),
        ("scanned.pdf", "no text in its 2 page(s): a scanned PDF? (run OCR on it first)"),
    ],
)
def test_each_failure_is_one_line_and_the_batch_goes_on(site: Site, path: str, reason: str) -> None:
    base, _, settings = site
    urls = [f"{base}/{path}", f"{base}/storm-alba.html"]
    with make_client(settings) as client:
        docs, skipped = load_urls(urls, client, settings)
    assert [d.title for d in docs] == ["Storm Alba floods Portmere harbour"]
    assert len(skipped) == 1 and skipped[0].path == urls[0]
    assert skipped[0].reason.startswith(reason) and "\n" not in skipped[0].reason


def test_redirects_pdfs_text_and_other_schemes(site: Site) -> None:
    base, _, settings = site
    urls = [
        f"{base}/moved#top",
        f"{base}/council-report.pdf",
        f"{base}/notes.txt",
        "ftp://127.0.0.1/file.txt",
        f"{base}/moved",
    ]
    with make_client(settings) as client:
        docs, skipped = load_urls(urls, client, settings)
    moved, pdf, notes = docs  # the same link twice (its #fragment aside) is fetched once
    assert moved.source == f"{base}/moved" and moved.title == "Storm Alba floods Portmere harbour"
    assert pdf.title == "Storm recovery report" and len(pdf.page_starts) == 2
    assert pdf.page_at(pdf.text.index("3.2 million pounds")) == 2
    assert notes.title == "notes" and "tide tables" in notes.text
    assert [(s.path, s.reason) for s in skipped] == [
        ("ftp://127.0.0.1/file.txt", "not an http or https link (scheme 'ftp')")
    ]


def test_a_feed_gives_dates_and_a_rerun_fetches_only_what_changed(
    site: Site, tmp_path: Path
) -> None:
    base, _, settings = site
    settings = settings.with_(persist_dir=tmp_path / "store")
    stored: set[str] = set()
    with make_client(settings) as client:
        first = read_feed(f"{base}/feed.xml", client, settings, stored.__contains__)
        assert [(d.title, d.published) for d in first.docs] == [
            ("Storm Cora strands Dunmore", "2025-03-12"),  # the page's own date
            ("Storm Dara tears roof off Elmstead town hall", "2025-03-14"),  # the feed's
        ]
        assert first.skipped == [] and first.unchanged == []
        stored |= {d.doc_id for d in first.docs}
        again = read_feed(f"{base}/feed.xml", client, settings, stored.__contains__)
        assert again.docs == [] and len(again.unchanged) == 2  # nothing fetched again
        stored.discard(first.docs[1].doc_id)  # a document deleted from the store comes back
        third = read_feed(f"{base}/feed.xml", client, settings, stored.__contains__)
        assert [d.title for d in third.docs] == [first.docs[1].title]
        not_feed = read_feed(f"{base}/storm-alba.html", client, settings, stored.__contains__)
    assert not_feed.skipped[0].reason.startswith("feed: not a page this can read")
    with pytest.raises(SkipFile, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>no</body></html>", base)


def test_html_files_read_articles_with_trafilatura_and_plain_pages_whole(tmp_path: Path) -> None:
    story = STORIES[1]
    page = tmp_path / "alba.html"
    with news_site(tmp_path / "site"):
        page.write_bytes((tmp_path / "site" / story.path).read_bytes())
    doc = load_file(page)
    assert (doc.title, doc.site, doc.published) == (story.title, story.site, story.published)
    assert "Related stories" not in doc.text and story.paragraphs[0] in doc.text
    plain = "<html><body><h1>Notes</h1><p>Buy rope.</p><ul><li>one</li><li>two</li></ul></body>"
    assert not is_article(plain)
    text, meta = extract_html(plain)
    assert text == "Notes\n\nBuy rope.\n\none\ntwo" and meta.published is None


def test_a_copyright_year_is_not_a_publication_date() -> None:
    markup = (
        "<html><body><article><h1>Pier closes</h1><p>The pier closed for repairs.</p>"
        "</article><footer>&copy; 2024 Coast Herald</footer></body></html>"
    )
    assert extract_html(markup)[1].published is None
    assert extract_html(markup, "http://127.0.0.1/2025/03/04/pier.html")[1].published == (
        "2025-03-04"
    )  # htmldate reads the date in the link


def test_links_files_and_what_a_link_is(tmp_path: Path) -> None:
    links = tmp_path / "links.txt"
    links.write_text("# storms\nhttp://127.0.0.1/a.html\n\n  https://127.0.0.1/b  \n")
    assert read_links_file(links) == ["http://127.0.0.1/a.html", "https://127.0.0.1/b"]
    links.write_text("http://127.0.0.1/a.html\nnot a link\n")
    with pytest.raises(IngestError, match=r"links.txt:2: 'not a link' is not a link"):
        read_links_file(links)
    with pytest.raises(IngestError, match="cannot read the links file"):
        read_links_file(tmp_path / "none.txt")
    assert is_url("https://example.org/x") and is_url("ftp://host/x")
    assert is_url("file:///etc/passwd")  # a link (refused when fetched), not a path
    assert not is_url("seeds/") and not is_url("C:\\docs\\a.txt") and not is_url("a:b")
