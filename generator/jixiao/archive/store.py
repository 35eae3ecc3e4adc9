"""The archive of returns: every filled form a department sends back, kept forever.

One :class:`Archive` wraps one database: SQLite by default (a ``jixiao.sqlite`` file in
the current folder, zero setup) or PostgreSQL by URL. Opening an archive brings its
schema to the newest Alembic revision shipped with this package.

Tables (see ``migrations/versions`` for the DDL):

``blobs``
    The original .xlsx bytes, content-addressed by SHA-256: the same file stored twice is
    one row.
``returns``
    One row per received return. A resubmission is a *new* row with the next version
    number of its series (department_code, year, template_id); nothing is overwritten.
``return_series``
    One row per series holding its last version number. Storing a return locks this row
    (``SELECT ... FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite), so two
    collectors running at once still number the versions 1, 2, 3 ... without gaps or
    duplicates.

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

import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..codes import SEVERITIES, Status

__all__ = [
    "DEFAULT_TZ",
    "DEFAULT_URL",
    "SEVERITIES",
    "Archive",
    "ArchiveSchemaError",
    "Base",
    "BlobRow",
    "ReturnRow",
    "ReturnSeriesRow",
    "Status",
    "StatusRow",
    "StoredReturn",
    "Submission",
    "alembic_config",
    "archive_url",
    "finding_key",
    "head_revision",
    "sqlite_file",
]

#: Used when :class:`Archive` is given no URL: a file in the current folder.
DEFAULT_URL = "sqlite:///jixiao.sqlite"
#: The bureau's time zone when neither ``Archive(tz=...)`` nor ``$JIXIAO_TZ`` names one.
DEFAULT_TZ = "Asia/Shanghai"

#: How long an SQLite writer waits for another writer's transaction before giving up.
SQLITE_BUSY_TIMEOUT_S = 60.0

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Key of the PostgreSQL advisory lock that serialises concurrent schema upgrades.
_MIGRATION_LOCK_KEY = int.from_bytes(b"jixiao", "big")
# Execution option telling the SQLite "begin" hook to take the write lock up front.
_WRITE_OPTION = "jixiao_write"
_MAX_ATTEMPTS = 6

T = TypeVar("T")


class ArchiveSchemaError(RuntimeError):
    """The database was migrated by a newer jixiao than this one."""


# --------------------------------------------------------------------------- schema


class Base(DeclarativeBase):
    """Declarative base of the archive tables (``Base.metadata`` is Alembic's target)."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
_JSON = JSON().with_variant(pg_dialect.JSONB(), "postgresql")


class BlobRow(Base):
    """A received file's bytes, stored once per distinct content."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)


class ReturnSeriesRow(Base):
    """The version counter of one (department, year, template) series; the lock row."""

    __tablename__ = "return_series"

    department_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_version: Mapped[int] = mapped_column(Integer)


class ReturnRow(Base):
    """One received return (one version of a series)."""

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("department_code", "year", "template_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(f"status IN ('{Status.NEEDS_FIX}', '{Status.PASSED}', '{Status.UNREADABLE}')",
                        name="status_known"),
        Index(None, "year", "department_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_code: Mapped[str] = mapped_column(String(64))
    department_name: Mapped[str] = mapped_column(String(255))
    year: Mapped[int] = mapped_column(Integer)
    template_id: Mapped[str] = mapped_column(String(128))
    template_version: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    blob_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(1024))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    record: Mapped[dict[str, Any]] = mapped_column(_JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(_JSON)
    error_count: Mapped[int] = mapped_column(Integer)
    warning_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    fill_date: Mapped[dt.date | None] = mapped_column(Date)
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(String(255))
    void_reason: Mapped[str | None] = mapped_column(String(1024))
    sent_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_back_by: Mapped[str | None] = mapped_column(String(255))
    send_back_reason: Mapped[str | None] = mapped_column(String(1024))


class FindingCheckRow(Base):
    """A warning of one return the bureau has checked (已核实): who, when, and why."""

    __tablename__ = "finding_checks"
    __table_args__ = (UniqueConstraint("return_id", "code", "sheet", "cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    return_id: Mapped[int] = mapped_column(Integer, ForeignKey("returns.id"))
    code: Mapped[str] = mapped_column(String(128))
    sheet: Mapped[str] = mapped_column(String(255))
    cell: Mapped[str] = mapped_column(String(64))
    checked_by: Mapped[str] = mapped_column(String(255))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(1024))


_BLOBS: Table = BlobRow.__table__  # type: ignore[assignment]
_SERIES: Table = ReturnSeriesRow.__table__  # type: ignore[assignment]
_RETURNS: Table = ReturnRow.__table__  # type: ignore[assignment]
_CHECKS: Table = FindingCheckRow.__table__  # type: ignore[assignment]


# --------------------------------------------------------------------------- values


@dataclasses.dataclass(frozen=True)
class Submission:
    """A return to store: the file as received plus what verification found in it.

    ``findings`` are dicts (e.g. ``Finding.to_dict()``) with at least ``code`` and
    ``severity`` (``"error"``, ``"warning"`` or ``"note"``; notes are kept but not
    counted); any other keys (messages, cell, values ...) are kept as they are.
    ``received_at`` defaults to now; a naive datetime is taken as UTC. ``fill_date`` is
    the form's 填报日期: the versions of a series are ordered by it, then by received time.
    ``unreadable`` keeps a file that could not be read as a form (status 格式错误); its
    ``template_id`` may then be empty (unknown).
    ``record`` and ``findings`` must be JSON-serialisable; ``Decimal`` is stored as a
    string and dates/times in ISO 8601, so they read back as strings.

    >>> s = Submission(b"xlsx", "a.xlsx", "101", "财政局", 2024, "project", "1",
    ...                findings=[{"code": "E1", "severity": "error"}])
    >>> s.sha256[:12], s.error_count, s.warning_count
    ('1c980b22bca3', 1, 0)
    """

    file_bytes: bytes
    filename: str
    department_code: str
    department_name: str
    year: int
    template_id: str
    template_version: str
    record: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    findings: Sequence[Mapping[str, Any]] = dataclasses.field(default_factory=list)
    received_at: dt.datetime | None = None
    fill_date: dt.date | None = None
    unreadable: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.file_bytes, bytes | bytearray | memoryview):
            raise TypeError("Submission.file_bytes must be bytes")
        for name in ("filename", "department_code") + (() if self.unreadable else ("template_id",)):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"Submission.{name} must not be empty")
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise TypeError("Submission.year must be an int")
        for i, finding in enumerate(self.findings):
            if "code" not in finding:
                raise ValueError(f"finding #{i} has no 'code': {finding!r}")
            if finding.get("severity") not in SEVERITIES:
                raise ValueError(f"finding #{i} severity must be one of {SEVERITIES}: {finding!r}")

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of ``file_bytes`` (the blob key)."""
        return hashlib.sha256(self.file_bytes).hexdigest()

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f["severity"] == "error")

    @property
    def warning_count(self) -> int:
        return sum(1 for f in self.findings if f["severity"] == "warning")

    @property
    def status(self) -> Status:
        if self.unreadable:
            return Status.UNREADABLE
        return Status.NEEDS_FIX if self.error_count else Status.PASSED


