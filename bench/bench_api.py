"""Load on the HTTP API: one client, then N concurrent clients, on 127.0.0.1 only.

    python bench/bench_api.py [--clients 8] [--seconds 60] [--single-seconds 20]
                              [--max-requests 20000] [--endpoint ask|chat] [--url URL]
                              [--key KEY]

Without --url it ingests seeds/ into a temporary store, starts `qa serve` on a free port of
127.0.0.1, and stops it at the end; with --url it loads a server you started (loopback only;
its key from --key or QA_API_KEY).
Every phase is bounded in time and in requests. It asks the seed set's questions in turn and
prints requests/s, latency p50/p95 and errors for each phase, with the date, machine and commit.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx

from api.guard import is_loopback

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"


def _questions() -> list[str]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    return [r["question"] for r in rows if "question" in r]


def _loopback_only(url: str) -> str:
    if not is_loopback(urlparse(url).hostname or ""):
        sys.exit(f"bench_api: {url} is not on this machine; give a 127.0.0.1 URL")
    return url.rstrip("/")


@contextmanager
def _own_server() -> Iterator[str]:
    """`qa serve` over a temporary store holding seeds/, on a free 127.0.0.1 port."""
    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        tmp = Path(folder)
        env = {
            **os.environ,
            "QA_PERSIST_DIR": str(tmp / "store"),
            "QA_UPLOAD_DIR": str(tmp / "up"),
            "HF_HUB_OFFLINE": "1",
        }
        env.pop("QA_API_KEY", None)
        qa = [sys.executable, "-m", "cli"]
        subprocess.run(
            [*qa, "ingest", "--no-progress", str(ROOT / "seeds")],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen(
            [*qa, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit("bench_api: qa serve did not become ready")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def _request(endpoint: str, question: str) -> tuple[str, dict]:
    if endpoint == "chat":
        return "/v1/chat/completions", {
            "model": "cited-qa",
            "messages": [{"role": "user", "content": question}],
        }
    return "/v1/ask", {"question": question}


def run_phase(
    url: str,
    endpoint: str,
    clients: int,
    seconds: float,
    max_requests: int,
    headers: dict[str, str],
) -> dict:
    """`clients` threads asking in a loop until `seconds` pass or `max_requests` are sent."""
    questions = itertools.cycle(_questions())
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sent = 0
    deadline = time.monotonic() + seconds

    def client() -> None:
        nonlocal sent
        with httpx.Client(base_url=url, timeout=60, headers=headers) as c:
            while time.monotonic() < deadline:
                with lock:
                    if sent >= max_requests:
                        return
                    sent += 1
                    path, body = _request(endpoint, next(questions))
                t = time.perf_counter()
                try:
                    r = c.post(path, json=body)
                    failure = None if r.status_code == 200 else f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    failure = type(exc).__name__
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    if failure:
                        errors[failure] = errors.get(failure, 0) + 1
                    else:
                        latencies.append(ms)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ok = latencies or [0.0]
    p95 = statistics.quantiles(ok, n=20, method="inclusive")[18] if len(ok) > 1 else ok[0]
    return {
        "clients": clients,
        "requests": len(latencies) + sum(errors.values()),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(ok),
        "p95": p95,
        "errors": errors,
    }


def _machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    cores = os.cpu_count()
    return f"{model or platform.machine()}, {cores} cores, Python {platform.python_version()}"


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            text=True,
            capture_output=True,
        ).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    ap.add_argument("--seconds", type=float, default=60, help="concurrent phase (default 60)")
    ap.add_argument("--single-seconds", type=float, default=20, help="one-client phase (20)")
    ap.add_argument("--max-requests", type=int, default=20_000, help="per phase (20000)")
    ap.add_argument(
        "--endpoint",
        choices=["ask", "chat"],
        default="ask",
        help="POST /v1/ask (default) or /v1/chat/completions",
    )
    ap.add_argument("--url", help="a server already running on 127.0.0.1 (default: start one)")
    ap.add_argument(
        "--key",
        default=os.environ.get("QA_API_KEY"),
        help="with --url: the server's API key (default: $QA_API_KEY)",
    )
    args = ap.parse_args()
    if not (
        1 <= args.clients <= 64
        and 0 < args.seconds <= 600
        and 0 < args.single_seconds <= 600
        and 1 <= args.max_requests <= 100_000
    ):
        sys.exit("bench_api: keep it bounded: 1-64 clients, at most 600 s and 100000 requests")
    server = _own_server() if args.url is None else nullcontext(args.url)
    headers = {"Authorization": f"Bearer {args.key}"} if args.url and args.key else {}
    with server as url:
        url = _loopback_only(url)
        run_phase(url, args.endpoint, 1, 2, 20, headers)  # warm up
        phases = [
            run_phase(url, args.endpoint, n, s, args.max_requests, headers)
            for n, s in ((1, args.single_seconds), (args.clients, args.seconds))
        ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    store = "your server" if args.url else "a store holding seeds/ (1 document, 4 chunks)"
    print(
        f"{when} · {_machine()} · commit {_commit()} · POST "
        f"{_request(args.endpoint, '')[0]} · {store}\n"
    )
    print("| clients | requests | seconds | requests/s | p50 ms | p95 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for p in phases:
        errors = ", ".join(f"{k}: {v}" for k, v in p["errors"].items()) or "0"
        print(
            f"| {p['clients']} | {p['requests']} | {p['seconds']:.1f} | {p['rps']:.1f} | "
            f"{p['p50']:.0f} | {p['p95']:.0f} | {errors} |"
        )


if __name__ == "__main__":
    main()
