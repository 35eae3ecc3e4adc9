"""The bureau's actions are the archive's, wherever they are taken: what the portal does
(send back, void, 已核实) the archive API and ``jixiao status`` see, and what the command
line or the API does the portal's board and pages show. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jixiao.archive import Archive
from jixiao.cli import app
from serve_util import GOOD, Client, LiveServer, bureau_client, fill, issue_links, new_task

DEPARTMENTS = [("520101", "甲局"), ("520102", "乙局"), ("520103", "丙局")]
#: Passes with a warning to check: more spent than budgeted (105 of 100).
OVER = {**GOOD, "zt_fund_total_actual": 105, "zt_fund_basic_actual": 60, "zt_fund_project_actual": 45}


@pytest.fixture
def year(db_url, tmp_path):
    """Three departments have each sent one return with a warning; {code: return id}."""
    server = LiveServer(db_url).start()
    try:
        bureau = bureau_client(server)
        task = new_task(bureau, DEPARTMENTS)
        for code, link in issue_links(bureau, task).items():
            dept = Client(server.url)
            (tmp_path / "form.xlsx").write_bytes(dept.get(link + "/form").content)
            warned = fill(tmp_path / "form.xlsx", tmp_path / f"{code}.xlsx", OVER).read_bytes()
            assert 'id="state">已通过<' in dept.upload(link + "/upload", f"{code}.xlsx", warned).text
            dept.http.close()
        ids = {r["department_code"]: r["return_id"] for r in bureau.get(f"/api/tasks/{task}/board").json()}
        yield {"server": server, "bureau": bureau, "task": task, "ids": ids, "url": db_url}
        bureau.http.close()
    finally:
        server.stop()


def _cli(*args: str) -> str:
    r = CliRunner().invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout


def _status(url: str) -> dict[str, dict]:
    rows = json.loads(_cli("status", "--year", "2023", "--db", url, "--json"))
    return {r["department_code"]: r for r in rows}


def _board(year: dict) -> dict[str, dict]:
    return {r["department_code"]: r for r in year["bureau"].get(f"/api/tasks/{year['task']}/board").json()}


def _warning(year: dict, code: str) -> dict:
    one = year["bureau"].get(f"/api/tasks/{year['task']}/returns/{year['ids'][code]}").json()
    return next(f for f in one["findings"] if f["severity"] == "warning")


def test_portal_actions_are_seen_by_the_archive_and_jixiao_status(year):
    bureau, task, ids, url = year["bureau"], year["task"], year["ids"], year["url"]
    review = f"/tasks/{task}/returns/{{}}/review"
    before = _status(url)
    assert all(before[c]["warnings"] == 1 for c, _ in DEPARTMENTS)
    warning = _warning(year, "520101")
    assert bureau.post(review.format(ids["520101"]), {"kind": "verified", "finding": warning["index"]}).status_code == 200
    assert bureau.post(review.format(ids["520102"]), {"kind": "send_back", "comment": "请补填联系电话"}).status_code == 200
    assert bureau.post(review.format(ids["520103"]), {"kind": "void", "comment": "误传的草稿"}).status_code == 200
    with Archive(url) as archive:
        checked = next(f for f in archive.get(ids["520101"]).findings if f["severity"] == "warning")
        sent, voided = archive.get(ids["520102"]), archive.get(ids["520103"])
    assert checked["checked"]["by"] == "czj"
    assert (sent.status, sent.sent_back_by, sent.send_back_reason) == ("待修改", "czj", "请补填联系电话")
    assert (voided.voided_by, voided.void_reason) == ("czj", "误传的草稿")
    after = _status(url)
    assert (after["520101"]["status"], after["520101"]["warnings"]) == ("已通过", 0)
    assert after["520102"]["status"] == "待修改"
    assert "520103" not in after  # its only version is voided: nothing current
    board = _board(year)
    assert [board[c]["state"] for c, _ in DEPARTMENTS] == ["已通过", "待修改", "未交"]


def test_command_line_and_api_actions_are_seen_by_the_portal(year):
    bureau, task, ids, url = year["bureau"], year["task"], year["ids"], year["url"]
    warning = _warning(year, "520101")
    _cli("confirm", "--year", "2023", "--department", "520101", "--code", warning["code"], "--by", "张三", "--db", url)
    _cli("void", "--year", "2023", "--department", "520103", "--version", "1", "--reason", "误传", "--by", "张三",
         "--db", url)
    with Archive(url) as archive:
        archive.send_back(ids["520102"], reason="预算数与批复不符", by="李四")
    board = _board(year)
    assert [board[c]["state"] for c, _ in DEPARTMENTS] == ["已通过", "待修改", "未交"]
    assert board["520101"]["warnings"] == 0 and board["520102"]["comment"] == "预算数与批复不符"
    page = bureau.get(f"/tasks/{task}/returns/{ids['520101']}").text
    assert "已核实（张三，" in page
    assert "已作废" in bureau.get(f"/tasks/{task}/returns/{ids['520103']}").text
    # A version voided elsewhere cannot be sent back from the portal either.
    r = bureau.post(f"/tasks/{task}/returns/{ids['520103']}/review", {"kind": "send_back", "comment": "x"})
    assert r.status_code == 409


def test_void_needs_a_reason_as_on_the_command_line(year):
    r = year["bureau"].post(f"/tasks/{year['task']}/returns/{year['ids']['520101']}/review", {"kind": "void"})
    assert r.status_code == 400 and "作废时请写明原因" in r.text
    assert _board(year)["520101"]["state"] == "已通过"