@dataclasses.dataclass(frozen=True)
class StoredReturn:
    """A return as kept in the archive (one version of a department's series).

    ``created`` is True only on the value :meth:`Archive.store` returns when it inserted
    the row; it is False when ``store`` found the identical file already kept in the
    series, and on every value read back by a query.

    Times are in the archive's time zone (:attr:`Archive.tz`). ``warning_count`` counts
    the *open* warnings: a warning the bureau has checked carries ``"checked": {"by",
    "at", "note"}`` in ``findings`` and is not counted. A voided version has ``voided_at``,
    ``voided_by`` and ``void_reason`` and never counts as the latest. A version the bureau
    sent back has ``sent_back_at``, ``sent_back_by``, ``send_back_reason`` and status 待修改.
    """

    id: int
    department_code: str
    department_name: str
    year: int
    template_id: str
    template_version: str
    version: int
    sha256: str
    size: int
    filename: str
    received_at: dt.datetime
    record: dict[str, Any]
    findings: list[dict[str, Any]]
    error_count: int
    warning_count: int
    status: str
    created: bool = False
    fill_date: dt.date | None = None
    voided_at: dt.datetime | None = None
    voided_by: str | None = None
    void_reason: str | None = None
    sent_back_at: dt.datetime | None = None
    sent_back_by: str | None = None
    send_back_reason: str | None = None

    @property
    def open_findings(self) -> list[dict[str, Any]]:
        """Errors and warnings still to be dealt with (notes and checked warnings left out)."""
        return [f for f in self.findings if f.get("severity") in ("error", "warning") and "checked" not in f]


