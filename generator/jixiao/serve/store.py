"""The portal's own tables, beside the archive's on the same database.

The returns themselves stay in the archive (``blobs`` / ``returns``), stored exactly as
``jixiao collect`` stores them; these tables only hold what the web portal adds: the
bureau's account and sessions, reporting tasks with their roster and built forms, the
departments' links (token hashes only), uploads refused as unreadable, and the audit log.
The bureau's review actions (send back, void, 已核实) are the archive's own
(:mod:`jixiao.archive.housekeeping`), kept on its returns.

The tables are created when missing (``create_all``), on SQLite and PostgreSQL alike; they
carry a ``portal_`` prefix so they never collide with the archive's Alembic-managed ones.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

from ..archive.database import write_connection

T = TypeVar("T")


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite keeps no offset: store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        value = value.astimezone(dt.UTC) if value.tzinfo else value
        return value.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
                                       "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
                                       "ix": "ix_%(table_name)s_%(column_0_N_name)s"})

accounts = Table(
    "portal_accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
setup_tokens = Table(
    "portal_setup_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)
sessions = Table(
    "portal_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("portal_accounts.id"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
tasks = Table(
    "portal_tasks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("year", Integer, nullable=False),
    Column("template_id", String(128), nullable=False),
    Column("deadline", String(10), nullable=False),  # YYYY-MM-DD, Beijing time
    Column("created_at", UTCDateTime, nullable=False),
    Column("roster_filename", String(255)),
    Column("roster", LargeBinary),
    Column("roster_problems", JSON),  # DataProblem.to_dict() of the last roster upload
    Column("build_state", String(16), nullable=False, default=""),  # "", running, done, failed
    Column("build_done", Integer, nullable=False, default=0),
    Column("build_total", Integer, nullable=False, default=0),
    Column("build_message", Text, nullable=False, default=""),
)
roster = Table(
    "portal_roster", metadata,
    Column("task_id", Integer, ForeignKey("portal_tasks.id"), primary_key=True),
    Column("department_code", String(64), primary_key=True),
    Column("department_name", String(255), nullable=False),
    Column("position", Integer, nullable=False),
    Column("buildable", Boolean, nullable=False),
)
forms = Table(
    "portal_forms", metadata,
    Column("task_id", Integer, ForeignKey("portal_tasks.id"), primary_key=True),
    Column("department_code", String(64), primary_key=True),
    Column("filename", String(255), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
links = Table(
    "portal_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("portal_tasks.id"), nullable=False, index=True),
    Column("department_code", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)
rejects = Table(
    "portal_rejects", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("portal_tasks.id"), nullable=False, index=True),
    Column("department_code", String(64), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)
audit = Table(
    "portal_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("task_id", Integer),
    Column("department_code", String(64)),
    Column("detail", JSON, nullable=False),
)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PortalStore:
    """The portal tables on an engine (the archive's): created when missing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Its waiting writers poll the file lock, sleeping
        # up to 100 ms between tries, so a burst of uploads left the lock idle most of the
        # time; queued on a lock of this process instead, the next writer starts at once.
        self._writer = threading.RLock() if engine.dialect.name == "sqlite" else None
        with self.write() as conn:
            metadata.create_all(conn, checkfirst=True)

    @contextmanager
    def serial(self) -> Iterator[None]:
        """Hold this process's turn to write (SQLite; nothing to wait for on PostgreSQL, whose
        writers lock rows). The portal's writes to the archive go inside it."""
        if self._writer is None:
            yield
            return
        with self._writer:
            yield

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction; on SQLite it takes the write lock at BEGIN (as the archive does)."""
        with self.serial(), write_connection(self.engine) as conn, conn.begin():
            yield conn

    def read(self, work: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn:
            return work(conn)

    def log(self, conn: Connection, actor: str, action: str, *, task_id: int | None = None,
            department_code: str | None = None, **detail: Any) -> None:
        """Append one line to the audit log, inside the caller's transaction."""
        conn.execute(audit.insert().values(at=now(), actor=actor, action=action, task_id=task_id,
                                           department_code=department_code, detail=detail))
