"""Fetching links with `httpx`: http and https only, time and size limits, the content type
checked, a bounded number of redirects, a User-Agent that names the project.

A link that cannot be fetched raises `SkipFile` with a one-line reason (as a file that cannot
be loaded does), so one bad link never stops a batch. The `httpx.Client` is passed in
(`make_client` builds the configured one), so callers and tests choose it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

import httpx

from ingest.loaders import SkipFile, human_size
from qa.core.settings import Settings

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

USER_AGENT = "cited-qa/0.1 (question answering over documents; python-httpx)"
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
    """Whether `text` looks like a link (scheme and host), whatever the scheme."""
    parts = urlsplit(text.strip())
    return bool(parts.scheme and parts.netloc) and "://" in text


def normalize_url(url: str) -> str:
    """`url` stripped, without its #fragment: what a link's document is known by."""
    return urldefrag(url.strip())[0]


def make_client(settings: Settings) -> httpx.Client:
    """An `httpx.Client` with the configured timeout and redirect limit and the project's
    User-Agent (close it when done, e.g. `with make_client(settings) as client`)."""
    return httpx.Client(
        timeout=httpx.Timeout(settings.fetch_timeout),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": USER_AGENT},
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
) -> Fetched:
    """GET `url` with `client`; `SkipFile` with a one-line reason when it cannot be used.

    Refused: another scheme than http(s) (redirects included), an error status, a media type
    not in `accept`, a body over `max_bytes` (by its declared length, or as it streams in),
    and a response that takes over `timeout` seconds in all (a slow trickle included).
    `validators` (`ETag`, `Last-Modified` of an earlier fetch) make a conditional request; a
    304 answer is `not_modified` with no data.
    """
    _check_scheme(url)
    headers = {}
    if validators:
        if etag := validators.get("etag"):
            headers["If-None-Match"] = etag
        if modified := validators.get("last-modified"):
            headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + timeout
    try:
        with client.stream("GET", url, headers=headers) as response:
            final = str(response.url)
            _check_scheme(final)
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


def _line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or "no detail"


def _too_large(size: int, limit: int, *, more: bool = False) -> str:
    over = "over " if more else ""
    return f"too large ({over}{human_size(size)} > limit {human_size(limit)}; set QA_MAX_FETCH_MB)"


def _too_slow(timeout: float) -> str:
    return f"took longer than {timeout:g} s (set QA_FETCH_TIMEOUT)"
