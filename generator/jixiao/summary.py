"""The year's summary workbook (汇总表): every department's latest return on one page per form.

``jixiao summary --year 2023 --out 汇总表.xlsx`` (or :func:`write_summary`) reads the
archive and writes one native .xlsx that a bureau can print, filter and send on:

* one sheet per template variant (sheet name from the template's name, at most 31
  characters, unique, without ``[]:*?/\\``), one row per department holding the **latest**
  version of its series for that template: 单位编码, 单位名称, 版本, 全年预算数(A),
  全年执行数(B), 预算执行率, the score of each first-level indicator (预算执行率得分,
  产出指标, 效益指标, 满意度指标 ... as the form has them), 总分, 等级, 错误数, 警告数 and
  状态 (待修改 / 已通过); a 备注 column appears only when a row needs one;
* under the rows a 合计 row of plain Excel formulas (COUNT, SUM, AVERAGE, COUNTIF: what
  Excel 2010, WPS and LibreOffice all compute) carrying their results computed here, so
  any viewer shows the right numbers before recalculating;
* beside the rows the count of departments per grade band (COUNTIF formulas) with a
  native column chart of it, and a bar chart of the execution rate of each department;
* a sheet 问题清单 with every open finding (errors and warnings; notes are not open
  issues) of those latest versions, with an autofilter.

Where the numbers come from. The archive keeps each return's original bytes. The inputs
(A, B) are read again from those bytes and every computed value (execution rate,
first-level subtotals, total, grade) is **recomputed** by the Python references
(:func:`jixiao.verify.verify_return`, i.e. :func:`jixiao.layout.evaluate` over the layout
of the return's template); cached values saved in the file are never trusted. The error/warning counts, the status and the
findings are the ones the archive stored when the return was collected, so the summary
agrees with ``jixiao status``. A return whose bytes cannot be read against a shipped
template any more (its template was withdrawn) keeps its row with blank numbers and a
备注 saying why.

Which sheet of a workbook is summarised (one row per department and template):

* the first self-evaluation sheet without a ``project`` header field (the defined name
  ``<sheet>_project``): the department-level form — ``zt`` in guizhou-zhengti and in
  hunan-zhengti (whose 基础数据表 ``jc`` has no score and whose project forms
  ``xm1``..``xm3`` are not summarised);
* otherwise the first checklist sheet (gansu-checklist's 整体绩效自评表 ``qd``): its
  sections are the first-level columns and 总分 is its 自评分数合计; as a checklist has no
  funds block, A and B are the sums of the 年度资金总额 of the project forms its
  项目支出评价 averages, the rate is the project forms' own rate rule applied to those
  sums, and the grade is the template's grade bands applied to the total (the header
  cells carry a comment saying so);
* otherwise the first self-evaluation sheet (a project-only form).

The output is deterministic (same archive content, same bytes: fixed document date,
rows by department code, sheets by template id) and written atomically.

>>> >>> from jixiao.archive import Archive
>>> folder = tempfile.TemporaryDirectory()
>>> with Archive("sqlite://") as archive:          # an empty archive: only 问题清单
...     stats = write_summary(archive, 2023, Path(folder.name) / "汇总表.xlsx")
>>> stats.returns, stats.sheets
(0, {'问题清单': 0})
>>> folder.cleanup()

With returns collected (``jixiao collect``)::

    with Archive("sqlite:///jixiao.sqlite") as archive:
        stats = write_summary(archive, 2023, Path("汇总表.xlsx"))
    for v in stats.variants:
        print(v.sheet, v.departments, v.budget_total, v.actual_total, v.average_total)
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from .archive import Archive, StoredReturn
from .atomic import atomic_output
from .layout import Cell, Layout, SheetLayout
from .read import UnreadableWorkbook
from .read.record import NotAForm, open_return
from .rules.library import library
from .rules.numbers import is_number
from .verify import verify_return

__all__ = ["FINDINGS_SHEET", "SummaryStats", "VariantSummary", "sheet_name", "write_summary"]

#: The sheet listing every open finding.
FINDINGS_SHEET = "问题清单"
FINDINGS_COLUMNS = ("单位编码", "单位名称", "模板", "版本", "代码", "级别", "工作表", "单元格", "说明")
_SEVERITY_ZH = {"error": "错误", "warning": "警告"}
_SEVERITY_ORDER = {"error": 0, "warning": 1}
_EXEC_HEAD = "预算执行率得分"
_FIXED_DATE = dt.datetime(2000, 1, 1)
_FONT = "宋体"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_PROJECTS_NOTE = "本表无部门资金栏：取所附项目支出绩效自评表「年度资金总额」之和；执行率按项目表的规则计算；等级按模板的等级区间由总分确定。"


# --------------------------------------------------------------------------- results


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


@dataclass(frozen=True)
class SummaryStats:
    """What :func:`write_summary` wrote."""

    path: Path
    year: int
    variants: tuple[VariantSummary, ...]
    findings: int  # rows of 问题清单
    not_recomputed: tuple[str, ...] = ()  # "department/template" whose file could not be reread

    @property
    def returns(self) -> int:
        """Rows over all variant sheets (one per department and template)."""
        return sum(v.departments for v in self.variants)

    @property
    def sheets(self) -> dict[str, int]:
        """Data rows per sheet, in the workbook's order."""
        return {**{v.sheet: v.departments for v in self.variants}, FINDINGS_SHEET: self.findings}


