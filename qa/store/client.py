"""Opening Chroma: an embedded persistent store or a server, with errors as one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from core.errors import (
    CollectionNotFoundError,
    ConfigError,
    StoreDamagedError,
    StoreNotFoundError,
    StoreUnavailableError,
)
from core.settings import Settings
from qa.store.health import (
    check_store,
    damaged_message,
    finish_rebuild,
    forget_stamp,
    opened,
    start_probe,
)

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.config import Settings as ChromaSettings

__all__ = ["open_client", "reachable", "require_collection"]


@contextmanager
def reachable() -> Iterator[None]:
    """Turn a Chroma server that stopped answering into `StoreUnavailableError`."""
    import httpx

    try:
        yield
    except httpx.TransportError as exc:
        raise StoreUnavailableError(
            f"the Chroma server stopped answering ({exc or type(exc).__name__}); start it again "
            "with `chroma run --path DIR --host HOST --port PORT`, or unset QA_CHROMA_URL"
        ) from None


def _chroma_settings() -> ChromaSettings:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_client(settings: Settings, *, create: bool = False) -> ClientAPI:
    """A Chroma client: an HTTP client when `chroma_url` is set, else an embedded persistent one.

    With `create=False` a missing local store is an error instead of being created empty.
    """
    if settings.chroma_url:
        import chromadb

        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                f"QA_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL; "
                "use e.g. http://127.0.0.1:8000"
            )
        try:
            port = url.port or (443 if url.scheme == "https" else 8000)
        except ValueError:
            raise ConfigError(
                f"QA_CHROMA_URL={settings.chroma_url!r} has an invalid port; "
                "use e.g. http://127.0.0.1:8000"
            ) from None
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=port,
                ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )
        except Exception as exc:
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({exc}); start it with "
                f"`chroma run --path DIR --host {url.hostname} --port {port}` "
                "or unset QA_CHROMA_URL"
            ) from None
    path = settings.persist_dir
    finish_rebuild(path)  # a `qa rebuild` that a crash interrupted just before its switch
    if not create and not (path / "chroma.sqlite3").is_file():
        raise StoreNotFoundError(
            f"no document store at {path}: ingest documents first with `qa ingest seeds/` "
            "(or point QA_PERSIST_DIR at an existing store)"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the store folder {path}: {exc.strerror}") from None
    existing = (path / "chroma.sqlite3").is_file()
    # A store that crashes Chroma is named, not fatal: a child process opens it first, while
    # this one imports chromadb (about the same time each, so the probe costs little).
    probe = start_probe(path) if existing else None
    import chromadb
    from chromadb.errors import ChromaError

    if existing:
        check_store(path, probe)

    try:
        client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    except ChromaError as exc:
        forget_stamp(path)
        raise StoreDamagedError(damaged_message(path, str(exc) or type(exc).__name__)) from None
    opened(path)
    return client


def require_collection(client: ClientAPI, name: str) -> None:
    """Raise `CollectionNotFoundError` unless `client` has a collection `name`."""
    listed = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    existing = {c for c in listed if not c.endswith(".manifest")}  # manifests: qa.store.manifest
    if name not in existing:
        have = ", ".join(sorted(existing)) or "none"
        raise CollectionNotFoundError(
            f"no collection {name!r} in the store (collections: {have}); ingest into it "
            f"with `qa ingest PATH --collection {name}` or set QA_COLLECTION"
        )
