"""A throwaway PostgreSQL server for the test session.

``PostgresServer.start()`` runs ``initdb`` into a fresh temporary directory and starts
``postgres`` listening on 127.0.0.1 at a free port (no Unix socket, trust auth, fsync off:
the data is thrown away). ``create_database()`` hands each test its own empty database.
``stop()`` shuts the server down and deletes the directory; it also runs at interpreter
exit in case a session dies before its fixture finalizer.

PostgreSQL refuses to run as root, so when the tests run as root the server commands go
through ``runuser -u postgres --`` and the directory is owned by ``postgres``.

The binaries are found via ``$JIXIAO_PG_BINDIR``, then ``pg_ctl`` on PATH, then the
newest ``/usr/lib/postgresql/*/bin`` (Debian/Ubuntu layout).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"  # OS user that runs the server when we are root


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(x) for x in bindir.parent.name.split(".") if x.isdigit())


def find_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None."""
    candidates: list[Path] = []
    if os.environ.get("JIXIAO_PG_BINDIR"):
        candidates.append(Path(os.environ["JIXIAO_PG_BINDIR"]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    debian = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    candidates += sorted(debian, key=_version_key, reverse=True)
    for bindir in candidates:
        if all((bindir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _as_root() -> bool:
    return os.geteuid() == 0


def unavailable_reason() -> str | None:
    """Why a server cannot be started here (None when it can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    if find_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found"
    if _as_root():
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run the server"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


def pg_available() -> bool:
    return unavailable_reason() is None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One temporary PostgreSQL cluster; see the module docstring."""

    def __init__(self) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(unavailable_reason() or "no PostgreSQL")
        self.bindir = bindir
        self.dir: Path | None = None
        self.port: int | None = None
        self.user = "jixiao"
        self._running = False
        self._counter = 0

    # -- commands

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if _as_root():
            cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
        return subprocess.run(
            cmd, check=check, capture_output=True, text=True, timeout=120, cwd=self.dir
        )

    def start(self) -> PostgresServer:
        # As root the server runs as postgres, which must reach the directory: /tmp, not a
        # private $TMPDIR such as pytest's /tmp/pytest-of-root.
        base = os.environ.get("JIXIAO_PG_TMPDIR") or ("/tmp" if _as_root() else None)
        self.dir = Path(tempfile.mkdtemp(prefix="jixiao-pg-", dir=base))
        atexit.register(self.stop)
        if _as_root():
            ent = pwd.getpwnam(SERVER_USER)
            os.chown(self.dir, ent.pw_uid, ent.pw_gid)
            os.chmod(self.dir, 0o700)
        data = self.dir / "data"
        proc = self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            self.user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            check=False,
        )
        if proc.returncode != 0:
            self.stop()
            raise RuntimeError(f"initdb failed:\n{proc.stdout}{proc.stderr}")
        last_error = ""
        for _ in range(5):  # the free port can be taken between probing and binding
            self.port = _free_port()
            opts = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=50"
            )
            proc = self._run(
                "pg_ctl",
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(data),
                "-l",
                str(self.dir / "server.log"),
                "-o",
                opts,
                check=False,
            )
            if proc.returncode == 0:
                self._running = True
                return self
            last_error = proc.stdout + proc.stderr + self.log_tail()
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start:\n{last_error}")

    def log_tail(self, lines: int = 30) -> str:
        log = self.dir / "server.log" if self.dir else None
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self._running and self.dir is not None:
            self._running = False
            self._run(
                "pg_ctl", "stop", "-D", str(self.dir / "data"), "-m", "fast", "-w", check=False
            )
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # -- databases

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of ``database`` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """Create a new empty database and return its SQLAlchemy URL."""
        import psycopg

        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        return self.url(name)
