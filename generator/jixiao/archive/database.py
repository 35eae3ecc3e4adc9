"""The archive's database: which one a URL names, how its engine is set up, and its schema
revision (Alembic).

SQLite connections get a busy timeout, WAL mode and foreign keys, and a writer takes the
write lock at ``BEGIN IMMEDIATE`` (the execution option :data:`_WRITE_OPTION`), so two
collectors on one file wait for each other instead of failing. PostgreSQL uses psycopg 3
and an advisory lock around schema upgrades.

>>> sqlite_file("postgresql://u@host/db") is None, sqlite_file("sqlite://") is None
(True, True)
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

__all__ = ["MIGRATIONS_DIR", "SQLITE_BUSY_TIMEOUT_S", "ArchiveSchemaError", "alembic_config", "archive_url",
           "current_heads", "for_db", "head_revision", "is_transient", "json_dumps", "make_engine", "migrate",
           "sqlite_file"]

#: How long an SQLite writer waits for another writer's transaction before giving up.
SQLITE_BUSY_TIMEOUT_S = 60.0

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Key of the PostgreSQL advisory lock that serialises concurrent schema upgrades.
_MIGRATION_LOCK_KEY = int.from_bytes(b"jixiao", "big")
# Execution option telling the SQLite "begin" hook to take the write lock up front.
_WRITE_OPTION = "jixiao_write"


class ArchiveSchemaError(RuntimeError):
    """The database was migrated by a newer jixiao than this one."""


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable: {value!r}")


def json_dumps(value: Any) -> str:
    """JSON text as the archive stores a record or findings (Decimal as text, dates in ISO).

    >>> json_dumps({"预算": decimal.Decimal("1.50"), "日期": dt.date(2024, 3, 1)})
    '{"预算": "1.50", "日期": "2024-03-01"}'
    """
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
    """The file an SQLite URL names (None for PostgreSQL or an in-memory database).

    >>> sqlite_file("sqlite:////srv/jixiao.sqlite")
    PosixPath('/srv/jixiao.sqlite')
    """
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


def make_engine(url: str) -> Engine:
    """The engine of an archive URL (or plain path): SQLite set up as the module docstring
    says, PostgreSQL through psycopg 3; ``ValueError`` for any other database.

    >>> make_engine("postgresql://u@host/db").url.drivername
    'postgresql+psycopg'
    """
    u = _normalise_url(url)
    if u.get_backend_name() == "sqlite":
        engine = create_engine(u, json_serializer=json_dumps, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(u, json_serializer=json_dumps, pool_pre_ping=True)


def is_transient(exc: DBAPIError) -> bool:
    """Whether a failed transaction is worth running again: a deadlock, a serialisation
    failure or a busy SQLite file."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in ("40001", "40P01"):  # serialization / deadlock
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database is busy" in text


def for_db(value: dt.datetime, dialect: str) -> dt.datetime:
    """A UTC time as the database column takes it: SQLite's DATETIME drops the offset, so
    it gets naive UTC; PostgreSQL keeps timestamptz.

    >>> for_db(dt.datetime(2024, 3, 1, tzinfo=dt.UTC), "sqlite")
    datetime.datetime(2024, 3, 1, 0, 0)
    """
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


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


def current_heads(conn: Connection) -> tuple[str, ...]:
    """The revisions the database is at (empty before any migration)."""
    from alembic.runtime.migration import MigrationContext

    return tuple(MigrationContext.configure(conn).get_current_heads())


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose transactions write: on SQLite its ``begin()`` takes the write lock
    up front (``BEGIN IMMEDIATE``), so two writers wait for each other instead of one
    failing on a lock upgrade. The archive, its migrations and the portal's own tables
    all write through it."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        yield conn


def migrate(engine: Engine, name: str) -> list[str]:
    """Bring the database to the newest revision; the revisions that ran, oldest first
    (empty when it was already current: then no lock is taken and no DDL runs).

    ``ArchiveSchemaError`` (naming the archive ``name``) when the database is at a revision
    this jixiao does not know. Concurrent openers wait for one another: PostgreSQL's
    advisory lock, SQLite's write lock.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as conn:
        current = current_heads(conn)
    _check_known(script, current, name)
    if set(current) == set(script.get_heads()):
        return []

    with write_connection(engine) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
        before = current_heads(conn)  # again, now that no one else is migrating
        _check_known(script, before, name)
        command.upgrade(alembic_config(connection=conn), "heads")
        after = current_heads(conn)
    lower = before[0] if before else "base"
    return [r.revision for r in reversed(list(script.iterate_revisions(after, lower)))]


def _check_known(script: Any, current: Iterable[str], name: str) -> None:
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise ArchiveSchemaError(
            f"the archive {name} is at schema revision {', '.join(unknown)}, which this "
            "jixiao does not know: it was written by a newer jixiao; upgrade jixiao"
        )
