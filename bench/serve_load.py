"""Load bench of ``jixiao serve`` on loopback: N departments uploading at once.

    python -m bench.serve_load                 # 200 departments, SQLite archive
    python -m bench.serve_load --n 50 --db postgresql://...

1. ``jixiao serve`` is started as its own process on 127.0.0.1 (a free port, a fresh
   SQLite archive unless ``--db``); the bench reads the one-time setup link it prints.
2. Through the HTTP API and pages, as a bureau would: account, login, a task, a roster of
   N departments, every pre-filled form built, N links.
3. Each department's form is downloaded and filled (openpyxl) before the clock starts.
4. All N uploads go at once (async httpx, one connection each) to ``POST /api/d/{token}/returns``;
   each upload's latency is taken from send to answer.
5. Then the board must show every department 已通过 at version 1: "lost" counts those
   that do not, "server errors" the 5xx answers; and, the server stopped, the archive is
   opened directly: every uploaded file must be there, its bytes matching its SHA-256.

Prints p50 / p95 / max latency and throughput; ``--results`` appends them to a file.
Nothing here is asserted by a test against a clock.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from openpyxl import Workbook, load_workbook

from jixiao.archive import Archive
from jixiao.read.record import open_return

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_ID = "guizhou-zhengti"
PASSWORD = "bench-password-0123"
GOOD = {"zt_fund_basic_budget": 60, "zt_fund_project_budget": 40, "zt_fund_total_actual": 95,
        "zt_fund_basic_actual": 55, "zt_fund_project_actual": 40, "zt_fill_date": "2024-02-08",
        "zt_contact": "张三", "zt_phone": "0854-8227322", "zt_conclusion": "全年目标已完成。"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, port: int) -> tuple[subprocess.Popen, str]:
    """``jixiao serve`` in its own process; returns it and the setup link it printed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "generator"),
                                                                      os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-m", "jixiao.cli", "serve", "--db", db, "--port", str(port)],
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    link = None
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        found = re.search(r"http://\S+/setup/\S+", line)
        link = found.group(0) if found else link
        if "Ctrl+C" in line:
            break
    if link is None:
        proc.kill()
        raise RuntimeError("jixiao serve printed no setup link")
    # Keep reading what the server prints, so a full pipe never stalls it.
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    base = link.split("/setup/")[0]
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/login", timeout=1)
            return proc, link
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("jixiao serve did not answer")


