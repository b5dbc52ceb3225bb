"""Links never reach private addresses: real servers on 127.0.0.1, every connection the process
opens recorded by an audit hook (`socket.connect`), so a refusal is known to open none."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from core.settings import Settings
from ingest import addresses
from ingest.addresses import REFUSED, is_public
from ingest.feeds import read_feed
from ingest.fetch import fetch, make_client
from ingest.loaders import SkipFile

_CONNECTS: list[Any] = []
_RECORDING = threading.Event()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _RECORDING.is_set():
        _CONNECTS.append(args[1])


sys.addaudithook(_audit)  # hooks cannot be removed: this one records only inside `connects`


@contextmanager
def connects() -> Iterator[list[Any]]:
    """The addresses this process connects to inside the block."""
    _CONNECTS.clear()
    _RECORDING.set()
    try:
        yield _CONNECTS
    finally:
        _RECORDING.clear()


class _Handler(BaseHTTPRequestHandler):
    """`/secret` answers a secret; `/hop?to=URL` redirects there; robots.txt disallows
    `/hidden` to cited-qa."""

    hosts: ClassVar[list[str]] = []  # the Host header of each request

    def do_GET(self) -> None:
        self.hosts.append(self.headers.get("Host", ""))
        if self.path.startswith("/feed.xml?to="):
            item = f"<item><title>Secret</title><link>{self.path.split('=', 1)[1]}</link></item>"
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{item}</channel></rss>'
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(feed.encode())))
            self.end_headers()
            self.wfile.write(feed.encode())
        elif self.path.startswith("/hop?to="):
            self.send_response(302)
            self.send_header("Location", self.path.split("=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path in ("/secret", "/robots.txt", "/hidden"):
            body = {
                "/secret": b"the secret is 42",
                "/hidden": b"not for robots",
                "/robots.txt": b"User-agent: cited-qa\nDisallow: /hidden\n",
            }[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def server(host: str = "127.0.0.1", family: int = socket.AF_INET) -> Iterator[int]:
    """A real HTTP server on `host` in a thread: its port."""

    class Server(ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

    httpd = Server((host, 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


def _fetch(url: str, *, allow_private: bool = False, robots: bool = True) -> str:
    settings = Settings(fetch_timeout=5.0, fetch_allow_private=allow_private)
    with make_client(settings) as client:
        page = fetch(
            client, url, max_bytes=10_000, timeout=5.0, allow_private=allow_private, robots=robots
        )
    return page.data.decode()


LOOPBACK_FORMS = ["127.0.0.1", "localhost", "2130706433", "127.1", "0x7f.0.0.1", "0.0.0.0"]


@pytest.mark.parametrize("host", [*LOOPBACK_FORMS, "[::1]", "[::ffff:127.0.0.1]"])
def test_loopback_in_every_form_is_refused_before_any_connection(host: str) -> None:
    with server() as port, connects() as seen:
        for url in (f"http://{host}:{port}/secret", f"http://{host}:1/closed"):
            with pytest.raises(SkipFile) as refused:
                _fetch(url)
            assert refused.value.reason == REFUSED  # an open port and a closed one alike
    assert seen == []


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_loopback_is_fetched_when_private_addresses_are_allowed(host: str) -> None:
    with server() as port:
        assert _fetch(f"http://{host}:{port}/secret", allow_private=True) == "the secret is 42"


def test_ipv6_loopback_is_fetched_when_allowed() -> None:
    try:
        served = server("::1", socket.AF_INET6)
        port = served.__enter__()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert _fetch(f"http://[::1]:{port}/secret", allow_private=True) == "the secret is 42"
    finally:
        served.__exit__(None, None, None)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared (carrier-grade NAT)
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    ],
)
def test_private_link_local_and_reserved_addresses_are_refused(url: str) -> None:
    with connects() as seen, pytest.raises(SkipFile, match=r"^refused: "):
        _fetch(url)
    assert seen == []


def test_a_redirect_to_loopback_is_refused_at_its_hop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server on 127.0.0.2 stands for a public site (`is_public` says so of that address
    only); it redirects to the secret on 127.0.0.1, which is never connected to."""
    public = ipaddress.ip_address("127.0.0.2")
    monkeypatch.setattr(addresses, "is_public", lambda a: a == public or is_public(a))
    with server("127.0.0.2") as outside, server() as inside, connects() as seen:
        with pytest.raises(SkipFile) as refused:
            _fetch(f"http://127.0.0.2:{outside}/hop?to=http://127.0.0.1:{inside}/secret")
        assert refused.value.reason == REFUSED
        assert {host for host, _port in seen} == {"127.0.0.2"}
        hop = f"http://127.0.0.2:{outside}/hop?to=http://127.0.0.2:{outside}/secret"
        assert _fetch(hop) == "the secret is 42"  # a redirect to an allowed address is followed


