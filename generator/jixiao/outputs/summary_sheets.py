"""The summary workbook's sheets: one per template variant (rows, 合计, ranking), the
bureau's internal check sheet (版本, 错误数, 警告数, 状态) and 问题清单 (every open
finding). What the rows hold is decided in :mod:`jixiao.outputs.summary`; the title sheet and the
charts are :mod:`jixiao.outputs.summary_charts`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..archive import StoredReturn
from ..codes import SEVERITY_ZH, Status
from ..layout.refs import a1
from ..rules.numbers import is_number

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
    missing: int = 0  # roster departments with no return (未交)


@dataclass
class SummaryRow:
    """One department's row: what its return gives, recomputed (``stored`` None: a roster
    department that sent nothing, 未交)."""

    stored: StoredReturn | None
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
    region: str = ""
    missing_code: str = ""
    missing_name: str = ""
    rank: int | None = None

    @property
    def code(self) -> str:
        return self.stored.department_code if self.stored else self.missing_code

    @property
    def name(self) -> str:
        return self.stored.department_name if self.stored else self.missing_name

    @property
    def status(self) -> str:
        return str(self.stored.status) if self.stored else str(Status.MISSING)

    @property
    def passed(self) -> bool:
        return self.status == Status.PASSED

    @property
    def published_grade(self) -> str | None:
        """The grade as published: only a return that passed verification has one."""
        return self.grade if self.passed else None

    @property
    def remark(self) -> str:
        if self.stored is None:
            return "未交"
        if not self.passed:
            return "待修改，暂不评定等级" + (f"；{self.note}" if self.note else "")
        return self.note


def rank_rows(rows: list[SummaryRow]) -> None:
    """排名 by 总分 over the returns that passed (equal totals share a rank)."""
    scored = sorted((r.total for r in rows if r.passed and r.total is not None), reverse=True)
    for r in rows:
        r.rank = scored.index(r.total) + 1 if r.passed and r.total is not None else None


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


def page_setup(ws: Worksheet, last_row: int, last_col: int, header: str = "") -> None:
    """A4 landscape, one page wide, the header row repeated on every page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.print_area(0, 0, last_row, last_col)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    if header:
        ws.set_header(f"&L&10{header}&R&10单位：万元")
    ws.set_footer("&C第 &P 页，共 &N 页")


@dataclass
class _Column:
    head: str
    kind: str  # text, integer, money, rate, score, status
    get: Any  # SummaryRow -> value
    width: int = 8


