"""The summary for publication at hundreds (and, slow, 2,000) of departments: every
roster department listed, 未交 marked, grades over the returns that passed, ranking,
distribution charts inside the print area, and the pages LibreOffice prints."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from calc.libreoffice import available, convert_to_pdf
from conftest import require
from forms import build_filled, seed_000_values
from jixiao.archive import Archive, Submission
from jixiao.outputs.summary import CHARTS_SHEET, COVER_SHEET, INTERNAL_SHEET, write_summary
from jixiao.verify.verification import verify_file
from print_util import assert_charts_in_print_area, chart_anchors, pdf_pages

YEAR = 2023
SHEET = "贵州 部门整体支出绩效目标自评表"
KINDS = 8  # distinct returns: kind 0 keeps seed 000's funds error, the others pass


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> list[tuple[bytes, list[dict]]]:
    folder = tmp_path_factory.mktemp("kinds")
    out = []
    for k in range(KINDS):
        actual = 300 + 20 * k  # execution rates from 65% to 96%
        funds = {"total": (443.88 if k == 0 else 444.38, 459.61, actual),
                 "basic": (353.88, 369.11, actual - 83.94), "project": (90.5, 90.5, 83.94)}
        path, _ = build_filled("guizhou-zhengti", lambda layout, f=funds: seed_000_values(layout, funds=f),
                               folder / f"k{k}.xlsx")
        out.append((path.read_bytes(), [f.to_dict() for f in verify_file(path).findings]))
    return out


def summary_of(books, n: int, folder: Path) -> tuple[Path, list[tuple[str, str]]]:
    """``n`` departments sent a return (one of the kinds each), a tenth more never did."""
    roster = [(f"{i:04d}", f"第{i}局") for i in range(n + n // 10)]
    with Archive(f"sqlite:///{folder / 'a.sqlite'}") as archive:
        for i in range(n):
            data, findings = books[i % KINDS]
            archive.store(Submission(data, f"{i}.xlsx", f"{i:04d}", f"第{i}局", YEAR, "guizhou-zhengti", "2",
                                     findings=findings))
        write_summary(archive, YEAR, folder / "汇总表.xlsx", roster=roster, compiled_by="黔南州财政局")
    return folder / "汇总表.xlsx", roster


def check(path: Path, roster: list[tuple[str, str]], n: int) -> None:
    wb = openpyxl.load_workbook(path, data_only=True)
    assert wb.sheetnames[0] == COVER_SHEET and wb.active.title == COVER_SHEET
    cover = [c for row in wb[COVER_SHEET].iter_rows(values_only=True) for c in row if c]
    assert {"地区：黔南州", "年度：2023年度", "编制单位：黔南州财政局", "金额单位：万元"} <= set(cover)
    assert any(str(c).startswith("编制日期：") and "年" in str(c) for c in cover)
    rows = [r for r in wb[SHEET].iter_rows(min_row=2, values_only=True) if r[0] != "合计"]
    heads = [c.value for c in wb[SHEET][1]]
    assert [r[0] for r in rows] == [code for code, _ in roster]  # every roster department, by code
    remark, grade, rank = heads.index("备注"), heads.index("等级"), heads.index("排名")
    assert sum(r[remark] == "未交" for r in rows) == len(roster) - n
    failing = -(-n // KINDS)  # kind 0: every eighth department
    assert sum(str(r[remark] or "").startswith("待修改") for r in rows) == failing
    assert sum(r[grade] is not None for r in rows) == n - failing == sum(r[rank] is not None for r in rows)
    assert min(r[rank] for r in rows if r[rank]) == 1
    assert not {"版本", "错误数", "警告数", "状态"} & set(heads)  # internal columns only on the bureau's sheet
    assert {"版本", "错误数", "警告数", "状态"} <= {c.value for c in wb[INTERNAL_SHEET][1]}
    charts = [r for r in wb[CHARTS_SHEET].iter_rows(values_only=True)]
    assert sum(r[1] for r in charts[3:7]) == n - failing  # grades counted over 已通过 only
    assert [len(v) for v in chart_anchors(path).values()] == [2]  # two charts, whatever n is
    assert_charts_in_print_area(path)


def check_pages(path: Path, folder: Path, n: int) -> list[str]:
    pages = pdf_pages(convert_to_pdf([path], folder / "pdf")[path])
    assert "预算绩效自评结果汇总表" in pages[0] and "编制单位" in pages[0]
    charts = [i for i, p in enumerate(pages) if "（已通过" in p or "总分前 10 名" in p]
    assert len(charts) == 2 and charts[1] == charts[0] + 1  # one page of charts, one of top/bottom ten
    table = [i for i, p in enumerate(pages) if f"2023年度 {SHEET}" in p]
    assert table == list(range(1, charts[0]))  # the table right after the cover, header on every page
    assert len(table) <= n // 25 + 2  # a readable 30-odd rows a page, not a shrunk sheet
    return pages


@pytest.mark.libreoffice
def test_summary_at_hundreds_of_departments(books, tmp_path: Path) -> None:
    path, roster = summary_of(books, 240, tmp_path)
    check(path, roster, 240)
    require(available(), "LibreOffice")
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    check_pages(path, tmp_path, 240)


@pytest.mark.slow
@pytest.mark.libreoffice
def test_summary_at_2000_departments(books, tmp_path: Path) -> None:
    path, roster = summary_of(books, 2000, tmp_path)
    check(path, roster, 2000)
    require(available(), "LibreOffice")
    check_pages(path, tmp_path, 2000)
