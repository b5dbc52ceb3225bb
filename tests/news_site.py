"""A small news site for the tests, served by a real `http.server` on 127.0.0.1.

Pages of the same kind of event (storms) on known dates, some with JSON-LD or OpenGraph dates,
one with its date only in the text, one with none (its date comes from the feed); three copies
of one wire story with small edits; a feed; a PDF report and a scanned (text-less) PDF; and
the failures: a redirect, a redirect loop, a 404, a slow page, an oversized page and a
non-HTML file. `bench/news_eval.py` measures date questions and folding over the same pages.
"""

from __future__ import annotations

import contextlib
import html
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.pdfs import COUNCIL_REPORT, make_pdf

__all__ = ["STORIES", "Story", "serve_site", "write_site"]


@dataclass(frozen=True)
class Story:
    """A fixture page: `story` names the event (copies of one wire story share it)."""

    path: str
    story: str
    title: str
    site: str
    author: str
    published: str  # ISO date: what the page or its feed says
    markup: str  # "json-ld", "opengraph", "text" (a date in the body), "none" (feed only)
    paragraphs: tuple[str, ...]


STORIES: tuple[Story, ...] = (
    Story(
        "2024/12/18/storm-yann.html",
        "yann",
        "Storm Yann cuts power in Carrick",
        "Coast Herald",
        "Jane Doe",
        "2024-12-18",
        "json-ld",
        (
            "Storm Yann battered the hill town of Carrick on Wednesday, bringing down power lines "
            "and leaving 3,100 homes without electricity.",
            "Snow closed the mountain pass for two days, and the army cleared the road to the "
            "hospital.",
        ),
    ),
    Story(
        "storm-alba.html",
        "alba",
        "Storm Alba floods Portmere harbour",
        "Coast Herald",
        "Jane Doe",
        "2025-03-03",
        "json-ld",
        (
            "Storm Alba struck the fishing town of Portmere on Monday, flooding the harbour and "
            "cutting power to 4,000 homes.",
            "The harbour master, Ines Quayle, said waves reached four metres. Twelve boats sank at "
            "their moorings.",
            "Emergency crews from three counties worked through the night to reopen the coast "
            "road.",
            "Schools in Portmere stayed closed, and the council opened the sports hall as a "
            "shelter for forty families.",
        ),
    ),
    Story(
        "storm-bran.html",
        "bran",
        "Storm Bran shuts Kilbury bridge",
        "Coast Herald",
        "Tom Reyes",
        "2025-03-10",
        "opengraph",
        (
            "Storm Bran swept across the valley town of Kilbury on Monday, closing the old river "
            "bridge and leaving 2,500 homes without power.",
            "The river rose by two metres overnight, the Environment Agency said. Firefighters "
            "rescued six people from cars stranded on the flooded ring road.",
            "The bridge will stay shut until engineers have inspected its piers, the county "
            "council said.",
        ),
    ),
    Story(
        "news/storm-cora.html",
        "cora",
        "Storm Cora strands Dunmore",
        "Harbour Times",
        "Ana Silva",
        "2025-03-12",
        "text",
        (
            "Storm Cora reached the island port of Dunmore on Wednesday, cancelling every ferry "
            "and cutting power to 900 homes.",
            "The island's only hospital ran on generators for six hours. A landslide blocked the "
            "north road near the lighthouse.",
            "The ferry company said sailings would resume on Thursday morning if the wind dropped "
            "below gale force.",
        ),
    ),
    Story(
        "news/storm-dara.html",
        "dara",
        "Storm Dara tears roof off Elmstead town hall",
        "Harbour Times",
        "Ana Silva",
        "2025-03-14",
        "none",
        (
            "Storm Dara hit the market town of Elmstead on Friday, tearing the roof off the town "
            "hall and cutting power to 1,200 homes.",
            "Forty trees came down in the park. The mayor, Ruth Okafor, said the town hall would "
            "stay closed for a month.",
        ),
    ),
    Story(
        "ferry-deal-herald.html",
        "ferry",
        "Northlink ferry strike ends",
        "Coast Herald",
        "Tom Reyes",
        "2025-03-11",
        "json-ld",
        (
            "Ferry workers at Northlink ended their two-week strike on Tuesday after accepting a "
            "pay rise of 6 percent over two years.",
            "The union, Maritime Workers United, said 85 percent of members voted for the deal. "
            "Sailings to the islands will return to the normal timetable on Thursday.",
            "The company said the strike had cost it about 1.4 million pounds in lost fares. "
            "Island shopkeepers had complained of empty shelves after supply boats were cancelled.",
        ),
    ),
    Story(
        "ferry-deal-times.html",
        "ferry",
        "Ferry strike over as Northlink staff accept deal",
        "Harbour Times",
        "Ana Silva",
        "2025-03-11",
        "opengraph",
        (
            "Ferry workers at Northlink have ended their two-week strike after accepting a pay "
            "rise of 6 percent over two years, their union said on Tuesday.",
            "Maritime Workers United said 85 percent of members voted for the deal. Sailings to "
            "the islands will return to the normal timetable on Thursday.",
            "The company said the strike had cost it about 1.4 million pounds in lost fares. "
            "Shopkeepers on the islands had complained of empty shelves after supply boats were "
            "cancelled.",
        ),
    ),
    Story(
        "ferry-deal-post.html",
        "ferry",
        "Northlink strike ends with 6% deal",
        "Island Post",
        "Press Association",
        "2025-03-11",
        "json-ld",
        (
            "Ferry workers at Northlink ended their two-week strike on Tuesday after accepting a "
            "pay rise of 6 percent over two years.",
            "The union, Maritime Workers United, said 85 percent of its members voted for the "
            "deal. Sailings will return to the normal timetable on Thursday, the company said.",
            "It said the strike had cost about 1.4 million pounds in lost fares. Island "
            "shopkeepers had complained of empty shelves.",
        ),
    ),
)

