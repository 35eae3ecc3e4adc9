"""End to end in a real browser: Debian's chromium driven by Playwright.

setup → login → new task → roster upload → build → ZIP download → links → a department's
link → download → fill the form (openpyxl) with mistakes → upload → findings shown → fix →
upload → the bureau's board → one return → a warning 已核实 → sent back → the department
reads the comment, downloads the annotated copy, uploads again → a draft voided → summary
and export downloads → audit log.

Every page is photographed: into docs/img/serve/ with JIXIAO_SCREENSHOTS=1 (for the
docs), else into the test's temporary folder.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import require
from serve_util import BAD, GOOD, PASSWORD, LiveServer, fill, roster_xlsx

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img" / "serve"

pytestmark = pytest.mark.slow


@pytest.fixture
def browser():
    require(shutil.which("chromium") is not None, "Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright for Python")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def server(tmp_path):
    srv = LiveServer(f"sqlite:///{tmp_path / 'portal.sqlite'}").start()
    try:
        yield srv
    finally:
        srv.stop()


#: What a department types when more was spent than budgeted (105 of 100): it passes with a
#: warning the bureau checks by telephone and marks 已核实.
OVER = {**GOOD, "zt_fund_total_actual": 105, "zt_fund_basic_actual": 60, "zt_fund_project_actual": 45}


class Camera:
    """Full-page screenshots under deterministic names; remembers what it saved."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.saved = folder, []
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, name: str) -> None:
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)
        self.saved.append(f"{name}.png")


def _upload(dpage, path: Path, state: str) -> None:
    dpage.set_input_files("#file", str(path))
    dpage.click("#submit")
    dpage.wait_for_selector("#result")
    assert dpage.inner_text("#state") == state


def _bureau_prepares(page, shot, server) -> str:
    """Setup, login, task, roster, build, ZIP, links; the task's URL."""
    page.goto(server.url)
    assert "一次性设置链接" in page.content()
    shot(page, "bureau-01-first-run")
    page.goto(server.setup_link())
    page.fill("input[name=username]", "czj")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    shot(page, "bureau-02-setup")
    page.click("button[type=submit]")
    page.wait_for_url("**/login")
    page.fill("input[name=username]", "czj")
    page.fill("input[name=password]", PASSWORD)
    shot(page, "bureau-03-login")
    page.click("main button[type=submit]")
    page.wait_for_url("**/tasks")
    page.fill("input[name=name]", "2023 年度部门整体支出绩效自评")
    page.fill("input[name=year]", "2023")
    page.select_option("select[name=template_id]", "guizhou-zhengti")
    page.fill("input[name=deadline]", "2099-03-31")
    shot(page, "bureau-04-new-task")
    page.click("form[action='/tasks'] button")
    page.wait_for_url("**/tasks/*")
    task_url = page.url
    page.set_input_files("input[name=file]", files=[{
        "name": "单位数据.xlsx", "mimeType": "application/octet-stream",
        "buffer": roster_xlsx([("520101", "甲局"), ("520102", "乙局"), ("520103", "丙局")])}])
    page.click("text=上传单位表")
    page.wait_for_selector("text=共 3 个单位")
    shot(page, "bureau-05-roster")
    page.click("text=生成各单位预填表")
    page.wait_for_selector("text=已生成 3 份预填表", timeout=120_000)  # the page refreshes itself while building
    shot(page, "bureau-06-built")
    with page.expect_download() as got:
        page.click("#zip")
    assert sorted(zipfile.ZipFile(got.value.path()).namelist()) == [
        "520101_甲局.xlsx", "520102_乙局.xlsx", "520103_丙局.xlsx"]
    page.click("text=为全部单位发放新链接")
    page.wait_for_selector("table.links")
    shot(page, "bureau-07-links")
    return task_url


