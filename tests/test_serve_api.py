"""Every console action is also a JSON API call (issue 18): each page route has its /api
route, calling the same service function; a script can run a whole year through /api
alone, and what it does is the archive's (``jixiao status``); the API refuses what the
pages refuse (no CSRF token, another department's anything, no session). Over real HTTP,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.archive import Archive
from jixiao.cli import app
from serve_util import BAD, GOOD, PASSWORD, TEMPLATE_ID, Client, fill, roster_xlsx

DEPARTMENTS = [("520101", "甲局"), ("520102", "乙局")]
A, B = (code for code, _ in DEPARTMENTS)
#: Passes with a warning to check: more spent than budgeted (105 of 100).
OVER = {**GOOD, "zt_fund_total_actual": 105, "zt_fund_basic_actual": 60, "zt_fund_project_actual": 45}

#: Page routes whose API route is not "/api" + the same path.
API_OF = {"POST /d/{token}/upload": "POST /api/d/{token}/returns"}
#: Page routes that are no action: a redirect and the two forms a person types into (their
#: submissions, POST /login and POST /setup/{token}, have API routes).
NOT_ACTIONS = {"GET /", "GET /login", "GET /setup/{token}"}


def _routes() -> tuple[set[str], set[str]]:
    """("METHOD path" of every page route, of every /api route), from the app's own routers."""
    from jixiao.serve import department, pages
    from jixiao.serve.app import ROUTERS

    def named(routers) -> set[str]:  # noqa: ANN001
        return {f"{m} {r.path}" for router in routers for r in router.routes for m in r.methods if m != "HEAD"}

    page = named((pages.router, department.router))
    return page, named(ROUTERS) - page


def test_every_page_route_has_an_api_route():
    """A page route added without its /api counterpart fails here."""
    page, api = _routes()
    assert "POST /tasks/{task_id}/links" in page and "POST /api/d/{token}/returns" in api  # the walk sees them
    missing = [r for r in sorted(page - NOT_ACTIONS) if API_OF.get(r, r.replace(" /", " /api/", 1)) not in api]
    assert not missing, f"page routes without an /api route: {missing}"
    assert page >= NOT_ACTIONS  # no stale exemption
    assert set(API_OF) <= page and set(API_OF.values()) <= api


def test_every_api_route_is_described(tmp_path):
    from jixiao.serve.app import create_app
    from jixiao.serve.service import Portal

    portal = Portal.open(f"sqlite:///{tmp_path / 'routes.sqlite'}")
    try:
        paths = create_app(portal).openapi()["paths"]
    finally:
        portal.close()
    _page, api = _routes()
    described = {f"{m.upper()} {path}" for path, ops in paths.items() for m in ops}
    assert described == api  # every /api route in /openapi.json, and no page route
    from jixiao.serve import api, api_console, api_department

    for route in (r for module in (api, api_console, api_department) for r in module.router.routes):
        assert route.summary, f"{route.path}: no summary= (FastAPI would make one up from the function's name)"


# --------------------------------------------------------------------------- a year through /api


def _bureau(server) -> Client:  # noqa: ANN001
    """The account made through POST /api/setup/{token}, logged in through POST /api/login."""
    c = Client(server.url)
    token = server.setup_link().rsplit("/", 1)[1]
    r = c.api("POST", f"/api/setup/{token}", json={"username": "czj", "password": PASSWORD, "confirm": "x"})
    assert r.status_code == 400 and r.json()["message"] == "两次输入的密码不一致"
    r = c.api("POST", f"/api/setup/{token}", json={"username": "czj", "password": PASSWORD, "confirm": PASSWORD})
    assert r.status_code == 201, r.text
    assert c.api("POST", f"/api/setup/{token}", json={"username": "x", "password": PASSWORD,
                                                       "confirm": PASSWORD}).status_code == 404  # spent
    assert c.api("POST", "/api/login", json={"username": "czj", "password": PASSWORD}).status_code == 200
    return c


