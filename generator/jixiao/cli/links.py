"""``jixiao links ...``: the departments' upload links of a task, over the portal's own
functions (:mod:`jixiao.serve.service`), on the same database as ``jixiao serve``.

    jixiao links issue --task N [--department D]... [--out list.csv]   service.issue_links
    jixiao links list --task N                 service.task_links
    jixiao links revoke --task N LINK_ID...    service.revoke_link

A link is shown once, when it is issued (the portal keeps only its hash): ``issue`` prints
each department's link and, with ``--out``, writes the printable list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..codes import cli as C
from ..terminal import open_portal, session
from .app import AsJson, By, Db, Force, Lang, acting, command, group, h
from .portal import TaskId

links = group("links")

#: Where the portal answers, for the printed links (the page uses the address it was opened at).
DEFAULT_BASE = "http://127.0.0.1:8000"


def _links_command(name: str):  # noqa: ANN202 - a decorator
    return command(name, parent=links, prefix="links ")


@_links_command("issue")
def links_issue(
    ctx: typer.Context,
    task_id: TaskId,
    departments: Annotated[list[str] | None, typer.Option("--department", help=h("links issue.departments"))] = None,
    base_url: Annotated[str, typer.Option("--base-url", help=h("links issue.base_url"))] = DEFAULT_BASE,
    out_file: Annotated[Path | None, typer.Option("--out", help=h("links issue.out_file"))] = None,
    force: Force = False,
    by: By = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.service.issue_links: new links (earlier ones of these departments stop working)."""
    from ..atomic import refuse_overwrite
    from ..cliviews import write_links_list
    from ..serve.service import get_task, issue_links

    s = session(ctx)
    who = acting(s, by)
    if out_file is not None:
        with s.refusals():
            refuse_overwrite(out_file, force=force)
    base = base_url.rstrip("/")
    with open_portal(s, db) as p:
        issued = issue_links(p, who, task_id, departments or None)
        deadline = get_task(p, task_id).deadline
    for link in issued:
        s.out.print(escape(f"{link.department_code}  {link.department_name}  {base}/d/{link.token}"))
    if out_file is not None:
        write_links_list(s, issued, base, deadline, out_file)
        s.err.print(escape(s.t(C.LINKS_WRITTEN, path=out_file, count=len(issued))))
    s.err.print(escape(s.t(C.LINKS_ISSUED, count=len(issued), deadline=deadline)))


@_links_command("list")
def links_list(ctx: typer.Context, task_id: TaskId, as_json: AsJson = False, db: Db = None,
               lang: Lang = None) -> None:
    """jixiao.serve.service.task_links: every link of the task, live, revoked or expired."""
    from ..serve.service import beijing, link_record, task_links
    from ..serve.store import now

    s = session(ctx)
    with open_portal(s, db) as p:
        rows = task_links(p, task_id)
    at = now()
    states = {"live": C.LINK_LIVE, "revoked": C.LINK_REVOKED, "expired": C.LINK_EXPIRED}
    records = [link_record(r, at) for r in rows]
    if as_json:
        print(json.dumps([{**r, "state": s.t(states[r["state"]])} for r in records], ensure_ascii=False, indent=2))
        return
    table = Table(*(s.t(x) for x in (C.H_LINK, C.H_DEPT_CODE, C.H_DEPT_NAME, C.H_ISSUED, C.H_EXPIRES, C.H_STATUS)))
    for r, record in zip(rows, records, strict=True):
        table.add_row(str(r.id), escape(r.department_code), escape(r.department_name), beijing(r.created_at),
                      beijing(r.expires_at), s.t(states[record["state"]]))
    s.out.print(table)


@_links_command("revoke")
def links_revoke(
    ctx: typer.Context,
    task_id: TaskId,
    link_ids: Annotated[list[int], typer.Argument(help=h("links revoke.link_ids"))],
    by: By = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.service.revoke_link, for each link given."""
    from ..serve.service import revoke_link

    s = session(ctx)
    who = acting(s, by)
    with open_portal(s, db) as p:
        for link_id in link_ids:
            revoke_link(p, who, task_id, link_id)
            s.out.print(escape(s.t(C.LINK_REVOKED_NOW, link=link_id, task=task_id)))
