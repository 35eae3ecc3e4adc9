"""The bureau's pages: setup, login, tasks, roster, forms, links, the board, reviews, the audit log.

Every route is thin: it reads the request, calls one service function, renders a page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from . import accounts, returns, service
from .errors import PortalError
from .web import SESSION_COOKIE, XLSX, bureau_user, download, page, portal, read_upload, set_cookie

router = APIRouter(include_in_schema=False)
User = Annotated[str, Depends(bureau_user)]


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def home(request: Request) -> Response:
    if accounts.needs_setup(portal(request).store):
        return page(request, "setup_wait.html")
    return _see("/tasks")


@router.get("/setup/{token}")
def setup_form(request: Request, token: str) -> Response:
    if not accounts.setup_token_valid(portal(request).store, token):
        raise PortalError(404, "设置链接无效或已使用、已过期")
    return page(request, "setup.html", token=token)


@router.post("/setup/{token}")
def setup(request: Request, token: str, username: Annotated[str, Form()], password: Annotated[str, Form()],
          confirm: Annotated[str, Form()]) -> Response:
    accounts.complete_setup(portal(request).store, token, username, password, confirm)
    return _see("/login")


@router.get("/login")
def login_form(request: Request) -> Response:
    return page(request, "login.html")


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
    client = request.client.host if request.client else "?"
    try:
        token = accounts.login(portal(request).store, request.app.state.throttle, username, password, client)
    except PortalError as exc:
        return page(request, "login.html", status_code=exc.status, message=exc.message, username=username)
    response = _see("/tasks")
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(accounts.SESSION_TTL.total_seconds()))
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    accounts.logout(portal(request).store, request.cookies.get(SESSION_COOKIE))
    response = _see("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/tasks")
def task_list(request: Request, user: User) -> Response:
    return page(request, "tasks.html", user=user, tasks=service.all_tasks(portal(request)),
                templates=service.list_templates(portal(request)))


@router.post("/tasks")
def new_task(request: Request, user: User, name: Annotated[str, Form()], year: Annotated[int, Form()],
             template_id: Annotated[str, Form()], deadline: Annotated[str, Form()]) -> Response:
    task_id = service.create_task(portal(request), user, name, year, template_id, deadline)
    return _see(f"/tasks/{task_id}")


@router.get("/tasks/{task_id}")
def task_page(request: Request, user: User, task_id: int) -> Response:
    p = portal(request)
    return page(request, "task.html", user=user, task=service.get_task(p, task_id),
                roster=service.roster_rows(p, task_id), links=service.task_links(p, task_id),
                beijing=service.beijing)


@router.get("/tasks/{task_id}/init-data")
def init_data(request: Request, user: User, task_id: int) -> Response:
    return download(*service.init_data_workbook(portal(request), task_id), XLSX)


@router.post("/tasks/{task_id}/roster")
def roster(request: Request, user: User, task_id: int, file: Annotated[UploadFile, File()]) -> Response:
    filename, data = read_upload(file)
    service.upload_roster(portal(request), user, task_id, filename, data)
    return _see(f"/tasks/{task_id}")


@router.post("/tasks/{task_id}/build")
def build(request: Request, user: User, task_id: int) -> Response:
    service.start_build(portal(request), user, task_id)
    return _see(f"/tasks/{task_id}")


@router.get("/tasks/{task_id}/forms.zip")
def forms_zip(request: Request, user: User, task_id: int) -> Response:
    return download(*service.forms_zip(portal(request), user, task_id), "application/zip")


@router.post("/tasks/{task_id}/links")
def issue_links(request: Request, user: User, task_id: int,
                department_code: Annotated[str, Form()] = "") -> Response:
    p = portal(request)
    issued = service.issue_links(p, user, task_id, [department_code] if department_code else None)
    base = str(request.base_url).rstrip("/")
    return page(request, "links.html", user=user, task=service.get_task(p, task_id), issued=issued, base=base)


@router.post("/tasks/{task_id}/links/{link_id}/revoke")
def revoke(request: Request, user: User, task_id: int, link_id: int) -> Response:
    service.revoke_link(portal(request), user, task_id, link_id)
    return _see(f"/tasks/{task_id}#links")


@router.get("/tasks/{task_id}/board")
def board(request: Request, user: User, task_id: int) -> Response:
    p = portal(request)
    rows = returns.board(p, task_id)
    counts = {s: sum(r.state == s for r in rows) for s in ("未交", "格式错误", "待修改", "已通过")}
    return page(request, "board.html", user=user, task=service.get_task(p, task_id), rows=rows, counts=counts)


@router.get("/tasks/{task_id}/returns/{return_id}")
def return_page(request: Request, user: User, task_id: int, return_id: int) -> Response:
    p = portal(request)
    view = returns.find_return(p, task_id, return_id)
    return page(request, "return.html", user=user, task=service.get_task(p, task_id), view=view,
                others=returns.history(p, task_id, view.stored.department_code),
                refused=returns.refused_uploads(p, task_id, view.stored.department_code), beijing=service.beijing)


@router.get("/tasks/{task_id}/returns/{return_id}/annotated")
def annotated(request: Request, user: User, task_id: int, return_id: int) -> Response:
    return download(*returns.annotated_copy(portal(request), task_id, return_id), XLSX)


@router.get("/tasks/{task_id}/returns/{return_id}/file")
def original(request: Request, user: User, task_id: int, return_id: int) -> Response:
    return download(*returns.original_file(portal(request), task_id, return_id), XLSX)


@router.post("/tasks/{task_id}/returns/{return_id}/review")
def review(request: Request, user: User, task_id: int, return_id: int, kind: Annotated[str, Form()],
           comment: Annotated[str, Form()] = "", finding: Annotated[int | None, Form()] = None) -> Response:
    returns.review(portal(request), user, task_id, return_id, kind, comment=comment, finding=finding)
    return _see(f"/tasks/{task_id}/returns/{return_id}")


@router.get("/tasks/{task_id}/summary.xlsx")
def summary(request: Request, user: User, task_id: int) -> Response:
    return download(*returns.summary_workbook(portal(request), user, task_id), XLSX)


@router.get("/tasks/{task_id}/export.csv")
def export(request: Request, user: User, task_id: int) -> Response:
    return download(*returns.export_data(portal(request), user, task_id, "csv"), returns.EXPORT_FORMATS["csv"][0])


@router.get("/audit")
def audit(request: Request, user: User) -> Response:
    return page(request, "audit.html", user=user, entries=returns.audit_entries(portal(request)),
                beijing=service.beijing)
