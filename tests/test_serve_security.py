"""What the portal refuses: another department's anything, requests without the CSRF
token, revoked / expired / unknown links, oversized and hostile uploads (nothing stored)."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

import hostile
from jixiao.archive.store import BlobRow, ReturnRow
from jixiao.serve.run import _loopback
from jixiao.serve.security import MAX_UPLOAD_BYTES
from jixiao.serve.store import rejects
from serve_util import BAD, GOOD, Client, LiveServer, bureau_client, fill, issue_links, new_task

A, B = ("520101", "甲局"), ("520102", "乙局")


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """One server, one task with departments A and B, their links; B has sent a return with errors."""
    folder = tmp_path_factory.mktemp("serve-security")
    server = LiveServer(f"sqlite:///{folder / 'portal.sqlite'}").start()
    try:
        bureau = bureau_client(server)
        task_id = new_task(bureau, [A, B])
        links = issue_links(bureau, task_id)
        forms = {}
        for code in (A[0], B[0]):
            (folder / f"{code}.xlsx").write_bytes(Client(server.url).get(links[code] + "/form").content)
            forms[code] = folder / f"{code}.xlsx"
        b = Client(server.url)
        r = b.upload(links[B[0]] + "/upload", "乙局.xlsx", fill(forms[B[0]], folder / "b-bad.xlsx", BAD).read_bytes())
        assert 'id="state">待修改<' in r.text
        b_return = bureau.get(f"/api/tasks/{task_id}/board").json()[1]["return_id"]
        yield {"server": server, "bureau": bureau, "task": task_id, "links": links, "forms": forms,
               "folder": folder, "b_return": b_return}
    finally:
        server.stop()


def stored(server: LiveServer) -> tuple[int, int]:
    with server.portal.archive.engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (ReturnRow, BlobRow))


def test_department_a_cannot_reach_anything_of_b(year):
    server, task, links, b_return = year["server"], year["task"], year["links"], year["b_return"]
    a = Client(server.url)
    page = a.get(links[A[0]]).text
    assert "甲局" in page and "乙局" not in page and B[0] not in page
    mine = a.get(f"/api/d/{links[A[0]].rsplit('/', 1)[1]}").json()
    assert mine["department_code"] == A[0] and mine["history"] == []
    # B's annotated copy through A's link: not found (not even "forbidden": A learns nothing).
    assert a.get(f"{links[A[0]]}/returns/{b_return}/annotated").status_code == 404
    # The bureau's routes without the bureau's session: the login page, or 401 from the API.
    for path in (f"/tasks/{task}/returns/{b_return}", f"/tasks/{task}/returns/{b_return}/file",
                 f"/tasks/{task}/returns/{b_return}/annotated", f"/tasks/{task}/forms.zip", f"/tasks/{task}/board",
                 f"/tasks/{task}", f"/tasks/{task}/summary.xlsx", f"/tasks/{task}/export.csv", "/audit"):
        r = a.get(path)
        assert r.url.path == "/login" and "乙局" not in r.text, path
    for path in (f"/api/tasks/{task}/board", f"/api/tasks/{task}/returns/{b_return}", "/api/tasks"):
        assert a.get(path).status_code == 401, path
    r = a.post(f"/tasks/{task}/links")  # issuing links is the bureau's: not with a department's cookie
    assert r.url.path == "/login" and "/d/" not in r.text
    # A uploads B's pre-filled form: refused, not stored, and A's row says 格式错误.
    before = stored(server)
    taken = fill(year["forms"][B[0]], year["folder"] / "b-by-a.xlsx", GOOD).read_bytes()
    r = a.upload(links[A[0]] + "/upload", "乙局.xlsx", taken)
    assert r.status_code == 422 and "不是本单位的预填表" in r.text and "P001" in r.text
    assert stored(server) == before
    board = {row["department_code"]: row["state"] for row in year["bureau"].get(f"/api/tasks/{task}/board").json()}
    assert board == {A[0]: "格式错误", B[0]: "待修改"}


def test_state_changes_without_the_csrf_token_are_refused(year):
    server, links, task = year["server"], year["links"], year["task"]
    before = stored(server)
    good = fill(year["forms"][A[0]], year["folder"] / "a-good.xlsx", GOOD).read_bytes()
    plain = httpx.Client(base_url=server.url)
    plain.get(links[A[0]])  # has the CSRF cookie, but does not send the token back
    r = plain.post(links[A[0]] + "/upload", files={"file": ("a.xlsx", good)})
    assert r.status_code == 403 and "CSRF" in r.text
    r = plain.post(links[A[0]] + "/upload", files={"file": ("a.xlsx", good)}, data={"csrf_token": "forged"})
    assert r.status_code == 403
    r = plain.post(f"/api/d/{links[A[0]].rsplit('/', 1)[1]}/returns", files={"file": ("a.xlsx", good)},
                   headers={"x-csrf-token": "forged"})
    assert r.status_code == 403 and r.json()["code"] == "CSRF"
    assert stored(server) == before
    # The bureau's own session is not enough either.
    bureau = year["bureau"]
    for path, data in ((f"/tasks/{task}/links", {}), ("/tasks", {"name": "x", "year": 2023,
                                                                   "template_id": "guizhou-zhengti",
                                                                   "deadline": "2099-01-01"}),
                       (f"/tasks/{task}/returns/{year['b_return']}/review", {"kind": "void"}), ("/logout", {})):
        r = bureau.http.post(path, data=data)
        assert r.status_code == 403, path
    assert bureau.get("/tasks").url.path == "/tasks"  # still logged in: the logout was refused too
    assert "/d/" not in r.text


def test_revoked_expired_and_unknown_links_are_refused(year):
    server, bureau, task = year["server"], year["bureau"], year["task"]
    a = Client(server.url)
    old = issue_links(bureau, task)[A[0]]  # a new link for A: the one of the fixture stops working
    assert a.get(year["links"][A[0]]).status_code == 403
    link_id = int(re.findall(r"links/(\d+)/revoke.*?\n", bureau.get(f"/tasks/{task}").text)[0])
    bureau.post(f"/tasks/{task}/links/{link_id}/revoke")
    for url in (old, old + "/form"):
        r = a.get(url)
        assert r.status_code == 403 and "撤销" in r.text, url
    r = a.upload(old + "/upload", "a.xlsx", year["forms"][A[0]].read_bytes())
    assert r.status_code == 403
    assert a.get(old.rsplit("/", 1)[0] + "/not-a-token").status_code == 404
    expired_task = new_task(bureau, [A], deadline="2020-01-31", year=2019)
    expired = issue_links(bureau, expired_task)[A[0]]
    r = a.get(expired)
    assert r.status_code == 403 and "截止日期" in r.text
    assert a.get(f"/api/d/{expired.rsplit('/', 1)[1]}").json()["code"] == "P410"
    year["links"].update(issue_links(bureau, task))  # fresh links for the tests that follow


def test_oversized_wrong_type_and_hostile_uploads_store_nothing(year, tmp_path):
    server, links = year["server"], year["links"]
    before = stored(server)
    rejected_before = _rejects(server)
    a = Client(server.url)
    api = f"/api/d/{links[A[0]].rsplit('/', 1)[1]}/returns"
    headers = {"x-csrf-token": a.csrf}
    big = b"PK\x03\x04" + bytes(MAX_UPLOAD_BYTES + 1024)
    r = a.http.post(api, files={"file": ("big.xlsx", big)}, headers=headers)
    assert r.status_code == 413 and r.json()["code"] == "U001"

    def chunks():  # no Content-Length: the cap holds while the body streams in
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n\r\nPK\x03\x04'
        for _ in range(MAX_UPLOAD_BYTES // (1024 * 1024) + 2):
            yield bytes(1024 * 1024)

    r = a.http.post(api, content=chunks(), headers={**headers, "content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413
    for name, content, status, code in (
            ("report.pdf", b"%PDF-1.7 ...", 415, "U002"),
            ("old.xls", hostile.legacy_xls(tmp_path).read_bytes(), 415, "U002"),
            ("empty.xlsx", b"", 400, "U003"),
            ("bomb.xlsx", hostile.ratio_bomb(tmp_path).read_bytes(), 422, "R009"),
            ("cut.xlsx", hostile.truncated_zip(tmp_path).read_bytes(), 422, None),
            ("other.xlsx", hostile.valid_workbook(tmp_path / "v.xlsx").read_bytes(), 422, "V001")):
        r = a.http.post(api, files={"file": (name, content)}, headers=headers)
        assert r.status_code == status, (name, r.text)
        body = r.json()
        got = body["code"]
        assert code is None or got == code, (name, body)
    assert stored(server) == before  # nothing of any of them in the archive
    assert _rejects(server) == rejected_before + 3  # the readable-as-zip ones are logged (no bytes kept)
    page = a.upload(links[A[0]] + "/upload", "bomb.xlsx", hostile.ratio_bomb(tmp_path).read_bytes())
    assert page.status_code == 422 and "R009" in page.text


def _rejects(server: LiveServer) -> int:
    with server.portal.archive.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(rejects)).scalar_one()


def test_only_the_loopback_address_is_quiet():
    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost")
    assert not _loopback("0.0.0.0") and not _loopback("192.168.1.10")


PUBLIC = ("/", "/login", "/logout", "/setup/{token}", "/api/csrf", "/api/login", "/api/logout", "/api/setup/{token}",
          "/openapi.json")


def test_every_bureau_route_needs_the_bureau(year):
    """A sweep over the app's routes: each one outside the department links and the login
    answers a client without the bureau's session with the login page (or 401 from the API)."""
    from jixiao.serve.app import ROUTERS

    server, task, b_return = year["server"], year["task"], year["b_return"]
    routes = [r for router in ROUTERS for r in router.routes]
    bureau_routes = [r for r in routes if r.path not in PUBLIC and not r.path.startswith(("/d/", "/api/d/"))]
    assert len(bureau_routes) >= 35
    a = Client(server.url)
    a.get(year["links"][A[0]])  # a department, with its CSRF cookie: only the session is missing
    for route in bureau_routes:
        path = route.path.format(task_id=task, return_id=b_return, link_id=1)
        for method in route.methods:
            r = a.get(path) if method == "GET" else a.post(path)
            if path.startswith("/api/"):
                assert r.status_code == 401, (method, path, r.status_code)
            else:
                assert r.url.path == "/login" and "乙局" not in r.text, (method, path, r.status_code)


