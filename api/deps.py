"""FastAPI dependencies: the backend and `QA` of the app, and the API key check."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.backend import Backend
from qa import QA, QAError, Settings

__all__ = ["BackendDep", "QADep", "SettingsDep", "require_api_key"]


async def _backend(request: Request) -> Backend:
    return request.app.state.backend  # type: ignore[no-any-return]


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _qa(backend: Annotated[Backend, Depends(_backend)]) -> QA:
    """The loaded `QA` (a sync dependency: a load runs in a worker thread); 503 when it fails."""
    try:
        return backend.qa()
    except QAError as exc:  # e.g. the Chroma server is down: not ready, whatever the error
        raise HTTPException(503, f"not ready: {exc}") from None


BackendDep = Annotated[Backend, Depends(_backend)]
SettingsDep = Annotated[Settings, Depends(_settings)]
QADep = Annotated[QA, Depends(_qa)]
_bearer = HTTPBearer(auto_error=False, description="the value of QA_API_KEY")


async def require_api_key(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """401 unless the request sends `Authorization: Bearer <QA_API_KEY>` (async, like the two
    above: nothing here blocks, so no worker thread is taken)."""
    key = settings.api_key or ""
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), key.encode()) or not key:
        raise HTTPException(401, "missing or wrong API key: send the header "
                            "'Authorization: Bearer <QA_API_KEY>'",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
