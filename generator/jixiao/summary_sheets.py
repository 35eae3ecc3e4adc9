"""The summary workbook's sheets: one per template variant (rows, 合计, grades, charts)
and 问题清单 (every open finding). What the rows hold is decided in :mod:`jixiao.summary`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .archive import StoredReturn
from .codes import SEVERITY_ZH, Status
from .layout.refs import a1
from .rules.numbers import is_number

#: The sheet listing every open finding.
FINDINGS_SHEET = "问题清单"
FINDINGS_COLUMNS = ("单位编码", "单位名称", "模板", "版本", "代码", "级别", "工作表", "单元格", "说明")
_SEVERITY_ORDER = {"error": 0, "warning": 1}
_FONT = "宋体"
_PROJECTS_NOTE = "本表无部门资金栏：取所附项目支出绩效自评表「年度资金总额」之和；执行率按项目表的规则计算；等级按模板的等级区间由总分确定。"


@dataclass(frozen=True)
class VariantSummary:
    """What one variant sheet holds (the cached values of its 合计 row)."""

    template_id: str
    sheet: str
    departments: int
    budget_total: float  # ΣA
    actual_total: float  # ΣB
    average_total: float | None  # AVERAGE of the 总分 column (None when no total)
    grades: dict[str, int]  # departments per grade band, in the template's order
    errors: int
    warnings: int
    needs_fix: int  # rows whose status is 待修改


@dataclass
class SummaryRow:
    """One department's row: what its return gives, recomputed."""

    stored: StoredReturn
    title: str = ""
    grades: list[str] = field(default_factory=list)
    budget: float | None = None
    actual: float | None = None
    rate: float | None = None
    parts: dict[str, Any] = field(default_factory=dict)  # by column head
    total: float | None = None
    grade: str | None = None
    from_projects: bool = False
    note: str = ""


def sum_numbers(values: Sequence[Any]) -> float | None:
    """The sum of the numbers among ``values`` (None when there are none)."""
    numbers = [float(v) for v in values if is_number(v)]
    return sum(numbers) if numbers else None


def _width(value: Any) -> int:
    text = value if isinstance(value, str) else f"{value:.2f}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


class Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": _FONT, "font_size": 10, "border": 1, "valign": "vcenter"}
        self.head = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True,
                                   "bg_color": "#DDEBF7"})
        self.text = wb.add_format({**base})
        self.center = wb.add_format({**base, "align": "center"})
        self.integer = wb.add_format({**base, "align": "center", "num_format": "0"})
        self.money = wb.add_format({**base, "num_format": "0.00"})
        self.rate = wb.add_format({**base, "num_format": "0.00%"})
        self.score = wb.add_format({**base, "num_format": "0.00"})
        self.needs_fix = wb.add_format({**base, "align": "center", "font_color": "#C00000"})
        self.wrap = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        total = {**base, "bold": True, "bg_color": "#F2F2F2", "top": 2}
        self.t_text = wb.add_format({**total, "align": "center"})
        self.t_count = wb.add_format({**total, "align": "center", "num_format": '"共 "0" 个单位"'})
        self.t_money = wb.add_format({**total, "num_format": "0.00"})
        self.t_rate = wb.add_format({**total, "num_format": "0.00%"})
        self.t_average = wb.add_format({**total, "num_format": '"平均 "0.00'})
        self.t_integer = wb.add_format({**total, "align": "center", "num_format": "0"})
        self.t_needs_fix = wb.add_format({**total, "align": "center", "num_format": '"待修改 "0" 个"'})
        self.t_blank = wb.add_format({**total})


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: Format) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif is_number(value):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)  # text is never a formula


