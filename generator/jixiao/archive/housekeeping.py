"""The bureau's actions on returns already kept: void a version, send it back, mark a
warning 已核实.

Nothing is deleted: a voided version stays in the archive with who voided it, when and
why, and no longer counts as the latest of its series; a checked warning stays in the
return's findings with who checked it and when, and no longer counts as open (status,
summary, export). Each action is one write transaction; :class:`Archive` (the one
``jixiao.archive`` exports: the store of :mod:`jixiao.archive.store` with these actions)
offers them as methods (``archive.void(...)``, ``archive.send_back(...)``,
``archive.mark_checked(...)``), which is
what ``jixiao void`` / ``jixiao confirm`` and the web portal call.

>>> from jixiao.archive import Archive, Submission
>>> with Archive("sqlite://") as a:
...     w = {"code": "V311", "severity": "warning", "sheet": "封面", "cell": "C4"}
...     r = a.store(Submission(b"1", "a.xlsx", "101", "财政局", 2024, "p", "1", findings=[w]))
...     a.mark_checked(r.id, "V311", by="张三", note="电话核实").warning_count
...     a.void(r.id, reason="误收的空白表", by="张三").void_reason, a.latest(2024)
0
('误收的空白表', [])
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, insert, select, update

from ..codes import Status
from ..paths import expand_paths
from .database import for_db
from .records import StoredReturn, finding_key, to_utc
from .store import Archive as Store
from .store import Then
from .tables import CHECKS, RETURNS, select_returns

__all__ = ["AmbiguousTemplate", "Archive", "current_return", "mark_checked", "returns_of_file", "send_back", "version_of", "void",
           "void_files"]


def _who(by: str) -> str:
    by = str(by or "").strip()
    if not by:
        raise ValueError("who did it (by) must be given")
    return by


def _one(archive: Store, conn: Connection, return_id: int) -> StoredReturn:
    rows = list(conn.execute(select_returns().where(RETURNS.c.id == return_id)))
    if not rows:
        raise LookupError(f"no return with id {return_id}")
    return archive._stored(conn, rows)[0]


def void(archive: Store, return_id: int, *, reason: str, by: str,
         at: dt.datetime | None = None, then: Then | None = None) -> StoredReturn:
    """Void one version: it is kept, marked (``voided_at``, ``voided_by``, ``void_reason``)
    and no longer counts as the latest. Voiding a voided version again keeps the first
    mark. ``LookupError`` for an unknown id, ``ValueError`` without a reason or a who."""
    reason, by = str(reason or "").strip(), _who(by)
    if not reason:
        raise ValueError("a reason for voiding must be given")
    when = to_utc(at or dt.datetime.now(dt.UTC))

    def work(conn: Connection) -> StoredReturn:
        if _one(archive, conn, return_id).voided_at is None:
            conn.execute(update(RETURNS).where(RETURNS.c.id == return_id).values(
                voided_at=for_db(when, archive._dialect), voided_by=by, void_reason=reason))
        return _one(archive, conn, return_id)

    return archive._in_write_transaction(work, then)


def send_back(archive: Store, return_id: int, *, reason: str, by: str,
              at: dt.datetime | None = None, then: Then | None = None) -> StoredReturn:
    """Send one version back to its department (退回): its status becomes 待修改, with who,
    when and why, even when verification found no error (the bureau's own judgement).
    Sending it back again keeps the first mark. ``ValueError`` for a voided version, a file
    in the wrong format (already 格式错误), or without a reason or a who."""
    reason, by = str(reason or "").strip(), _who(by)
    if not reason:
        raise ValueError("a reason for sending back must be given")
    when = to_utc(at or dt.datetime.now(dt.UTC))

    def work(conn: Connection) -> StoredReturn:
        stored = _one(archive, conn, return_id)
        if stored.voided_at is not None or stored.status == Status.UNREADABLE:
            raise ValueError(f"return {return_id} is voided or unreadable: nothing to send back")
        if stored.sent_back_at is None:
            conn.execute(update(RETURNS).where(RETURNS.c.id == return_id).values(
                status=str(Status.NEEDS_FIX), sent_back_at=for_db(when, archive._dialect), sent_back_by=by,
                send_back_reason=reason))
        return _one(archive, conn, return_id)

    return archive._in_write_transaction(work, then)


def mark_checked(archive: Store, return_id: int, code: str, *, by: str, sheet: str | None = None,
                 cell: str | None = None, note: str = "", at: dt.datetime | None = None,
                 then: Then | None = None) -> StoredReturn:
    """Mark the warnings ``code`` of one return 已核实 (only those at ``sheet``/``cell`` when
    given); returns the return as read back, those warnings carrying ``checked``.

    Marking a checked warning again keeps the first mark. ``LookupError`` when the return
    has no such warning (errors cannot be marked: the department must fix them)."""
    by = _who(by)
    when = for_db(to_utc(at or dt.datetime.now(dt.UTC)), archive._dialect)

    def work(conn: Connection) -> StoredReturn:
        stored = _one(archive, conn, return_id)
        keys = {finding_key(f) for f in stored.findings if f.get("severity") == "warning"
                and f.get("code") == code and sheet in (None, f.get("sheet") or "")
                and cell in (None, f.get("cell") or "")}
        if not keys:
            where = "".join(f" {x}" for x in (sheet, cell) if x)
            raise LookupError(f"return {return_id} has no warning {code}{where}")
        done = {tuple(r) for r in conn.execute(
            select(CHECKS.c.code, CHECKS.c.sheet, CHECKS.c.cell).where(CHECKS.c.return_id == return_id))}
        for k_code, k_sheet, k_cell in sorted(keys - done):
            conn.execute(insert(CHECKS).values(return_id=return_id, code=k_code, sheet=k_sheet, cell=k_cell,
                                                checked_by=by, checked_at=when, note=str(note or "")))
        return _one(archive, conn, return_id)

    return archive._in_write_transaction(work, then)


def returns_of_file(archive: Store, data: bytes, year: int | None = None) -> list[StoredReturn]:
    """Every version stored from this very file (same bytes), of ``year`` when given."""
    stmt = select_returns().where(RETURNS.c.blob_sha256 == hashlib.sha256(data).hexdigest())
    if year is not None:
        stmt = stmt.where(RETURNS.c.year == year)
    return archive._returns(stmt.order_by(RETURNS.c.department_code, RETURNS.c.template_id,
                                          RETURNS.c.version))


class AmbiguousTemplate(LookupError):
    """The department sent several forms; which one was not said."""

    def __init__(self, department_code: str, templates: list[str]) -> None:
        super().__init__(f"{department_code} sent several forms: {', '.join(templates)}")
        self.department_code = department_code
        self.templates = templates


def _one_template(found: list[StoredReturn], department_code: str) -> list[StoredReturn]:
    templates = sorted({r.template_id for r in found})
    if len(templates) > 1:
        raise AmbiguousTemplate(department_code, templates)
    return found


def version_of(archive: Store, department_code: str, year: int, version: int,
               template_id: str | None = None) -> StoredReturn:
    """Version ``version`` of a department's return of ``year``; ``LookupError`` when there
    is none, :class:`AmbiguousTemplate` when it sent several forms and ``template_id`` is None."""
    found = [r for r in archive.versions(department_code, year, template_id) if r.version == version]
    if not found:
        raise LookupError(f"no version {version} of {department_code} in {year}")
    return _one_template(found, department_code)[0]


def current_return(archive: Store, department_code: str, year: int,
                   template_id: str | None = None) -> StoredReturn:
    """The latest (not voided, readable) return of a department for ``year``; errors as
    :func:`version_of`."""
    found = [r for r in archive.latest(year, template_id) if r.department_code == department_code]
    if not found:
        raise LookupError(f"no current return of {department_code} in {year}")
    return _one_template(found, department_code)[0]


def void_files(archive: Store, paths: Iterable[str | Path], *, reason: str, by: str,
               year: int | None = None) -> list[tuple[Path, list[StoredReturn]]]:
    """Void every version stored from these files (folders: every file below them), e.g. a
    folder of blank forms collected by mistake; per file, the versions now voided (empty:
    the archive holds no version of that file, or only voided ones)."""
    out = []
    for path in expand_paths(paths, recursive=True):
        data = path.read_bytes() if path.is_file() else b""
        kept = [r for r in returns_of_file(archive, data, year) if r.voided_at is None] if data else []
        out.append((path, [void(archive, r.id, reason=reason, by=by) for r in kept]))
    return out


class Archive(Store):
    """The archive of returns (:class:`jixiao.archive.store.Archive`) with the bureau's
    housekeeping actions as methods; each takes ``by``, who acts, and keeps it."""

    def void(self, return_id: int, *, reason: str, by: str, at: dt.datetime | None = None,
             then: Then | None = None) -> StoredReturn:
        """Void one version (kept, marked with who, when and ``reason``; no longer the latest):
        :func:`void`."""
        return void(self, return_id, reason=reason, by=by, at=at, then=then)

    def send_back(self, return_id: int, *, reason: str, by: str, at: dt.datetime | None = None,
                  then: Then | None = None) -> StoredReturn:
        """Send a version back to its department (退回, status 待修改): :func:`send_back`."""
        return send_back(self, return_id, reason=reason, by=by, at=at, then=then)

    def mark_checked(self, return_id: int, code: str, *, by: str, sheet: str | None = None,
                     cell: str | None = None, note: str = "", at: dt.datetime | None = None,
                     then: Then | None = None) -> StoredReturn:
        """Mark a return's warnings ``code`` (at ``sheet``/``cell`` when given) 已核实, kept with
        who and when and no longer open: :func:`mark_checked`."""
        return mark_checked(self, return_id, code, by=by, sheet=sheet, cell=cell, note=note, at=at, then=then)

    def returns_of_file(self, data: bytes, year: int | None = None) -> list[StoredReturn]:
        """Every version stored from these very bytes (of ``year`` when given): :func:`returns_of_file`."""
        return returns_of_file(self, data, year)
