"""The JSON API under ``/api`` (described at ``/openapi.json``): the same service calls as the pages.

State-changing calls need the CSRF cookie echoed in ``X-CSRF-Token``; ``GET /api/csrf`` hands
a client both. The bureau's calls need its session cookie (``POST /api/login``).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from . import accounts, returns, service
from .web import SESSION_COOKIE, bureau_user, csrf_token, portal, read_upload, set_cookie

router = APIRouter(prefix="/api", tags=["api"])
User = Annotated[str, Depends(bureau_user)]


class Credentials(BaseModel):
    username: str
    password: str


def _version(v: returns.VersionView) -> dict[str, Any]:
    s = v.stored
    return {"id": s.id, "version": s.version, "status": s.status, "received": v.received, "filename": s.filename,
            "sha256": s.sha256, "errors": s.error_count, "warnings": s.warning_count, "voided": v.voided,
            "sent_back": v.sent_back, "findings": v.findings}


@router.get("/csrf", summary="The CSRF token to send back in X-CSRF-Token (also set as a cookie)")
def get_csrf(request: Request) -> dict[str, str]:
    return {"csrf": csrf_token(request)}


@router.post("/login", summary="Log the bureau in; sets the session cookie")
def login(request: Request, body: Credentials) -> JSONResponse:
    client = request.client.host if request.client else "?"
    token = accounts.login(portal(request).store, request.app.state.throttle, body.username, body.password, client)
    response = JSONResponse({"user": body.username.strip()})
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(accounts.SESSION_TTL.total_seconds()))
    return response


@router.get("/tasks", summary="The reporting tasks")
def tasks(request: Request, user: User) -> list[dict[str, Any]]:
    return [{"id": t.id, "name": t.name, "year": t.year, "template_id": t.template_id, "deadline": t.deadline,
             "build_state": t.build_state, "build_done": t.build_done, "build_total": t.build_total}
            for t in service.all_tasks(portal(request))]


@router.get("/tasks/{task_id}/board", summary="The status board: 未交 / 格式错误 / 待修改 / 已通过 per department")
def board(request: Request, user: User, task_id: int) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in returns.board(portal(request), task_id)]


@router.get("/tasks/{task_id}/returns/{return_id}", summary="One return with its findings")
def one_return(request: Request, user: User, task_id: int, return_id: int) -> dict[str, Any]:
    return _version(returns.find_return(portal(request), task_id, return_id))


@router.get("/d/{token}", summary="A department's own page: its history and findings")
def department(request: Request, token: str) -> dict[str, Any]:
    p = portal(request)
    access = service.resolve_link(p, token)
    return {"department_code": access.department_code, "department_name": access.department_name,
            "expires": service.beijing(access.expires_at),
            "history": [_version(v) for v in returns.history(p, access.task_id, access.department_code)]}


@router.post("/d/{token}/returns", summary="Upload a return: 201 new version, 200 the same file again, "
             "422 refused (unreadable or not this department's form), 413 too large, 415 not an .xlsx")
def upload(request: Request, token: str, file: Annotated[UploadFile, File()]) -> JSONResponse:
    p = portal(request)
    access = service.resolve_link(p, token)
    filename, data = read_upload(file)
    received = returns.receive_upload(p, access, filename, data)
    s = received.stored
    refused_code = received.findings[0]["code"] if s is None and received.findings else None
    body = {"state": received.state, "code": refused_code, "version": s.version if s else None,
            "duplicate": received.duplicate,
            "errors": s.error_count if s else None, "warnings": s.warning_count if s else None,
            "findings": returns.finding_views(received.findings, {})}
    return JSONResponse(body, status_code=422 if s is None else 200 if received.duplicate else 201)
