"""`jixiao serve` over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL: the first
run, the bureau's year (task, roster, build, ZIP, links, board, reviews, summary, export)
and a department's page (download, upload, findings at once, re-upload, history)."""

from __future__ import annotations

import csv
import io
import re
import zipfile

from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from jixiao.archive.store import BlobRow, ReturnRow
from jixiao.cli import app
from jixiao.serve.store import accounts
from serve_util import (
    BAD,
    GOOD,
    PASSWORD,
    Client,
    LiveServer,
    bureau_client,
    fill,
    issue_links,
    new_task,
)

DEPARTMENTS = [("520101", "甲局"), ("520102", "乙局")]




def states(html: str) -> dict[str, str]:
    """{department code: state} from the board page."""
    return dict(re.findall(r'<tr data-code="([^"]+)">.*?<span class="state s-[^"]+">([^<]+)</span>', html, re.S))


def count(server: LiveServer, table) -> int:
    with server.portal.archive.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_first_run_has_no_default_password_and_a_one_time_setup_link(server):
    c = Client(server.url)
    home = c.get("/")
    assert "一次性设置链接" in home.text and c.get("/tasks").url.path == "/login"
    r = c.post("/login", {"username": "admin", "password": "admin"})
    assert r.status_code == 401  # nothing to log in to before the setup
    link = server.setup_link()
    short = c.post(link, {"username": "czj", "password": "short", "confirm": "short"})
    assert short.status_code == 400 and "至少 10 个字符" in short.text
    assert c.post(link, {"username": "czj", "password": PASSWORD, "confirm": PASSWORD}).url.path == "/login"
    again = c.post(link, {"username": "evil", "password": PASSWORD, "confirm": PASSWORD})
    assert again.status_code == 404  # spent
    with server.portal.archive.engine.connect() as conn:
        (stored,) = conn.execute(select(accounts.c.password_hash)).scalars()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    r = c.post("/login", {"username": "czj", "password": PASSWORD})
    assert r.url.path == "/tasks"
    cookie = next(h for h in r.history[0].headers.get_list("set-cookie") if h.startswith("jixiao_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def test_security_headers_and_login_rate_limit(server):
    c = Client(server.url)
    r = c.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in r.text and "style=" not in r.text
    bureau_client(server)
    answers = [c.post("/login", {"username": "czj", "password": f"wrong-{i}"}).status_code for i in range(6)]
    assert answers == [401] * 5 + [429]
    # Throttled means throttled: even the right password waits now.
    assert c.post("/login", {"username": "czj", "password": PASSWORD}).status_code == 429


def test_a_year_through_the_portal(server, tmp_path):
    c = bureau_client(server)
    task_id = new_task(c, DEPARTMENTS)
    task_page = c.get(f"/tasks/{task_id}").text
    assert "已生成 2 份预填表" in task_page and "共 2 个单位" in task_page
    z = zipfile.ZipFile(io.BytesIO(c.get(f"/tasks/{task_id}/forms.zip").content))
    assert sorted(z.namelist()) == ["520101_甲局.xlsx", "520102_乙局.xlsx"]
    links = issue_links(c, task_id)
    assert sorted(links) == ["520101", "520102"]
    assert states(c.get(f"/tasks/{task_id}/board").text) == {"520101": "未交", "520102": "未交"}

    dept = Client(server.url)
    page = dept.get(links["520101"])
    assert page.status_code == 200 and "甲局" in page.text and "乙局" not in page.text
    form = dept.get(links["520101"] + "/form")
    assert "520101" in form.headers["content-disposition"]
    assert form.content == z.read("520101_甲局.xlsx")  # the same pre-filled form as in the ZIP
    (tmp_path / "form.xlsx").write_bytes(form.content)
    bad = fill(tmp_path / "form.xlsx", tmp_path / "bad.xlsx", BAD).read_bytes()
    good = fill(tmp_path / "form.xlsx", tmp_path / "good.xlsx", GOOD).read_bytes()

    r = dept.upload(links["520101"] + "/upload", "甲局.xlsx", bad)
    assert r.status_code == 200 and 'id="state">待修改<' in r.text
    assert "部门整体支出绩效自评表!" in r.text and "联系人" in r.text and "CHK_REQUIRED" in r.text  # sheet!cell and the message
    again = dept.upload(links["520101"] + "/upload", "甲局-又一次.xlsx", bad)
    assert "完全相同，未重复保存" in again.text
    assert count(server, ReturnRow) == 1 and count(server, BlobRow) == 1  # the same file twice: one version
    annotated = dept.get(re.search(r'href="(/d/[^"]+/annotated)"', again.text).group(1))
    package = load_workbook(io.BytesIO(annotated.content))  # the return package: 退回意见 first
    opinions = [c.value for row in package.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)]
    assert package.sheetnames[0] == "退回意见" and any("分项合计" in t for t in opinions)
    assert states(c.get(f"/tasks/{task_id}/board").text)["520101"] == "待修改"

    r = dept.upload(links["520101"] + "/upload", "甲局.xlsx", good)
    assert 'id="state">已通过<' in r.text and "保存为第 2 版" in r.text
    history = dept.get(links["520101"]).text
    assert "第 1 版" in history and "第 2 版" in history
    board = c.get(f"/tasks/{task_id}/board").text
    assert states(board) == {"520101": "已通过", "520102": "未交"}
    api = {row["department_code"]: row for row in c.get(f"/api/tasks/{task_id}/board").json()}
    assert api["520101"]["version"] == 2 and api["520101"]["errors"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", api["520101"]["received"])

    summary = c.get(f"/tasks/{task_id}/summary.xlsx")
    assert summary.status_code == 200 and load_workbook(io.BytesIO(summary.content)).sheetnames
    rows = list(csv.DictReader(io.StringIO(c.get(f"/tasks/{task_id}/export.csv").content.decode("utf-8-sig"))))
    assert [(r["department_code"], r["version"], r["status"]) for r in rows] == [("520101", "2", "已通过")]
    twice = c.post("/tasks", {"name": "又一个", "year": 2023, "template_id": "guizhou-zhengti", "deadline": "2099-01-01"})
    assert twice.status_code == 409  # the archive files returns by year and template: one task per pair
    audit = c.get("/audit").text
    for action in ("建立账户", "新建任务", "上传单位表", "生成预填表", "下载全部预填表", "发放填报链接", "下载预填表", "收到报表",
                   "重复上传同一文件", "下载汇总表", "下载导出数据"):
        assert action in audit, action


def test_send_back_void_and_verified_warning(server, tmp_path):
    c = bureau_client(server)
    task_id = new_task(c, DEPARTMENTS[:1])
    link = issue_links(c, task_id)["520101"]
    dept = Client(server.url)
    (tmp_path / "form.xlsx").write_bytes(dept.get(link + "/form").content)
    # Passes, but with a warning to check: more spent than budgeted (105 of 100).
    over = {"zt_fund_total_actual": 105, "zt_fund_basic_actual": 60, "zt_fund_project_actual": 45}
    warned = fill(tmp_path / "form.xlsx", tmp_path / "w.xlsx", {**GOOD, **over}).read_bytes()
    good = fill(tmp_path / "form.xlsx", tmp_path / "g.xlsx", GOOD).read_bytes()
    assert 'id="state">已通过<' in dept.upload(link + "/upload", "a.xlsx", warned).text
    first = c.get(f"/api/tasks/{task_id}/board").json()[0]["return_id"]
    warning = next(f for f in c.get(f"/api/tasks/{task_id}/returns/{first}").json()["findings"]
                   if f["severity"] == "warning")
    r = c.post(f"/tasks/{task_id}/returns/{first}/review", {"kind": "verified", "finding": warning["index"]})
    assert "已核实（czj，" in r.text
    r = c.post(f"/tasks/{task_id}/returns/{first}/review", {"kind": "send_back", "comment": "请补填联系电话"})
    assert r.status_code == 200
    assert states(c.get(f"/tasks/{task_id}/board").text)["520101"] == "待修改"
    assert "财政局退回：请补填联系电话" in dept.get(link).text
    assert 'id="state">已通过<' in dept.upload(link + "/upload", "b.xlsx", good).text
    second = c.get(f"/api/tasks/{task_id}/board").json()[0]
    assert (second["state"], second["version"]) == ("已通过", 2)
    # Version 2 was a mistake: voiding it makes version 1 (sent back) current again.
    c.post(f"/tasks/{task_id}/returns/{second['return_id']}/review", {"kind": "void", "comment": "误传"})
    row = c.get(f"/api/tasks/{task_id}/board").json()[0]
    assert (row["state"], row["version"], row["comment"]) == ("待修改", 1, "请补填联系电话")
    assert count(server, ReturnRow) == 2  # voiding hides, never deletes
    audit = c.get("/audit").text
    assert all(a in audit for a in ("标记已核实", "退回修改", "作废版本"))


def test_serve_command_is_there():
    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and all(o in r.output for o in ("--db", "--host", "--port", "--templates"))


def test_load_bench_runs_at_a_tiny_size(tmp_path, capsys):
    """bench/serve_load.py end to end (the real `jixiao serve` process, its printed setup
    link, concurrent uploads): nothing lost, no server error. No clock is looked at."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:  # `bench` lives beside the package, not inside it
        sys.path.insert(0, str(root))
    from bench.serve_load import main

    assert main(["--n", "3", "--results", str(tmp_path / "r.txt")]) == 0
    assert "lost: 0   server errors: 0" in (tmp_path / "r.txt").read_text(encoding="utf-8")
