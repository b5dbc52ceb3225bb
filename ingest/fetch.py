"""Fetching links with `httpx`: http and https only, no private or local address (each
redirect hop checked, the request sent to the address checked: `ingest.addresses`), robots.txt
honoured, time and size limits, the content type checked, a bounded number of redirects, a
User-Agent that names the project and its version.

A link that cannot be fetched raises `SkipFile` with a one-line reason (as a file that cannot
be loaded does), so one bad link never stops a batch. The `httpx.Client` is passed in
(`make_client` builds the configured one), so callers and tests choose it.
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from core.settings import Settings
from ingest.addresses import resolve
from ingest.text import SkipFile, human_size

__all__ = [
    "FEED_TYPES",
    "HTML_TYPES",
    "PAGE_TYPES",
    "PDF_TYPES",
    "USER_AGENT",
    "Fetched",
    "fetch",
    "is_url",
    "make_client",
    "normalize_url",
    "using",
]


def _version() -> str:
    try:
        return version("cited-qa")
    except PackageNotFoundError:
        return "dev"


USER_AGENT = f"cited-qa/{_version()} (question answering over documents; python-httpx)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
PDF_TYPES = ("application/pdf",)
TEXT_TYPES = ("text/plain", "text/markdown")
PAGE_TYPES = (*HTML_TYPES, *PDF_TYPES, *TEXT_TYPES)
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
)
_CHUNK = 64 * 1024
_LINK_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class Fetched:
    """A fetched resource: its bytes, media type (lower case, no parameters), charset, the URL
    it was asked for and the one it ended at, and the validators a re-fetch may send."""

    url: str
    final_url: str
    content_type: str
    data: bytes
    charset: str | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    not_modified: bool = False  # 304: the resource did not change since the validators sent


def is_url(text: str) -> bool:
    """Whether `text` looks like a link (`scheme://…`), whatever the scheme: `file:///x` is a
    link (refused by `fetch`), not a path."""
    return bool(_LINK_RE.match(text.strip()))


def normalize_url(url: str) -> str:
    """`url` stripped, without its #fragment: what a link's document is known by."""
    return urldefrag(url.strip())[0]


