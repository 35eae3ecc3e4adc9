"""The archive of returns, on SQLite (a temp file) and on a real PostgreSQL server.

Every database test runs once per backend (the ``db_url`` fixture). The PostgreSQL server
is started for the session by tests/pg.py; without one the PostgreSQL half is skipped on a
developer machine and fails in CI (``conftest.require``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import doctest
import hashlib
import multiprocessing
import os
import signal
import sqlite3
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import jixiao.archive
import jixiao.archive.store
from jixiao.archive import (
    Archive,
    ArchiveSchemaError,
    Status,
    Submission,
    alembic_config,
    head_revision,
)
from jixiao.archive.store import Base

YEAR = 2024
SPAWN = multiprocessing.get_context("spawn")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def archive(db_url: str) -> Iterator[Archive]:
    with Archive(db_url) as a:
        yield a


def make_sub(
    dept: str,
    content: bytes | str,
    *,
    errors: int = 0,
    warnings: int = 0,
    name: str | None = None,
    template: str = "project",
    year: int = YEAR,
    **extra,
) -> Submission:
    if isinstance(content, str):
        content = content.encode()
    findings = [{"code": f"E{i}", "severity": "error", "message": "错"} for i in range(errors)]
    findings += [{"code": f"W{i}", "severity": "warning"} for i in range(warnings)]
    findings += [{"code": "N0", "severity": "note", "values": {"x": decimal.Decimal("1.5")}}]
    return Submission(
        file_bytes=content,
        filename=f"{dept}-{template}.xlsx",
        department_code=dept,
        department_name=name or f"部门{dept}",
        year=year,
        template_id=template,
        template_version="1",
        record=extra.pop("record", {"项目名称": f"项目{dept}", "预算": {"年初": 100}}),
        findings=findings,
        **extra,
    )


def scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def assert_consistent(url: str) -> dict[tuple[str, int, str], list[int]]:
    """Check the archive invariants; return the versions of each series."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM returns r LEFT JOIN blobs b "
                    "ON b.sha256 = r.blob_sha256 WHERE b.sha256 IS NULL"
                )
            ).scalar()
            assert orphans == 0, "a return without its blob"
            for sha, data, size in conn.execute(text("SELECT sha256, data, size FROM blobs")):
                assert hashlib.sha256(bytes(data)).hexdigest() == sha
                assert size == len(data)
            series: dict[tuple[str, int, str], list[int]] = defaultdict(list)
            for code, year, template, version in conn.execute(
                text(
                    "SELECT department_code, year, template_id, version FROM returns "
                    "ORDER BY department_code, year, template_id, version"
                )
            ):
                series[(code, year, template)].append(version)
            for key, versions in series.items():
                assert versions == list(range(1, len(versions) + 1)), (key, versions)
            counters = {
                (code, year, template): last
                for code, year, template, last in conn.execute(
                    text(
                        "SELECT department_code, year, template_id, last_version FROM return_series"
                    )
                )
            }
            assert counters == {k: len(v) for k, v in series.items()}
            return dict(series)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- basics


def test_store_dedupes_identical_bytes(archive: Archive, db_url: str) -> None:
    same = b"PK\x03\x04 the very same file"
    a = archive.store(make_sub("101", same))
    b = archive.store(make_sub("102", same))  # the same file from another department
    assert (a.created, b.created) == (True, True)
    assert a.sha256 == b.sha256 == hashlib.sha256(same).hexdigest()
    assert a.id != b.id and a.version == b.version == 1
    assert scalar(db_url, "SELECT count(*) FROM blobs") == 1
    assert scalar(db_url, "SELECT count(*) FROM returns") == 2
    assert archive.blob(a.sha256) == same
    assert a.size == len(same)

    # The same file again from the same department is no new version...
    again = archive.store(make_sub("101", same))
    assert (again.created, again.version, again.id) == (False, 1, a.id)
    assert scalar(db_url, "SELECT count(*) FROM returns") == 2
    # ... unless asked to keep it anyway; the bytes are still stored once.
    forced = archive.store(make_sub("101", same), skip_duplicates=False)
    assert (forced.created, forced.version) == (True, 2)
    assert scalar(db_url, "SELECT count(*) FROM blobs") == 1

    with pytest.raises(KeyError):
        archive.blob("0" * 64)


