"""End to end in a real browser: Debian's chromium driven by Playwright.

setup → login → new task → roster upload → build → ZIP download → a department's link →
download → fill the form (openpyxl) with mistakes → upload → findings shown → fix →
upload → 已通过 on the bureau's board → summary download.

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


def test_a_year_in_the_browser(browser, server, tmp_path):
    shots = DOCS_IMG if os.environ.get("JIXIAO_SCREENSHOTS") == "1" else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    bureau = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1200, "height": 800})
    page = bureau.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    page.goto(server.url)
    assert "一次性设置链接" in page.content()
    shot("01-first-run")
    page.goto(server.setup_link())
    page.fill("input[name=username]", "czj")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    shot("02-setup")
    page.click("button[type=submit]")
    page.wait_for_url("**/login")
    page.fill("input[name=username]", "czj")
    page.fill("input[name=password]", PASSWORD)
    shot("03-login")
    page.click("main button[type=submit]")
    page.wait_for_url("**/tasks")

    page.fill("input[name=name]", "2023 年度部门整体支出绩效自评")
    page.fill("input[name=year]", "2023")
    page.select_option("select[name=template_id]", "guizhou-zhengti")
    page.fill("input[name=deadline]", "2099-03-31")
    shot("04-tasks")
    page.click("form[action='/tasks'] button")
    page.wait_for_url("**/tasks/*")
    page.set_input_files("input[name=file]", files=[{
        "name": "单位数据.xlsx", "mimeType": "application/octet-stream",
        "buffer": roster_xlsx([("520101", "甲局"), ("520102", "乙局"), ("520103", "丙局")])}])
    page.click("text=上传单位表")
    page.wait_for_selector("text=共 3 个单位")
    shot("05-roster")
    page.click("text=生成各单位预填表")
    page.wait_for_selector("text=已生成 3 份预填表", timeout=120_000)  # the page refreshes itself while building
    shot("06-built")
    with page.expect_download() as got:
        page.click("#zip")
    assert sorted(zipfile.ZipFile(got.value.path()).namelist()) == [
        "520101_甲局.xlsx", "520102_乙局.xlsx", "520103_丙局.xlsx"]
    page.click("text=为全部单位发放新链接")
    page.wait_for_selector("table.links")
    shot("07-links")
    link = page.get_attribute("table.links tbody tr:first-child a", "href")
    task_url = page.url.rsplit("/links", 1)[0]

    department = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1200, "height": 800})
    dpage = department.new_page()
    dpage.goto(link)
    assert "甲局" in dpage.content() and "乙局" not in dpage.content()
    dpage.screenshot(path=str(shots / "08-department.png"), full_page=True)
    with dpage.expect_download() as got:
        dpage.click("#download")
    form = tmp_path / "form.xlsx"
    got.value.save_as(form)
    fill(form, tmp_path / "甲局-填好.xlsx", BAD)
    dpage.set_input_files("#file", str(tmp_path / "甲局-填好.xlsx"))
    dpage.click("#submit")
    dpage.wait_for_selector("#result")
    assert dpage.inner_text("#state") == "待修改"
    findings = dpage.inner_text("#result table.findings")
    assert "部门整体支出绩效自评表!P" in findings and "联系人：未填写" in findings and "CHK_REQUIRED" in findings
    dpage.screenshot(path=str(shots / "09-findings.png"), full_page=True)
    fill(form, tmp_path / "甲局-改好.xlsx", GOOD)
    dpage.set_input_files("#file", str(tmp_path / "甲局-改好.xlsx"))
    dpage.click("#submit")
    dpage.wait_for_selector("#result")
    assert dpage.inner_text("#state") == "已通过"
    dpage.screenshot(path=str(shots / "10-passed.png"), full_page=True)

    page.goto(task_url + "/board")
    assert page.inner_text("tr[data-code='520101'] .state") == "已通过"
    assert page.inner_text("tr[data-code='520102'] .state") == "未交"
    shot("11-board")
    with page.expect_download() as got:
        page.click("#summary")
    assert load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).sheetnames
    page.click("tr[data-code='520101'] >> text=查看")
    page.wait_for_selector("text=本单位全部版本")
    shot("12-return")
    page.goto(server.url + "/audit")
    assert "收到报表" in page.inner_text("#audit")
    shot("13-audit")
    bureau.close()
    department.close()
