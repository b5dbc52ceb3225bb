"""Starting the real servers the tests talk to: a free port, a process, a wait until it answers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (just now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(cmd: Sequence[str], ready_url: str, *, timeout: float = 120, **popen) -> Iterator[
    subprocess.Popen[bytes]
]:  # fmt: skip
    """Run `cmd` until the block ends; the block starts once `ready_url` answers over HTTP."""
    proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            **popen)  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(ready_url, timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None, f"{cmd[0]} exited with {proc.returncode}"
                if time.monotonic() > deadline:
                    pytest.fail(f"{' '.join(cmd[:3])} did not answer within {timeout:.0f} s")
                time.sleep(0.5)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


_CHROMA: dict[str, subprocess.Popen[bytes]] = {}


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """A real `chroma run` over `path` on a free 127.0.0.1 port; yields its URL."""
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with serving(cmd, f"{url}/api/v2/heartbeat", timeout=60) as proc:
        _CHROMA[url] = proc
        try:
            yield url
        finally:
            _CHROMA.pop(url, None)


def stop_chroma(url: str) -> None:
    """Stop the `chroma run` at `url` (started by `chroma_server`) mid-test."""
    proc = _CHROMA[url]
    proc.terminate()
    proc.wait(timeout=30)
