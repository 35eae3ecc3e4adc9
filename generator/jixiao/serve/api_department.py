"""What a department does through its link, as JSON calls (the pages of :mod:`.department`).

The token in the path is the department's key: every route resolves it first (404 unknown,
403 revoked or expired) and then reads that department of that task only, so another
department's return is 404 here, as on the pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from . import returns, service
from .web import XLSX, download, portal, read_upload

router = APIRouter(prefix="/api/d/{token}", tags=["api"])


@router.get("", summary="A department's own page: its history and findings, and its refused uploads")
def department(request: Request, token: str) -> dict[str, Any]:
    p = portal(request)
    access = service.resolve_link(p, token)
    return {"department_code": access.department_code, "department_name": access.department_name,
            "expires": service.beijing(access.expires_at),
            "history": [returns.version_record(v) for v in returns.history(p, access.task_id, access.department_code)],
            "refused": [{"filename": r.filename, "received": service.beijing(r.received_at),
                         "findings": returns.finding_views(r.findings)}
                        for r in returns.refused_uploads(p, access.task_id, access.department_code)]}


@router.get("/form", summary="The department's own pre-filled form (404 before it is built)")
def own_form(request: Request, token: str) -> Response:
    p = portal(request)
    return download(*service.form_file(p, service.resolve_link(p, token)), XLSX)


@router.post("/returns", summary="Upload a return: 201 new version, 200 the same file again, "
             "422 refused (unreadable or not this department's form), 413 too large, 415 not an .xlsx")
def upload(request: Request, token: str, file: Annotated[UploadFile, File()]) -> JSONResponse:
    p = portal(request)
    access = service.resolve_link(p, token)
    filename, data = read_upload(file)
    received = returns.receive_upload(p, access, filename, data)
    s = received.stored
    refused_code = received.findings[0]["code"] if s is None and received.findings else None
    body = {"state": received.state, "code": refused_code, "version": s.version if s else None,
            "duplicate": received.duplicate, "return_id": s.id if s else None,
            "errors": s.error_count if s else None, "warnings": s.warning_count if s else None,
            "findings": returns.finding_views(received.findings)}
    return JSONResponse(body, status_code=422 if s is None else 200 if received.duplicate else 201)


@router.get("/returns/{return_id}/annotated", summary="The annotated copy of one of the department's own versions "
            "(404 for another department's, or when it has no problems)")
def own_annotated(request: Request, token: str, return_id: int) -> Response:
    p = portal(request)
    access = service.resolve_link(p, token)
    return download(*returns.annotated_copy(p, access.task_id, return_id, access.department_code), XLSX)