def _bureau_reviews(page, shot, task_url: str) -> None:
    """The board, one return, its warning 已核实, then sent back with a comment."""
    page.goto(task_url + "/board")
    assert page.inner_text("tr[data-code='520101'] .state") == "已通过"
    assert page.inner_text("tr[data-code='520102'] .state") == "未交"
    shot(page, "bureau-08-board")
    page.click("tr[data-code='520101'] >> text=查看")
    page.wait_for_selector("text=本单位全部版本")
    shot(page, "bureau-09-return")
    page.click("text=标记已核实")
    page.wait_for_selector("text=已核实（czj，")
    shot(page, "bureau-10-verified")
    page.fill("textarea[name=comment]", "请补充资金超支的原因说明后重新上传")
    page.click("button:has-text('退回修改')")
    page.wait_for_selector("text=已退回：请补充资金超支的原因说明后重新上传")
    page.goto(task_url + "/board")
    assert page.inner_text("tr[data-code='520101'] .state") == "待修改"
    shot(page, "bureau-11-sent-back")


def _bureau_closes(page, shot, server, task_url: str) -> None:
    """Void the failed first draft, the final board, summary and export, the audit log."""
    page.goto(task_url + "/board")
    page.click("tr[data-code='520101'] >> text=查看")
    page.click("text=第 1 版")
    page.fill("input[name=comment]", "第一次上传的草稿，单位误传")
    page.click("text=作废此版本")
    page.wait_for_selector(".state.s-作废")
    shot(page, "bureau-12-void")
    page.goto(task_url + "/board")
    assert page.inner_text("tr[data-code='520101'] .state") == "已通过"
    shot(page, "bureau-13-board-final")
    with page.expect_download() as got:
        page.click("#summary")
    assert load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).sheetnames
    with page.expect_download() as got:
        page.click("text=导出数据")
    assert "520101" in Path(got.value.path()).read_text(encoding="utf-8-sig")
    page.goto(server.url + "/audit")
    audit = page.inner_text("#audit")
    assert all(a in audit for a in ("收到报表", "标记已核实", "退回修改", "作废版本", "下载汇总表"))
    shot(page, "bureau-14-audit")


def test_a_year_in_the_browser(browser, server, tmp_path):
    """The year of docs/guide.zh-CN.md's browser chapter, photographed step by step: every
    picture the guide shows is taken here (and the guide shows every one, test_guide_images)."""
    to_docs = os.environ.get("JIXIAO_SCREENSHOTS") == "1"
    if to_docs:
        for old in DOCS_IMG.glob("*.png"):
            old.unlink()  # pictures of pages no longer taken must not linger
    shot = Camera(DOCS_IMG if to_docs else tmp_path / "shots")
    options = {"accept_downloads": True, "locale": "zh-CN", "viewport": {"width": 1200, "height": 800}}
    bureau, department = browser.new_context(**options), browser.new_context(**options)
    page, dpage = bureau.new_page(), department.new_page()
    task_url = _bureau_prepares(page, shot, server)
    link = page.get_attribute("table.links tbody tr:first-child a", "href")

    dpage.goto(link)
    assert "甲局" in dpage.content() and "乙局" not in dpage.content()
    shot(dpage, "department-01-link")
    with dpage.expect_download() as got:
        dpage.click("#download")
    form = tmp_path / "form.xlsx"
    got.value.save_as(form)
    _upload(dpage, fill(form, tmp_path / "甲局-填好.xlsx", BAD), "待修改")
    findings = dpage.inner_text("#result table.findings")
    assert "部门整体支出绩效自评表!P" in findings and "联系人：未填写" in findings and "CHK_REQUIRED" in findings
    shot(dpage, "department-02-findings")
    _upload(dpage, fill(form, tmp_path / "甲局-改好.xlsx", OVER), "已通过")
    shot(dpage, "department-03-passed")

    _bureau_reviews(page, shot, task_url)

    dpage.goto(link)
    assert "财政局退回：请补充资金超支的原因说明后重新上传" in dpage.content()
    shot(dpage, "department-04-sent-back")
    with dpage.expect_download() as got:
        dpage.click("text=下载批注版 >> nth=0")
    assert "退回意见" in load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).sheetnames
    _upload(dpage, fill(form, tmp_path / "甲局-再改.xlsx", GOOD), "已通过")
    shot(dpage, "department-05-resent")

    _bureau_closes(page, shot, server, task_url)
    bureau.close()
    department.close()
    assert sorted(shot.saved) == sorted(p.name for p in DOCS_IMG.glob("*.png")), "docs/img/serve is not what this test takes"
