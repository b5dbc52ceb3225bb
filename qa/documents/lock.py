"""One writer at a time per collection, across threads and processes: a lock file beside the
store (`filelock`), held by every ingest, upload, re-ingest, delete and rebuild."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from core.errors import StoreBusyError
from core.settings import Settings

__all__ = ["STORE_WAIT", "StoreLock"]

STORE_WAIT = 60.0
"""How long a request of the API or a button of the UI waits for another change (seconds)."""


class StoreLock:
    """The write lock of one collection (`Settings.lock_file`).

    `FileLock` takes an OS lock on the file (flock on POSIX), so two processes, or two threads
    of one process, never hold it at once; it is re-entrant within a thread. The lock goes with
    the process, so a killed writer leaves nothing to clean up.
    """

    def __init__(self, path: Path, *, name: str = "the collection") -> None:
        self.path = Path(path)
        self.name = name
        self._lock = FileLock(self.path)

    @classmethod
    def of(cls, settings: Settings) -> StoreLock:
        """The lock of the configured collection."""
        return cls(settings.lock_file, name=f"collection {settings.collection!r}")

    @contextmanager
    def held(
        self, wait: float | None = None, *, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the lock for one change of the store. Waits for another writer up to `wait`
        seconds (None: as long as it takes), calling `on_wait()` once if it has to wait;
        `StoreBusyError` when the time is up."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None:
                on_wait()
            timeout = -1 if wait is None or math.isinf(wait) else wait
            try:
                self._lock.acquire(timeout=timeout)
            except Timeout:
                raise StoreBusyError(
                    f"another ingest, upload, re-ingest or delete kept {self.name} busy for "
                    f"{wait:g} s; try again when it is done"
                ) from None
        try:
            yield
        finally:
            self._lock.release()
