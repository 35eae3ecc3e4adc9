"""``jixiao review ...``: the bureau's review of a task's returns, over the portal's own
:func:`jixiao.serve.returns.review` (the buttons of a return's page and their API), on the
same database as ``jixiao serve``; and ``jixiao audit``, the portal's audit log.

    jixiao review show --task N (--return ID | --department D)        returns.find_return
    jixiao review send-back --task N (--return ID | --department D) --comment C   returns.review
    jixiao review void --task N --return ID --comment C               returns.review
    jixiao review confirm --task N (--return ID | --department D) --finding I      returns.review
    jixiao review file --task N (--return ID | --department D) --out F   returns.original_file
    jixiao review annotated --task N (--return ID | --department D) --out F   returns.annotated_copy
    jixiao audit [--limit N]                                          returns.audit_entries

``--department D`` names the department's current return (its row on the board).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ..codes import cli as C
from ..terminal import Session, open_portal, session
from .app import AsJson, By, Db, Force, Lang, acting, command, download, group, h
from .portal import TaskId

if TYPE_CHECKING:
    from ..serve.service import Portal

review = group("review")
ReturnId = Annotated[int | None, typer.Option("--return", help=h("return_id"))]
Department = Annotated[str | None, typer.Option("--department", help=h("review show.department"))]
Comment = Annotated[str, typer.Option("--comment", help=h("review send-back.comment"))]
Reason = Annotated[str, typer.Option("--comment", help=h("review void.comment"))]


def _review_command(name: str):  # noqa: ANN202 - a decorator
    return command(name, parent=review, prefix="review ")


def _which(s: Session, p: Portal, task_id: int, return_id: int | None, department: str | None) -> int:
    """The return given by --return, else the department's current one on the board."""
    from ..serve.returns import board

    if return_id is not None:
        return return_id
    if department is None:
        s.fail(s.t(C.REVIEW_WHICH))
    row = next((r for r in board(p, task_id) if r.department_code == department), None)
    if row is None or row.return_id is None:
        s.fail(s.t(C.NO_CURRENT_RETURN, task=task_id, department=department))
    return row.return_id


def _act(ctx: typer.Context, task_id: int, return_id: int | None, department: str | None, kind: str,
         by: str | None, db: str | None, *, comment: str = "", finding: int | None = None) -> None:
    from ..serve.returns import find_return
    from ..serve.returns import review as act

    s = session(ctx)
    who = acting(s, by)
    with open_portal(s, db) as p:
        rid = _which(s, p, task_id, return_id, department)
        act(p, who, task_id, rid, kind, comment=comment, finding=finding)
        done = find_return(p, task_id, rid).stored
    extra = {"finding": finding} if kind == "verified" else {"comment": comment.strip()}
    s.out.print(escape(s.t(C.REVIEWED[kind], department=done.department_code, version=done.version, **extra)))


@_review_command("show")
def review_show(ctx: typer.Context, task_id: TaskId, return_id: ReturnId = None, department: Department = None,
                as_json: AsJson = False, db: Db = None, lang: Lang = None) -> None:
    """jixiao.serve.returns.find_return: one version with its findings (numbered for ``review confirm``)."""
    from ..serve.returns import find_return, version_record

    s = session(ctx)
    with open_portal(s, db) as p:
        view = find_return(p, task_id, _which(s, p, task_id, return_id, department))
    st = view.stored
    if as_json:
        print(json.dumps(version_record(view), ensure_ascii=False, indent=2))
        return
    s.out.print(escape(s.t(C.RETURN_SHOWN, department=st.department_code, name=st.department_name,
                           version=st.version, status=s.status(st.status), received=view.received, id=st.id)))
    if view.voided:
        s.out.print(escape(s.t(C.RETURN_VOIDED)))
    if view.sent_back is not None:
        s.out.print(escape(s.t(C.RETURN_SENT_BACK, comment=view.sent_back)))
    for f in view.findings:
        s.out.print(escape(f"  [{f['index']}] {s.level(f['severity'])} {f['code']} {f['where']} {f['message']} "
                           f"{f['figures']} {f['verified']}".rstrip()))


@_review_command("send-back")
def review_send_back(ctx: typer.Context, task_id: TaskId, comment: Comment, return_id: ReturnId = None,
                     department: Department = None, by: By = None, db: Db = None, lang: Lang = None) -> None:
    """jixiao.serve.returns.review(kind="send_back"): 待修改, with the bureau's comment."""
    _act(ctx, task_id, return_id, department, "send_back", by, db, comment=comment)


@_review_command("void")
def review_void(ctx: typer.Context, task_id: TaskId, comment: Reason, return_id: ReturnId = None,
                department: Department = None, by: By = None, db: Db = None, lang: Lang = None) -> None:
    """jixiao.serve.returns.review(kind="void"): a version uploaded by mistake; the one before is current again."""
    _act(ctx, task_id, return_id, department, "void", by, db, comment=comment)


@_review_command("confirm")
def review_confirm(
    ctx: typer.Context,
    task_id: TaskId,
    finding: Annotated[int, typer.Option("--finding", help=h("review confirm.finding"))],
    return_id: ReturnId = None,
    department: Department = None,
    comment: Annotated[str, typer.Option("--comment", help=h("review confirm.comment"))] = "",
    by: By = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.returns.review(kind="verified"): mark a warning 已核实."""
    _act(ctx, task_id, return_id, department, "verified", by, db, comment=comment, finding=finding)


def _write(ctx: typer.Context, task_id: int, return_id: int | None, department: str | None, out_file: Path,
           force: bool, db: str | None, *, annotated: bool) -> None:
    from ..serve.returns import annotated_copy, original_file

    s = session(ctx)
    get = annotated_copy if annotated else original_file
    download(s, db, out_file, force, lambda p: get(p, task_id, _which(s, p, task_id, return_id, department)))


OutFile = Annotated[Path, typer.Option("--out", help=h("review file.out_file"))]


@_review_command("file")
def review_file(ctx: typer.Context, task_id: TaskId, out_file: OutFile, return_id: ReturnId = None,
                department: Department = None, force: Force = False, db: Db = None, lang: Lang = None) -> None:
    """jixiao.serve.returns.original_file: one version as the department sent it (the return page's 原文件)."""
    _write(ctx, task_id, return_id, department, out_file, force, db, annotated=False)


@_review_command("annotated")
def review_annotated(ctx: typer.Context, task_id: TaskId, out_file: OutFile, return_id: ReturnId = None,
                     department: Department = None, force: Force = False, db: Db = None, lang: Lang = None) -> None:
    """jixiao.serve.returns.annotated_copy: the return package (退回意见 sheet, marked cells)."""
    _write(ctx, task_id, return_id, department, out_file, force, db, annotated=True)


@command("audit")
def audit(ctx: typer.Context, limit: Annotated[int, typer.Option("--limit", min=1, help=h("audit.limit"))] = 50,
          as_json: AsJson = False, db: Db = None, lang: Lang = None) -> None:
    """jixiao.serve.returns.audit_entries: the newest entries of the portal's audit log."""
    from ..serve.returns import audit_entries, audit_record
    from ..serve.service import beijing

    s = session(ctx)
    with open_portal(s, db) as p:
        entries = audit_entries(p, limit)
    if as_json:
        print(json.dumps([audit_record(e) for e in entries], ensure_ascii=False, indent=2, default=str))
        return
    for e in entries:
        s.out.print(escape(f"{beijing(e.at)}  {e.actor}  {e.action}  {json.dumps(e.detail, ensure_ascii=False, default=str)}"))
