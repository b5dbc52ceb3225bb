"""The checks every request passes before its body is read: its Host (against DNS rebinding), its
Origin (against web pages that post to the API from the browser) and, with QA_API_KEY, its key."""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response
from qa import Settings

__all__ = ["KEY_SCHEME", "Guard", "is_loopback", "is_wildcard"]

# For the OpenAPI page only (its "Authorize" button sends the key): `Guard` checks the key.
KEY_SCHEME = HTTPBearer(auto_error=False, description="the value of QA_API_KEY")


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None  # a name


def _is_docs(path: str) -> bool:
    """The OpenAPI page, its files and the schema: they hold no data."""
    return path in ("/docs", "/openapi.json") or path.startswith("/docs/")


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine's loopback: `localhost`, 127.x.x.x or ::1 (IPv6 with or
    without brackets). Another name may resolve to any address, so it is not."""
    address = _address(host)
    return host.lower() == "localhost" or (address is not None and address.is_loopback)


def is_wildcard(host: str) -> bool:
    """Whether `host` is an address that binds every interface (0.0.0.0, ::)."""
    address = _address(host)
    return address is not None and address.is_unspecified


class Guard:
    """Refuses, with a one-line JSON error and before the body is read:

    - a Host header other than a loopback name or one of `settings.allowed_hosts` (400): a web
      page whose name was rebound to 127.0.0.1 sends its own name;
    - an Origin header other than the API's own (the OpenAPI page) or one of
      `settings.cors_origins` (403): a web page may post a form or an upload to the API
      without the browser asking first;
    - with `settings.api_key`, a request without `Authorization: Bearer <key>` (401), except
      for /healthz (a liveness probe; it says only "ok") and, unless `settings.open_docs` is
      off, the OpenAPI page and schema.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = {h.strip("[]").lower() for h in settings.allowed_hosts}
        self.origins = set(settings.cors_origins)
        self.key = settings.api_key
        self.open_docs = settings.open_docs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self.refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def refusal(self, scope: Scope) -> JSONResponse | None:
        """The error response for the request of `scope`, or None when it may go on."""
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        name = urlsplit(f"//{host}").hostname or ""
        if not (is_loopback(name) or name in self.hosts or "*" in self.hosts):
            return error_response(
                400,
                f"the Host header {host!r} is not a name of this "
                "server; if it is, add it to QA_ALLOWED_HOSTS",
            )
        origin = headers.get("origin")
        if origin is not None and not self._origin_allowed(origin, host):
            return error_response(
                403,
                f"requests from the web page of {origin!r} are refused; "
                "to let it call the API, add it to QA_CORS_ORIGINS",
            )
        if self.key and not self._open(scope["path"]):
            scheme, _, given = headers.get("authorization", "").partition(" ")
            right = secrets.compare_digest(given.strip().encode(), self.key.encode())
            if scheme.lower() != "bearer" or not right:
                return error_response(
                    401,
                    "missing or wrong API key: send the header "
                    "'Authorization: Bearer <QA_API_KEY>'",
                    {"WWW-Authenticate": "Bearer"},
                )
        return None

    def _open(self, path: str) -> bool:
        return path == "/healthz" or (self.open_docs and _is_docs(path))

    def _origin_allowed(self, origin: str, host: str) -> bool:
        same = urlsplit(origin).netloc.lower() == host.lower()  # the API's own page (/docs)
        return same or origin in self.origins or "*" in self.origins
