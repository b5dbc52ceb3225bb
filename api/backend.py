"""What the endpoints share: the process's one `QA`, loaded once, and the lock of store changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from qa import QA, QAError

__all__ = ["Backend"]

log = logging.getLogger(__name__)
LOADING = "still loading: the embedding model and the document store are being opened"


class Backend:
    """One `QA` per process, made by `factory` on first use (`warm` makes it at start-up).

    A failed load is raised to the request that asked for it, and the next request tries again
    (a Chroma server that comes back makes the service ready without a restart). `store_lock`
    is held while a request changes the store, so that uploads, re-ingests and deletes run one
    at a time; answering does not take it.
    """

    def __init__(self, factory: Callable[[], QA]) -> None:
        self._factory = factory
        self._qa: QA | None = None
        self._loading = threading.Lock()
        self.store_lock = threading.Lock()

    def _load(self, *, wait: bool) -> QA | None:
        if self._qa is None:
            if not self._loading.acquire(blocking=wait):
                return None  # another thread is loading it
            try:
                if self._qa is None:
                    self._qa = self._factory()
            finally:
                self._loading.release()
        return self._qa

    def qa(self) -> QA:
        """The `QA`, loaded now (or waited for) if need be; a load failure is raised."""
        qa = self._load(wait=True)
        assert qa is not None
        return qa

    def warm(self) -> None:
        """Load the `QA` now; a failure is logged (and reported by `readiness`)."""
        try:
            self.qa()
        except Exception as exc:
            log.warning("not ready: %s", exc)

    def readiness(self) -> str | None:
        """None when the model is loaded and the store answers, else the reason, in one line.

        Never waits for a load that is under way.
        """
        try:
            qa = self._load(wait=False)
            if qa is None:
                return LOADING
            qa.store.count()
        except QAError as exc:
            return str(exc)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None
