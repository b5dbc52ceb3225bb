"""Native endpoints: ask (whole or streamed), documents, health and readiness."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

from api.deps import AnswerSlot, BackendDep, QADep
from api.errors import error_response, hide_paths
from api.schemas import (
    AnswerOut,
    AskRequest,
    DeletedOut,
    DocumentsOut,
    IngestOut,
    LinksRequest,
    ReingestRequest,
)
from api.sse import opened, stream_error
from core.types import shown_source
from qa import Answer, IngestError, IngestReport

__all__ = ["health", "live", "router"]

router = APIRouter()
health = APIRouter(tags=["health"])
live = APIRouter(tags=["health"])  # /healthz: open to liveness probes, with a key or not
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text}
    for code, text in {
        400: "bad input (one line, the same words as the CLI)",
        422: "a body that does not match the schema",
        503: "not ready, the store or Chroma server is down, the model or the store is busy",
    }.items()
}


@router.post("/v1/ask", tags=["answers"], response_model=AnswerOut, responses=_ERRORS)
def ask(body: AskRequest, qa: QADep, slot: AnswerSlot) -> JSONResponse:
    """Answer a question with cited passages: the same object as `qa ask --json`, each source
    a link, or a file's path relative to the folder it was ingested from."""
    answer = qa.ask(body.question, body.history, k=body.k, **body.dates())
    return JSONResponse(answer.shown().to_dict())


def _answer_stream(
    body: AskRequest, qa: QADep, slot: AnswerSlot
) -> Iterator[Iterator[str | Answer]]:
    """The answer's pieces, started here (what fails as answering starts is an HTTP error,
    before the stream) and closed when the request ends."""
    with opened(qa.stream(body.question, body.history, k=body.k, **body.dates())) as pieces:
        yield pieces


@router.post(
    "/v1/ask/stream", tags=["answers"], response_class=EventSourceResponse, responses=_ERRORS
)
def ask_stream(
    pieces: Annotated[Iterator[str | Answer], Depends(_answer_stream)],
) -> Iterator[ServerSentEvent]:
    """Server-sent events: `text` events (`{"text": ...}`) as the answer is written, then one
    `answer` event with the whole answer (as `/v1/ask`), or an `error` event."""
    try:
        for piece in pieces:
            if isinstance(piece, Answer):
                yield ServerSentEvent(data=piece.shown().to_dict(), event="answer")
            else:
                yield ServerSentEvent(data={"text": piece}, event="text")
    except Exception as exc:
        yield ServerSentEvent(data=stream_error(exc), event="error")


def _report(report: IngestReport) -> dict[str, Any]:
    """The report as JSON, its files named without a server path (`shown_source`)."""
    shown = replace(
        report,
        skipped=tuple(replace(s, path=shown_source(s.path, None)) for s in report.skipped),
        near_duplicates=tuple(
            replace(d, source=shown_source(d.source, None), of=shown_source(d.of, None))
            for d in report.near_duplicates
        ),
    )
    return {**asdict(shown), "summary": report.summary()}


@router.get("/v1/documents", tags=["documents"], response_model=DocumentsOut, responses=_ERRORS)
def documents(qa: QADep) -> dict[str, Any]:
    """What is ingested: title, date, section, chunks, ingest time and source of each document."""
    return {"documents": [asdict(d.shown()) for d in qa.documents()]}


@router.post("/v1/documents", tags=["documents"], response_model=IngestOut, responses=_ERRORS)
def upload(
    files: Annotated[list[UploadFile], File(description=".txt, .md or .html files")],
    qa: QADep,
    backend: BackendDep,
) -> dict[str, Any]:
    """Upload and ingest files, as the Documents page does: names reduced to a plain file name,
    each file at most QA_MAX_FILE_MB and loaded before it is kept. 400 when none could be used;
    otherwise the files left out are in `skipped` with their reason."""
    uploads = [(f.filename or "", f.file) for f in files]  # spooled; read only if not too big
    report = qa.add_uploads(uploads, wait=backend.store_wait)
    return _report(_used(report, "no file was sent"))


def _used(report: IngestReport, nothing: str) -> IngestReport:
    """`report`, or 400 with the reasons when nothing sent could be used."""
    if not (report.added or report.updated or report.unchanged):
        raise IngestError(
            "; ".join(
                f"{s.path}: {s.reason}" if "://" in s.path else s.reason for s in report.skipped
            )
            or nothing
        )
    return report


@router.post("/v1/documents/links", tags=["documents"], response_model=IngestOut, responses=_ERRORS)
def links(body: LinksRequest, qa: QADep, backend: BackendDep) -> dict[str, Any]:
    """Fetch links (pages, PDFs) and the new or changed entries of feeds, and ingest them, as
    `qa ingest URL --feed URL` does. 400 when none could be used; otherwise the links left out
    are in `skipped` with their reason."""
    report = qa.add_links(body.urls, feeds=body.feeds, wait=backend.store_wait)
    return _report(_used(report, "no link or feed was sent"))


@router.post(
    "/v1/documents/reingest", tags=["documents"], response_model=IngestOut, responses=_ERRORS
)
def reingest(qa: QADep, backend: BackendDep, body: ReingestRequest | None = None) -> dict[str, Any]:
    """Read the files of these documents (default: all) again and ingest what changed."""
    ids = body.doc_ids if body else None
    return _report(qa.reingest(ids, wait=backend.store_wait))


@router.delete(
    "/v1/documents/{doc_id}",
    tags=["documents"],
    response_model=DeletedOut,
    responses={**_ERRORS, 404: {"description": "no such document"}},
)
def delete(doc_id: str, qa: QADep, backend: BackendDep) -> dict[str, Any]:
    """Remove a document's chunks, and its file if it was uploaded."""
    removed = qa.delete(doc_id, wait=backend.store_wait)
    return {"doc_id": doc_id, "chunks_removed": removed}


@live.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (says nothing of the model or the store: see /readyz); it needs no
    key, so that liveness probes can ask."""
    return {"status": "ok"}


@health.get("/readyz", responses={503: {"description": "not ready, with the reason"}})
def readyz(backend: BackendDep) -> JSONResponse:
    """Ready when the embedding model is loaded and the store answers; 503 with the reason. A
    ready service with an empty collection says so in `warning`."""
    reason, warning = backend.readiness()
    if reason is not None:
        return error_response(503, reason)
    shown = {"warning": hide_paths(warning)} if warning else {}
    return JSONResponse({"status": "ready", **shown})
