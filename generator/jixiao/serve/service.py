"""The portal's service layer, part one: reporting tasks, rosters, pre-filled forms, links.

Plain functions over a :class:`Portal` (the archive plus the portal tables). The web
routes and the JSON API call these and nothing else; each call that changes something
writes one line to the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update

from ..archive import Archive
from ..build import template_paths
from ..paths import TemplateSearchPath
from ..prefill.batch import build_departments, safe_filename
from ..prefill.init_data import write_input_workbook
from ..prefill.tables import DataFileError, DataSchema, read_dataset
from ..signing import Keyring
from ..template.load import LoadedTemplate, TemplateError, load_template
from .errors import PortalError
from .security import new_token, token_hash
from .store import PortalStore, forms, links, now, roster, tasks

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


@dataclass
class Portal:
    """What every service call works on: the archive, the portal's tables in its database,
    where templates are looked for (``jixiao serve --templates``) and the bureau's keys,
    which sign the forms the portal builds and check the uploads (:mod:`jixiao.signing`)."""

    archive: Archive
    store: PortalStore
    search: TemplateSearchPath
    keys: Keyring | None = None

    @classmethod
    def open(cls, url: str | None, search: TemplateSearchPath | None = None, keys: Keyring | None = None) -> Portal:
        archive = Archive(url)
        return cls(archive, PortalStore(archive.engine), search or TemplateSearchPath.for_reading(), keys)

    def close(self) -> None:
        self.archive.close()


@dataclass(frozen=True)
class TemplateChoice:
    id: str
    name: str
    year: int


@dataclass(frozen=True)
class IssuedLink:
    department_code: str
    department_name: str
    token: str  # shown once; only its hash is kept


def beijing(value: dt.datetime | None) -> str:
    """``2024-03-01 16:05`` in Beijing time; empty for None."""
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value else ""


def _deadline_end(deadline: str) -> dt.datetime:
    """The last second of the deadline day, Beijing time (when the links expire)."""
    day = dt.date.fromisoformat(deadline)
    return dt.datetime.combine(day, dt.time(23, 59, 59), BEIJING).astimezone(dt.UTC)


@lru_cache(maxsize=1)
def _templates_cached(search: TemplateSearchPath) -> tuple[TemplateChoice, ...]:
    found: dict[str, TemplateChoice] = {}
    for folder in search.folders:
        for path in template_paths([folder]):
            try:
                t = load_template(path, search=search).template
            except (TemplateError, OSError):
                continue  # `jixiao lint` reports broken templates; the portal offers the good ones
            found.setdefault(t.id, TemplateChoice(t.id, t.name or t.id, int(t.params.get("year", 0) or 0)))
    return tuple(sorted(found.values(), key=lambda c: c.id))


def list_templates(p: Portal) -> list[TemplateChoice]:
    """The form variants a task can use (the search path of ``jixiao serve --templates``)."""
    return list(_templates_cached(p.search))


def _template(p: Portal, template_id: str) -> LoadedTemplate:
    try:
        return load_template(template_id, search=p.search)
    except (TemplateError, FileNotFoundError, LookupError):
        raise PortalError(400, f"找不到表格模板 {template_id}") from None


# --------------------------------------------------------------------------- tasks


def create_task(p: Portal, actor: str, name: str, year: int, template_id: str, deadline: str) -> int:
    """A new reporting task (one template, one year, one deadline)."""
    _template(p, template_id)
    try:
        _deadline_end(deadline)
    except ValueError:
        raise PortalError(400, "截止日期格式应为 年-月-日，例如 2024-03-31") from None
    if not name.strip():
        raise PortalError(400, "请填写任务名称")
    with p.store.write() as conn:
        # The archive files returns by (department, year, template): a second task on the same
        # pair would share every return with the first, so it is refused.
        if conn.execute(select(tasks.c.id).where(tasks.c.year == year, tasks.c.template_id == template_id)).first():
            raise PortalError(409, f"{year} 年度已有使用模板 {template_id} 的填报任务，请在原任务中继续")
        task_id = conn.execute(tasks.insert().values(
            name=name.strip()[:255], year=year, template_id=template_id, deadline=deadline, created_at=now(),
            build_state="", build_done=0, build_total=0, build_message="").returning(tasks.c.id)).scalar_one()
        p.store.log(conn, actor, "新建任务", task_id=task_id, name=name, year=year, template_id=template_id,
                    deadline=deadline)
    return task_id


def all_tasks(p: Portal) -> list[Any]:
    return p.store.read(lambda c: list(c.execute(select(tasks).order_by(tasks.c.id.desc()))))


def task_record(t: Any) -> dict[str, Any]:
    """A task row as the API and ``jixiao task list --json`` give it (with the build's progress)."""
    return {"id": t.id, "name": t.name, "year": t.year, "template_id": t.template_id, "deadline": t.deadline,
            "build_state": t.build_state, "build_done": t.build_done, "build_total": t.build_total,
            "build_message": t.build_message}


def get_task(p: Portal, task_id: int) -> Any:
    row = p.store.read(lambda c: c.execute(select(tasks).where(tasks.c.id == task_id)).first())
    if row is None:
        raise PortalError(404, "没有这个填报任务")
    return row


def roster_rows(p: Portal, task_id: int) -> list[Any]:
    return p.store.read(lambda c: list(c.execute(
        select(roster).where(roster.c.task_id == task_id).order_by(roster.c.position))))


def init_data_workbook(p: Portal, task_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of the empty department table of the task's template, as
    ``jixiao init-data`` writes it: the bureau fills it in and uploads it as the roster."""
    task = get_task(p, task_id)
    with tempfile.TemporaryDirectory(prefix="jixiao-init-") as folder:
        path = Path(folder) / "单位数据.xlsx"
        write_input_workbook(DataSchema.for_template(_template(p, task.template_id)), path)
        return f"{task.template_id}-单位数据.xlsx", path.read_bytes()


def upload_roster(p: Portal, actor: str, task_id: int, filename: str, data: bytes) -> list[dict[str, Any]]:
    """Read the department table (the ``init-data`` workbook) and keep it as the task's roster.

    Returns the problems found (row, column, message); departments with errors are kept
    on the roster but not built.
    """
    task = get_task(p, task_id)
    schema = DataSchema.for_template(_template(p, task.template_id))
    suffix = Path(filename).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise PortalError(415, "单位表须为 .xlsx 或 .csv 文件（用 jixiao init-data 生成的表格）")
    with tempfile.TemporaryDirectory(prefix="jixiao-roster-") as folder:
        path = Path(folder) / f"单位数据{suffix}"
        path.write_bytes(data)
        try:
            dataset = read_dataset(schema, path)
        except DataFileError as exc:
            raise PortalError(400, exc.problem.message_zh, exc.problem.code) from None
    problems = [pr.to_dict() for pr in dataset.problems]
    if not dataset.departments:
        raise PortalError(400, "单位表中没有单位（表头须有“单位编码”“单位名称”）")
    with p.store.write() as conn:
        conn.execute(delete(roster).where(roster.c.task_id == task_id))
        conn.execute(roster.insert(), [
            {"task_id": task_id, "department_code": d.code, "department_name": d.name, "position": i,
             "buildable": d.ok} for i, d in enumerate(dataset.departments)])
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(
            roster_filename=Path(filename).name[:255], roster=data, roster_problems=problems))
        p.store.log(conn, actor, "上传单位表", task_id=task_id, departments=len(dataset.departments),
                    problems=len(problems))
    return problems


# --------------------------------------------------------------------------- building forms


def start_build(p: Portal, actor: str, task_id: int) -> threading.Thread:
    """Build every department's pre-filled form in the background; progress is in the task row."""
    task = get_task(p, task_id)
    if task.roster is None:
        raise PortalError(400, "请先上传单位表")
    if task.build_state == "running":
        raise PortalError(409, "正在生成，请稍候")
    with p.store.write() as conn:
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(
            build_state="running", build_done=0, build_total=0, build_message=""))
        p.store.log(conn, actor, "生成预填表", task_id=task_id)
    worker = threading.Thread(target=build_forms, args=(p, task_id), name=f"jixiao-build-{task_id}", daemon=True)
    worker.start()
    return worker


def build_forms(p: Portal, task_id: int) -> None:
    """Build the forms of the task's roster into the portal tables (replacing earlier ones)."""
    task = get_task(p, task_id)
    lt = _template(p, task.template_id)
    try:
        with tempfile.TemporaryDirectory(prefix="jixiao-build-") as folder:
            source = Path(folder) / f"单位数据{Path(task.roster_filename or 'x.xlsx').suffix.lower()}"
            source.write_bytes(task.roster)
            todo = read_dataset(DataSchema.for_template(lt), source).buildable
            _progress(p, task_id, build_total=len(todo))

            def advance(done: int, _total: int) -> None:
                _progress(p, task_id, build_done=done)

            # One process: forking a pool from a threaded server can deadlock on a lock held at fork.
            result = build_departments(lt.path, todo, Path(folder) / "out", force=True, jobs=1, search=p.search,
                                       keys=p.keys, on_progress=advance)
            with p.store.write() as conn:
                conn.execute(delete(forms).where(forms.c.task_id == task_id))
                for built in result.built:
                    conn.execute(forms.insert().values(task_id=task_id, department_code=built.code,
                                                       filename=built.path.name, data=built.path.read_bytes()))
        failed = "；".join(f"{code}: {reason}" for code, reason in result.failed)
        _progress(p, task_id, build_state="failed" if failed else "done", build_message=failed)
    except Exception as exc:  # noqa: BLE001 - a background build must end in a state the page can show
        _progress(p, task_id, build_state="failed", build_message=f"{type(exc).__name__}: {exc}")


def _progress(p: Portal, task_id: int, **values: Any) -> None:
    with p.store.write() as conn:
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(**values))