def _page_setup(ws: Worksheet, last_row: int, last_col: int) -> None:
    """A4 landscape, one page wide, the header row repeated on every page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.print_area(0, 0, last_row, last_col)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


@dataclass
class _Column:
    head: str
    kind: str  # text, integer, money, rate, score, status
    get: Any  # SummaryRow -> value
    width: int = 8


def _columns(rows: list[SummaryRow]) -> list[_Column]:
    heads: list[str] = []
    for r in rows:
        for head in r.parts:
            if head not in heads:
                heads.append(head)
    cols = [
        _Column("单位编码", "text", lambda r: r.stored.department_code),
        _Column("单位名称", "text", lambda r: r.stored.department_name),
        _Column("版本", "integer", lambda r: r.stored.version),
        _Column("全年预算数(A)", "money", lambda r: r.budget),
        _Column("全年执行数(B)", "money", lambda r: r.actual),
        _Column("预算执行率", "rate", lambda r: r.rate),
        *[_Column(h, "score", lambda r, h=h: r.parts.get(h)) for h in heads],
        _Column("总分", "score", lambda r: r.total),
        _Column("等级", "center", lambda r: r.grade),
        _Column("错误数", "integer", lambda r: r.stored.error_count),
        _Column("警告数", "integer", lambda r: r.stored.warning_count),
        _Column("状态", "status", lambda r: r.stored.status),
    ]
    if any(r.note for r in rows):
        cols.append(_Column("备注", "wrap", lambda r: r.note))
    for c in cols:
        widths = [_width(c.head) // 2 + 2 if c.kind != "text" else _width(c.head)]
        widths += [_width(c.get(r)) for r in rows if c.get(r) not in (None, "")]
        least = {"score": 11, "money": 12, "rate": 10, "status": 12}.get(c.kind, 8)  # fits the 合计 row
        c.width = max(least, min(40 if c.kind == "wrap" else 30, max(widths) + 2))
    return cols


def _grade_labels(rows: list[SummaryRow]) -> list[str]:
    labels: list[str] = []
    for r in rows:
        for g in [*r.grades, *([r.grade] if r.grade else [])]:
            if g not in labels:
                labels.append(g)
    return labels


def write_variant(wb: xlsxwriter.Workbook, st: Styles, name: str, template_id: str,
                  rows: list[SummaryRow]) -> VariantSummary:
    """One variant's sheet: a row per department, the 合计 row, grade counts and charts."""
    ws = wb.add_worksheet(name)
    cols = _columns(rows)
    idx = {c.head: i for i, c in enumerate(cols)}
    for j, c in enumerate(cols):
        ws.set_column(j, j, c.width)
        ws.write_string(0, j, c.head, st.head)
    if any(r.from_projects for r in rows):
        for head in ("全年预算数(A)", "全年执行数(B)", "预算执行率", "等级"):
            ws.write_comment(0, idx[head], _PROJECTS_NOTE, {"author": "jixiao", "x_scale": 2, "y_scale": 1.5})
    ws.set_row(0, 30)
    kinds = {"text": st.text, "center": st.center, "integer": st.integer, "money": st.money, "rate": st.rate,
             "score": st.score, "wrap": st.wrap}
    for i, r in enumerate(rows, start=1):
        for j, c in enumerate(cols):
            value = c.get(r)
            fmt = (st.needs_fix if value == Status.NEEDS_FIX else st.center) if c.kind == "status" else kinds[c.kind]
            _put(ws, i, j, value, fmt)
    summary = _totals_row(ws, st, cols, rows, name, template_id)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
    _page_setup(ws, len(rows) + 1, len(cols) - 1)  # the table prints; the charts are for the screen
    _grades_and_charts(wb, ws, st, cols, rows, summary.grades)
    return summary


def _range(n: int, j: int, absolute: bool = False) -> str:
    """Column ``j`` of the ``n`` department rows (at least one row, for an empty sheet)."""
    return a1(1, j, absolute=absolute) + ":" + a1(max(n, 1), j, absolute=absolute)


def _totals_row(ws: Worksheet, st: Styles, cols: list[_Column], rows: list[SummaryRow], name: str,
                template_id: str) -> VariantSummary:
    """合计: plain formulas with the results computed here as their cached values."""
    n = len(rows)
    t = n + 1
    idx = {c.head: i for i, c in enumerate(cols)}

    def column(head: str) -> list[Any]:
        return [cols[idx[head]].get(r) for r in rows]

    budget = sum_numbers(column("全年预算数(A)")) or 0.0
    actual = sum_numbers(column("全年执行数(B)")) or 0.0
    totals = [float(v) for v in column("总分") if is_number(v)]
    errors = sum(r.stored.error_count for r in rows)
    warning_count = sum(r.stored.warning_count for r in rows)
    needs_fix = sum(1 for r in rows if r.stored.status == Status.NEEDS_FIX)
    for j, c in enumerate(cols):
        if j == 0:
            ws.write_string(t, j, "合计", st.t_text)
        elif c.head == "单位名称":
            ws.write_formula(t, j, f"=COUNT({_range(n, idx['版本'])})", st.t_count, n)
        elif c.kind == "money":
            ws.write_formula(t, j, f"=SUM({_range(n, j)})", st.t_money,
                             budget if j == idx["全年预算数(A)"] else actual)
        elif c.head == "预算执行率" and budget > 0:
            a, b = a1(t, idx["全年预算数(A)"]), a1(t, idx["全年执行数(B)"])
            ws.write_formula(t, j, f"={b}/{a}", st.t_rate, actual / budget)
        elif c.kind == "score" and any(is_number(v) for v in column(c.head)):
            numbers = [float(v) for v in column(c.head) if is_number(v)]
            ws.write_formula(t, j, f"=AVERAGE({_range(n, j)})", st.t_average, sum(numbers) / len(numbers))
        elif c.head in ("错误数", "警告数"):
            ws.write_formula(t, j, f"=SUM({_range(n, j)})", st.t_integer,
                             errors if c.head == "错误数" else warning_count)
        elif c.kind == "status":
            ws.write_formula(t, j, f'=COUNTIF({_range(n, j)},"{Status.NEEDS_FIX}")', st.t_needs_fix, needs_fix)
        else:
            ws.write_blank(t, j, None, st.t_blank)
    ws.set_row(t, 20)
    grades = {label: sum(1 for r in rows if r.grade == label) for label in _grade_labels(rows)}
    return VariantSummary(template_id=template_id, sheet=name, departments=n, budget_total=budget,
                          actual_total=actual, average_total=sum(totals) / len(totals) if totals else None,
                          grades=grades, errors=errors, warnings=warning_count, needs_fix=needs_fix)