def test_resubmission_is_a_new_version(archive: Archive) -> None:
    v1 = archive.store(make_sub("101", "first", errors=2, warnings=1))
    assert (v1.version, v1.status, v1.error_count, v1.warning_count) == (1, "待修改", 2, 1)
    v2 = archive.store(make_sub("101", "fixed", warnings=1, record={"项目名称": "改"}))
    assert (v2.version, v2.status, v2.error_count) == (2, "已通过", 0)

    latest = archive.latest(YEAR)
    assert [(r.department_code, r.version, r.id) for r in latest] == [("101", 2, v2.id)]
    assert latest[0].record == {"项目名称": "改"}
    assert latest[0].created is False

    # Version 1 is kept untouched.
    old, new = archive.versions("101", YEAR)
    assert dataclasses.replace(old, created=True) == v1
    assert dataclasses.replace(new, created=True) == v2
    assert archive.blob(old.sha256) == b"first"
    assert [f["code"] for f in old.findings] == ["E0", "E1", "W0", "N0"]
    assert old.findings[-1] == {"code": "N0", "severity": "note", "values": {"x": "1.5"}}

    # Another template and another year are separate series.
    other = archive.store(make_sub("101", "other form", template="department"))
    next_year = archive.store(make_sub("101", "next year", year=YEAR + 1))
    assert other.version == next_year.version == 1
    assert [(r.template_id, r.version) for r in archive.latest(YEAR)] == [
        ("department", 1),
        ("project", 2),
    ]
    assert [r.version for r in archive.latest(YEAR, template_id="project")] == [2]
    assert [r.version for r in archive.versions("101", YEAR, template_id="project")] == [1, 2]
    assert [r.year for r in archive.latest(YEAR + 1)] == [YEAR + 1]


def test_work_given_to_store_shares_its_transaction(archive: Archive, db_url: str) -> None:
    """``then`` (the portal's audit line) commits with the return, or neither is kept."""
    seen: list[tuple[int, int]] = []

    def count_returns(conn, stored) -> None:  # noqa: ANN001
        seen.append((stored.version, conn.execute(text("SELECT count(*) FROM returns")).scalar()))

    archive.store(make_sub("101", "first"), then=count_returns)
    assert seen == [(1, 1)]  # the return is there, inside the same transaction

    def fail(conn, stored) -> None:  # noqa: ANN001
        raise RuntimeError("the audit line could not be written")

    with pytest.raises(RuntimeError):
        archive.store(make_sub("101", "second"), then=fail)
    assert [r.version for r in archive.versions("101", YEAR)] == [1]
    assert scalar(db_url, "SELECT count(*) FROM blobs") == 1


def test_status_table(archive: Archive) -> None:
    roster = [("101", "财政局"), ("102", "教育局"), ("103", "卫健委")]
    # 101 sends nothing. 102 was clean, then resubmitted with errors. 103 fixed its errors.
    archive.store(make_sub("102", "102 v1"))
    archive.store(make_sub("102", "102 v2", errors=1, warnings=2))
    archive.store(make_sub("103", "103 v1", errors=3))
    last = archive.store(make_sub("103", "103 v2", warnings=1))
    archive.store(make_sub("999", "not on the roster"))
    archive.store(make_sub("101", "last year", year=YEAR - 1))

    rows = archive.status(YEAR, roster)
    assert [(r.department_code, r.department_name, r.status) for r in rows] == [
        ("101", "财政局", Status.MISSING),
        ("102", "教育局", Status.NEEDS_FIX),
        ("103", "卫健委", Status.PASSED),
        ("999", "部门999", Status.PASSED),  # received, so listed though not on the roster
    ]
    assert [r.status for r in rows] == ["未交", "待修改", "已通过", "已通过"]
    missing, needs_fix, passed, _ = rows
    assert (missing.version, missing.templates, missing.received_at) == (None, (), None)
    assert (needs_fix.version, needs_fix.error_count, needs_fix.warning_count) == (2, 1, 2)
    assert (passed.version, passed.templates, passed.received_at) == (
        2,
        ("project",),
        last.received_at,
    )
    # Without a roster: only departments that sent something, by code.
    assert [r.department_code for r in archive.status(YEAR)] == ["102", "103", "999"]
    assert archive.status(YEAR + 5) == []

    exported = archive.export_rows(YEAR)
    assert [(r["department_code"], r["version"], r["status"]) for r in exported] == [
        ("102", 2, "待修改"),
        ("103", 2, "已通过"),
        ("999", 1, "已通过"),
    ]
    row = exported[0]
    assert row["finding_codes"] == "E0;W0;W1;N0"
    assert row["record.预算.年初"] == 100 and row["record.项目名称"] == "项目102"
    assert all(isinstance(v, str | int | type(None)) for v in row.values())
    dt.datetime.fromisoformat(row["received_at"])
    assert len(archive.export_rows(YEAR, all_versions=True)) == 5


