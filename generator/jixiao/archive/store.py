"""The archive of returns: every filled form a department sends back, kept forever.

One :class:`Archive` wraps one database: SQLite by default (a ``jixiao.sqlite`` file in
the current folder, zero setup) or PostgreSQL by URL (:mod:`jixiao.archive.database`).
Opening an archive brings its schema to the newest Alembic revision shipped with this
package. The tables are in :mod:`jixiao.archive.tables`, the values in
:mod:`jixiao.archive.records`, the status board and export rows in
:mod:`jixiao.archive.reports`.

A resubmission is a *new* row with the next version number of its series
(department_code, year, template_id); nothing is overwritten. Storing a return locks the
series' row of ``return_series`` (``SELECT ... FOR UPDATE`` on PostgreSQL; ``BEGIN
IMMEDIATE`` on SQLite), so two collectors running at once still number the versions 1,
2, 3 ... without gaps or duplicates.

Every :meth:`Archive.store` is one transaction: a collector killed halfway leaves the
database exactly as before that return or with all of it, never a part.

Example:

>>> import tempfile, os
>>> folder = tempfile.TemporaryDirectory()
>>> archive = Archive(f"sqlite:///{os.path.join(folder.name, 'jixiao.sqlite')}")
>>> sub = Submission(
...     file_bytes=b"PK...xlsx", filename="101-财政局.xlsx",
...     department_code="101", department_name="财政局", year=2024,
...     template_id="project", template_version="1",
...     record={"项目名称": "道路养护"},
...     findings=[{"code": "W001", "severity": "warning", "message": "..."}],
... )
>>> first = archive.store(sub)
>>> (first.version, first.status, first.error_count, first.warning_count)
(1, '已通过', 0, 1)
>>> archive.blob(first.sha256)
b'PK...xlsx'
>>> again = archive.store(sub)          # the same file again: already kept
>>> (again.version, again.created)
(1, False)
>>> import dataclasses
>>> fixed = dataclasses.replace(sub, file_bytes=b"PK...xlsx v2", findings=[])
>>> archive.store(fixed).version
2
>>> [r.version for r in archive.latest(2024)]
[2]
>>> roster = [("101", "财政局"), ("102", "教育局")]
>>> [(s.department_code, s.status) for s in archive.status(2024, roster)]
[('101', '已通过'), ('102', '未交')]
>>> archive.close(); folder.cleanup()
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, and_, func, insert, select, update
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError

from ..codes import Status
from .database import (
    archive_url,
    current_heads,
    for_db,
    is_transient,
    json_dumps,
    make_engine,
    migrate,
    write_connection,
)
from .records import StatusRow, StoredReturn, Submission, stored_return, to_utc
from .reports import export_row, status_board
from .tables import (
    BLOBS,
    CHECKS,
    NEWEST_FIRST,
    RETURNS,
    SERIES,
    Base,
    BlobRow,
    ReturnRow,
    select_returns,
)

# The row classes stay importable from here: the portal and the tests use them.
__all__ = ["DEFAULT_TZ", "DEFAULT_URL", "Archive", "Base", "BlobRow", "ReturnRow"]

#: Used when :class:`Archive` is given no URL: a file in the current folder.
DEFAULT_URL = "sqlite:///jixiao.sqlite"
#: The bureau's time zone when neither ``Archive(tz=...)`` nor ``$JIXIAO_TZ`` names one.
DEFAULT_TZ = "Asia/Shanghai"

_MAX_ATTEMPTS = 6

T = TypeVar("T")
#: Work done in a write's own transaction with the return as written (the portal's audit
#: line): it commits with the write, or neither is kept.
Then = Callable[[Connection, StoredReturn], None]


class Archive:
    """The archive of returns in one database.

    ``url`` is a SQLAlchemy URL or a plain file path (an SQLite file, see
    :func:`jixiao.archive.archive_url`); ``None`` means :data:`DEFAULT_URL` (``jixiao.sqlite``
    in the current folder). ``postgresql://user:pw@host/db`` uses psycopg 3. ``tz`` is the
    bureau's time zone for the times read back (default ``$JIXIAO_TZ``, else
    :data:`DEFAULT_TZ`); times are stored in UTC. Opening runs the
    Alembic migrations to head (:attr:`applied_migrations` lists what ran; empty when the
    schema was already current).

    Use as a context manager or call :meth:`close`.

    >>> with Archive("sqlite://") as a:   # in-memory, for experiments
    ...     a.applied_migrations, a.schema_revision(), a.latest(2024)
    (['0001', '0002'], '0002', [])
    """

    def __init__(self, url: str | None = None, *, tz: str | None = None) -> None:
        self.url = archive_url(url or DEFAULT_URL)
        self.tz = ZoneInfo(tz or os.environ.get("JIXIAO_TZ") or DEFAULT_TZ)
        self._engine = make_engine(self.url)
        self._dialect = self._engine.dialect.name
        try:
            self.applied_migrations: list[str] = migrate(self._engine, repr(self))
        except BaseException:
            self._engine.dispose()
            raise

    # -- lifecycle

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Archive({self._engine.url.render_as_string(hide_password=True)!r})"

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for reports and tests; writes should go via store())."""
        return self._engine

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None before any migration)."""
        with self._engine.connect() as conn:
            heads = current_heads(conn)
        return heads[0] if heads else None

    # -- transactions

    def _in_write_transaction(self, work: Callable[[Connection], T],
                              then: Callable[[Connection, T], None] | None = None) -> T:
        """Run ``work`` in one write transaction, retrying on deadlock / busy database;
        ``then(conn, result)`` in the same transaction after it (a caller's own line, such
        as the portal's audit line: kept together with the work, or neither is)."""
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                with write_connection(self._engine) as conn, conn.begin():
                    result = work(conn)
                    if then is not None:
                        then(conn, result)
                    return result
            except DBAPIError as exc:
                if attempt == _MAX_ATTEMPTS or not is_transient(exc):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        raise AssertionError("unreachable")

    def _insert_ignore(self, table: Table) -> Any:
        ins = pg_dialect.insert if self._dialect == "postgresql" else sqlite_dialect.insert
        return ins(table).on_conflict_do_nothing()

    # -- writing

    def store(self, submission: Submission, *, skip_duplicates: bool = True,
              then: Then | None = None) -> StoredReturn:
        """Keep one return, in one transaction, as the next version of its series;
        ``then(conn, stored)`` runs inside that transaction after it (the portal's audit
        line: kept together with the return, one commit to wait for, not two).

        The series is (department_code, year, template_id); its first return is version 1.
        The file bytes go to ``blobs`` once per distinct content.

        A return is identified by its series and its file: when ``skip_duplicates`` (the
        default) and the very same file is already a version of the series, nothing is
        written and that version comes back with ``created=False``. So re-running an
        interrupted collect over the same inbox completes it without inventing versions.
        (A department re-sending an *older* file to make it current again is therefore
        not a new version by default; pass ``skip_duplicates=False`` to force one.)

        >>> with Archive("sqlite://") as a:
        ...     s = Submission(b"x", "x.xlsx", "101", "财政局", 2024, "project", "1")
        ...     r1 = a.store(s)
        ...     r2 = a.store(s, skip_duplicates=False)
        ...     (r1.version, r1.created), (r2.version, r2.created), r1.sha256 == r2.sha256
        ((1, True), (2, True), True)
        """
        # Serialise first: a record that is not JSON fails before the database is touched,
        # and the values handed back are exactly what later reads return.
        record = json.loads(json_dumps(dict(submission.record)))
        findings = json.loads(json_dumps([dict(f) for f in submission.findings]))
        return self._in_write_transaction(
            lambda conn: self._store_in(conn, submission, record, findings, skip_duplicates), then)

    def store_many(
        self, submissions: Iterable[Submission], *, skip_duplicates: bool = True
    ) -> list[StoredReturn]:
        """:meth:`store` each submission, each in its own transaction.

        Stops at the first failure (the exception propagates); what was stored before it
        stays stored.
        """
        return [self.store(s, skip_duplicates=skip_duplicates) for s in submissions]

    def _store_in(self, conn: Connection, sub: Submission, record: dict[str, Any], findings: list[dict[str, Any]],
                  skip_duplicates: bool) -> StoredReturn:
        series = {"department_code": sub.department_code, "year": sub.year, "template_id": sub.template_id}
        sha, data = sub.sha256, bytes(sub.file_bytes)
        in_series = and_(*(SERIES.c[k] == v for k, v in series.items()))
        # 1. Lock the series row (created at version 0 when new): a concurrent store into
        #    the same series waits here until this transaction ends.
        conn.execute(self._insert_ignore(SERIES).values(**series, last_version=0))
        last = conn.execute(select(SERIES.c.last_version).where(in_series).with_for_update()).scalar_one()
        # 2. This very file is already a version of the series: nothing new to keep.
        if skip_duplicates and last:
            kept = conn.execute(
                select_returns()
                .where(*(RETURNS.c[k] == v for k, v in series.items()), RETURNS.c.blob_sha256 == sha)
                .order_by(RETURNS.c.version.desc()).limit(1)
            ).first()
            if kept is not None:
                return self._stored(conn, [kept])[0]
        # 3. The blob (once per content), the series' counter, the return row. Received now,
        #    under the lock: a later version of the series is never received earlier.
        received_at = to_utc(sub.received_at or dt.datetime.now(dt.UTC))
        conn.execute(self._insert_ignore(BLOBS).values(sha256=sha, data=data, size=len(data)))
        conn.execute(update(SERIES).where(in_series).values(last_version=last + 1))
        row = dict(series, department_name=sub.department_name, template_version=str(sub.template_version),
                   version=last + 1, filename=sub.filename, record=record, findings=findings,
                   error_count=sub.error_count, warning_count=sub.warning_count, status=str(sub.status),
                   fill_date=sub.fill_date)
        new_id = conn.execute(insert(RETURNS).values(
            **row, blob_sha256=sha, received_at=for_db(received_at, self._dialect)
        ).returning(RETURNS.c.id)).scalar_one()
        return StoredReturn(id=new_id, **row, sha256=sha, size=len(data),
                            received_at=received_at.astimezone(self.tz), created=True)

    # -- reading

    def _read(self, stmt: Any) -> list[Any]:
        with self._engine.connect() as conn:
            return list(conn.execute(stmt))

    def _returns(self, stmt: Any) -> list[StoredReturn]:
        with self._engine.connect() as conn:
            return self._stored(conn, list(conn.execute(stmt)))

    def _stored(self, conn: Connection, rows: Sequence[Any]) -> list[StoredReturn]:
        """Rows of ``returns`` as values, in the archive's time zone, with their checked warnings."""
        checks: dict[int, dict[tuple[str, str, str], dict[str, str]]] = {}
        ids = [row.id for row in rows]
        for start in range(0, len(ids), 500):  # bounded IN lists
            for c in conn.execute(select(CHECKS).where(CHECKS.c.return_id.in_(ids[start:start + 500]))):
                checks.setdefault(c.return_id, {})[(c.code, c.sheet, c.cell)] = {
                    "by": c.checked_by, "at": self.local_text(c.checked_at), "note": c.note}
        return [stored_return(row, self.tz, checks.get(row.id, {})) for row in rows]

    def local_text(self, when: dt.datetime) -> str:
        """A time as the bureau reads it: its time zone, to the second, with the offset.

        >>> with Archive("sqlite://", tz="Asia/Shanghai") as a:
        ...     a.local_text(dt.datetime(2024, 3, 1, 0, 0, 0, 123456, tzinfo=dt.UTC))
        '2024-03-01 08:00:00+08:00'
        """
        return to_utc(when).astimezone(self.tz).isoformat(sep=" ", timespec="seconds")

    def latest(self, year: int, template_id: str | None = None) -> list[StoredReturn]:
        """The latest version of every (department, template) series of ``year``.

        The latest is the version with the newest 填报日期 (``fill_date``; a version
        without one comes before those with one), then the newest received time, then the
        highest version number. Voided versions and files that could not be read (格式错误)
        never count. Ordered by department_code, template_id; ``template_id`` narrows to
        one template.

        >>> with Archive("sqlite://") as a:
        ...     _ = a.store(Submission(b"1", "a.xlsx", "101", "财政局", 2024, "p", "1",
        ...                            fill_date=dt.date(2024, 3, 2)))
        ...     _ = a.store(Submission(b"2", "b.xlsx", "101", "财政局", 2024, "p", "1",
        ...                            fill_date=dt.date(2024, 3, 1)))   # an older draft
        ...     [(r.department_code, r.version, r.filename) for r in a.latest(2024)]
        [('101', 1, 'a.xlsx')]
        """
        return self._latest(year, template_id, unreadable=False)

    def _latest(self, year: int, template_id: str | None, *, unreadable: bool) -> list[StoredReturn]:
        # Readable returns: the latest of each (department, template) series. Unreadable
        # ones (their template may be unknown): the newest of each department.
        part = (RETURNS.c.department_code,) if unreadable else (RETURNS.c.department_code, RETURNS.c.template_id)
        rank = func.row_number().over(partition_by=part, order_by=NEWEST_FIRST).label("rank")
        kind = RETURNS.c.status == Status.UNREADABLE
        where = [RETURNS.c.year == year, RETURNS.c.voided_at.is_(None), kind if unreadable else ~kind]
        if template_id is not None:
            where.append(RETURNS.c.template_id.in_([template_id, ""]) if unreadable
                         else RETURNS.c.template_id == template_id)
        ranked = select(RETURNS.c.id, rank).where(*where).subquery()
        stmt = (
            select_returns()
            .join(ranked, ranked.c.id == RETURNS.c.id)
            .where(ranked.c.rank == 1)
            .order_by(RETURNS.c.department_code, RETURNS.c.template_id)
        )
        return self._returns(stmt)

    def versions(
        self, department_code: str, year: int, template_id: str | None = None
    ) -> list[StoredReturn]:
        """Every version a department sent for ``year`` (voided and unreadable ones too),
        by template_id then version."""
        stmt = (
            select_returns()
            .where(RETURNS.c.department_code == department_code, RETURNS.c.year == year)
            .order_by(RETURNS.c.template_id, RETURNS.c.version)
        )
        if template_id is not None:
            stmt = stmt.where(RETURNS.c.template_id == template_id)
        return self._returns(stmt)

    def blob(self, sha256: str) -> bytes:
        """The original bytes of a stored file; ``KeyError`` when there is none."""
        rows = self._read(select(BLOBS.c.data).where(BLOBS.c.sha256 == sha256.lower()))
        if not rows:
            raise KeyError(sha256)
        return bytes(rows[0].data)

    def get(self, return_id: int) -> StoredReturn:
        """One stored return by its id; ``LookupError`` when there is none."""
        rows = self._returns(select_returns().where(RETURNS.c.id == return_id))
        if not rows:
            raise LookupError(f"no return with id {return_id}")
        return rows[0]

    # -- reports

    def status(
        self,
        year: int,
        departments: Sequence[tuple[str, str]] | None = None,
        template_id: str | None = None,
    ) -> list[StatusRow]:
        """The 收表 status of each department for ``year``: 未交 / 格式错误 / 待修改 / 已通过.

        ``departments`` is the roster as (code, name) pairs, reported in that order
        (names from the roster win); departments that sent returns but are not on the
        roster follow, sorted by code, so nothing received is hidden. Without a roster
        only departments that sent something are listed. A file that could not be read
        makes the department 格式错误 while it is the newest thing the department sent
        (:func:`jixiao.archive.reports.status_board`).

        >>> with Archive("sqlite://") as a:
        ...     _ = a.store(Submission(b"1", "a.xlsx", "101", "财政局", 2024, "p", "1",
        ...                            findings=[{"code": "E1", "severity": "error"}]))
        ...     _ = a.store(Submission(b"2", "b.xls", "102", "教育局", 2024, "", "",
        ...                            findings=[{"code": "R006", "severity": "error"}], unreadable=True))
        ...     [(r.department_code, r.status, r.error_count) for r in
        ...      a.status(2024, [("100", "办公室"), ("101", "财政局"), ("102", "教育局")])]
        [('100', '未交', 0), ('101', '待修改', 1), ('102', '格式错误', 1)]
        """
        return status_board(self.latest(year, template_id), self._latest(year, template_id, unreadable=True),
                            departments)

    def export_rows(self, year: int, *, all_versions: bool = False) -> list[dict[str, Any]]:
        """Flat rows (str/int/None values) of the latest returns of ``year``, for CSV/JSON.

        Fixed columns first, then the record flattened with dotted keys under
        ``record.`` (lists as JSON text). Rows of different templates can have different
        record keys: a CSV writer should use the union of keys. ``all_versions`` exports
        every version instead of the latest, with the void columns. Times are in the
        bureau's time zone to the second (:meth:`local_text`); ``warning_count`` and
        ``finding_codes`` leave out the warnings the bureau has checked
        (:func:`jixiao.archive.reports.export_row`).

        >>> with Archive("sqlite://", tz="Asia/Shanghai") as a:
        ...     _ = a.store(Submission(b"1", "a.xlsx", "101", "财政局", 2024, "p", "1",
        ...                            record={"预算": {"年初": 10}}, received_at=
        ...                            dt.datetime(2024, 3, 1, 0, 0, 0, 5, tzinfo=dt.UTC)))
        ...     row = a.export_rows(2024)[0]
        >>> row["department_code"], row["status"], row["received_at"], row["record.预算.年初"]
        ('101', '已通过', '2024-03-01 08:00:00+08:00', 10)
        """
        if all_versions:
            returns = self._returns(select_returns().where(RETURNS.c.year == year).order_by(
                RETURNS.c.department_code, RETURNS.c.template_id, RETURNS.c.version))
        else:
            returns = self.latest(year)
        return [export_row(r, self.local_text, voids=all_versions) for r in returns]
