"""Helpers of the portal tests: a roster workbook, filling a downloaded form as a person
would (openpyxl, by the form's own cell names), a live server on a free loopback port."""

from __future__ import annotations

import io
import socket
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import uvicorn
from openpyxl import Workbook, load_workbook

from jixiao.read.record import open_return
from jixiao.serve.accounts import issue_setup_token
from jixiao.serve.app import create_app
from jixiao.serve.service import Portal
from jixiao.signing import Keyring, archive_key_path

TEMPLATE_ID = "guizhou-zhengti"
BUDGET_HEADER = "年度资金总额 全年预算数（万元）"

#: What a department types to pass (the bureau pre-filled the total budget of 100).
GOOD = {"zt_fund_basic_budget": 60, "zt_fund_project_budget": 40, "zt_fund_total_actual": 95,
        "zt_fund_basic_actual": 55, "zt_fund_project_actual": 40, "zt_fill_date": "2024-02-08",
        "zt_contact": "张三", "zt_phone": "0854-8227322", "zt_conclusion": "全年目标已完成。"}
#: The same with mistakes: the parts do not add up to the totals, the contact is missing.
BAD = {**GOOD, "zt_fund_basic_budget": 70, "zt_contact": None}


def roster_xlsx(departments: list[tuple[str, str]], budget: float = 100) -> bytes:
    """A 单位 table (the init-data workbook's department sheet) as .xlsx bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称", BUDGET_HEADER])
    for code, name in departments:
        ws.append([code, name, budget])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def fill(form: Path, out: Path, values: dict[str, Any]) -> Path:
    """Type ``values`` (by defined name) into a copy of ``form``, as Excel would keep them."""
    layout = open_return(form).layout
    wb = load_workbook(form)
    for name, value in values.items():
        cell = layout.cell(name)
        wb[cell.sheet][cell.address] = value
    wb.save(out)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The portal on 127.0.0.1:<free port> in a thread (uvicorn), stopped by :meth:`stop`;
    it signs its forms and checks uploads with its key, as `jixiao serve` does."""

    def __init__(self, db_url: str) -> None:
        self.portal = Portal.open(db_url, keys=Keyring.load_or_create(archive_key_path(db_url)))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(self.portal), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the portal did not start")
            time.sleep(0.05)
        return self

    def setup_link(self) -> str:
        return f"{self.url}/setup/{issue_setup_token(self.portal.store)}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.portal.close()


PASSWORD = "correct horse battery staple"


class Client:
    """An HTTP client of the portal that sends the CSRF token back like the pages do."""

    def __init__(self, base: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=base, follow_redirects=True, timeout=60)
        # Tests drop their clients without closing them: close the connections then, not when
        # the garbage collector finds an open socket (a ResourceWarning in some other test).
        weakref.finalize(self, self.http.close)

    @property
    def csrf(self) -> str:
        if "jixiao_csrf" not in self.http.cookies:
            self.http.get("/api/csrf")
        return self.http.cookies["jixiao_csrf"]

    def get(self, url: str, **kw: Any):
        return self.http.get(url, **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any):
        return self.http.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)

    def upload(self, url: str, name: str, content: bytes, field: str = "file"):
        return self.post(url, files={field: (name, content)})

    def api(self, method: str, url: str, **kw: Any):
        """A call of the JSON API, with the CSRF token in its header as a script sends it."""
        return self.http.request(method, url, headers={"x-csrf-token": self.csrf, **kw.pop("headers", {})}, **kw)


def bureau_client(server: LiveServer, username: str = "czj") -> Client:
    """Set the account up through the one-time link and log in."""
    c = Client(server.url)
    link = server.setup_link()
    r = c.post(link, {"username": username, "password": PASSWORD, "confirm": PASSWORD})
    assert r.status_code == 200 and r.url.path == "/login", r.text
    r = c.post("/login", {"username": username, "password": PASSWORD})
    assert r.url.path == "/tasks", r.text
    return c


def new_task(c: Client, departments: list[tuple[str, str]], *, deadline: str = "2099-12-31", year: int = 2023) -> int:
    """A task with its roster uploaded and every form built (waits for the background build)."""
    r = c.post("/tasks", {"name": f"{year} 年度部门整体支出绩效自评", "year": year, "template_id": TEMPLATE_ID,
                          "deadline": deadline})
    task_id = int(r.url.path.rsplit("/", 1)[1])
    r = c.upload(f"/tasks/{task_id}/roster", "单位.xlsx", roster_xlsx(departments))
    assert r.status_code == 200, r.text
    assert c.post(f"/tasks/{task_id}/build").status_code == 200
    deadline_at = time.monotonic() + 120
    while True:
        task = next(t for t in c.get("/api/tasks").json() if t["id"] == task_id)
        if task["build_state"] in ("done", "failed"):
            assert task["build_state"] == "done", task
            return task_id
        assert time.monotonic() < deadline_at, task
        time.sleep(0.1)


def issue_links(c: Client, task_id: int) -> dict[str, str]:
    """{department code: link} from the printable list."""
    import re

    r = c.post(f"/tasks/{task_id}/links")
    assert r.status_code == 200
    rows = re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td class=\"url\"><a href=\"([^\"]+)\"", r.text)
    return dict(rows)
