"""The bureau's console as JSON calls: every action of the pages in :mod:`.pages`, each
route one call of the service (:mod:`.service`, :mod:`.returns`) that the page and the
command line (docs/cli.md) make too. Every route needs the bureau's session (401 without);
files come back as downloads, as from the pages.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from . import returns, service
from .store import now
from .web import XLSX, bureau_user, download, portal, read_upload

router = APIRouter(prefix="/api", tags=["api"])
User = Annotated[str, Depends(bureau_user)]


class NewTask(BaseModel):
    name: str
    year: int
    template_id: str
    deadline: str = Field(description="年-月-日, e.g. 2024-03-31; links expire at its end (Beijing time)")


class LinkRequest(BaseModel):
    department_codes: list[str] | None = Field(None, description="these departments only; default every one")


class Review(BaseModel):
    kind: str = Field(description="send_back (with the comment), void (with the reason) or verified (a warning)")
    comment: str = ""
    finding: int | None = Field(None, description="verified: the warning's index in the return's findings")


# --------------------------------------------------------------------------- tasks, roster, forms


@router.get("/templates", summary="The form templates a new task can use")
def templates(request: Request, user: User) -> list[dict[str, Any]]:
    return [dataclasses.asdict(t) for t in service.list_templates(portal(request))]


@router.get("/tasks", summary="The reporting tasks")
def tasks(request: Request, user: User) -> list[dict[str, Any]]:
    return [service.task_record(t) for t in service.all_tasks(portal(request))]


@router.post("/tasks", status_code=201, summary="Create a reporting task (one template, one year, one deadline)")
def new_task(request: Request, user: User, body: NewTask) -> dict[str, Any]:
    p = portal(request)
    task_id = service.create_task(p, user, body.name, body.year, body.template_id, body.deadline)
    return service.task_record(service.get_task(p, task_id))


@router.get("/tasks/{task_id}", summary="One task: the build's progress, the roster and its problems, the links")
def task(request: Request, user: User, task_id: int) -> dict[str, Any]:
    p = portal(request)
    row, at = service.get_task(p, task_id), now()
    return {**service.task_record(row), "roster_filename": row.roster_filename,
            "roster_problems": row.roster_problems or [],
            "roster": [{"department_code": r.department_code, "department_name": r.department_name,
                        "buildable": bool(r.buildable)} for r in service.roster_rows(p, task_id)],
            "links": [service.link_record(r, at) for r in service.task_links(p, task_id)]}


@router.get("/tasks/{task_id}/init-data", summary="The empty department table (单位数据.xlsx) to fill in as the roster")
def init_data(request: Request, user: User, task_id: int) -> Response:
    return download(*service.init_data_workbook(portal(request), task_id), XLSX)


@router.post("/tasks/{task_id}/roster", summary="Upload the department table as the task's roster "
             "(400 unreadable or no departments, 415 not .xlsx/.csv); the problems found by row")
def roster(request: Request, user: User, task_id: int, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    p = portal(request)
    filename, data = read_upload(file)
    problems = service.upload_roster(p, user, task_id, filename, data)
    members = service.roster_rows(p, task_id)
    return {"departments": len(members), "buildable": sum(bool(m.buildable) for m in members), "problems": problems}


@router.post("/tasks/{task_id}/build", status_code=202, summary="Build every department's pre-filled form in the "
             "background (409 while one runs); its progress is build_done / build_total of GET /api/tasks/{task_id}")
def build(request: Request, user: User, task_id: int) -> dict[str, Any]:
    p = portal(request)
    service.start_build(p, user, task_id)
    return service.task_record(service.get_task(p, task_id))


@router.get("/tasks/{task_id}/forms.zip", summary="Every built form of the task in one ZIP")
def forms_zip(request: Request, user: User, task_id: int) -> Response:
    return download(*service.forms_zip(portal(request), user, task_id), "application/zip")


# --------------------------------------------------------------------------- links


@router.post("/tasks/{task_id}/links", status_code=201, summary="Issue new links (every department, or "
             "department_codes); earlier ones stop working. Each token is in this answer only")
def issue_links(request: Request, user: User, task_id: int, body: LinkRequest | None = None) -> list[dict[str, str]]:
    issued = service.issue_links(portal(request), user, task_id, body.department_codes if body else None)
    base = str(request.base_url).rstrip("/")
    return [{"department_code": i.department_code, "department_name": i.department_name, "token": i.token,
             "url": f"{base}/d/{i.token}"} for i in issued]


@router.get("/tasks/{task_id}/links", summary="Every link of the task: live, revoked or expired (no tokens)")
def links(request: Request, user: User, task_id: int) -> list[dict[str, Any]]:
    at = now()
    return [service.link_record(r, at) for r in service.task_links(portal(request), task_id)]


@router.post("/tasks/{task_id}/links/{link_id}/revoke", summary="Revoke a link: it no longer opens the page")
def revoke(request: Request, user: User, task_id: int, link_id: int) -> dict[str, Any]:
    p = portal(request)
    service.revoke_link(p, user, task_id, link_id)
    at = now()
    return next(service.link_record(r, at) for r in service.task_links(p, task_id) if r.id == link_id)


# --------------------------------------------------------------------------- returns and the review


@router.get("/tasks/{task_id}/board", summary="The status board: 未交 / 格式错误 / 待修改 / 已通过 per department")
def board(request: Request, user: User, task_id: int) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in returns.board(portal(request), task_id)]


@router.get("/tasks/{task_id}/returns/{return_id}", summary="One return with its findings")
def one_return(request: Request, user: User, task_id: int, return_id: int) -> dict[str, Any]:
    return returns.version_record(returns.find_return(portal(request), task_id, return_id))


@router.get("/tasks/{task_id}/returns/{return_id}/file", summary="The return's original file, as the department sent it")
def original(request: Request, user: User, task_id: int, return_id: int) -> Response:
    return download(*returns.original_file(portal(request), task_id, return_id), XLSX)


@router.get("/tasks/{task_id}/returns/{return_id}/annotated",
            summary="The annotated copy: a 退回意见 sheet listing every problem, the cells marked (404 when none)")
def annotated(request: Request, user: User, task_id: int, return_id: int) -> Response:
    return download(*returns.annotated_copy(portal(request), task_id, return_id), XLSX)


@router.post("/tasks/{task_id}/returns/{return_id}/review", summary="Send back with a comment, void with the "
             "reason, or mark a warning 已核实 (400 without the comment, 409 on a voided version); the return after")
def review(request: Request, user: User, task_id: int, return_id: int, body: Review) -> dict[str, Any]:
    p = portal(request)
    returns.review(p, user, task_id, return_id, body.kind, comment=body.comment, finding=body.finding)
    return returns.version_record(returns.find_return(p, task_id, return_id))


# --------------------------------------------------------------------------- the year's outputs, the log


@router.get("/tasks/{task_id}/summary.xlsx", summary="The year's summary workbook (汇总表)")
def summary(request: Request, user: User, task_id: int) -> Response:
    return download(*returns.summary_workbook(portal(request), user, task_id), XLSX)


def _export(request: Request, user: str, task_id: int, fmt: str) -> Response:
    return download(*returns.export_data(portal(request), user, task_id, fmt), returns.EXPORT_FORMATS[fmt][0])


@router.get("/tasks/{task_id}/export.csv", summary="The latest returns as CSV rows (UTF-8 with BOM), as jixiao export")
def export_csv(request: Request, user: User, task_id: int) -> Response:
    return _export(request, user, task_id, "csv")


@router.get("/tasks/{task_id}/export.json", summary="The latest returns as JSON rows, as jixiao export --format json")
def export_json(request: Request, user: User, task_id: int) -> Response:
    return _export(request, user, task_id, "json")


@router.get("/audit", summary="The audit log, newest first")
def audit(request: Request, user: User, limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[dict[str, Any]]:
    return [returns.audit_record(e) for e in returns.audit_entries(portal(request), limit)]
