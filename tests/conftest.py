"""Shared test fixtures.

Real engines (LibreOffice Calc, a PostgreSQL server) are required in CI: `.ci/run` sets
JIXIAO_REQUIRE_REAL_ENGINES=1, and there a missing engine fails the test instead of
skipping it. On a developer machine without them the test is skipped with the reason.
"""

from __future__ import annotations

import os

import pytest

from pg import PostgresServer, pg_available, unavailable_reason

REQUIRE_REAL_ENGINES = os.environ.get("JIXIAO_REQUIRE_REAL_ENGINES") == "1" or bool(
    os.environ.get("CI")
)


@pytest.fixture(autouse=True)
def _fixed_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the same terminal, whatever the developer's: 100 columns, no colour
    (so `COLUMNS=40 pytest` and `COLUMNS=300 pytest` pass alike)."""
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="session", autouse=True)
def _own_bureau_key(tmp_path_factory: pytest.TempPathFactory):
    """Tests sign with the session's key (``$JIXIAO_KEY`` in a fresh folder), never the
    developer's ``~/.config/jixiao/bureau.key``; set for the session, so module fixtures that
    build forms see it too, and one key for all, as one bureau has one (a batch built by
    one test and rebuilt by another stays byte-identical)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JIXIAO_KEY", str(tmp_path_factory.mktemp("key") / "bureau.key"))
        yield


#: Lines a test wants in the CI log whatever pytest captures (counts of cells compared).
_REPORT: list[str] = []


def report(line: str) -> None:
    """Print ``line`` in the terminal summary at the end of the run (and now, with -s)."""
    _REPORT.append(line)
    print(line)


def pytest_terminal_summary(terminalreporter) -> None:
    if _REPORT:
        terminalreporter.section("real-engine comparisons")
        for line in _REPORT:
            terminalreporter.write_line(line)


def require(available: bool, what: str) -> None:
    """Skip (locally) or fail (in CI) when a real engine the test needs is missing."""
    if available:
        return
    if REQUIRE_REAL_ENGINES:
        pytest.fail(f"{what} is required in CI but missing", pytrace=False)
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server on 127.0.0.1 for the whole session (tests/pg.py)."""
    require(pg_available(), f"PostgreSQL server ({unavailable_reason()})")
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A URL of a fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def server(db_url):
    """``jixiao serve`` on a free loopback port over a fresh database of each backend."""
    from serve_util import LiveServer

    srv = LiveServer(db_url).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def sent(tmp_path):
    """The two departments' signed forms (forms.TWO_DEPARTMENTS), as `jixiao build --data` sends them."""
    from typer.testing import CliRunner

    from forms import SIGNING_TEMPLATE, TWO_DEPARTMENTS
    from jixiao.cli import app

    data = tmp_path / "departments.csv"
    data.write_text(TWO_DEPARTMENTS, encoding="utf-8")
    r = CliRunner().invoke(app, ["build", SIGNING_TEMPLATE, "--data", str(data), "--out", str(tmp_path / "sent")])
    assert r.exit_code == 0, r.output
    return tmp_path / "sent"
