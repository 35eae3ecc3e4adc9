"""The portal from the command line: ``jixiao serve`` and ``jixiao task ...``, the
bureau's console actions on reporting tasks, over the same service functions as the web
pages and ``/api`` (:mod:`jixiao.serve.service`, :mod:`jixiao.serve.returns`), on the
same database (``--db``), so a task made here is the one the portal shows.

    jixiao serve [--db] [--host] [--port]    jixiao.serve.run.run (the web portal)
    jixiao task new --name --year --template --deadline   service.create_task
    jixiao task list                          service.all_tasks
    jixiao task roster --task N FILE          service.upload_roster
    jixiao task build --task N                service.start_build (waits for it)
    jixiao task forms --task N --out F.zip    service.forms_zip
    jixiao task form --task N --department D --out F.xlsx   service.form_file
    jixiao task board --task N                returns.board
    jixiao task receive --task N --department D FILE   returns.receive_upload

A department's own actions (its form, a return) are taken for it through
:func:`jixiao.serve.service.bureau_access`: the access its link would give.

Links (``jixiao links``) and review actions (``jixiao review``) are in
:mod:`jixiao.cli.links` and :mod:`jixiao.cli.review`; docs/cli.md maps every console
action to its command and API route.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..codes import cli as C
from ..terminal import open_portal, progress_bar, session
from .app import AsJson, By, Db, Force, Lang, TemplateDirs, acting, command, download, group, h

task = group("task")
TaskId = Annotated[int, typer.Option("--task", help=h("task_id"))]


def _task_command(name: str):  # noqa: ANN202 - a decorator
    return command(name, parent=task, prefix="task ")


@command()
def serve(
    ctx: typer.Context,
    db: Db = None,
    host: Annotated[str, typer.Option("--host", help=h("serve.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=h("serve.port"))] = 8000,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.run.run."""
    from ..serve.run import run

    run(db, host, port, session(ctx).search(templates, reading=True))


@_task_command("new")
def task_new(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help=h("task new.name"))],
    year: Annotated[int, typer.Option("--year", help=h("year"))],
    template: Annotated[str, typer.Option("--template", help=h("task new.template"))],
    deadline: Annotated[str, typer.Option("--deadline", help=h("task new.deadline"))],
    by: By = None,
    db: Db = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.service.create_task."""
    from ..serve.service import create_task

    s = session(ctx)
    who = acting(s, by)
    with open_portal(s, db, s.search(templates, reading=True), existing=False) as p:
        task_id = create_task(p, who, name, year, template, deadline)
    s.out.print(escape(s.t(C.TASK_CREATED, task=task_id, name=name.strip(), year=year, template=template,
                           deadline=deadline)))


@_task_command("list")
def task_list(ctx: typer.Context, as_json: AsJson = False, db: Db = None, lang: Lang = None) -> None:
    """jixiao.serve.service.all_tasks."""
    from ..serve.service import all_tasks, task_record

    s = session(ctx)
    with open_portal(s, db) as p:
        rows = all_tasks(p)
    if as_json:
        print(json.dumps([task_record(t) for t in rows], ensure_ascii=False, indent=2))
        return
    table = Table(*(s.t(x) for x in (C.H_TASK, C.H_NAME, C.H_YEAR, C.H_TEMPLATE, C.H_DEADLINE, C.H_FORMS)))
    for t in rows:
        table.add_row(str(t.id), escape(t.name), str(t.year), escape(t.template_id), t.deadline,
                      f"{t.build_done}/{t.build_total} {t.build_state}".strip())
    s.out.print(table)


@_task_command("roster")
def task_roster(
    ctx: typer.Context,
    task_id: TaskId,
    roster: Annotated[Path, typer.Argument(help=h("task roster.roster"))],
    by: By = None,
    db: Db = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.service.upload_roster."""
    from ..serve.service import roster_rows, upload_roster

    s = session(ctx)
    who = acting(s, by)
    with s.refusals():
        data = roster.read_bytes()
    with open_portal(s, db, s.search(templates, reading=True)) as p:
        problems = upload_roster(p, who, task_id, roster.name, data)
        members = roster_rows(p, task_id)
    for pr in problems:
        s.err.print(escape(s.t(C.ROSTER_PROBLEM, row=pr.get("row") or "", column=pr.get("header") or "",
                               code=pr.get("code", ""), message=pr.get("message_en" if s.lang == "en" else
                                                                       "message_zh", ""))))
    s.out.print(escape(s.t(C.ROSTER_SAVED, task=task_id, count=len(members),
                           buildable=sum(bool(m.buildable) for m in members), problems=len(problems))))


