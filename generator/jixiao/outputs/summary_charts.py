"""The summary's title sheet (封面) and its charts sheet (统计图表).

Charts stay readable at any number of departments: they show distributions (departments
per grade over the returns that passed, per band of execution rate) and the top and
bottom ten, never one bar per department; each chart sits inside the printed area, one
variant per two pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..codes import Status
from ..layout.refs import a1, qualified
from .summary_sheets import Styles, SummaryRow, grade_labels, range_of

COVER_SHEET = "封面"
CHARTS_SHEET = "统计图表"
_FONT = "宋体"
#: Bands of the execution rate: (label, lower bound inclusive, upper bound exclusive).
RATE_BANDS: list[tuple[str, float | None, float | None]] = [
    ("低于60%", None, 0.6), ("60%–80%", 0.6, 0.8), ("80%–90%", 0.8, 0.9), ("90%–95%", 0.9, 0.95),
    ("95%–100%", 0.95, 1.0), ("100%", 1.0, None)]
TOP = 10
#: Rows of one printed page of the charts sheet (15 points each) and of one variant block.
PAGE_ROWS = 30
_ROW_PX = 20
_COL_WIDTHS = [12, 26, 10, 10, 2, 14, 14, 14, 14, 14]  # A..J
_CHART_COL = 5  # F: charts to the right of the small tables
_CHART_W = sum(int(w * 7 + 0.5) + 5 for w in _COL_WIDTHS[_CHART_COL:]) - 10
_CHART_H = 13 * _ROW_PX  # two charts and a row between them on one printed page (PAGE_ROWS)


@dataclass(frozen=True)
class Variant:
    """One variant sheet as the cover and the charts see it."""

    sheet: str
    rows: list[SummaryRow]
    grade_col: int  # columns of the variant sheet
    rate_col: int
    remark_col: int


def _count_if(v: Variant, col: int, criterion: str) -> str:
    first, last = qualified(v.sheet, 1, col), a1(max(len(v.rows), 1), col, absolute=True)
    return f'COUNTIF({first}:{last},"{criterion}")'


def write_cover(wb: xlsxwriter.Workbook, st: Styles, year: int, region: str, compiled_by: str,
                compiled_on: dt.date | None, variants: list[Variant]) -> None:
    """Title, year, region, 编制单位, 编制日期, unit, and the reporting status per form."""
    ws = wb.add_worksheet(COVER_SHEET)
    title = wb.add_format({"font_name": _FONT, "font_size": 18, "bold": True, "align": "center", "valign": "vcenter"})
    line = wb.add_format({"font_name": _FONT, "font_size": 12, "valign": "vcenter"})
    widths = [34, 12, 12, 12, 12]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.merge_range(0, 0, 0, 4, f"{region}{year}年度预算绩效自评结果汇总表", title)
    ws.set_row(0, 48)
    date = f"{compiled_on.year}年{compiled_on.month}月{compiled_on.day}日" if compiled_on else "    年  月  日"
    facts = [("地区", region or ""), ("年度", f"{year}年度"), ("编制单位", compiled_by or ""),
             ("编制日期", date), ("金额单位", "万元")]
    for i, (label, value) in enumerate(facts, start=2):
        ws.merge_range(i, 0, i, 4, f"{label}：{value}", line)
        ws.set_row(i, 22)
    top = len(facts) + 3
    heads = ["表格", "应报单位", "已通过", "待修改", "未交"]
    for j, h in enumerate(heads):
        ws.write_string(top, j, h, st.head)
    for i, v in enumerate(variants, start=top + 1):
        n = len(v.rows)
        passed = sum(1 for r in v.rows if r.passed)
        missing = sum(1 for r in v.rows if r.stored is None)
        ws.write_string(i, 0, v.sheet, st.text)
        ws.write_formula(i, 1, f"=COUNTA({qualified(v.sheet, 1, 0)}:{a1(max(n, 1), 0, absolute=True)})",
                         st.integer, n)
        ws.write_formula(i, 3, "=" + _count_if(v, v.remark_col, "待修改*"), st.integer, n - passed - missing)
        ws.write_formula(i, 4, "=" + _count_if(v, v.remark_col, str(Status.MISSING)), st.integer, missing)
        ws.write_formula(i, 2, f"={a1(i, 1)}-{a1(i, 3)}-{a1(i, 4)}", st.integer, passed)
    last = top + len(variants)
    missing_names = [r.name for v in variants for r in v.rows if r.stored is None]
    if missing_names:
        ws.merge_range(last + 2, 0, last + 2, 4, "未交单位：" + "、".join(missing_names[:200])
                       + ("等" if len(missing_names) > 200 else ""), st.wrap)
        ws.set_row(last + 2, min(409, 16 * (1 + len("、".join(missing_names[:200])) // 40)))
        last += 2
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, last, 4)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.activate()


def write_charts(wb: xlsxwriter.Workbook, st: Styles, variants: list[Variant]) -> None:
    """Per variant, two printed pages: the grade and rate distributions with their charts,
    then the top and bottom ten by 总分 (returns that passed)."""
    ws = wb.add_worksheet(CHARTS_SHEET)
    for j, w in enumerate(_COL_WIDTHS):
        ws.set_column(j, j, w)
    bold = wb.add_format({"font_name": _FONT, "font_size": 13, "bold": True})
    breaks: list[int] = []
    for k, v in enumerate(variants):
        top = 2 * PAGE_ROWS * k
        if k:
            breaks.append(top)
        passed = [r for r in v.rows if r.passed]
        ws.write_string(top, 0, f"{v.sheet}（已通过 {len(passed)} 个单位，共 {len(v.rows)} 个）", bold)
        _grade_block(wb, ws, st, v, top + 2)
        _rate_block(wb, ws, st, v, top + 16)
        breaks.append(top + PAGE_ROWS)
        _top_bottom(ws, st, passed, top + PAGE_ROWS)
    for r in range(2 * PAGE_ROWS * max(len(variants), 1)):
        ws.set_row(r, 15)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, 2 * PAGE_ROWS * max(len(variants), 1) - 1, len(_COL_WIDTHS) - 1)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _chart(wb: xlsxwriter.Workbook, sheet: str, first: int, last: int, title: str, axis: str,
           color: str) -> xlsxwriter.chart.Chart:
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "单位数", "categories": [sheet, first, 0, last, 0],
                      "values": [sheet, first, 1, last, 1], "fill": {"color": color},
                      "data_labels": {"value": True}})
    chart.set_title({"name": title, "name_font": {"name": _FONT, "size": 11}})
    chart.set_x_axis({"name": axis, "name_font": {"name": _FONT}, "num_font": {"name": _FONT}})
    chart.set_y_axis({"name": "单位数", "name_font": {"name": _FONT}, "min": 0, "num_format": "0",
                      "major_gridlines": {"visible": True}})
    chart.set_legend({"none": True})
    chart.set_size({"width": _CHART_W, "height": _CHART_H})
    return chart


def _grade_block(wb: xlsxwriter.Workbook, ws: Worksheet, st: Styles, v: Variant, top: int) -> None:
    labels = grade_labels(v.rows)
    ws.write_string(top, 0, "等级", st.head)
    ws.write_string(top, 1, "单位数（已通过）", st.head)
    for i, label in enumerate(labels, start=top + 1):
        ws.write_string(i, 0, label, st.center)
        count = sum(1 for r in v.rows if r.published_grade == label)
        ws.write_formula(i, 1, "=" + _count_if(v, v.grade_col, label), st.integer, count)
    if labels:
        ws.insert_chart(top, _CHART_COL, _chart(wb, ws.name, top + 1, top + len(labels), "等级分布（已通过）",
                                                 "等级", "#5B9BD5"))


def _rate_block(wb: xlsxwriter.Workbook, ws: Worksheet, st: Styles, v: Variant, top: int) -> None:
    ws.write_string(top, 0, "预算执行率", st.head)
    ws.write_string(top, 1, "单位数", st.head)
    rng = f"{qualified(v.sheet, 1, v.rate_col)}:{a1(max(len(v.rows), 1), v.rate_col, absolute=True)}"
    rates = [r.rate for r in v.rows if r.rate is not None]
    for i, (label, low, high) in enumerate(RATE_BANDS, start=top + 1):
        parts = ([f'COUNTIF({rng},">={low}")'] if low is not None else [f"COUNT({rng})"])
        if high is not None:
            parts.append(f'COUNTIF({rng},">={high}")')
        count = sum(1 for x in rates if (low is None or x >= low) and (high is None or x < high))
        ws.write_string(i, 0, label, st.center)
        ws.write_formula(i, 1, "=" + "-".join(parts), st.integer, count)
    ws.insert_chart(top, _CHART_COL, _chart(wb, ws.name, top + 1, top + len(RATE_BANDS), "预算执行率分布",
                                             "预算执行率", "#70AD47"))


def _top_bottom(ws: Worksheet, st: Styles, passed: list[SummaryRow], top: int) -> None:
    ranked = sorted((r for r in passed if r.total is not None), key=lambda r: (r.rank, r.code))
    blocks = [(0, f"总分前 {TOP} 名", ranked[:TOP]), (5, f"总分后 {TOP} 名", ranked[::-1][:TOP][::-1])]
    for col, title, rows in blocks:
        ws.merge_range(top, col, top, col + 3, title, st.head)
        for j, h in enumerate(("排名", "单位名称", "总分", "等级")):
            ws.write_string(top + 1, col + j, h, st.head)
        for i, r in enumerate(rows, start=top + 2):
            ws.write_number(i, col, r.rank or 0, st.integer)
            ws.write_string(i, col + 1, r.name, st.text)
            ws.write_number(i, col + 2, r.total or 0.0, st.score)
            ws.write_string(i, col + 3, r.grade or "", st.center)


def variant_columns(heads: list[str]) -> tuple[int, int, int]:
    """(等级, 预算执行率, 备注) column indexes of a variant sheet with these heads."""
    return heads.index("等级"), heads.index("预算执行率"), heads.index("备注")


__all__ = ["CHARTS_SHEET", "COVER_SHEET", "Variant", "range_of", "variant_columns", "write_charts", "write_cover"]