BOILERPLATE = (
    "Related stories",
    "Ferry fares rise again",
    "Lighthouse reopens to visitors",
    "Subscribe to our newsletter",
    "All rights reserved",
)


def _page(s: Story) -> str:
    """An article page with navigation, related links and a footer around the story."""
    head = [f"<title>{html.escape(s.title)} | {s.site}</title>"]
    if s.markup in ("json-ld", "opengraph", "text"):
        head.append(f'<meta property="og:site_name" content="{s.site}">')
    if s.markup == "json-ld":
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": s.title,
            "datePublished": f"{s.published}T08:00:00Z",
            "author": {"@type": "Person", "name": s.author},
            "publisher": {"@type": "Organization", "name": s.site},
        }
        head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    elif s.markup == "opengraph":
        head += [
            f'<meta property="og:title" content="{html.escape(s.title)}">',
            f'<meta property="article:published_time" content="{s.published}T07:30:00Z">',
            f'<meta name="author" content="{s.author}">',
        ]
    byline = f"<p class='byline'>By {s.author}</p>"
    if s.markup == "text":
        day = int(s.published[8:])
        month = ["January", "February", "March"][int(s.published[5:7]) - 1]
        byline += f"<p>Published {day} {month} {s.published[:4]}</p>"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in s.paragraphs)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        + "".join(head)
        + "</head><body><header><nav><a href='/'>Home</a> | <a href='/news/'>News</a> | "
        "<a href='/sport/'>Sport</a></nav></header>"
        f"<main><article><h1>{html.escape(s.title)}</h1>{byline}{body}</article>"
        f"<aside><h3>{BOILERPLATE[0]}</h3><ul><li><a href='/x'>{BOILERPLATE[1]}</a></li>"
        f"<li><a href='/y'>{BOILERPLATE[2]}</a></li></ul></aside></main>"
        f"<footer><p>{BOILERPLATE[3]}</p><p>&copy; 2025 {s.site}. {BOILERPLATE[4]}.</p></footer>"
        "</body></html>\n"
    )


def _feed(base: str) -> str:
    """An RSS feed of the Harbour Times: its storm pages, with dates."""
    items = []
    for s in STORIES:
        if s.site == "Harbour Times" and s.story != "ferry":
            day = time.strptime(s.published, "%Y-%m-%d")
            items.append(
                f"<item><title>{html.escape(s.title)}</title><link>{base}/{s.path}</link>"
                f"<guid>{base}/{s.path}</guid>"
                f"<pubDate>{time.strftime('%a, %d %b %Y 09:00:00 +0000', day)}</pubDate>"
                "<description>Storm news.</description></item>"
            )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Harbour Times</title><link>{base}/</link><description>News</description>"
        + "".join(items)
        + "</channel></rss>\n"
    )


def write_site(folder: Path, base: str) -> Path:
    """Write the site's files into `folder` (links in the feed start with `base`)."""
    for s in STORIES:
        path = folder / s.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_page(s), encoding="utf-8")
    (folder / "feed.xml").write_text(_feed(base), encoding="utf-8")
    (folder / "council-report.pdf").write_bytes(
        make_pdf(COUNCIL_REPORT, title="Storm recovery report")
    )
    (folder / "scanned.pdf").write_bytes(make_pdf([[], []], title="Scanned letter"))
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "notes.txt").write_text(
        "Harbour notes.\n\nThe tide tables for April are out.\n", encoding="utf-8"
    )
    return folder


SLOW_SECONDS = 3.0  # how long /slow takes to send its page, a piece at a time
BIG_BYTES = 3 * 1024 * 1024  # /big and /big-chunked send this many bytes


class _Handler(SimpleHTTPRequestHandler):
    """The site's files, and the special paths of the failures."""

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        # The client gives up on a slow or oversized page, as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._get()

    def _get(self) -> None:
        self.server.seen_agents.append(self.headers.get("User-Agent", ""))  # type: ignore[attr-defined]
        path = self.path.split("?")[0]
        if path == "/moved":
            self._send(302, {"Location": "/storm-alba.html", "Content-Length": "0"})
        elif path.startswith("/loop"):
            n = int(path[5:] or 0)
            self._send(302, {"Location": f"/loop{n + 1}", "Content-Length": "0"})
        elif path == "/to-ftp":
            self._send(302, {"Location": "ftp://127.0.0.1/file", "Content-Length": "0"})
        elif path == "/slow":
            self._send(200, {"Content-Type": "text/html", "Content-Length": "2000"})
            for _ in range(20):
                time.sleep(SLOW_SECONDS / 20)
                self.wfile.write(b"<p>" + b"x" * 93 + b"</p>")
                self.wfile.flush()
        elif path == "/big":
            self._send(
                200,
                {"Content-Type": "text/html", "Content-Length": str(BIG_BYTES)},
                b"<p>" + b"y" * (BIG_BYTES - 3),
            )
        elif path == "/big-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no length: the client counts what comes (HTTP/1.0 close)
            for _ in range(BIG_BYTES // 65536):
                self.wfile.write(b"z" * 65536)
        else:
            super().do_GET()


@contextmanager
def serve_site(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve `folder` (after `write_site`) on a free 127.0.0.1 port in a thread: the base URL
    and the User-Agents of the requests seen."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(folder)))
    server.daemon_threads = True
    server.seen_agents = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="news-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.seen_agents  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def news_site(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """`write_site` into `folder` and `serve_site` it: the base URL and User-Agents seen."""
    with serve_site(folder) as (base, agents):
        write_site(folder, base)
        yield base, agents
