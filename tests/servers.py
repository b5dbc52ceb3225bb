"""Starting the real servers the tests talk to: a free port, a process, a wait until it answers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (just now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    cmd: Sequence[str], ready_url: str, *, timeout: float = 120, **popen
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `cmd` until the block ends; the block starts once `ready_url` answers over HTTP."""
    proc = subprocess.Popen(
        list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen
    )
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


@contextmanager
def chroma_run(path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real `chroma run` on 127.0.0.1 keeping its data in `path`: its URL and its process
    (terminate it to stop the server mid-test)."""
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with serving(cmd, f"{url}/api/v2/heartbeat", timeout=60) as proc:
        yield url, proc


@contextmanager
def uvicorn_thread(app: Any, *, timeout: float = 60) -> Iterator[str]:
    """Serve the ASGI `app` with a real uvicorn on a free 127.0.0.1 port, in a thread of this
    process, until the block ends; yields its base URL once it listens."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            assert thread.is_alive(), f"uvicorn on port {port} did not start"
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start within {timeout:.0f} s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def holding_lock(path: Path) -> Iterator[None]:
    """Another process holding the write lock file `path` (as a `qa ingest` would) until the
    block ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys, filelock\n"
        "lock = filelock.FileLock(sys.argv[1]); lock.acquire()\n"
        "print('held', flush=True); sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "held"
        yield
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
