"""Every console action is also a command (issue 18): the commands of ``jixiao task``,
``jixiao links`` and ``jixiao review`` act on the portal's own database through its own
functions, so what they do is what the running portal then shows (checked over real HTTP,
on SQLite and PostgreSQL); and docs/cli.md maps every state-changing route to a command."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from jixiao.cli import app
from serve_util import GOOD, Client, bureau_client, fill, roster_xlsx
from test_cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = [("520101", "甲局"), ("520102", "乙局")]
#: Routes that only log a person in or out: the command line runs on the server, with the
#: database, and names who acts with --by.
AUTH = {"POST /login", "POST /logout", "POST /api/login", "POST /api/logout"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
ROUTE = re.compile(r"`?(GET|POST|PUT|PATCH|DELETE) (/[^\s`,]*)`?")


def _table() -> list[tuple[set[str], list[str]]]:
    """(routes, commands) of each row of docs/cli.md's console table (page and API routes)."""
    text = ROOT.joinpath("docs", "cli.md").read_text(encoding="utf-8")
    section = text.split("## Console action", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not ROUTE.search(cells[2]):
            continue
        routes = {f"{m} {p}" for m, p in ROUTE.findall(cells[2] + " " + cells[3])}
        commands = []
        for span in re.findall(r"`jixiao ([^`]+)`", cells[1]):
            words = span.split()
            name = next((" ".join(words[:n]) for n in (2, 1) if " ".join(words[:n]) in COMMANDS), None)
            assert name is not None, f"docs/cli.md names an unknown command: jixiao {span}"
            commands.append(name)
        rows.append((routes, commands))
    return rows


def _walk(routes: list, prefix: str = "") -> list[tuple[str, set[str]]]:
    """(path, methods) of every route, inside included routers too (FastAPI keeps an
    included router whole, with the prefix of its inclusion)."""
    found = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            found += _walk(inner.routes, prefix + getattr(r.include_context, "prefix", ""))
        elif getattr(r, "methods", None):
            found.append((prefix + r.path, set(r.methods)))
    return found


def _app_routes(tmp_path: Path) -> tuple[set[str], set[str]]:
    """(state-changing routes of /openapi.json, every route of the whole app)."""
    from jixiao.serve.app import create_app
    from jixiao.serve.service import Portal

    portal = Portal.open(f"sqlite:///{tmp_path / 'routes.sqlite'}")
    try:
        web = create_app(portal)
        api = {f"{m.upper()} {path}" for path, ops in web.openapi()["paths"].items() for m in ops
               if m.upper() in STATE_CHANGING}
        every = {f"{m} {path}" for path, methods in _walk(web.routes) for m in methods}
    finally:
        portal.close()
    return api, every


def test_every_state_changing_route_has_a_command(tmp_path):
    api, every = _app_routes(tmp_path)
    assert "POST /api/d/{token}/returns" in api and "POST /tasks/{task_id}/links" in every  # the scan sees them
    rows = _table()
    for route in sorted(api | {r for r in every if r.split()[0] in STATE_CHANGING}):
        found = [commands for routes, commands in rows if route in routes]
        assert found, f"{route}: not in docs/cli.md's table"
        if route not in AUTH:
            assert any(found), f"{route}: no command in docs/cli.md's table"
    for routes, _ in rows:  # and the table names no route the app does not have
        assert routes <= every, routes - every


def cli(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(app, [*args], env={"JIXIAO_USER": "张三"})
    if ok:
        assert result.exit_code == 0, (args, result.output)
    return result.stdout




def test_a_task_from_the_command_line_is_the_portals(server, db_url, tmp_path):
    db = ["--db", db_url]
    out = cli("task", "new", *db, "--name", "2023 年度自评", "--year", "2023", "--template", "guizhou-zhengti",
              "--deadline", "2099-12-31")
    task = int(re.search(r"已新建填报任务 (\d+)", out).group(1))
    (tmp_path / "单位.xlsx").write_bytes(roster_xlsx(DEPARTMENTS))
    assert "2 个单位" in cli("task", "roster", *db, "--task", str(task), str(tmp_path / "单位.xlsx"))
    assert "已生成 2 份预填表" in cli("task", "build", *db, "--task", str(task))
    cli("task", "forms", *db, "--task", str(task), "--out", str(tmp_path / "forms.zip"))
    with zipfile.ZipFile(tmp_path / "forms.zip") as z:
        forms = {name: z.read(name) for name in z.namelist()}
    assert sorted(forms) == ["520101_甲局.xlsx", "520102_乙局.xlsx"]

    issued = cli("links", "issue", *db, "--task", str(task), "--base-url", server.url, "--out", str(tmp_path / "l.csv"))
    links = dict(re.findall(r"^(\d+)  \S+  (\S+)$", issued, re.M))
    assert sorted(links) == ["520101", "520102"] and issued.count("/d/") == 2  # each link printed once
    printed = (tmp_path / "l.csv").read_text(encoding="utf-8-sig")
    assert all(url in printed for url in links.values()) and "单位编码" in printed
    listed = json.loads(cli("links", "list", *db, "--task", str(task), "--json"))
    first = next(r["id"] for r in listed if r["department_code"] == "520101")
    assert "已撤销" in cli("links", "revoke", *db, "--task", str(task), str(first))

    # The portal shows the same state: the task, built; the revoked link refused, the other open.
    c = bureau_client(server)
    (api_task,) = [t for t in c.get("/api/tasks").json() if t["id"] == task]
    assert (api_task["build_state"], api_task["build_done"]) == ("done", 2)
    dept = Client(server.url)
    assert dept.get(links["520101"]).status_code == 403
    assert dept.get(links["520102"]).status_code == 200 and "乙局" in dept.get(links["520102"]).text
    revoked = [r for r in json.loads(cli("links", "list", *db, "--task", str(task), "--json")) if r["revoked"]]
    assert [r["department_code"] for r in revoked] == ["520101"]

    # 甲局's return is filed from the command line (checked as an upload: 乙局 cannot send it);
    # 乙局 uploads through its link, with a warning.
    (tmp_path / "a.xlsx").write_bytes(forms["520101_甲局.xlsx"])
    good = fill(tmp_path / "a.xlsx", tmp_path / "甲局.xlsx", GOOD)
    assert "第 1 版" in cli("task", "receive", *db, "--task", str(task), "--department", "520101", str(good))
    refused = CliRunner().invoke(app, ["task", "receive", *db, "--task", str(task), "--department", "520102",
                                       str(good)])
    assert refused.exit_code == 1 and "P001" in refused.output  # 甲局's form is not 乙局's
    assert c.get(f"/api/tasks/{task}/board").json()[1]["state"] == "格式错误"  # the portal saw the refusal
    (tmp_path / "b.xlsx").write_bytes(forms["520102_乙局.xlsx"])
    over = {"zt_fund_total_actual": 105, "zt_fund_basic_actual": 60, "zt_fund_project_actual": 45}
    warned = fill(tmp_path / "b.xlsx", tmp_path / "b-filled.xlsx", {**GOOD, **over}).read_bytes()
    assert 'id="state">已通过<' in dept.upload(links["520102"] + "/upload", "乙局.xlsx", warned).text
    board = c.get(f"/api/tasks/{task}/board").json()
    assert json.loads(cli("task", "board", *db, "--task", str(task), "--json")) == board
    assert [(r["department_code"], r["state"], r["version"]) for r in board] == [
        ("520101", "已通过", 1), ("520102", "已通过", 1)]

    # The review buttons, from the command line: seen on the portal's pages and API.
    b_id = board[1]["return_id"]
    shown = json.loads(cli("review", "show", *db, "--task", str(task), "--department", "520102", "--json"))
    warning = next(f for f in shown["findings"] if f["severity"] == "warning")
    cli("review", "confirm", *db, "--task", str(task), "--return", str(b_id), "--finding", str(warning["index"]))
    api_return = c.get(f"/api/tasks/{task}/returns/{b_id}").json()
    assert api_return["findings"][warning["index"]]["verified"].startswith("已核实（张三，")
    cli("review", "send-back", *db, "--task", str(task), "--department", "520102", "--comment", "请补填联系电话")
    cli("review", "void", *db, "--task", str(task), "--department", "520101", "--comment", "误收")
    rows = {r["department_code"]: r for r in c.get(f"/api/tasks/{task}/board").json()}
    assert (rows["520102"]["state"], rows["520102"]["comment"]) == ("待修改", "请补填联系电话")
    assert rows["520101"]["state"] == "未交"
    assert "财政局退回：请补填联系电话" in dept.get(links["520102"]).text
    cli("review", "file", *db, "--task", str(task), "--return", str(b_id), "--out", str(tmp_path / "orig.xlsx"))
    assert (tmp_path / "orig.xlsx").read_bytes() == warned
    audit = c.get("/audit").text
    for action in ("新建任务", "上传单位表", "生成预填表", "发放填报链接", "撤销链接", "标记已核实", "退回修改", "作废版本"):
        assert action in audit, action
    assert "张三" in audit and "张三" in cli("audit", *db)
    c.http.close()
    dept.http.close()


def test_what_the_portal_refuses_is_one_line(tmp_path):
    db = ["--db", str(tmp_path / "a.sqlite")]
    cli("task", "new", *db, "--name", "甲", "--year", "2023", "--template", "guizhou-zhengti", "--deadline", "2099-01-01")
    again = CliRunner().invoke(app, ["task", "new", *db, "--name", "乙", "--year", "2023", "--template",
                                     "guizhou-zhengti", "--deadline", "2099-01-01"])
    assert again.exit_code == 2 and again.output.strip().endswith("请在原任务中继续") and "Traceback" not in again.output
    bad_date = CliRunner().invoke(app, ["task", "new", *db, "--name", "丙", "--year", "2024", "--template",
                                        "guizhou-zhengti", "--deadline", "三月底"])
    assert bad_date.exit_code == 2 and "截止日期格式" in bad_date.output
    no_roster = CliRunner().invoke(app, ["task", "build", *db, "--task", "1"])
    assert no_roster.exit_code == 2 and "请先上传单位表" in no_roster.output
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04")
    for args in (["receive", str(tmp_path / "x.xlsx")], ["form", "--out", str(tmp_path / "f.xlsx")]):
        stranger = CliRunner().invoke(app, ["task", *args, *db, "--task", "1", "--department", "999"])
        assert stranger.exit_code == 2 and "任务 1 的单位名单中没有单位 999" in stranger.output, args
    assert not (tmp_path / "f.xlsx").exists()
    missing = CliRunner().invoke(app, ["task", "list", "--db", str(tmp_path / "nowhere.sqlite")])
    assert missing.exit_code == 2 and "没有归档库" in missing.output
    assert not (tmp_path / "nowhere.sqlite").exists()
    assert len(io.StringIO(again.output).read().strip().splitlines()) == 2  # 归档库：… then the refusal


def test_the_bureau_account_from_the_command_line(tmp_path):
    """`jixiao account create` makes the one account as the setup link's page does; the
    password is asked twice and never shown; the setup link printed before is spent."""
    from jixiao.serve.accounts import issue_setup_token, login, setup_token_valid
    from jixiao.serve.security import LoginThrottle
    from jixiao.serve.service import Portal
    from serve_util import PASSWORD

    url = f"sqlite:///{tmp_path / 'portal.sqlite'}"
    portal = Portal.open(url)
    token = issue_setup_token(portal.store)

    def create(first: str, second: str):  # noqa: ANN202
        return CliRunner().invoke(app, ["account", "create", "--db", url, "--username", "czj"],
                                  input=f"{first}\n{second}\n")

    try:
        assert create(PASSWORD, PASSWORD + "x").exit_code == 2
        assert "两次输入的密码不一致" in create(PASSWORD, PASSWORD + "x").output
        assert "密码至少 10 个字符" in create("short", "short").output
        made = create(PASSWORD, PASSWORD)
        assert made.exit_code == 0 and "已建立财政局账户 czj" in made.output and PASSWORD not in made.output
        assert login(portal.store, LoginThrottle(), "czj", PASSWORD, "test")
        assert not setup_token_valid(portal.store, token)
        again = create(PASSWORD, PASSWORD)
        assert again.exit_code == 2 and again.output.strip().endswith("账户已经建立")
    finally:
        portal.close()