def test_a_feed_entry_on_loopback_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A feed on a "public" server (127.0.0.2, as above) whose entry links to loopback."""
    public = ipaddress.ip_address("127.0.0.2")
    monkeypatch.setattr(addresses, "is_public", lambda a: a == public or is_public(a))
    settings = Settings(persist_dir=tmp_path / "store", fetch_timeout=5.0)
    with server("127.0.0.2") as outside, server() as inside, connects() as seen:
        feed = f"http://127.0.0.2:{outside}/feed.xml?to=http://127.0.0.1:{inside}/secret"
        with make_client(settings) as client:
            run = read_feed(feed, client, settings, lambda _doc_id: False)
    assert run.docs == [] and [s.reason for s in run.skipped] == [REFUSED]
    assert {host for host, _port in seen} == {"127.0.0.2"}


def test_other_schemes_are_refused() -> None:
    with connects() as seen:
        for url in ("file:///etc/passwd", "ftp://example.org/x", "gopher://127.0.0.1:70/"):
            with pytest.raises(SkipFile, match="not an http or https link"):
                _fetch(url)
    assert seen == []


def test_public_addresses_pass_the_check() -> None:
    for text in ("93.184.216.34", "2606:4700::1111", "1.1.1.1"):
        assert is_public(ipaddress.ip_address(text))
    for text in ("127.0.0.1", "::1", "::", "100.100.1.1", "169.254.0.1", "::ffff:192.168.0.1"):
        assert not is_public(ipaddress.ip_address(text))


def test_robots_txt_is_honoured_unless_told_not_to() -> None:
    with server() as port:
        url = f"http://127.0.0.1:{port}/hidden"
        with pytest.raises(SkipFile, match=r"^refused by the site's robots.txt \(set QA_FETCH_"):
            _fetch(url, allow_private=True)
        assert _fetch(url, allow_private=True, robots=False) == "not for robots"


def test_https_is_sent_to_the_checked_address_with_the_name_as_sni_and_host(
    tmp_path: Path,
) -> None:
    """A real TLS server on 127.0.0.1 with a certificate for `localhost` only: the connection
    goes to the address, and the certificate is checked against the name."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment]

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self) -> tuple[socket.socket, Any]:
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True), address

    httpd = Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    trusted = ssl.create_default_context(cafile=str(cert))
    try:
        with httpx.Client(verify=trusted, max_redirects=3) as client, connects() as seen:
            page = fetch(
                client,
                f"https://localhost:{port}/secret",
                max_bytes=1000,
                timeout=5,
                allow_private=True,
                robots=False,
            )
            with pytest.raises(SkipFile, match="certificate"):  # not valid for the address
                fetch(
                    client,
                    f"https://127.0.0.1:{port}/secret",
                    max_bytes=1000,
                    timeout=5,
                    allow_private=True,
                    robots=False,
                )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert page.data == b"the secret is 42" and page.final_url == f"https://localhost:{port}/secret"
    assert names[0] == "localhost" and seen[0] == ("127.0.0.1", port)
    assert f"localhost:{port}" in _Handler.hosts