@dataclasses.dataclass(frozen=True)
class StatusRow:
    """One line of the 收表 status table for a year.

    ``status`` is 未交 when no return came, 格式错误 when the newest file it sent could not
    be read, 待修改 when a latest return (of any template the department sent) has errors,
    else 已通过. ``version`` is the highest latest version over the department's templates;
    counts sum over those latest returns (warnings: the open ones).
    """

    department_code: str
    department_name: str
    status: str
    templates: tuple[str, ...] = ()
    version: int | None = None
    error_count: int = 0
    warning_count: int = 0
    received_at: dt.datetime | None = None


# --------------------------------------------------------------------------- engine


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable: {value!r}")


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def archive_url(text: str) -> str:
    """A database URL from what a person typed: a URL as it is, a plain path as SQLite.

    >>> archive_url("绩效档案.sqlite").startswith("sqlite:///") and archive_url("绩效档案.sqlite").endswith(
    ...     "绩效档案.sqlite")
    True
    >>> archive_url("postgresql://u@host/db")
    'postgresql://u@host/db'
    """
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL names (None for PostgreSQL or an in-memory database)."""
    u = make_url(archive_url(url))
    return Path(u.database) if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") else None


def _normalise_url(url: str) -> Any:
    u = make_url(archive_url(url))
    if u.drivername in ("postgresql", "postgres"):
        # SQLAlchemy's default PostgreSQL driver is psycopg2; jixiao ships psycopg 3.
        u = u.set(drivername="postgresql+psycopg")
    if u.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported archive database {u.get_backend_name()!r}")
    return u


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module; _sqlite_on_begin emits BEGIN.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        _set_wal(cur)
        cur.execute("PRAGMA foreign_keys = ON")
    finally:
        cur.close()


def _set_wal(cur: Any) -> None:
    """WAL mode (readers never block the writer), which the database file keeps once set.

    Switching needs an exclusive lock and SQLite answers "database is locked" at once, not
    after busy_timeout, when another connection holds a lock: two collects opening a new
    archive together hit that. So the mode is read first (WAL already: nothing to do) and
    the switch is retried until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer takes the database write lock at BEGIN, waiting (busy_timeout) for any
    # other writer; so its reads inside the transaction are already serialised.
    write = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _make_engine(url: str) -> Engine:
    u = _normalise_url(url)
    if u.get_backend_name() == "sqlite":
        engine = create_engine(
            u, json_serializer=_json_dumps, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(u, json_serializer=_json_dumps, pool_pre_ping=True)


def _is_transient(exc: DBAPIError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in ("40001", "40P01"):  # serialization / deadlock
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database is busy" in text


# --------------------------------------------------------------------------- migrations


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Any:
    """An Alembic ``Config`` for the archive migrations shipped in this package.

    No alembic.ini is needed. Give ``connection`` to migrate on it (what
    :class:`Archive` does) or ``url`` for Alembic commands, e.g. a new revision::

        from alembic import command
        from jixiao.archive import alembic_config
        command.revision(alembic_config("sqlite:///dev.sqlite"), "add x", autogenerate=True)
    """
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        cfg.set_main_option(
            "sqlalchemy.url",
            _normalise_url(url).render_as_string(hide_password=False).replace("%", "%%"),
        )
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this jixiao knows.

    >>> head_revision()
    '0002'
    """
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_heads(conn: Connection) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    return tuple(MigrationContext.configure(conn).get_current_heads())


# --------------------------------------------------------------------------- archive


class Archive:
    """The archive of returns in one database.

    ``url`` is a SQLAlchemy URL or a plain file path (an SQLite file, see
    :func:`archive_url`); ``None`` means :data:`DEFAULT_URL` (``jixiao.sqlite`` in the
    current folder). ``postgresql://user:pw@host/db`` uses psycopg 3. ``tz`` is the
    bureau's time zone for the times read back (default ``$JIXIAO_TZ``, else
    :data:`DEFAULT_TZ`); times are stored in UTC. Opening runs the
    Alembic migrations to head (:attr:`applied_migrations` lists what ran; empty when the
    schema was already current).

    Use as a context manager or call :meth:`close`.

    >>> with Archive("sqlite://") as a:   # in-memory, for experiments
    ...     a.applied_migrations, a.schema_revision() == head_revision(), a.latest(2024)
    (['0001', '0002'], True, [])
    """

    def __init__(self, url: str | None = None, *, tz: str | None = None) -> None:
        self.url = archive_url(url or DEFAULT_URL)
        self.tz = ZoneInfo(tz or os.environ.get("JIXIAO_TZ") or DEFAULT_TZ)
        self._engine = _make_engine(self.url)
        self._dialect = self._engine.dialect.name
        try:
            self.applied_migrations: list[str] = self._migrate()
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

    # -- migrations

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None before any migration)."""
        with self._engine.connect() as conn:
            heads = _current_heads(conn)
        return heads[0] if heads else None

    def _migrate(self) -> list[str]:
        from alembic import command
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config())
        heads = set(script.get_heads())
        with self._engine.connect() as conn:
            current = _current_heads(conn)
        self._check_known(script, current)
        if set(current) == heads:
            return []  # already at head: reopening takes no lock and runs no DDL

        with self._write_connection() as conn, conn.begin():
            if self._dialect == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
            before = _current_heads(conn)  # again, now that no one else is migrating
            self._check_known(script, before)
            command.upgrade(alembic_config(connection=conn), "heads")
            after = _current_heads(conn)
        lower = before[0] if before else "base"
        return [r.revision for r in reversed(list(script.iterate_revisions(after, lower)))]

    def _check_known(self, script: Any, current: Iterable[str]) -> None:
        known = {rev.revision for rev in script.walk_revisions()}
        unknown = [rev for rev in current if rev not in known]
        if unknown:
            raise ArchiveSchemaError(
                f"the archive {self!r} is at schema revision {', '.join(unknown)}, which this "
                "jixiao does not know: it was written by a newer jixiao; upgrade jixiao"
            )

    # -- transactions

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(**{_WRITE_OPTION: True})
            yield conn

    def _in_write_transaction(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction, retrying on deadlock / busy database."""
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                with self._write_connection() as conn, conn.begin():
                    return work(conn)
            except DBAPIError as exc:
                if attempt == _MAX_ATTEMPTS or not _is_transient(exc):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        raise AssertionError("unreachable")

    def _insert_ignore(self, table: Table) -> Any:
        ins = pg_dialect.insert if self._dialect == "postgresql" else sqlite_dialect.insert
        return ins(table).on_conflict_do_nothing()

    # -- writing

    def store(self, submission: Submission, *, skip_duplicates: bool = True) -> StoredReturn:
        """Keep one return, in one transaction, as the next version of its series.

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
        received_at = _to_utc(submission.received_at or dt.datetime.now(dt.UTC))
        # Serialise first: a record that is not JSON fails before the database is touched,
        # and the values handed back are exactly what later reads return.
        record = json.loads(_json_dumps(dict(submission.record)))
        findings = json.loads(_json_dumps([dict(f) for f in submission.findings]))
        return self._in_write_transaction(
            lambda conn: self._store_in(
                conn, submission, received_at, record, findings, skip_duplicates
            )
        )

    def store_many(
        self, submissions: Iterable[Submission], *, skip_duplicates: bool = True
    ) -> list[StoredReturn]:
        """:meth:`store` each submission, each in its own transaction.

        Stops at the first failure (the exception propagates); what was stored before it
        stays stored.
        """
        return [self.store(s, skip_duplicates=skip_duplicates) for s in submissions]

    def _store_in(
        self,
        conn: Connection,
        sub: Submission,
        received_at: dt.datetime,
        record: dict[str, Any],
        findings: list[dict[str, Any]],
        skip_duplicates: bool,
    ) -> StoredReturn:
        key = {
            "department_code": sub.department_code,
            "year": sub.year,
            "template_id": sub.template_id,
        }
        in_series = and_(*(_SERIES.c[k] == v for k, v in key.items()))
        # 1. Lock the series row (create it at version 0 first if new). A concurrent store
        #    into the same series waits here until this transaction ends.
        conn.execute(self._insert_ignore(_SERIES).values(**key, last_version=0))
        last = conn.execute(
            select(_SERIES.c.last_version).where(in_series).with_for_update()
        ).scalar_one()

        sha = sub.sha256
        data = bytes(sub.file_bytes)
        # 2. This very file is already a version of the series: nothing new to keep.
        if skip_duplicates and last:
            row = conn.execute(
                _select_returns()
                .where(*(_RETURNS.c[k] == v for k, v in key.items()), _RETURNS.c.blob_sha256 == sha)
                .order_by(_RETURNS.c.version.desc())
                .limit(1)
            ).first()
            if row is not None:
                return self._stored(conn, [row])[0]

        # 3. Blob (once per content), version counter, return row.
        version = last + 1
        conn.execute(self._insert_ignore(_BLOBS).values(sha256=sha, data=data, size=len(data)))
        conn.execute(update(_SERIES).where(in_series).values(last_version=version))
        errors, warnings, status = sub.error_count, sub.warning_count, sub.status
        new_id = conn.execute(
            insert(_RETURNS)
            .values(
                **key,
                department_name=sub.department_name,
                template_version=str(sub.template_version),
                version=version,
                blob_sha256=sha,
                filename=sub.filename,
                received_at=_for_db(received_at, self._dialect),
                record=record,
                findings=findings,
                error_count=errors,
                warning_count=warnings,
                status=str(status),
                fill_date=sub.fill_date,
            )
            .returning(_RETURNS.c.id)
        ).scalar_one()
        return StoredReturn(
            id=new_id,
            **key,
            department_name=sub.department_name,
            template_version=str(sub.template_version),
            version=version,
            sha256=sha,
            size=len(data),
            filename=sub.filename,
            received_at=received_at.astimezone(self.tz),
            record=record,
            findings=findings,
            error_count=errors,
            warning_count=warnings,
            status=str(status),
            created=True,
            fill_date=sub.fill_date,
        )

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
            for c in conn.execute(select(_CHECKS).where(_CHECKS.c.return_id.in_(ids[start:start + 500]))):
                checks.setdefault(c.return_id, {})[(c.code, c.sheet, c.cell)] = {
                    "by": c.checked_by, "at": self.local_text(c.checked_at), "note": c.note}
        return [_to_stored(row, self.tz, checks.get(row.id, {})) for row in rows]

    def local_text(self, when: dt.datetime) -> str:
        """A time as the bureau reads it: its time zone, to the second, with the offset.

        >>> with Archive("sqlite://", tz="Asia/Shanghai") as a:
        ...     a.local_text(dt.datetime(2024, 3, 1, 0, 0, 0, 123456, tzinfo=dt.UTC))
        '2024-03-01 08:00:00+08:00'
        """
        return _to_utc(when).astimezone(self.tz).isoformat(sep=" ", timespec="seconds")

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
        part = (_RETURNS.c.department_code,) if unreadable else (_RETURNS.c.department_code, _RETURNS.c.template_id)
        rank = func.row_number().over(partition_by=part, order_by=_NEWEST_FIRST).label("rank")
        kind = _RETURNS.c.status == Status.UNREADABLE
        where = [_RETURNS.c.year == year, _RETURNS.c.voided_at.is_(None), kind if unreadable else ~kind]
        if template_id is not None:
            where.append(_RETURNS.c.template_id.in_([template_id, ""]) if unreadable
                         else _RETURNS.c.template_id == template_id)
        ranked = select(_RETURNS.c.id, rank).where(*where).subquery()
        stmt = (
            _select_returns()
            .join(ranked, ranked.c.id == _RETURNS.c.id)
            .where(ranked.c.rank == 1)
            .order_by(_RETURNS.c.department_code, _RETURNS.c.template_id)
        )
        return self._returns(stmt)

    def versions(
        self, department_code: str, year: int, template_id: str | None = None
    ) -> list[StoredReturn]:
        """Every version a department sent for ``year`` (voided and unreadable ones too),
        by template_id then version."""
        stmt = (
            _select_returns()
            .where(_RETURNS.c.department_code == department_code, _RETURNS.c.year == year)
            .order_by(_RETURNS.c.template_id, _RETURNS.c.version)
        )
        if template_id is not None:
            stmt = stmt.where(_RETURNS.c.template_id == template_id)
        return self._returns(stmt)

    def blob(self, sha256: str) -> bytes:
        """The original bytes of a stored file; ``KeyError`` when there is none."""
        rows = self._read(select(_BLOBS.c.data).where(_BLOBS.c.sha256 == sha256.lower()))
        if not rows:
            raise KeyError(sha256)
        return bytes(rows[0].data)

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
        makes the department 格式错误 while it is the newest thing the department sent.

        >>> with Archive("sqlite://") as a:
        ...     _ = a.store(Submission(b"1", "a.xlsx", "101", "财政局", 2024, "p", "1",
        ...                            findings=[{"code": "E1", "severity": "error"}]))
        ...     _ = a.store(Submission(b"2", "b.xls", "102", "教育局", 2024, "", "",
        ...                            findings=[{"code": "R006", "severity": "error"}], unreadable=True))
        ...     [(r.department_code, r.status, r.error_count) for r in
        ...      a.status(2024, [("100", "办公室"), ("101", "财政局"), ("102", "教育局")])]
        [('100', '未交', 0), ('101', '待修改', 1), ('102', '格式错误', 1)]
        """
        by_dept: dict[str, list[StoredReturn]] = {}
        for r in self.latest(year, template_id):
            by_dept.setdefault(r.department_code, []).append(r)
        unreadable = {r.department_code: r for r in self._latest(year, template_id, unreadable=True)}

        def row(code: str, name: str | None) -> StatusRow:
            got = by_dept.get(code, [])
            bad = unreadable.get(code)
            if bad is not None and all(r.received_at < bad.received_at for r in got):
                return StatusRow(code, name or bad.department_name, str(Status.UNREADABLE),
                                 tuple(r.template_id for r in got), bad.version, bad.error_count, 0,
                                 bad.received_at)
            if not got:
                return StatusRow(code, name or "", str(Status.MISSING))
            newest = max(got, key=lambda r: r.received_at)
            errors = sum(r.error_count for r in got)
            return StatusRow(
                department_code=code,
                department_name=name or newest.department_name,
                # 待修改: errors, or sent back by the bureau (the stored status says both)
                status=str(Status.NEEDS_FIX if any(r.status == Status.NEEDS_FIX for r in got) else Status.PASSED),
                templates=tuple(r.template_id for r in got),
                version=max(r.version for r in got),
                error_count=errors,
                warning_count=sum(r.warning_count for r in got),
                received_at=newest.received_at,
            )

        roster = list(departments or [])
        listed = {code for code, _ in roster}
        rows = [row(code, name) for code, name in roster]
        rows += [row(code, None) for code in sorted(set(by_dept) | set(unreadable)) if code not in listed]
        return rows

    def get(self, return_id: int) -> StoredReturn:
        """One stored return by its id; ``LookupError`` when there is none."""
        rows = self._returns(_select_returns().where(_RETURNS.c.id == return_id))
        if not rows:
            raise LookupError(f"no return with id {return_id}")
        return rows[0]

    def export_rows(self, year: int, *, all_versions: bool = False) -> list[dict[str, Any]]:
        """Flat rows (str/int/None values) of the latest returns of ``year``, for CSV/JSON.

        Fixed columns first, then the record flattened with dotted keys under
        ``record.`` (lists as JSON text). Rows of different templates can have different
        record keys: a CSV writer should use the union of keys. ``all_versions`` exports
        every version instead of the latest, with the void columns. Times are in the
        bureau's time zone to the second (:meth:`local_text`); ``warning_count`` and
        ``finding_codes`` leave out the warnings the bureau has checked.

        >>> with Archive("sqlite://", tz="Asia/Shanghai") as a:
        ...     _ = a.store(Submission(b"1", "a.xlsx", "101", "财政局", 2024, "p", "1",
        ...                            record={"预算": {"年初": 10}}, received_at=
        ...                            dt.datetime(2024, 3, 1, 0, 0, 0, 5, tzinfo=dt.UTC)))
        ...     row = a.export_rows(2024)[0]
        >>> row["department_code"], row["status"], row["received_at"], row["record.预算.年初"]
        ('101', '已通过', '2024-03-01 08:00:00+08:00', 10)
        """
        if all_versions:
            stmt = (
                _select_returns()
                .where(_RETURNS.c.year == year)
                .order_by(_RETURNS.c.department_code, _RETURNS.c.template_id, _RETURNS.c.version)
            )
            returns = self._returns(stmt)
        else:
            returns = self.latest(year)
        out = []
        for r in returns:
            flat: dict[str, Any] = {
                "department_code": r.department_code,
                "department_name": r.department_name,
                "year": r.year,
                "template_id": r.template_id,
                "template_version": r.template_version,
                "version": r.version,
                "status": r.status,
                "error_count": r.error_count,
                "warning_count": r.warning_count,
                "finding_codes": ";".join(str(f["code"]) for f in r.findings if "checked" not in f),
                "fill_date": r.fill_date.isoformat() if r.fill_date else None,
                "received_at": self.local_text(r.received_at),
                "filename": r.filename,
                "sha256": r.sha256,
                "size": r.size,
            }
            if all_versions:
                flat["voided_at"] = self.local_text(r.voided_at) if r.voided_at else None
                flat["voided_by"] = r.voided_by
                flat["void_reason"] = r.void_reason
            flat.update(_flatten(r.record, "record"))
            out.append(flat)
        return out


# --------------------------------------------------------------------------- helpers


# The newest version first: by 填报日期 (none before any), received time, version number.
_NEWEST_FIRST = (
    _RETURNS.c.fill_date.desc().nulls_last(),
    _RETURNS.c.received_at.desc(),
    _RETURNS.c.version.desc(),
)


def _select_returns() -> Any:
    return select(_RETURNS, _BLOBS.c.size).join(_BLOBS, _BLOBS.c.sha256 == _RETURNS.c.blob_sha256)


def _to_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _for_db(value: dt.datetime, dialect: str) -> dt.datetime:
    # SQLite's DATETIME drops the offset, so hand it naive UTC; PostgreSQL keeps timestamptz.
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def _to_stored(row: Any, tz: ZoneInfo, checks: Mapping[tuple[str, str, str], dict[str, str]]) -> StoredReturn:
    findings = row.findings
    if checks:
        findings = [_with_check(f, checks) for f in findings]
    voided_at = row.voided_at
    return StoredReturn(
        id=row.id,
        department_code=row.department_code,
        department_name=row.department_name,
        year=row.year,
        template_id=row.template_id,
        template_version=row.template_version,
        version=row.version,
        sha256=row.blob_sha256,
        size=row.size,
        filename=row.filename,
        received_at=_to_utc(row.received_at).astimezone(tz),
        record=row.record,
        findings=findings,
        error_count=row.error_count,
        warning_count=sum(1 for f in findings if f.get("severity") == "warning" and "checked" not in f),
        status=row.status,
        fill_date=row.fill_date,
        voided_at=None if voided_at is None else _to_utc(voided_at).astimezone(tz),
        voided_by=row.voided_by,
        void_reason=row.void_reason,
        sent_back_at=None if row.sent_back_at is None else _to_utc(row.sent_back_at).astimezone(tz),
        sent_back_by=row.sent_back_by,
        send_back_reason=row.send_back_reason,
    )


def finding_key(finding: Mapping[str, Any]) -> tuple[str, str, str]:
    """What identifies a finding within its return: (code, sheet, cell)."""
    return str(finding.get("code")), str(finding.get("sheet") or ""), str(finding.get("cell") or "")


def _with_check(finding: dict[str, Any], checks: Mapping[tuple[str, str, str], dict[str, str]]) -> dict[str, Any]:
    """The finding with its 已核实 mark, when it is a warning the bureau has checked."""
    check = checks.get(finding_key(finding))
    if check is None or finding.get("severity") != "warning":
        return finding
    return {**finding, "checked": dict(check)}


def _flatten(value: Any, prefix: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}"))
        return out
    if isinstance(value, list):
        return {prefix: _json_dumps(value)}
    return {prefix: value}