def test_values_round_trip(archive: Archive) -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    at = dt.datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=beijing)
    aware = archive.store(
        make_sub(
            "101",
            "a",
            received_at=at,
            record={"金额": decimal.Decimal("12.50"), "日期": dt.date(2024, 1, 2), "空": None},
        )
    )
    naive = archive.store(make_sub("102", "b", received_at=dt.datetime(2024, 3, 1, 1, 30)))
    r101, r102 = archive.latest(YEAR)
    # read back in the bureau's time zone (Asia/Shanghai by default), the same instant
    assert r101.received_at == at and r101.received_at.utcoffset() == dt.timedelta(hours=8)
    assert r102.received_at == dt.datetime(2024, 3, 1, 1, 30, tzinfo=dt.UTC)
    assert r101.record == aware.record == {"金额": "12.50", "日期": "2024-01-02", "空": None}
    assert dataclasses.replace(r102, created=True) == naive


def test_invalid_submissions_store_nothing(archive: Archive, db_url: str) -> None:
    with pytest.raises(ValueError, match="severity"):
        Submission(
            b"x", "x.xlsx", "101", "n", YEAR, "t", "1", findings=[{"code": "X", "severity": "x"}]
        )
    with pytest.raises(ValueError, match="code"):
        Submission(b"x", "x.xlsx", "101", "n", YEAR, "t", "1", findings=[{"severity": "error"}])
    with pytest.raises(ValueError, match="department_code"):
        Submission(b"x", "x.xlsx", " ", "n", YEAR, "t", "1")
    with pytest.raises(TypeError):
        Submission(b"x", "x.xlsx", "101", "n", "2024", "t", "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="JSON"):
        archive.store(make_sub("101", "x", record={"bad": object()}))
    assert scalar(db_url, "SELECT count(*) FROM returns") == 0


def test_failed_store_leaves_nothing(
    archive: Archive, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive.store(make_sub("101", "v1"))
    inner = Archive._store_in

    def fail_before_commit(self, conn, *args, **kwargs):
        inner(self, conn, *args, **kwargs)  # blob, counter and return row all written
        raise RuntimeError("interrupted")

    monkeypatch.setattr(Archive, "_store_in", fail_before_commit)
    with pytest.raises(RuntimeError, match="interrupted"):
        archive.store(make_sub("101", "v2"))
    with pytest.raises(RuntimeError, match="interrupted"):
        archive.store(make_sub("102", "new department"))
    monkeypatch.undo()

    assert assert_consistent(db_url) == {("101", YEAR, "project"): [1]}
    assert scalar(db_url, "SELECT count(*) FROM blobs") == 1
    assert archive.store(make_sub("101", "v2")).version == 2


# --------------------------------------------------------------------------- concurrency


def _collector(
    url: str,
    worker: int,
    count: int,
    departments: list[str],
    barrier=None,
    progress=None,
    slow: float = 0.0,
    pause: float = 0.0,
) -> None:
    """Child process: store ``count`` submissions (see _batch).

    ``pause`` between stores stands for reading and checking the next file; it also gives
    the other process a chance at SQLite's write lock (SQLite's lock is not fair).
    """
    try:
        if slow:
            # Linger inside each store's transaction, after all its rows are written and
            # before the commit, so that a kill lands mid-transaction.
            inner = Archive._store_in

            def lingering(self, conn, *args, **kwargs):
                result = inner(self, conn, *args, **kwargs)
                time.sleep(slow)
                return result

            Archive._store_in = lingering  # type: ignore[method-assign]
        if barrier is not None:
            barrier.wait(timeout=30)  # open together: on a fresh database both migrate
        with Archive(url) as archive:
            for i, sub in enumerate(_batch(worker, count, departments)):
                if barrier is not None and i % 10 == 0:
                    barrier.wait(timeout=30)  # start every 10 stores together: overlap
                archive.store(sub)
                time.sleep(pause)
                if progress is not None:
                    with progress.get_lock():
                        progress.value += 1
    except BaseException:
        traceback.print_exc()
        raise


def _batch(worker: int, count: int, departments: list[str]) -> list[Submission]:
    subs = []
    for i in range(count):
        dept = departments[(i + worker) % len(departments)]
        # Every 10th file has the same bytes in both workers (another department): the
        # concurrent blob inserts must dedupe.
        content = f"shared {i}" if i % 10 == 0 else f"worker {worker} item {i}"
        subs.append(make_sub(dept, content, errors=i % 3 == 0, name=f"部门{dept}"))
    return subs


def _join(proc, timeout: float = 90) -> None:
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        pytest.fail(f"{proc.name} did not finish in {timeout}s")


def test_two_concurrent_collectors(db_url: str) -> None:
    """Two collectors start at once on a fresh database: both migrate, then store 100 each."""
    departments = [f"D{i:02d}" for i in range(5)]
    barrier = SPAWN.Barrier(2)
    procs = [
        SPAWN.Process(
            target=_collector,
            args=(db_url, w, 100, departments, barrier, None, 0.0, 0.002),
            name=f"collector-{w}",
        )
        for w in (0, 1)
    ]
    for p in procs:
        p.start()
    for p in procs:
        _join(p)
    assert [p.exitcode for p in procs] == [0, 0]
    archive = Archive(db_url)
    assert archive.applied_migrations == []
    if archive.engine.dialect.name == "sqlite":  # writers wait for each other, not fail
        with archive.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000

    series = assert_consistent(db_url)
    assert sum(len(v) for v in series.values()) == 200
    assert {k[0]: len(v) for k, v in series.items()} == {d: 40 for d in departments}
    assert scalar(db_url, "SELECT count(*) FROM blobs") == 200 - 10
    latest = archive.latest(YEAR)
    assert [(r.department_code, r.version) for r in latest] == [(d, 40) for d in departments]

    # The two really ran at once: their stores interleave (one after the other would switch
    # once). Two switches at least; on a loaded 2-core machine the scheduler may give fewer
    # than the ten the idle machine shows.
    engine = create_engine(db_url)
    with engine.connect() as conn:
        contents = conn.execute(
            text(
                "SELECT b.data FROM returns r JOIN blobs b ON b.sha256 = r.blob_sha256 "
                "ORDER BY r.id"
            )
        ).scalars()
        workers = [bytes(c).split()[1] for c in contents if bytes(c).startswith(b"worker")]
    engine.dispose()
    archive.close()
    assert sum(a != b for a, b in zip(workers, workers[1:], strict=False)) >= 2


def _writer_mid_transaction(url: str) -> bool:
    """Is some other connection inside a write transaction on this database right now?"""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        probe = sqlite3.connect(u.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True  # the write lock is held
        finally:
            probe.close()
    return bool(
        scalar(
            url,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction' AND pid <> pg_backend_pid()",
        )
    )


def test_killed_collect_leaves_a_consistent_archive(archive: Archive, db_url: str) -> None:
    departments = ["101", "102", "103"]
    batch = 40
    progress = SPAWN.Value("i", 0)
    proc = SPAWN.Process(
        target=_collector,
        args=(db_url, 0, batch, departments, None, progress, 0.05),
        name="collector-to-kill",
    )
    proc.start()
    deadline = time.monotonic() + 60
    while not (progress.value >= 6 and _writer_mid_transaction(db_url)):
        if time.monotonic() > deadline or not proc.is_alive():
            proc.kill()
            pytest.fail("the collector never got going")
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    done = progress.value

    # Nothing of the interrupted store is left; everything committed before it is intact.
    series = assert_consistent(db_url)
    stored = sum(len(v) for v in series.values())
    assert done <= stored <= done + 1  # +1: committed, killed before counting it
    assert stored < batch
    # The dead collector's lock goes with it (PostgreSQL: once the server sees the socket
    # close, which can take a moment).
    deadline = time.monotonic() + 15
    while _writer_mid_transaction(db_url):
        assert time.monotonic() < deadline, "the killed collector's transaction lingers"
        time.sleep(0.05)

    # Rerunning the same collect completes it without duplicating what was kept.
    results = archive.store_many(_batch(0, batch, departments))
    assert [r.created for r in results] == [False] * stored + [True] * (batch - stored)
    series = assert_consistent(db_url)
    assert sum(len(v) for v in series.values()) == batch
    expected = {
        d: sum(1 for s in _batch(0, batch, departments) if s.department_code == d)
        for d in departments
    }
    assert {k[0]: len(v) for k, v in series.items()} == expected


# --------------------------------------------------------------------------- migrations


def test_migrations_fresh_database_gets_head_and_reopen_is_a_noop(db_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with Archive(db_url) as first:
        assert first.applied_migrations == ["0001", head_revision()] == ["0001", "0002"]
        assert first.schema_revision() == head_revision()
        stored = first.store(make_sub("101", "kept"))
        with first.engine.connect() as conn:  # the migrations build exactly the models
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []

    with Archive(db_url) as again:
        assert again.applied_migrations == []
        assert again.schema_revision() == head_revision()
        assert [r.id for r in again.latest(YEAR)] == [stored.id]

    # Down to nothing and up again through the URL-based config (the developer path).
    command.downgrade(alembic_config(db_url), "base")
    assert scalar(db_url, "SELECT count(*) FROM alembic_version") == 0
    with Archive(db_url) as rebuilt:
        assert rebuilt.applied_migrations == ["0001", "0002"]
        assert rebuilt.latest(YEAR) == []


def test_newer_schema_is_refused(db_url: str) -> None:
    Archive(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    engine.dispose()
    with pytest.raises(ArchiveSchemaError, match="from_the_future"):
        Archive(db_url)


# --------------------------------------------------------------------------- docs


def test_docstring_examples() -> None:
    """The examples in the docstrings (they use in-memory SQLite) are true."""
    for module in (jixiao.archive, jixiao.archive.store):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, f"{module.__name__}: {result}"
