"""Starting the real servers the tests talk to: a free port, a process, a wait until it answers."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

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
