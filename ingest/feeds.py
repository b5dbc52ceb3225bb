"""RSS and Atom feeds with `feedparser`: each entry's link fetched as a page, with the feed's
date where the page gives none; a re-run fetches only new or changed entries.

What was read of each feed (its `ETag`/`Last-Modified` and a fingerprint of each entry) is
kept in `Settings.feeds_dir`, one JSON file per feed. A re-run asks the feed conditionally (a
304 answer means nothing changed), and fetches an entry again only when its fingerprint
(link, title, dates, summary) changed or its document is no longer in the store.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from core.settings import Settings
from core.types import SourceDocument
from ingest.fetch import FEED_TYPES, fetch, normalize_url
from ingest.loaders import SkipFile, Skipped
from ingest.web import doc_id_for_url, load_url

__all__ = ["FeedEntry", "FeedRun", "parse_feed", "read_feed"]


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: its link, title, date (ISO) and a fingerprint of what it says."""

    link: str
    title: str
    published: str | None
    fingerprint: str


@dataclass
class FeedRun:
    """What reading a feed gave: documents to ingest, links skipped (with why), the links of
    entries left alone because they did not change (their documents are stored)."""

    url: str
    docs: list[SourceDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _field(entry: Any, key: str) -> Any:
    """An entry's field, without feedparser's deprecated fallback of `updated` to `published`."""
    return dict.get(entry, key)  # FeedParserDict's own `get` maps missing keys to others


def _date(entry: Any) -> str | None:
    parsed = _field(entry, "published_parsed") or _field(entry, "updated_parsed")
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC).date().isoformat()


def parse_feed(data: bytes, url: str) -> list[FeedEntry]:
    """The entries of an RSS or Atom document that have a link; `SkipFile` when it is no feed."""
    import feedparser

    parsed = feedparser.parse(data, response_headers={"content-location": url})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        why = type(parsed.get("bozo_exception")).__name__ if parsed.bozo else "no entries"
        raise SkipFile(f"not an RSS or Atom feed ({why})")
    entries = []
    for e in parsed.entries:
        link = normalize_url(str(e.get("link") or ""))
        if not link:
            continue
        said = [_field(e, k) for k in ("title", "published", "updated", "summary")]
        seen = json.dumps([link, *said], ensure_ascii=False)
        fingerprint = hashlib.sha256(seen.encode("utf-8")).hexdigest()[:24]
        entries.append(
            FeedEntry(link, " ".join(str(e.get("title") or "").split()), _date(e), fingerprint)
        )
    return entries


class _State:
    """The kept state of one feed: validators and entry fingerprints."""

    def __init__(self, folder: Path, url: str) -> None:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
        self.path = folder / f"{key}.json"
        try:
            self.data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}
        if not all(isinstance(e, dict) for e in self.data.get("entries", {}).values()):
            self.data = {}  # another shape: read the feed afresh
        self.data.setdefault("url", url)
        self.data.setdefault("entries", {})

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, ensure_ascii=False, indent=1)
            os.replace(tmp, self.path)
        except OSError:
            pass  # only costs fetching the entries again next time


def read_feed(
    url: str,
    client: httpx.Client,
    settings: Settings,
    in_store: Callable[[str], bool],
) -> FeedRun:
    """Read the feed at `url` and fetch its new or changed entries (`in_store(doc_id)` says
    whether an entry's document is still stored). The feed itself failing is one `Skipped`."""
    url = normalize_url(url)
    run = FeedRun(url)
    state = _State(settings.feeds_dir, url)
    validators = state.data.get("validators") or None
    try:
        page = fetch(
            client,
            url,
            max_bytes=settings.max_fetch_bytes,
            accept=FEED_TYPES,
            timeout=settings.fetch_timeout,
            validators=validators,
            allow_private=settings.fetch_allow_private,
            robots=settings.fetch_robots,
        )
        if page.not_modified:  # the entries read last time
            entries = [FeedEntry(**e) for e in state.data["entries"].values()]
        else:
            entries = parse_feed(page.data, page.final_url)
    except SkipFile as exc:
        run.skipped.append(Skipped(url, f"feed: {exc.reason}"))
        return run
    known: dict[str, dict[str, Any]] = state.data["entries"]
    for entry in entries:
        was = known.get(entry.link, {}).get("fingerprint")
        if was == entry.fingerprint and in_store(doc_id_for_url(entry.link)):
            run.unchanged.append(entry.link)
            continue
        try:
            run.docs.append(
                load_url(client, entry.link, settings, published=entry.published, title=entry.title)
            )
        except SkipFile as exc:
            run.skipped.append(Skipped(entry.link, exc.reason))
            continue
        known[entry.link] = asdict(entry)
    # Asked conditionally next time only when every entry was read: else a 304 would hide them.
    state.data["validators"] = {} if run.skipped else page.headers
    state.save()
    return run
