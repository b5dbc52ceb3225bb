"""A damaged local store is named, not fatal.

A kill or power cut while Chroma flushes its index can leave a local store that Chroma can't
read: every call fails (`InternalError: ... Failed to apply logs to the hnsw segment writer`)
or every process that opens it segfaults (chroma-core/chroma issues 5366 and 5517). So before
a process opens a local store, a child process opens it and reads from every collection; if
the child fails or crashes, `StoreDamagedError` says so in one line, with the way back
(`qa rebuild`). The probe costs a Python start and `import chromadb`, so a stamp of the files'
sizes and times is kept beside the store after a good probe (`<persist_dir>.health.json`),
and a store whose files did not change since is not probed again; nor is a store this process
already opened.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from core.errors import StoreDamagedError

__all__ = [
    "Probe",
    "check_store",
    "damaged_message",
    "discard_rebuild",
    "finish_rebuild",
    "forget_stamp",
    "opened",
    "rebuild_paths",
    "start_probe",
]

PROBE_TIMEOUT = 120.0  # seconds the child may take to open and read the store
RETRY_AFTER = 1.0  # seconds before a failed probe is tried again
_SQLITE = "chroma.sqlite3"
_checked: set[Path] = set()  # stores this process has probed or opened
_lock = threading.Lock()

# Open the store and read from every collection (a query exercises its vector index).
_PROBE = """
import sys
import chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(
    path=sys.argv[1], settings=Settings(anonymized_telemetry=False, allow_reset=False)
)
for listed in client.list_collections():
    name = listed if isinstance(listed, str) else listed.name
    collection = client.get_collection(name, embedding_function=None)
    if collection.count():
        got = collection.get(limit=1, include=["embeddings"])
        collection.query(query_embeddings=[list(got["embeddings"][0])], n_results=1)
"""


def _stamp_file(path: Path) -> Path:
    return path.with_name(f"{path.name}.health.json")


def _stamp(path: Path) -> dict[str, list[int]]:
    """Sizes and modification times of the store's files (only the size of the SQLite file,
    whose time every open changes)."""
    out: dict[str, list[int]] = {}
    for root, _, files in os.walk(path):
        for name in files:
            full = Path(root) / name
            try:
                st = full.stat()
            except OSError:
                continue
            rel = str(full.relative_to(path))
            out[rel] = [st.st_size] if rel == _SQLITE else [st.st_size, st.st_mtime_ns]
    return out


def _version() -> str:
    from importlib.metadata import version

    return version("chromadb")


def _stamped(path: Path) -> bool:
    try:
        saved = json.loads(_stamp_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(saved.get("chromadb") == _version() and saved.get("files") == _stamp(path))


def _save_stamp(path: Path) -> None:
    target = _stamp_file(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(json.dumps({"chromadb": _version(), "files": _stamp(path)}), "utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # a cache: a read-only folder only costs a probe next time


def forget_stamp(path: Path) -> None:
    """Drop the stamp of a good store (after its files were replaced)."""
    _stamp_file(path).unlink(missing_ok=True)
    with _lock:
        _checked.discard(path.resolve())


def damaged_message(path: Path, reason: str) -> str:
    """The one line that names a damaged store and the way back."""
    return (
        f"the store at {path} is damaged: Chroma cannot read it ({reason}); recover it with "
        f"`qa rebuild --persist-dir {path}`, which re-creates it from the recorded sources"
    )


class Probe:
    """A probe of the store at `path` running in a child process; `reason()` waits for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self._child = subprocess.Popen(
            [sys.executable, "-c", _PROBE, str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def reason(self) -> str | None:
        """Why Chroma can't read the store (None: it can)."""
        try:
            _, stderr = self._child.communicate(timeout=PROBE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.communicate()
            return f"opening it took over {PROBE_TIMEOUT:.0f} s"
        code = self._child.returncode
        if code == 0:
            return None
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"opening it crashed the process with {name}"
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        return (lines[-1] if lines else f"exit status {code}")[:300]


def start_probe(path: Path) -> Probe | None:
    """Start probing the local store at `path` in a child process, so that the caller can go
    on (e.g. import chromadb) meanwhile; None when no probe is needed (this process already
    opened the store, or its files are as they were after the last good probe)."""
    with _lock:
        if path.resolve() in _checked:
            return None
    return None if _stamped(path) else Probe(path)


def check_store(path: Path, probe: Probe | None = None) -> None:
    """Raise `StoreDamagedError` if Chroma can't read the local store at `path`.

    Waits for `probe` (from `start_probe`), or probes now when none was started; a failed probe
    is tried once more before the store is called damaged. Nothing is probed if this process
    already opened the store or its files are as they were after the last good probe.
    """
    key = path.resolve()
    with _lock:
        if key in _checked:
            return
    if probe is None and not _stamped(path):
        probe = Probe(path)
    if probe is not None:
        reason = probe.reason()
        if reason is not None:  # once more: another process may have been writing to it
            time.sleep(RETRY_AFTER)
            reason = Probe(path).reason()
        if reason is not None:
            raise StoreDamagedError(damaged_message(path, reason))
        _save_stamp(path)
    with _lock:
        _checked.add(key)


def opened(path: Path) -> None:
    """Note that this process opened the store at `path` (it is not probed again here)."""
    with _lock:
        _checked.add(path.resolve())


def rebuild_paths(path: Path) -> tuple[Path, Path]:
    """Where `qa rebuild` builds the new store, and the marker saying it is complete."""
    return path.with_name(f"{path.name}.rebuild"), path.with_name(f"{path.name}.rebuild.done")


def finish_rebuild(path: Path, *, aside: Path | None = None) -> Path | None:
    """Switch to a complete rebuilt store: move the store at `path` aside (to `aside`, or
    `<path>.damaged-N`) and the rebuilt one into its place; returns where the old one went.

    Also finishes a switch that a crash interrupted (run when a store is opened); does nothing
    unless a complete rebuild is waiting.
    """
    new, done = rebuild_paths(path)
    if not (done.is_file() and new.is_dir()):
        return None
    moved = None
    if path.exists():
        moved = aside or _free(path.with_name(f"{path.name}.damaged"))
        os.replace(path, moved)
    os.replace(new, path)
    done.unlink(missing_ok=True)
    _stamp_file(new).unlink(missing_ok=True)
    forget_stamp(path)
    return moved


def _free(base: Path) -> Path:
    """`base`, or `base-2`, `base-3`, ... whichever does not exist yet."""
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def discard_rebuild(path: Path) -> None:
    """Remove an unfinished rebuild of the store at `path` (its folder and marker)."""
    new, done = rebuild_paths(path)
    done.unlink(missing_ok=True)
    shutil.rmtree(new, ignore_errors=True)