# --------------------------------------------------------------------------- what to read


@dataclass(frozen=True)
class _Plan:
    """Which cells of a layout make a summary row."""

    sheet: str
    funds: tuple[tuple[str, str, str], ...]  # (budget, actual, rate cell) per funds block
    parts: tuple[tuple[str, str], ...]  # (column head, cell name) of the total's parts
    total: str
    grade: str | None  # the computed grade cell; None: apply the template's bands
    from_projects: bool  # funds summed over the project forms (checklist)


def _choose_sheet(layout: Layout) -> SheetLayout | None:
    names = layout.by_name
    evals = [s for s in layout.sheets if f"{s.id}_total_score" in names]
    department = [s for s in evals if f"{s.id}_project" not in names]
    if department:
        return department[0]
    checklists = [s for s in layout.sheets if f"{s.id}_total_self" in names]
    if checklists:
        return checklists[0]
    return evals[0] if evals else None


def _rate_cell(layout: Layout, sheet: str) -> Cell | None:
    """The execution rate of a self-evaluation sheet: its rate cell over budget and actual."""
    for c in layout.computed():
        if c.sheet == sheet and c.value_type == "rate" and {"budget", "actual"} <= set(c.args):
            return c
    return None


def _row_text(layout: Layout, cell: Cell) -> str:
    """The first text label in the cell's row (a checklist section's name)."""
    labels = [c for c in layout.sheet(cell.sheet).cells
              if c.row == cell.row and c.col < cell.col and c.role == "label" and isinstance(c.value, str)
              and c.value.strip()]
    return min(labels, key=lambda c: c.col).value.strip() if labels else ""


def _part_head(layout: Layout, name: str) -> str:
    cell = layout.cell(name)
    m = re.fullmatch(r"(.+_l1_\d+)_score", name)
    if m and f"{m.group(1)}_label" in layout.by_name:
        return str(layout.cell(f"{m.group(1)}_label").params.get("name") or cell.label)
    if "执行率" in cell.label:
        return _EXEC_HEAD
    return _row_text(layout, cell) or cell.label or name


def _plan(layout: Layout) -> _Plan | None:
    s = _choose_sheet(layout)
    if s is None:
        return None
    names = layout.by_name
    if f"{s.id}_total_score" in names:
        total, grade = f"{s.id}_total_score", f"{s.id}_grade"
        sheets = [s.name]
        from_projects = False
    else:
        total, grade = f"{s.id}_total_self", None
        averaged = [c for c in layout.computed() if c.sheet == s.name and c.rule == "AVERAGE_TIMES"]
        sheets = [layout.cell(v).sheet for c in averaged for v in c.args.get("values", [])]
        from_projects = True
    funds = []
    for sheet in sheets:
        rate = _rate_cell(layout, sheet)
        if rate is not None:
            funds.append((str(rate.args["budget"]), str(rate.args["actual"]), str(rate.name)))
    parts = layout.cell(total).args.get("parts", [])
    return _Plan(
        sheet=s.name,
        funds=tuple(funds),
        parts=tuple((_part_head(layout, p), p) for p in parts),
        total=total,
        grade=grade if grade and grade in names else None,
        from_projects=from_projects,
    )


# --------------------------------------------------------------------------- rows


@dataclass
class _Row:
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


def _number(v: Any) -> float | None:
    return float(v) if is_number(v) else None


def _sum(values: Sequence[Any]) -> float | None:
    numbers = [float(v) for v in values if is_number(v)]
    return sum(numbers) if numbers else None