@pytest.fixture
def year(server, tmp_path):
    """A task made, rostered, built and linked through /api alone; {department: token}."""
    c = _bureau(server)
    assert TEMPLATE_ID in [t["id"] for t in c.get("/api/templates").json()]
    new = {"name": "2023 年度部门整体支出绩效自评", "year": 2023, "template_id": TEMPLATE_ID, "deadline": "2099-12-31"}
    r = c.api("POST", "/api/tasks", json=new)
    assert r.status_code == 201, r.text
    task = r.json()["id"]
    again = c.api("POST", "/api/tasks", json={**new, "name": "又一个"})
    assert again.status_code == 409 and again.json()["message"].endswith("请在原任务中继续")
    table = load_workbook(io.BytesIO(c.get(f"/api/tasks/{task}/init-data").content))
    assert "单位" in table.sheetnames
    r = c.api("POST", f"/api/tasks/{task}/roster", files={"file": ("单位.xlsx", roster_xlsx(DEPARTMENTS))})
    assert r.status_code == 200 and (r.json()["departments"], r.json()["buildable"]) == (2, 2), r.text
    r = c.api("POST", f"/api/tasks/{task}/build")
    assert r.status_code == 202 and r.json()["build_state"] in ("running", "done")
    deadline = time.monotonic() + 120
    while (state := c.get(f"/api/tasks/{task}").json())["build_state"] == "running":
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
    assert (state["build_state"], state["build_done"], state["build_total"]) == ("done", 2, 2), state
    assert [m["department_code"] for m in state["roster"]] == [A, B] and state["links"] == []
    with zipfile.ZipFile(io.BytesIO(c.get(f"/api/tasks/{task}/forms.zip").content)) as z:
        forms = {name: z.read(name) for name in z.namelist()}
    assert sorted(forms) == ["520101_甲局.xlsx", "520102_乙局.xlsx"]
    r = c.api("POST", f"/api/tasks/{task}/links")
    assert r.status_code == 201
    issued = {i["department_code"]: i for i in r.json()}
    assert issued[A]["url"] == f"{server.url}/d/{issued[A]['token']}"
    listed = c.get(f"/api/tasks/{task}/links").json()
    assert {row["state"] for row in listed} == {"live"} and not any("token" in row for row in listed)
    assert all(i["token"] not in json.dumps(listed) for i in issued.values())  # shown once: only when issued
    dept = Client(server.url)  # what the departments' calls go through (the token in the path is the key)
    yield {"bureau": c, "dept": dept, "task": task, "forms": forms, "folder": tmp_path,
           "tokens": {code: i["token"] for code, i in issued.items()}}
    c.http.close()
    dept.http.close()


def _upload(year: dict, token: str, content: bytes):
    return year["dept"].api("POST", f"/api/d/{token}/returns", files={"file": ("表.xlsx", content)})


def _filled(year: dict, code: str, values: dict, token: str | None = None) -> bytes:
    """The department's form as its link hands it out (GET /api/d/{token}/form), filled in."""
    form = year["dept"].get(f"/api/d/{token or year['tokens'][code]}/form")
    assert form.status_code == 200
    path = year["folder"] / f"{code}.xlsx"
    path.write_bytes(form.content)
    return fill(path, year["folder"] / f"{code}-filled.xlsx", values).read_bytes()


def _cli(*args: str) -> str:
    r = CliRunner().invoke(app, list(args), env={"JIXIAO_USER": "张三"})
    assert r.exit_code == 0, r.output
    return r.stdout


