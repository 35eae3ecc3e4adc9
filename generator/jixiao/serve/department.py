"""A department's pages, reached through its link only (no account).

The token in the path is the department's key: every route resolves it first and then
works on that department of that task only, so nothing of another department is in reach.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from . import returns, service
from .errors import PortalError
from .web import XLSX, download, page, portal, read_upload

router = APIRouter(prefix="/d/{token}", include_in_schema=False)


def _department_page(request: Request, token: str, *, received: returns.Received | None = None,
                     status_code: int = 200, refusal: PortalError | None = None) -> Response:
    p = portal(request)
    access = service.resolve_link(p, token)
    task = service.get_task(p, access.task_id)
    return page(request, "department.html", status_code=status_code, token=token, access=access, task=task,
                history=returns.history(p, access.task_id, access.department_code),
                refused=returns.refused_uploads(p, access.task_id, access.department_code),
                received=received, refusal=refusal, beijing=service.beijing,
                findings=returns.finding_views(received.findings) if received else [])


@router.get("")
def department_home(request: Request, token: str) -> Response:
    return _department_page(request, token)


@router.get("/form")
def own_form(request: Request, token: str) -> Response:
    p = portal(request)
    return download(*service.form_file(p, service.resolve_link(p, token)), XLSX)


@router.post("/upload")
def upload(request: Request, token: str, file: Annotated[UploadFile, File()]) -> Response:
    access = service.resolve_link(portal(request), token)
    filename, data = read_upload(file)
    try:
        received = returns.receive_upload(portal(request), access, filename, data)
    except PortalError as exc:
        return _department_page(request, token, status_code=exc.status, refusal=exc)
    return _department_page(request, token, received=received, status_code=422 if received.stored is None else 200)


@router.get("/returns/{return_id}/annotated")
def own_annotated(request: Request, token: str, return_id: int) -> Response:
    access = service.resolve_link(portal(request), token)
    return download(*returns.annotated_copy(portal(request), access.task_id, return_id, access.department_code), XLSX)
