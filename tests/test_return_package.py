"""What the bureau sends back: the findings report (by department, in plain Chinese, never
overwritten silently) and one return package per department in a round folder and a ZIP,
each rendered by LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from calc.libreoffice import available, convert_to_pdf
from forms import seed_000_values
from jixiao.atomic import OutputExists
from jixiao.layout import DEPARTMENT_KEY, build_layout
from jixiao.outputs.findings_report import write_findings_report
from jixiao.outputs.return_package import SHEET, write_return_packages
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file
from jixiao.write import write_workbook
from tests.conftest import require

DEPARTMENTS = [("001", "甲局"), ("002", "乙局"), ("003", "丙局")]


def _return(folder: Path, code: str, name: str, *, fixed: bool = False) -> Path:
    layout = build_layout(load_template("guizhou-zhengti"), {DEPARTMENT_KEY: {"code": code, "name": name}})
    values = seed_000_values(layout)
    if fixed:  # seed 000's own 年初预算数 error (CHK_FUNDS_SUM) corrected, and its 志愿服务
        # (400 against a target of 1: ROW_ACTUAL_FAR_OVER, a warning) explained
        values["zt_fund_total_initial"] = 444.38
        far = next(k for k, v in values.items() if v == "志愿服务").removesuffix("_name")
        values[f"{far}_reason"] = "按实际参加人次统计"
    return write_workbook(layout, folder / f"{code}.xlsx", values=values)


@pytest.fixture
def returns(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "收回"
    folder.mkdir()
    return [_return(folder, code, name, fixed=code == "003") for code, name in DEPARTMENTS]


def test_findings_report_by_department_in_chinese(returns: list[Path], tmp_path: Path) -> None:
    results = [verify_file(p) for p in returns]
    out = write_findings_report(results, tmp_path / "问题清单.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "全部问题", "001 甲局", "002 乙局", "003 丙局"]
    overview = list(wb["汇总"].iter_rows(values_only=True))
    assert overview[0][:2] == ("单位编码", "单位名称")
    assert [(r[0], r[1], r[3]) for r in overview[1:]] == [("001", "甲局", "待修改"), ("002", "乙局", "待修改"),
                                                           ("003", "丙局", "已通过")]
    mine = list(wb["001 甲局"].iter_rows(values_only=True))
    assert mine[0] == ("单位编码", "单位名称", "文件", "级别", "工作表", "单元格", "现填内容", "问题及修改要求", "代码")
    assert {r[0] for r in mine[1:]} == {"001"}
    funds = next(r for r in mine[1:] if r[-1] == "CHK_FUNDS_SUM")
    assert funds[7] and not re.match(r"\[?[A-Z_]{3,}", funds[7])  # the message starts in Chinese
    assert not funds[6]  # a check over several cells: its message says what it found
    for ws in wb.worksheets:  # no internal name and no English column
        assert not any("zt_" in str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    with pytest.raises(OutputExists):
        write_findings_report(results, out)
    write_findings_report(results, out, force=True)


def test_round_folder_holds_only_current_packages_and_a_zip(returns: list[Path], tmp_path: Path) -> None:
    back = tmp_path / "退回"
    first = write_return_packages([verify_file(p) for p in returns], back, round_no=2)
    assert [p.name for p in first.workbooks] == ["001_甲局_第2轮_待修改.xlsx", "002_乙局_第2轮_待修改.xlsx"]
    # 乙局 sends a corrected return before the round is mailed: its package goes away.
    fixed = _return(tmp_path / "收回", "002", "乙局", fixed=True)
    again = write_return_packages([verify_file(p) for p in [returns[0], fixed, returns[2]]], back, round_no=2)
    assert {p.name for p in back.iterdir()} == {"第2轮", "第2轮.zip"}
    assert [p.name for p in (back / "第2轮").iterdir()] == ["001_甲局_第2轮_待修改.xlsx"]
    assert zipfile.ZipFile(again.archive).namelist() == ["第2轮/001_甲局_第2轮_待修改.xlsx"]


def test_package_lists_every_problem_first_and_marks_its_cells(returns: list[Path], tmp_path: Path) -> None:
    v = verify_file(returns[0])
    [package] = write_return_packages([v], tmp_path / "退回").workbooks
    wb = openpyxl.load_workbook(package)
    assert wb.sheetnames[0] == SHEET and wb.active.title == SHEET
    rows = list(wb[SHEET].iter_rows(min_row=4, values_only=True))
    problems = [f for f in v.findings if f.severity in ("error", "warning")]
    assert [(r[2], r[3], r[5], r[6]) for r in rows] == [(f.sheet, f.cell, f.message_zh, f.code) for f in problems]
    for f in problems:
        if f.cell:
            cell = wb[f.sheet][f.cell]
            assert cell.fill.fgColor.rgb.endswith("FFC7CE"), f  # printed highlighted, not only a comment
            assert not cell.comment.text.startswith("[")
    funds = next(f for f in problems if f.code == "CHK_FUNDS_SUM")  # a check in the panel, not printed:
    total = build_layout(load_template("guizhou-zhengti")).cell("zt_fund_total_initial").address
    assert funds.cell != total and wb[funds.sheet][total].fill.fgColor.rgb.endswith("FFC7CE")  # marked in the form
    # The department fixes the package and sends it back: the added sheet and colours are no tampering.
    again = verify_file(package)
    assert [f.code for f in again.findings if f.severity != "note"] == [f.code for f in problems]


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))  # type: ignore[union-attr]


@pytest.mark.libreoffice
def test_report_and_package_render(returns: list[Path], tmp_path: Path) -> None:
    require(available(), "LibreOffice")
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    results = [verify_file(p) for p in returns]
    report = write_findings_report(results, tmp_path / "问题清单.xlsx")
    [package, _] = write_return_packages(results, tmp_path / "退回").workbooks
    pdfs = convert_to_pdf([report, package], tmp_path / "pdf")
    # 汇总, 全部问题 and one sheet per department, each one page wide and short.
    assert _pages(pdfs[report]) == 5
    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdfs[package]), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "退回意见" in first and "问题及修改要求" in first
    # the opinion sheet (1 page) and the form's own pages
    assert _pages(pdfs[package]) == 1 + 4