def test_a_year_through_the_api_alone(year, db_url):
    c, dept, task, tokens = year["bureau"], year["dept"], year["task"], year["tokens"]
    form = dept.get(f"/api/d/{tokens[A]}/form")
    assert form.content == year["forms"]["520101_甲局.xlsx"]  # the link hands out the task's form
    _cli("task", "form", "--db", db_url, "--task", str(task), "--department", A, "--out", str(year["folder"] / "a.xlsx"))
    assert (year["folder"] / "a.xlsx").read_bytes() == form.content  # and so does the command

    # B's contact starts like a formula: the export neutralises it, as `jixiao export` does.
    bad, warned = _filled(year, A, BAD), _filled(year, B, {**OVER, "zt_contact": "@张三"})
    r = _upload(year, tokens[A], bad)
    assert r.status_code == 201 and r.json()["state"] == "待修改", r.text
    a_id = r.json()["return_id"]
    assert _upload(year, tokens[A], bad).status_code == 200  # the same file again: one version
    r = _upload(year, tokens[B], warned)
    assert r.status_code == 201 and (r.json()["state"], r.json()["warnings"]) == ("已通过", 1), r.text
    b_id = r.json()["return_id"]
    copy = load_workbook(io.BytesIO(dept.get(f"/api/d/{tokens[A]}/returns/{a_id}/annotated").content))
    assert copy.sheetnames[0] == "退回意见"
    board = {r["department_code"]: r for r in c.get(f"/api/tasks/{task}/board").json()}
    assert [(board[x]["state"], board[x]["return_id"]) for x in (A, B)] == [("待修改", a_id), ("已通过", b_id)]
    assert c.get(f"/api/tasks/{task}/returns/{b_id}/file").content == warned
    assert load_workbook(io.BytesIO(c.get(f"/api/tasks/{task}/returns/{a_id}/annotated").content)).sheetnames[0] == "退回意见"

    review = f"/api/tasks/{task}/returns/{{}}/review"
    warning = next(f for f in c.get(f"/api/tasks/{task}/returns/{b_id}").json()["findings"] if f["severity"] == "warning")
    r = c.api("POST", review.format(b_id), json={"kind": "verified", "finding": warning["index"]})
    assert r.status_code == 200 and r.json()["findings"][warning["index"]]["verified"].startswith("已核实（czj，")
    r = c.api("POST", review.format(b_id), json={"kind": "send_back", "comment": "请补填联系电话"})
    assert r.status_code == 200 and r.json()["sent_back"] == "请补填联系电话"
    r = c.api("POST", review.format(a_id), json={"kind": "void"})
    assert r.status_code == 400 and r.json()["message"] == "作废时请写明原因"
    assert c.api("POST", review.format(a_id), json={"kind": "void", "comment": "误传的草稿"}).json()["voided"]
    assert c.api("POST", review.format(a_id), json={"kind": "send_back", "comment": "x"}).status_code == 409

    status = {r["department_code"]: r for r in json.loads(_cli("status", "--year", "2023", "--db", db_url, "--json"))}
    assert (status[B]["status"], status[B]["warnings"]) == ("待修改", 0) and A not in status
    with Archive(db_url) as archive:
        sent, voided = archive.get(b_id), archive.get(a_id)
    assert (sent.sent_back_by, sent.send_back_reason, voided.voided_by, voided.void_reason) == (
        "czj", "请补填联系电话", "czj", "误传的草稿")
    assert {r["department_code"]: r["state"] for r in c.get(f"/api/tasks/{task}/board").json()} == {
        A: "未交", B: "待修改"}
    page = dept.get(f"/api/d/{tokens[B]}").json()
    assert page["history"][0]["sent_back"] == "请补填联系电话"

    assert load_workbook(io.BytesIO(c.get(f"/api/tasks/{task}/summary.xlsx").content)).sheetnames
    rows = list(csv.DictReader(io.StringIO(c.get(f"/api/tasks/{task}/export.csv").content.decode("utf-8-sig"))))
    records = c.get(f"/api/tasks/{task}/export.json").json()
    assert [(r["department_code"], r["version"]) for r in rows] == [(B, "1")]
    assert [(r["department_code"], r["version"]) for r in records] == [(B, 1)]
    assert "'@张三" in rows[0].values() and "@张三" in records[0].values()

    link = next(row["id"] for row in c.get(f"/api/tasks/{task}/links").json() if row["department_code"] == A)
    r = c.api("POST", f"/api/tasks/{task}/links/{link}/revoke")
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    assert dept.get(f"/api/d/{tokens[A]}").json()["code"] == "P403"
    (again,) = c.api("POST", f"/api/tasks/{task}/links", json={"department_codes": [A]}).json()
    assert again["department_code"] == A and dept.get(f"/api/d/{again['token']}").json()["department_code"] == A
    actions = [e["action"] for e in c.get("/api/audit", params={"limit": 100}).json()]
    for action in ("建立账户", "新建任务", "上传单位表", "生成预填表", "下载全部预填表", "发放填报链接", "下载预填表", "收到报表",
                   "标记已核实", "退回修改", "作废版本", "下载汇总表", "下载导出数据", "撤销链接"):
        assert action in actions, action
    assert c.api("POST", "/api/logout").json() == {"user": None}
    assert c.get("/api/tasks").status_code == 401


