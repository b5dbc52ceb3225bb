"""What the endpoints share: the process's one `QA`, loaded in the background."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import NamedTuple

from qa import QA, QAError
from qa.documents.lock import STORE_WAIT

__all__ = ["LOADING", "Backend", "Readiness"]

log = logging.getLogger(__name__)
LOADING = "still loading: the embedding model and the document store are being opened"


class Readiness(NamedTuple):
    """Why the service is not ready (None when it is), and what a ready one should look at."""

    reason: str | None
    warning: str | None = None


def _unexpected(what: str, exc: Exception) -> str:
    """The one line a client sees of an unexpected failure (its traceback goes to the log)."""
    log.error("%s failed", what, exc_info=exc)
    return f"{what} failed: {type(exc).__name__} (see the server's log)"


class Backend:
    """One `QA` per process, made by `factory` in the background (`load`).

    Requests never load it nor wait for it: until it is loaded they are told why (`reason`). A
    failed load is tried again every `retry_seconds`, so a Chroma server that comes back makes
    the service ready without a restart. Uploads, re-ingests and deletes wait up to
    `store_wait` seconds for the collection's write lock (`QA.lock`, shared with the CLI and
    the UI), then fail with `StoreBusyError` (503); answering does not wait for them.
    """

    def __init__(
        self,
        factory: Callable[[], QA],
        *,
        retry_seconds: float = 5.0,
        store_wait: float = STORE_WAIT,
    ) -> None:
        self._factory = factory
        self.retry_seconds = retry_seconds
        self.store_wait = store_wait
        self.loaded: QA | None = None
        self.reason = LOADING
        self._stopped = threading.Event()

    def load(self) -> None:
        """Make the `QA`, trying again after each failure until it is made or `stop` is called
        (the target of the loading thread)."""
        while self.loaded is None and not self._stopped.is_set():
            try:
                qa = self._factory()
                warning = self._warning(qa)
            except QAError as exc:
                self.reason = str(exc)
            except Exception as exc:
                self.reason = _unexpected("loading the model or the store", exc)
            else:
                self.loaded = qa
                if warning:
                    log.warning("%s", warning)
                return
            log.warning("not ready: %s (trying again in %g s)", self.reason, self.retry_seconds)
            self._stopped.wait(self.retry_seconds)

    def stop(self) -> None:
        """End `load`'s retries (the app is shutting down)."""
        self._stopped.set()

    def readiness(self) -> Readiness:
        """Ready when the `QA` is loaded and its store answers; never loads nor waits."""
        qa = self.loaded
        if qa is None:
            return Readiness(self.reason)
        try:
            return Readiness(None, self._warning(qa))
        except QAError as exc:
            return Readiness(str(exc))
        except Exception as exc:
            return Readiness(_unexpected("reaching the store", exc))

    @staticmethod
    def _warning(qa: QA) -> str | None:
        """A word on an empty collection (a mistyped store or collection is made empty)."""
        if qa.store.count():
            return None
        s = qa.settings
        return (
            f"the collection {s.collection!r} at {s.chroma_url or s.persist_dir} is empty: "
            "upload documents (POST /v1/documents), or check QA_PERSIST_DIR, QA_CHROMA_URL "
            "and QA_COLLECTION"
        )