def _grades_and_charts(wb: xlsxwriter.Workbook, ws: Worksheet, st: Styles, cols: list[_Column],
                       rows: list[SummaryRow], grades: dict[str, int]) -> None:
    """Beside the table: departments per grade band, and the two charts."""
    name, n = ws.name, len(rows)
    idx = {c.head: i for i, c in enumerate(cols)}
    labels = list(grades)
    g0 = len(cols) + 1
    ws.set_column(g0, g0, 10)
    ws.set_column(g0 + 1, g0 + 1, 10)
    ws.write_string(0, g0, "等级", st.head)
    ws.write_string(0, g0 + 1, "单位数", st.head)
    for k, label in enumerate(labels, start=1):
        ws.write_string(k, g0, label, st.center)
        ws.write_formula(k, g0 + 1, f"=COUNTIF({_range(n, idx['等级'], True)},{a1(k, g0)})", st.integer,
                         grades[label])
    chart_row = len(labels) + 2
    if labels:
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": "单位数", "categories": [name, 1, g0, len(labels), g0],
                          "values": [name, 1, g0 + 1, len(labels), g0 + 1], "fill": {"color": "#5B9BD5"},
                          "data_labels": {"value": True}})
        chart.set_title({"name": "总分等级分布", "name_font": {"name": _FONT, "size": 12}})
        chart.set_x_axis({"name": "等级", "name_font": {"name": _FONT}, "num_font": {"name": _FONT}})
        chart.set_y_axis({"name": "单位数", "name_font": {"name": _FONT}, "min": 0, "major_unit": 1,
                          "num_format": "0", "major_gridlines": {"visible": True}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 480, "height": 288})
        ws.insert_chart(chart_row, g0, chart)
        chart_row += 17
    rate_col, name_col = idx["预算执行率"], idx["单位名称"]
    if n:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": "预算执行率", "categories": [name, 1, name_col, n, name_col],
                          "values": [name, 1, rate_col, n, rate_col], "fill": {"color": "#70AD47"},
                          "data_labels": {"value": True, "num_format": "0.00%"}})
        chart.set_title({"name": "各单位预算执行率", "name_font": {"name": _FONT, "size": 12}})
        # In a bar chart x is the (horizontal) value axis, y the category axis: the first
        # department at the top, the value axis kept at the bottom.
        chart.set_x_axis({"num_format": "0%", "min": 0, "num_font": {"name": _FONT},
                          "major_gridlines": {"visible": True}})
        chart.set_y_axis({"num_font": {"name": _FONT}, "reverse": True, "crossing": "max"})
        chart.set_legend({"none": True})
        chart.set_size({"width": 480, "height": max(288, 60 + 24 * n)})
        ws.insert_chart(chart_row, g0, chart)


def write_findings(wb: xlsxwriter.Workbook, st: Styles, latest: list[StoredReturn],
                    sheet_of: dict[str, str]) -> int:
    ws = wb.add_worksheet(FINDINGS_SHEET)
    items: list[tuple[Any, ...]] = []
    for r in latest:
        found = list(r.open_findings)  # warnings the bureau checked (已核实) are not open
        found.sort(key=lambda f: _SEVERITY_ORDER[f["severity"]])  # stable: the verifier's order
        for f in found:
            message = f.get("message_zh") or f.get("message") or f.get("message_en") or ""
            items.append((r.department_code, r.department_name, sheet_of.get(r.template_id, r.template_id),
                          r.version, str(f.get("code", "")), SEVERITY_ZH[f["severity"]], str(f.get("sheet") or ""),
                          str(f.get("cell") or ""), str(message)))
    widths = [max(8, min(30, max([_width(h) + 2] + [_width(it[j]) + 2 for it in items])))
              for j, h in enumerate(FINDINGS_COLUMNS)]
    widths[-1] = 70
    for j, (head, width) in enumerate(zip(FINDINGS_COLUMNS, widths, strict=True)):
        ws.set_column(j, j, width)
        ws.write_string(0, j, head, st.head)
    for i, it in enumerate(items, start=1):
        for j, value in enumerate(it):
            fmt = st.wrap if j == len(it) - 1 else st.integer if j == 3 else st.text
            _put(ws, i, j, value, fmt)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(items), 1), len(FINDINGS_COLUMNS) - 1)
    _page_setup(ws, max(len(items), 1), len(FINDINGS_COLUMNS) - 1)
    return len(items)