def columns_of(rows: list[SummaryRow]) -> list[_Column]:
    heads: list[str] = []
    for r in rows:
        for head in r.parts:
            if head not in heads:
                heads.append(head)
    cols = [
        _Column("单位编码", "text", lambda r: r.code),
        _Column("单位名称", "text", lambda r: r.name),
        _Column("全年预算数(A)", "money", lambda r: r.budget),
        _Column("全年执行数(B)", "money", lambda r: r.actual),
        _Column("预算执行率", "rate", lambda r: r.rate),
        *[_Column(h, "score", lambda r, h=h: r.parts.get(h)) for h in heads],
        _Column("总分", "score", lambda r: r.total),
        _Column("等级", "center", lambda r: r.published_grade),
        _Column("排名", "integer", lambda r: r.rank),
        _Column("备注", "wrap", lambda r: r.remark),
    ]
    for c in cols:
        widths = [_width(c.head) // 2 + 2 if c.kind != "text" else _width(c.head)]
        widths += [_width(c.get(r)) for r in rows if c.get(r) not in (None, "")]
        least = {"score": 11, "money": 12, "rate": 10, "status": 12}.get(c.kind, 8)  # fits the 合计 row
        c.width = max(least, min(40 if c.kind == "wrap" else 30, max(widths) + 2))
    return cols


def grade_labels(rows: list[SummaryRow]) -> list[str]:
    labels: list[str] = []
    for r in rows:
        for g in [*r.grades, *([r.grade] if r.grade else [])]:
            if g not in labels:
                labels.append(g)
    return labels


def write_variant(wb: xlsxwriter.Workbook, st: Styles, name: str, template_id: str,
                  rows: list[SummaryRow], title: str) -> VariantSummary:
    """One variant's sheet: a row per department (ranked), the 合计 row."""
    ws = wb.add_worksheet(name)
    cols = columns_of(rows)
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
            fmt = st.needs_fix if c.head == "备注" and value else kinds[c.kind]
            _put(ws, i, j, value, fmt)
    summary = _totals_row(ws, st, cols, rows, name, template_id)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
    page_setup(ws, len(rows) + 1, len(cols) - 1, title)
    return summary


def range_of(n: int, j: int, absolute: bool = False) -> str:
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
    for j, c in enumerate(cols):
        if j == 0:
            ws.write_string(t, j, "合计", st.t_text)
        elif c.head == "单位名称":
            ws.write_formula(t, j, f"=COUNTA({range_of(n, idx['单位编码'])})", st.t_count, n)
        elif c.kind == "money":
            ws.write_formula(t, j, f"=SUM({range_of(n, j)})", st.t_money,
                             budget if j == idx["全年预算数(A)"] else actual)
        elif c.head == "预算执行率" and budget > 0:
            a, b = a1(t, idx["全年预算数(A)"]), a1(t, idx["全年执行数(B)"])
            ws.write_formula(t, j, f"={b}/{a}", st.t_rate, actual / budget)
        elif c.kind == "score" and any(is_number(v) for v in column(c.head)):
            numbers = [float(v) for v in column(c.head) if is_number(v)]
            ws.write_formula(t, j, f"=AVERAGE({range_of(n, j)})", st.t_average, sum(numbers) / len(numbers))
        else:
            ws.write_blank(t, j, None, st.t_blank)
    ws.set_row(t, 20)
    grades = {label: sum(1 for r in rows if r.published_grade == label) for label in grade_labels(rows)}
    sent = [r.stored for r in rows if r.stored is not None]
    return VariantSummary(template_id=template_id, sheet=name, departments=n, budget_total=budget,
                          actual_total=actual, average_total=sum(totals) / len(totals) if totals else None,
                          grades=grades, errors=sum(s.error_count for s in sent),
                          warnings=sum(s.warning_count for s in sent),
                          needs_fix=sum(1 for s in sent if s.status == Status.NEEDS_FIX),
                          missing=n - len(sent))


#: The bureau's own sheet: what the published sheets leave out.
INTERNAL_SHEET = "内部核对"
INTERNAL_COLUMNS = ("单位编码", "单位名称", "表格", "版本", "错误数", "警告数", "状态", "收表时间")


def write_internal(wb: xlsxwriter.Workbook, st: Styles, rows: list[tuple[str, SummaryRow]]) -> None:
    """One row per department and form (sheet name, row): version, counts, status; 合计."""
    ws = wb.add_worksheet(INTERNAL_SHEET)
    for j, (head, width) in enumerate(zip(INTERNAL_COLUMNS, (12, 28, 30, 6, 8, 8, 10, 18), strict=True)):
        ws.set_column(j, j, width)
        ws.write_string(0, j, head, st.head)
    for i, (sheet, r) in enumerate(rows, start=1):
        s = r.stored
        received = s.received_at.strftime("%Y-%m-%d %H:%M") if s and s.received_at else ""
        values = [r.code, r.name, sheet, s.version if s else None, s.error_count if s else None,
                  s.warning_count if s else None, r.status, received]
        for j, value in enumerate(values):
            fmt = st.needs_fix if j == 6 and value != Status.PASSED else st.integer if 3 <= j <= 5 else st.text
            _put(ws, i, j, value, fmt)
    n, t = len(rows), len(rows) + 1
    sent = [r.stored for _, r in rows if r.stored is not None]
    ws.write_string(t, 0, "合计", st.t_text)
    ws.write_formula(t, 1, f"=COUNTA({range_of(n, 0)})", st.t_count, n)
    ws.write_blank(t, 2, None, st.t_blank)
    ws.write_blank(t, 3, None, st.t_blank)
    ws.write_formula(t, 4, f"=SUM({range_of(n, 4)})", st.t_integer, sum(s.error_count for s in sent))
    ws.write_formula(t, 5, f"=SUM({range_of(n, 5)})", st.t_integer, sum(s.warning_count for s in sent))
    ws.write_formula(t, 6, f'=COUNTIF({range_of(n, 6)},"{Status.NEEDS_FIX}")', st.t_needs_fix,
                     sum(1 for s in sent if s.status == Status.NEEDS_FIX))
    ws.write_blank(t, 7, None, st.t_blank)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(n, 1), len(INTERNAL_COLUMNS) - 1)
    page_setup(ws, t, len(INTERNAL_COLUMNS) - 1, "内部核对（不对外公开）")


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
    page_setup(ws, max(len(items), 1), len(FINDINGS_COLUMNS) - 1, "问题清单（不对外公开）")
    return len(items)