@_task_command("build")
def task_build(ctx: typer.Context, task_id: TaskId, by: By = None, db: Db = None, templates: TemplateDirs = None,
               lang: Lang = None) -> None:
    """jixiao.serve.service.start_build, waiting for the build as the task page does."""
    from ..serve.service import get_task, start_build

    s = session(ctx)
    who = acting(s, by)
    with open_portal(s, db, s.search(templates, reading=True)) as p, progress_bar(s.err, s.t(C.BUILDING)) as progress:
        worker = start_build(p, who, task_id)
        while worker.is_alive():
            worker.join(0.2)
            row = get_task(p, task_id)
            progress(row.build_done, row.build_total)
        row = get_task(p, task_id)
    if row.build_state != "done":
        s.fail(s.t(C.TASK_BUILD_FAILED, task=task_id, reason=row.build_message), 1)
    s.out.print(escape(s.t(C.TASK_BUILT, task=task_id, count=row.build_done)))


@_task_command("forms")
def task_forms(
    ctx: typer.Context,
    task_id: TaskId,
    out_file: Annotated[Path, typer.Option("--out", help=h("task forms.out_file"))],
    force: Force = False,
    by: By = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.service.forms_zip."""
    from ..serve.service import forms_zip

    s = session(ctx)
    who = acting(s, by)
    download(s, db, out_file, force, lambda p: forms_zip(p, who, task_id))


Department = Annotated[str, typer.Option("--department", help=h("task receive.department"))]


@_task_command("form")
def task_form(
    ctx: typer.Context,
    task_id: TaskId,
    department: Department,
    out_file: Annotated[Path, typer.Option("--out", help=h("task form.out_file"))],
    force: Force = False,
    by: By = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.service.form_file: one department's pre-filled form, as its link's page hands it out."""
    from ..serve.service import bureau_access, form_file

    s = session(ctx)
    who = acting(s, by)
    download(s, db, out_file, force, lambda p: form_file(p, bureau_access(p, task_id, department), who))


@_task_command("board")
def task_board(ctx: typer.Context, task_id: TaskId, as_json: AsJson = False, db: Db = None,
               lang: Lang = None) -> None:
    """jixiao.serve.returns.board (the API's /api/tasks/{id}/board)."""
    from ..serve.returns import board

    s = session(ctx)
    with open_portal(s, db) as p:
        rows = board(p, task_id)
    if as_json:
        print(json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(*(s.t(x) for x in (C.H_DEPT_CODE, C.H_DEPT_NAME, C.H_STATUS, C.H_VERSION, C.H_ERRORS,
                                      C.H_WARNINGS, C.H_RECEIVED, C.H_RETURN, C.H_COMMENT)))
    for r in rows:
        table.add_row(escape(r.department_code), escape(r.department_name), s.status(r.state),
                      str(r.version or ""), str(r.errors), str(r.warnings), r.received, str(r.return_id or ""),
                      escape(r.comment))
    s.out.print(table)


@_task_command("receive")
def task_receive(
    ctx: typer.Context,
    task_id: TaskId,
    department: Department,
    workbook: Annotated[Path, typer.Argument(help=h("task receive.workbook"))],
    db: Db = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.returns.receive_upload, as if the department uploaded through its link
    (a return that came by e-mail or on a USB stick); exit 1 when it was refused."""
    from ..serve.returns import receive_upload
    from ..serve.service import bureau_access

    s = session(ctx)
    with s.refusals():
        data = workbook.read_bytes()
    with open_portal(s, db, s.search(templates, reading=True)) as p:
        received = receive_upload(p, bureau_access(p, task_id, department), workbook.name, data)
    stored = received.stored
    for f in received.findings if stored is None else []:
        s.err.print(escape(f"{f.get('code', '')} {f.get('message_zh', '')}"))
    if stored is None:
        s.fail(s.t(C.RECEIVE_REFUSED, department=department, state=s.status(received.state)), 1)
    s.out.print(escape(s.t(C.RECEIVED, department=department, version=stored.version, state=s.status(stored.status),
                           errors=stored.error_count, warnings=stored.warning_count,
                           again=s.t(C.RECEIVED_AGAIN) if received.duplicate else "")))