def _roster(n: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称", "年度资金总额 全年预算数（万元）"])
    for i in range(n):
        ws.append([f"52{i:04d}", f"第{i + 1}局", 100])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _fill(form: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.xlsx"
        path.write_bytes(form)
        layout = open_return(path).layout
        wb = load_workbook(path)
        for name, value in GOOD.items():
            cell = layout.cell(name)
            wb[cell.sheet][cell.address] = value
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()


def prepare(base: str, link: str, n: int) -> tuple[httpx.Client, int, dict[str, bytes]]:
    """Account, task, roster, forms, links; {link token: filled return}."""
    c = httpx.Client(base_url=base, follow_redirects=True, timeout=600)
    c.get("/api/csrf")

    def post(url: str, data: dict | None = None, **kw):
        r = c.post(url, data={"csrf_token": c.cookies["jixiao_csrf"], **(data or {})}, **kw)
        r.raise_for_status()
        return r

    post(link, {"username": "bench", "password": PASSWORD, "confirm": PASSWORD})
    post("/login", {"username": "bench", "password": PASSWORD})
    task = int(post("/tasks", {"name": "负载测试", "year": 2023, "template_id": TEMPLATE_ID,
                               "deadline": "2099-12-31"}).url.path.rsplit("/", 1)[1])
    post(f"/tasks/{task}/roster", files={"file": ("单位.xlsx", _roster(n))})
    post(f"/tasks/{task}/build")
    while (state := next(t for t in c.get("/api/tasks").json() if t["id"] == task))["build_state"] == "running":
        time.sleep(0.5)
    if state["build_state"] != "done" or state["build_done"] != n:
        raise RuntimeError(f"build: {state}")
    tokens = re.findall(r'href="[^"]*/d/([^"]+)"', post(f"/tasks/{task}/links").text)
    returns = {t: _fill(c.get(f"/d/{t}/form").content) for t in tokens}
    return c, task, returns


def cpu_by_process(pid: int) -> dict[str, float]:
    """CPU seconds so far of the server ("server") and of each live child ("child <pid>")."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            name = "server" if stat.parent.name == str(pid) else f"child {stat.parent.name}"
            out[name] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return out


def _spy(pid: int, out: Path) -> subprocess.Popen:
    """py-spy sampling the server and its workers (busy threads) until interrupted."""
    spy = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--format", "raw", "--output", str(out),
                            "--threads", "--subprocesses", "--nonblocking", "--rate", "100"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached before the clock starts
    return spy


async def upload_all(base: str, returns: dict[str, bytes]) -> list[tuple[int, float]]:
    """Every return at once; (HTTP status, seconds) each (status 0: no answer).

    Each department has its own client (its own connection and cookies) and fetches its
    CSRF token first; then all uploads are sent together and each is timed from that
    moment. The clients share one SSL context: building one per client (httpx loads the
    CA bundle each time) cost this process seconds of CPU on the cores the server uses.
    """
    ssl_context = httpx.create_ssl_context()
    clients = [httpx.AsyncClient(base_url=base, timeout=600, verify=ssl_context) for _ in returns]
    try:
        tokens = await asyncio.gather(*(c.get("/api/csrf") for c in clients))
        started = time.perf_counter()

        async def one(client: httpx.AsyncClient, csrf: str, token: str, data: bytes) -> tuple[int, float]:
            try:
                r = await client.post(f"/api/d/{token}/returns", files={"file": ("return.xlsx", data)},
                                      headers={"x-csrf-token": csrf})
                return r.status_code, time.perf_counter() - started
            except httpx.TransportError:
                return 0, time.perf_counter() - started

        return await asyncio.gather(*(one(c, t.json()["csrf"], token, data)
                                      for c, t, (token, data) in zip(clients, tokens, returns.items(), strict=True)))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def check_archive(db: str, year: int, uploaded: list[bytes]) -> tuple[int, int]:
    """After the burst, through the archive itself: (returns whose stored bytes are one of
    the uploaded files and match their SHA-256, uploaded files not found intact)."""
    sent = {hashlib.sha256(data).hexdigest() for data in uploaded}
    with Archive(db) as archive:
        kept = {r.sha256 for r in archive.latest(year)
                if hashlib.sha256(archive.blob(r.sha256)).hexdigest() == r.sha256}
    return len(kept & sent), len(sent - kept)


def _load() -> str:
    """The 1-minute load average (other jobs on a shared machine), for the record."""
    return f"{os.getloadavg()[0]:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="departments uploading at once")
    ap.add_argument("--db", help="archive URL (default: a fresh SQLite file)")
    ap.add_argument("--results", type=Path, help="append the result lines to this file")
    ap.add_argument("--py-spy", type=Path, dest="spy",
                    help="sample the server with py-spy during the uploads (collapsed stacks to this file)")
    args = ap.parse_args(argv)
    before_load = _load()
    with tempfile.TemporaryDirectory(prefix="jixiao-serve-bench-") as folder:
        db = args.db or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        proc, link = start_server(db, _free_port())
        try:
            base = link.split("/setup/")[0]
            c, task, returns = prepare(base, link, args.n)
            spy = _spy(proc.pid, args.spy) if args.spy else None
            cpu_before, client_before = cpu_by_process(proc.pid), time.process_time()
            started = time.perf_counter()
            results = asyncio.run(upload_all(base, returns))
            wall = time.perf_counter() - started
            cpu_after = cpu_by_process(proc.pid)
            cpu_parts = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_after.items()}
            cpu = sum(cpu_parts.values())
            client_cpu = time.process_time() - client_before
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
                spy.wait(timeout=60)
            board = c.get(f"/api/tasks/{task}/board").json()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        intact, missing = check_archive(db, 2023, list(returns.values()))
    latencies = sorted(s for _, s in results)
    lost = sum(1 for row in board if (row["state"], row["version"]) != ("已通过", 1))
    server_errors = sum(1 for status, _ in results if status >= 500 or status == 0)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    backend = args.db.split(":", 1)[0].split("+")[0] if args.db else "sqlite"
    lines = [f"jixiao serve load bench: {args.n} departments uploading at once ({backend})",
             f"  answers: {dict(sorted({s: sum(1 for x, _ in results if x == s) for s, _ in results}.items()))}",
             f"  lost: {lost}   server errors: {server_errors}",
             f"  archive afterwards: {intact} returns intact (bytes = an uploaded file, SHA-256 checked), "
             f"{missing} uploaded files missing",
             f"  latency p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s",
             f"  wall {wall:.1f} s, {args.n / wall:.1f} uploads/s",
             f"  server CPU {cpu:.1f} s ({1000 * cpu / args.n:.0f} ms per upload), this client's CPU {client_cpu:.1f} s",
             "  server CPU by process: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(cpu_parts.items())),
             f"  load average before / after: {before_load} / {_load()}"]
    print("\n".join(lines))
    if args.results:
        with args.results.open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 1 if lost or server_errors or missing else 0


if __name__ == "__main__":
    sys.exit(main())