def form_file(p: Portal, access: LinkAccess, actor: str | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of the pre-filled form of the department a link opens, logged as
    the department's download (or ``actor``'s, the bureau fetching it for the department)."""
    row = p.store.read(lambda c: c.execute(select(forms.c.filename, forms.c.data).where(
        forms.c.task_id == access.task_id, forms.c.department_code == access.department_code)).first())
    if row is None:
        raise PortalError(404, "预填表尚未生成，请稍后再试或联系财政局")
    with p.store.write() as conn:
        p.store.log(conn, actor or f"单位 {access.department_code}", "下载预填表", task_id=access.task_id,
                    department_code=access.department_code)
    return row.filename, bytes(row.data)


def forms_zip(p: Portal, actor: str, task_id: int) -> tuple[str, bytes]:
    """Every built form of the task in one ZIP (names in UTF-8)."""
    task = get_task(p, task_id)
    rows = p.store.read(lambda c: list(c.execute(select(forms.c.filename, forms.c.data).where(
        forms.c.task_id == task_id).order_by(forms.c.filename))))
    if not rows:
        raise PortalError(404, "预填表尚未生成")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for row in rows:
            zf.writestr(row.filename, bytes(row.data))
    with p.store.write() as conn:
        p.store.log(conn, actor, "下载全部预填表", task_id=task_id, forms=len(rows))
    return safe_filename(str(task.year), task.name, ".zip"), buffer.getvalue()


# --------------------------------------------------------------------------- links


def issue_links(p: Portal, actor: str, task_id: int, codes: list[str] | None = None) -> list[IssuedLink]:
    """New links for the roster's departments (all, or ``codes``); their earlier links stop working.

    A link expires at the end of the task's deadline day (Beijing time). The tokens are
    returned once, for the printable list; only their hashes are kept.
    """
    task = get_task(p, task_id)
    members = [r for r in roster_rows(p, task_id) if codes is None or r.department_code in codes]
    if not members:
        raise PortalError(400, "单位表中没有这些单位")
    issued = [IssuedLink(r.department_code, r.department_name, new_token()) for r in members]
    at, expires = now(), _deadline_end(task.deadline)
    with p.store.write() as conn:
        conn.execute(update(links).where(links.c.task_id == task_id, links.c.revoked_at.is_(None),
                                         links.c.department_code.in_([i.department_code for i in issued]))
                     .values(revoked_at=at))
        conn.execute(links.insert(), [{"task_id": task_id, "department_code": i.department_code,
                                       "token_hash": token_hash(i.token), "created_at": at, "expires_at": expires}
                                      for i in issued])
        p.store.log(conn, actor, "发放填报链接", task_id=task_id, departments=[i.department_code for i in issued])
    return issued


def task_links(p: Portal, task_id: int) -> list[Any]:
    return p.store.read(lambda c: list(c.execute(
        select(links, roster.c.department_name)
        .join(roster, (roster.c.task_id == links.c.task_id) & (roster.c.department_code == links.c.department_code))
        .where(links.c.task_id == task_id).order_by(roster.c.position, links.c.id.desc()))))


def link_state(row: Any, at: dt.datetime) -> str:
    """``live``, ``revoked`` or ``expired`` at ``at``."""
    return "revoked" if row.revoked_at else "expired" if row.expires_at <= at else "live"


def link_record(row: Any, at: dt.datetime) -> dict[str, Any]:
    """A link as the API and ``jixiao links list --json`` list it (never its token)."""
    return {"id": row.id, "department_code": row.department_code, "department_name": row.department_name,
            "created": beijing(row.created_at), "expires": beijing(row.expires_at),
            "revoked": beijing(row.revoked_at), "state": link_state(row, at)}


def revoke_link(p: Portal, actor: str, task_id: int, link_id: int) -> None:
    with p.store.write() as conn:
        row = conn.execute(select(links).where(links.c.id == link_id, links.c.task_id == task_id)).first()
        if row is None:
            raise PortalError(404, "没有这个链接")
        if row.revoked_at is None:
            conn.execute(update(links).where(links.c.id == link_id).values(revoked_at=now()))
        p.store.log(conn, actor, "撤销链接", task_id=task_id, department_code=row.department_code, link=link_id)


@dataclass(frozen=True)
class LinkAccess:
    """Who a department link lets in: one department of one task."""

    task_id: int
    department_code: str
    department_name: str
    expires_at: dt.datetime


def resolve_link(p: Portal, token: str) -> LinkAccess:
    """The department a link token opens; 404 for an unknown, 403 for a revoked or expired one."""
    row = p.store.read(lambda c: c.execute(
        select(links, roster.c.department_name)
        .join(roster, (roster.c.task_id == links.c.task_id) & (roster.c.department_code == links.c.department_code))
        .where(links.c.token_hash == token_hash(token))).first())
    if row is None:
        raise PortalError(404, "链接无效，请向财政局索取本单位的填报链接", "P404")
    if row.revoked_at is not None:
        raise PortalError(403, "此链接已被财政局撤销，请向财政局索取新的链接", "P403")
    if row.expires_at <= now():
        raise PortalError(403, "此链接已过截止日期，如需补交请联系财政局", "P410")
    return LinkAccess(row.task_id, row.department_code, row.department_name, row.expires_at)


def bureau_access(p: Portal, task_id: int, department_code: str) -> LinkAccess:
    """What a department's link would open, for the bureau acting for it without a link (a
    return that came by e-mail, its form handed over in person): the department must be on
    the task's roster. No link is used, so none can have expired."""
    task = get_task(p, task_id)
    member = next((r for r in roster_rows(p, task_id) if r.department_code == department_code), None)
    if member is None:
        raise PortalError(404, f"任务 {task_id} 的单位名单中没有单位 {department_code}")
    return LinkAccess(task_id, department_code, member.department_name, _deadline_end(task.deadline))