def _recompute(stored: StoredReturn, data: bytes) -> _Row:
    """A summary row: the return reread from its bytes, every computed value recomputed."""
    row = _Row(stored)
    try:
        ret = open_return(data)
    except (UnreadableWorkbook, NotAForm) as exc:
        row.note = f"无法重新计算：{getattr(exc, 'message_zh', exc)}"
        return row
    layout = ret.layout
    sc = ret.template.template.scoring
    row.title = layout.title
    row.grades = [g.label for g in sc.grades]
    plan = _plan(layout)
    if plan is None:
        row.note = "无法重新计算：表格中没有可汇总的自评表"
        return row
    env = verify_return(ret).computed  # inputs and recomputed values, exactly as verification sees them
    row.from_projects = plan.from_projects
    if plan.funds:
        row.budget = _sum([env.get(b) for b, _, _ in plan.funds])
        row.actual = _sum([env.get(a) for _, a, _ in plan.funds])
        if len(plan.funds) == 1:
            row.rate = _number(env.get(plan.funds[0][2]))
        else:  # the projects' own rate rule over the summed funds
            rate_cell = layout.cell(plan.funds[0][2])
            value = library()[str(rate_cell.rule)].compute({"budget": row.budget, "actual": row.actual},
                                                           rate_cell.params)
            row.rate = _number(value)
    row.parts = {head: _number(env.get(name)) for head, name in plan.parts}
    row.total = _number(env.get(plan.total))
    if plan.grade is not None:
        grade = env.get(plan.grade)
    else:
        bands = {"bands": [[g.min, g.label] for g in sc.grades[:-1]], "otherwise": sc.grades[-1].label}
        grade = library()["GRADE"].compute({"total": row.total}, bands)
    row.grade = str(grade) if grade not in (None, "") else None
    return row


# --------------------------------------------------------------------------- sheet names


def sheet_name(title: str, taken: set[str], fallback: str = "Sheet") -> str:
    """A valid, unique worksheet name from a title (``taken`` is updated, compared casefolded).

    Excel refuses names longer than 31 characters, containing ``[]:*?/\\``, starting or
    ending with an apostrophe, or equal to another sheet's name ignoring case.

    >>> taken = {"问题清单"}
    >>> sheet_name("湖南 部门整体支出绩效自评表（基础数据表、部门整体、项目支出）", taken)
    '湖南 部门整体支出绩效自评表（基础数据表、部门整体、项目支出）'
    >>> sheet_name("a/b:[c]?", taken), sheet_name("问题清单", taken), sheet_name("'", taken)
    ('a_b__c__', '问题清单(2)', 'Sheet')
    """
    folded = {t.casefold() for t in taken}
    base = _BAD_SHEET_CHARS.sub("_", title).strip().strip("'").strip()[:31].rstrip("'") or fallback
    name, n = base, 1
    while name.casefold() in folded:
        n += 1
        suffix = f"({n})"
        name = base[: 31 - len(suffix)].rstrip("'") + suffix
    taken.add(name)
    return name


# --------------------------------------------------------------------------- writing


def _width(value: Any) -> int:
    text = value if isinstance(value, str) else f"{value:.2f}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


class _Styles:
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
    get: Any  # _Row -> value
    width: int = 8


def _columns(rows: list[_Row]) -> list[_Column]:
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


def _grade_labels(rows: list[_Row]) -> list[str]:
    labels: list[str] = []
    for r in rows:
        for g in [*r.grades, *([r.grade] if r.grade else [])]:
            if g not in labels:
                labels.append(g)
    return labels