def _serve(db: str, host: str) -> str:
    """Start `jixiao serve`, read what it prints before serving, stop it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from serve_util import free_port

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "generator")}
    proc = subprocess.Popen([sys.executable, "-m", "jixiao.cli", "serve", "--db", db, "--host", host,
                             "--port", str(free_port())], stderr=subprocess.PIPE, text=True, env=env)
    printed = ""
    try:
        while "Ctrl+C" not in printed and proc.poll() is None:
            printed += proc.stderr.readline()
        return printed
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_console_prints_the_setup_link_once_and_warns_off_loopback(tmp_path):
    db = f"sqlite:///{tmp_path / 'portal.sqlite'}"
    printed = _serve(db, "0.0.0.0")
    assert "警告" in printed and "0.0.0.0" in printed
    link = re.search(r"http://\S+/setup/\S+", printed).group(0)
    assert "\n" not in link
    # The account is made (as through the link), so the next start prints no link and no warning.
    from jixiao.serve.accounts import complete_setup
    from jixiao.serve.service import Portal

    portal = Portal.open(db)
    try:
        complete_setup(portal.store, link.rsplit("/", 1)[1], "czj", "x" * 12, "x" * 12)
    finally:
        portal.close()
    printed = _serve(db, "127.0.0.1")
    assert "/setup/" not in printed and "警告" not in printed and "127.0.0.1" in printed