def make_client(settings: Settings) -> httpx.Client:
    """An `httpx.Client` with the configured timeout and redirect limit (followed by `fetch`,
    hop by hop) and the project's User-Agent (close it when done, e.g. `with
    make_client(settings) as client`). No connection is kept open between requests: one is made
    to an address, and may serve another host of the same address otherwise."""
    return httpx.Client(
        timeout=httpx.Timeout(settings.fetch_timeout),
        follow_redirects=False,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def using(client: httpx.Client | None, settings: Settings) -> AbstractContextManager[httpx.Client]:
    """`client` as it is (left open), or a client of `make_client(settings)` closed after."""
    return nullcontext(client) if client is not None else make_client(settings)


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise SkipFile(f"not an http or https link (scheme '{scheme or 'none'}')")


def _media_type(response: httpx.Response) -> tuple[str, str | None]:
    raw = response.headers.get("content-type", "")
    media = raw.split(";")[0].strip().lower()
    return media, response.charset_encoding


def fetch(
    client: httpx.Client,
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    accept: Sequence[str] = PAGE_TYPES,
    validators: dict[str, str] | None = None,
    allow_private: bool = False,
    robots: bool = True,
) -> Fetched:
    """GET `url` with `client`; `SkipFile` with a one-line reason when it cannot be used.

    Refused before any connection: another scheme than http(s), a host with a private, local
    or reserved address (unless `allow_private`; see `ingest.addresses`), a path the site's
    robots.txt disallows (when `robots`); each redirect hop is checked again. Refused after:
    an error status, a media type not in `accept`, a body over `max_bytes` (by its declared
    length, or as it streams in), and a response that takes over `timeout` seconds in all (a
    slow trickle included). `validators` (`ETag`, `Last-Modified` of an earlier fetch) make a
    conditional request; a 304 answer is `not_modified` with no data.
    """
    headers = {}
    if validators:
        if etag := validators.get("etag"):
            headers["If-None-Match"] = etag
        if modified := validators.get("last-modified"):
            headers["If-Modified-Since"] = modified
    current, until = url, (time.monotonic() + timeout, timeout)
    try:
        for _hop in range(client.max_redirects + 1):
            _check_scheme(current)
            if robots and not _robots_allow(client, current, timeout, allow_private):
                raise SkipFile("refused by the site's robots.txt (set QA_FETCH_ROBOTS=0 to ignore)")
            with _get(client, current, headers, allow_private) as response:
                if response.has_redirect_location:
                    current = urljoin(current, response.headers["location"])
                    continue
                return _read(response, url, current, validators, accept, max_bytes, until)
        raise httpx.TooManyRedirects("too many redirects")
    except httpx.TooManyRedirects:
        raise SkipFile(
            f"more than {client.max_redirects} redirects (set QA_MAX_REDIRECTS)"
        ) from None
    except httpx.TimeoutException:
        raise SkipFile(_too_slow(timeout)) from None
    except httpx.UnsupportedProtocol as exc:
        raise SkipFile(f"not an http or https link ({_line(exc)})") from None
    except httpx.InvalidURL as exc:
        raise SkipFile(f"not a valid link ({_line(exc)})") from None
    except httpx.HTTPError as exc:
        raise SkipFile(f"could not be fetched ({type(exc).__name__}: {_line(exc)})") from None


def _get(
    client: httpx.Client, url: str, headers: dict[str, str], allow_private: bool
) -> AbstractContextManager[httpx.Response]:
    """A streamed GET of `url` sent to the address its host was checked at (`resolve`), with
    the host's name as `Host` and, for https, as the TLS server name (the certificate is
    checked against it)."""
    _check_scheme(url)
    parts = httpx.URL(url)
    host = parts.raw_host.decode("ascii")
    if not host:
        raise SkipFile("not a valid link (no host)")
    address = resolve(
        host, parts.port or (443 if parts.scheme == "https" else 80), allow_private=allow_private
    )
    return client.stream(
        "GET",
        parts.copy_with(host=address),
        headers={**headers, "Host": parts.netloc.decode("ascii")},
        extensions={"sni_hostname": host} if parts.scheme == "https" else {},
        follow_redirects=False,
    )


def _read(
    response: httpx.Response,
    url: str,
    final: str,
    validators: dict[str, str] | None,
    accept: Sequence[str],
    max_bytes: int,
    until: tuple[float, float],
) -> Fetched:
    """The `Fetched` of a response that is no redirect (see `fetch`); `until` is the deadline
    (monotonic) and the timeout it came from."""
    deadline, timeout = until
    keep = {k: v for k in ("etag", "last-modified") if (v := response.headers.get(k))}
    if response.status_code == 304 and validators:
        return Fetched(url, final, "", b"", None, keep, not_modified=True)
    if response.status_code >= 400:
        phrase = response.reason_phrase or "error"
        raise SkipFile(f"the server answered {response.status_code} {phrase}")
    media, charset = _media_type(response)
    if media not in accept:
        raise SkipFile(
            f"not a page this can read (content type '{media or 'none'}'; "
            f"reads {', '.join(accept)})"
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SkipFile(_too_large(int(declared), max_bytes))
    data = bytearray()
    for piece in response.iter_bytes(_CHUNK):
        data.extend(piece)
        if len(data) > max_bytes:
            raise SkipFile(_too_large(len(data), max_bytes, more=True))
        if time.monotonic() > deadline:
            raise SkipFile(_too_slow(timeout))
    return Fetched(url, final, media, bytes(data), charset, keep)


_ROBOTS: weakref.WeakKeyDictionary[httpx.Client, dict[str, RobotFileParser]] = (
    weakref.WeakKeyDictionary()
)


def _robots_allow(client: httpx.Client, url: str, timeout: float, allow_private: bool) -> bool:
    """Whether the robots.txt of `url`'s site lets the project's User-Agent fetch it (read once
    per site and client; a site without one, or whose robots.txt cannot be read, allows all)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    known = _ROBOTS.setdefault(client, {})
    if origin not in known:
        parser = RobotFileParser()
        try:
            page = fetch(
                client,
                f"{origin}/robots.txt",
                max_bytes=512 * 1024,
                timeout=timeout,
                accept=("text/plain",),
                allow_private=allow_private,
                robots=False,
            )
            parser.parse(page.data.decode(page.charset or "utf-8", errors="replace").splitlines())
        except SkipFile:
            parser.parse([])  # no rules: everything allowed
        known[origin] = parser
    return known[origin].can_fetch(USER_AGENT, url)


def _line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or "no detail"


def _too_large(size: int, limit: int, *, more: bool = False) -> str:
    over = "over " if more else ""
    return f"too large ({over}{human_size(size)} > limit {human_size(limit)}; set QA_MAX_FETCH_MB)"


def _too_slow(timeout: float) -> str:
    return f"took longer than {timeout:g} s (set QA_FETCH_TIMEOUT)"