def _write_variant(wb: xlsxwriter.Workbook, st: _Styles, name: str, template_id: str,
                   rows: list[_Row]) -> VariantSummary:
    ws = wb.add_worksheet(name)
    cols = _columns(rows)
    idx = {c.head: i for i, c in enumerate(cols)}
    n = len(rows)
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
            fmt = (st.needs_fix if value == "待修改" else st.center) if c.kind == "status" else kinds[c.kind]
            _put(ws, i, j, value, fmt)

    # 合计: plain formulas with the results computed here as their cached values.
    t = n + 1

    def rng(j: int, absolute: bool = False) -> str:
        return (xl_rowcol_to_cell(1, j, absolute, absolute) + ":"
                + xl_rowcol_to_cell(max(n, 1), j, absolute, absolute))

    def column(head: str) -> list[Any]:
        return [cols[idx[head]].get(r) for r in rows]

    budget = _sum(column("全年预算数(A)")) or 0.0
    actual = _sum(column("全年执行数(B)")) or 0.0
    totals = [float(v) for v in column("总分") if is_number(v)]
    average_total = sum(totals) / len(totals) if totals else None
    errors = sum(r.stored.error_count for r in rows)
    warning_count = sum(r.stored.warning_count for r in rows)
    needs_fix = sum(1 for r in rows if r.stored.status == "待修改")
    for j, c in enumerate(cols):
        if j == 0:
            ws.write_string(t, j, "合计", st.t_text)
        elif c.head == "单位名称":
            ws.write_formula(t, j, f"=COUNT({rng(idx['版本'])})", st.t_count, n)
        elif c.kind == "money":
            ws.write_formula(t, j, f"=SUM({rng(j)})", st.t_money, budget if j == idx["全年预算数(A)"] else actual)
        elif c.head == "预算执行率" and budget > 0:
            a, b = xl_rowcol_to_cell(t, idx["全年预算数(A)"]), xl_rowcol_to_cell(t, idx["全年执行数(B)"])
            ws.write_formula(t, j, f"={b}/{a}", st.t_rate, actual / budget)
        elif c.kind == "score" and any(is_number(v) for v in column(c.head)):
            numbers = [float(v) for v in column(c.head) if is_number(v)]
            ws.write_formula(t, j, f"=AVERAGE({rng(j)})", st.t_average, sum(numbers) / len(numbers))
        elif c.head in ("错误数", "警告数"):
            ws.write_formula(t, j, f"=SUM({rng(j)})", st.t_integer, errors if c.head == "错误数" else warning_count)
        elif c.kind == "status":
            ws.write_formula(t, j, f'=COUNTIF({rng(j)},"待修改")', st.t_needs_fix, needs_fix)
        else:
            ws.write_blank(t, j, None, st.t_blank)
    ws.set_row(t, 20)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
    _page_setup(ws, t, len(cols) - 1)  # the table prints; the charts are for the screen

    # Beside the table: departments per grade band, and the two charts.
    labels = _grade_labels(rows)
    g0 = len(cols) + 1
    ws.set_column(g0, g0, 10)
    ws.set_column(g0 + 1, g0 + 1, 10)
    ws.write_string(0, g0, "等级", st.head)
    ws.write_string(0, g0 + 1, "单位数", st.head)
    grade_col = idx["等级"]
    grades: dict[str, int] = {}
    for k, label in enumerate(labels, start=1):
        grades[label] = sum(1 for r in rows if r.grade == label)
        ws.write_string(k, g0, label, st.center)
        ws.write_formula(k, g0 + 1, f"=COUNTIF({rng(grade_col, True)},{xl_rowcol_to_cell(k, g0)})", st.integer,
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
    return VariantSummary(template_id=template_id, sheet=name, departments=n, budget_total=budget,
                          actual_total=actual, average_total=average_total, grades=grades, errors=errors,
                          warnings=warning_count, needs_fix=needs_fix)


def _write_findings(wb: xlsxwriter.Workbook, st: _Styles, latest: list[StoredReturn],
                    sheet_of: dict[str, str]) -> int:
    ws = wb.add_worksheet(FINDINGS_SHEET)
    items: list[tuple[Any, ...]] = []
    for r in latest:
        found = [f for f in r.findings if f.get("severity") in _SEVERITY_ORDER]
        found.sort(key=lambda f: _SEVERITY_ORDER[f["severity"]])  # stable: the verifier's order
        for f in found:
            message = f.get("message_zh") or f.get("message") or f.get("message_en") or ""
            items.append((r.department_code, r.department_name, sheet_of.get(r.template_id, r.template_id),
                          r.version, str(f.get("code", "")), _SEVERITY_ZH[f["severity"]], str(f.get("sheet") or ""),
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


def write_summary(archive: Archive, year: int, out: str | Path) -> SummaryStats:
    """Write the summary workbook of ``year`` from the latest returns in ``archive``.

    The file at ``out`` is replaced atomically (refusing to overwrite is the caller's
    choice; ``jixiao summary`` wants ``--force``). Returns what was written: rows per
    sheet, and per variant the totals of its 合计 row. See the module docstring.
    """
    out = Path(out)
    latest = archive.latest(year)
    rows = [_recompute(stored, archive.blob(stored.sha256)) for stored in latest]
    by_template: dict[str, list[_Row]] = {}
    for r in rows:
        by_template.setdefault(r.stored.template_id, []).append(r)
    taken = {FINDINGS_SHEET}
    sheet_of: dict[str, str] = {}
    for tid in sorted(by_template):
        title = next((r.title for r in by_template[tid] if r.title), tid)
        sheet_of[tid] = sheet_name(title, taken, fallback=tid[:31])
    variants: list[VariantSummary] = []
    with atomic_output(out) as tmp, warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter only warns on many mistakes
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        wb.set_properties({"title": f"{year}年度预算绩效自评汇总表", "created": _FIXED_DATE, "author": "jixiao",
                           "comments": f"jixiao summary {year}"})
        st = _Styles(wb)
        for tid in sorted(by_template):
            variants.append(_write_variant(wb, st, sheet_of[tid], tid, by_template[tid]))
        findings = _write_findings(wb, st, latest, sheet_of)
        wb.close()
    return SummaryStats(path=out, year=year, variants=tuple(variants), findings=findings,
                        not_recomputed=tuple(f"{r.stored.department_code}/{r.stored.template_id}"
                                             for r in rows if r.note))