# --------------------------------------------------------------------------- what the API refuses


def test_department_a_reaches_nothing_of_b_through_the_api(year):
    a, task, tokens = year["dept"], year["task"], year["tokens"]
    b_id = _upload(year, tokens[B], _filled(year, B, BAD)).json()["return_id"]
    mine = a.get(f"/api/d/{tokens[A]}").json()
    assert mine["department_code"] == A and mine["history"] == [] and B not in json.dumps(mine)
    r = a.get(f"/api/d/{tokens[A]}/returns/{b_id}/annotated")
    assert r.status_code == 404 and "乙局" not in r.text  # not even "forbidden": A learns nothing
    assert a.get(f"/api/d/{tokens[B]}/returns/{b_id}/annotated").status_code == 200  # B's own
    own = load_workbook(io.BytesIO(a.get(f"/api/d/{tokens[A]}/form").content))
    assert "乙局" not in json.dumps([c.value for ws in own for row in ws.iter_rows() for c in row], default=str)
    # B's form filled in and sent through A's link: refused, A's row says 格式错误.
    r = _upload(year, tokens[A], _filled(year, B, GOOD, tokens[B]))
    assert r.status_code == 422 and r.json()["code"] == "P001"
    # A's link is no key to the console: every console call is 401 without the session.
    for method, path in (("GET", f"/api/tasks/{task}/returns/{b_id}"), ("GET", f"/api/tasks/{task}/returns/{b_id}/file"),
                         ("POST", f"/api/tasks/{task}/returns/{b_id}/review"), ("GET", f"/api/tasks/{task}/forms.zip"),
                         ("POST", f"/api/tasks/{task}/links"), ("GET", "/api/audit")):
        r = a.api(method, path, json={"kind": "void", "comment": "x"} if method == "POST" else None)
        assert r.status_code == 401 and r.json()["code"] == "AUTH", (method, path)
    assert a.get(f"/api/d/{tokens[A]}x/form").status_code == 404


def test_no_state_change_through_the_api_without_the_csrf_token(year):
    """Every state-changing /api route, with the session and the cookie but without the
    token echoed in X-CSRF-Token: 403 CSRF before the route runs, nothing changed."""
    from jixiao.serve.app import ROUTERS

    c, task, tokens = year["bureau"], year["task"], year["tokens"]
    posts = sorted(r.path for router in ROUTERS for r in router.routes
                   if r.path.startswith("/api/") and {"POST", "PUT", "PATCH", "DELETE"} & r.methods)
    assert len(posts) >= 10
    upload = _filled(year, A, GOOD)
    before = (c.get(f"/api/tasks/{task}").json(), c.get("/api/audit").json())
    for path in posts:
        url = path.format(task_id=task, return_id=1, link_id=1, token=tokens[A])
        for headers in ({}, {"x-csrf-token": "forged"}):
            r = c.http.post(url, json={"kind": "void", "comment": "x", "username": "czj", "password": PASSWORD},
                            files={"file": ("a.xlsx", upload)} if "returns" in path or "roster" in path else None,
                            headers=headers)
            assert r.status_code == 403 and r.json()["code"] == "CSRF", (path, headers, r.text)
    assert (c.get(f"/api/tasks/{task}").json(), c.get("/api/audit").json()) == before
    assert c.get("/api/tasks").status_code == 200  # the logout was refused too
