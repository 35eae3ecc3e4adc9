"""The year's summary workbook (汇总表): every department's latest return on one page per form.

``jixiao summary --year 2023 --out 汇总表.xlsx`` (or :func:`write_summary`) reads the
archive and writes one native .xlsx that a bureau can print, publish and send on:

* 封面, the title sheet: 地区 (the template's region), 年度, 编制单位, 编制日期, 金额单位
  万元, and per form the departments that should report, 已通过, 待修改 and 未交
  (formulas over the form's sheet) with the names of those that sent nothing;
* one sheet per template variant (sheet name from the template's name, at most 31
  characters, unique, without ``[]:*?/\\``), one row per department holding the **latest**
  version of its series for that template, and with ``roster`` one 未交 row for every
  roster department that sent nothing: 单位编码, 单位名称, 全年预算数(A), 全年执行数(B),
  预算执行率, the score of each first-level indicator (预算执行率得分, 产出指标, 效益指标,
  满意度指标 ... as the form has them), 总分, 等级 and 排名 (only for returns that passed:
  a 待修改 return has neither yet) and 备注 (未交, 待修改 ...);
* under the rows a 合计 row of plain Excel formulas (COUNTA, SUM, AVERAGE: what Excel
  2010, WPS and LibreOffice all compute) carrying their results computed here, so any
  viewer shows the right numbers before recalculating;
* 统计图表: per variant, the departments per grade (returns that passed) and per band of
  execution rate (COUNTIF formulas) with a native chart of each, and the top and bottom
  ten by 总分, two printed pages whatever the number of departments;
* for the bureau only: 内部核对 (版本, 错误数, 警告数, 状态, 收表时间 per department and
  form) and 问题清单 with every open finding (errors and warnings; notes are not open
  issues) of those latest versions, with an autofilter.

Where the numbers come from. The archive keeps each return's original bytes. The inputs
(A, B) are read again from those bytes and every computed value (execution rate,
first-level subtotals, total, grade) is **recomputed** by the Python references
(:func:`jixiao.verify.verification.verify_return`, i.e. :func:`jixiao.layout.evaluate` over the layout
of the return's template); cached values saved in the file are never trusted. The error/warning counts, the status and the
findings are the ones the archive stored when the return was collected, so the summary
agrees with ``jixiao status``. A return whose bytes cannot be read against a shipped
template any more (its template was withdrawn) keeps its row with blank numbers and a
备注 saying why.

Which sheet of a workbook is summarised (one row per department and template):

* the first self-evaluation sheet without a ``project`` header field: the
  department-level form — ``zt`` in guizhou-zhengti and in
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

>>> from jixiao.archive import Archive
>>> with Archive("sqlite:///jixiao.sqlite") as archive:  # returns collected by ``jixiao collect``
...     stats = write_summary(archive, 2023, "汇总表.xlsx")
>>> stats.returns, [(v.departments, v.budget_total, v.needs_fix) for v in stats.variants]
(2, [(2, 919.22, 1)])
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter

from ..archive import Archive, StoredReturn
from ..atomic import atomic_output, refuse_overwrite
from ..layout import Layout, SheetLayout
from ..paths import TemplateSearchPath
from ..read import UnreadableWorkbook
from ..read.record import NotAForm, open_return
from ..rules.library import library
from ..rules.numbers import is_number
from ..verify.verification import verify_return
from ..write.workbook import xlsxwriter_warnings_are_errors
from .summary_charts import (
    CHARTS_SHEET,
    COVER_SHEET,
    Variant,
    variant_columns,
    write_charts,
    write_cover,
)
from .summary_sheets import (
    FINDINGS_SHEET,
    INTERNAL_SHEET,
    Styles,
    SummaryRow,
    VariantSummary,
    columns_of,
    rank_rows,
    sum_numbers,
    write_findings,
    write_internal,
    write_variant,
)

__all__ = ["CHARTS_SHEET", "COVER_SHEET", "FINDINGS_SHEET", "INTERNAL_SHEET", "SummaryStats", "VariantSummary",
           "sheet_name", "write_summary"]

_EXEC_HEAD = "预算执行率得分"
_FIXED_DATE = dt.datetime(2000, 1, 1)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


# --------------------------------------------------------------------------- results


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
        """Data rows per sheet of a variant and of 问题清单, in the workbook's order."""
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
    evals = [s for s in layout.sheets if s.role == "self_evaluation" and s.total]
    department = [s for s in evals if s.field_named("project") is None]
    if department:
        return department[0]
    checklists = [s for s in layout.sheets if s.role == "checklist" and s.total]
    if checklists:
        return checklists[0]
    return evals[0] if evals else None


def _part_heads(s: SheetLayout) -> dict[str, str]:
    """The column head of each part of a sheet's total: 预算执行率得分 and the subtotals' titles."""
    heads = {sub.score: sub.title for sub in s.subtotals}
    if s.execution is not None:
        heads[s.execution.score] = _EXEC_HEAD
    return heads


def _plan(layout: Layout) -> _Plan | None:
    s = _choose_sheet(layout)
    if s is None or s.total is None:
        return None
    if s.role == "self_evaluation":
        sheets = [s]
    else:  # a checklist: the funds of the project forms it averages
        sheets = [layout.sheet(layout.cell(total).sheet) for total in s.averaged]
    funds = [(x.execution.budget, x.execution.actual, x.execution.rate) for x in sheets if x.execution is not None]
    heads = _part_heads(s)
    parts = layout.cell(s.total).args.get("parts", [])
    return _Plan(
        sheet=s.name,
        funds=tuple(funds),
        parts=tuple((heads.get(p) or layout.cell(p).label or p, p) for p in parts),
        total=s.total,
        grade=s.grade,
        from_projects=s.role == "checklist",
    )


# --------------------------------------------------------------------------- rows


def _number(v: Any) -> float | None:
    return float(v) if is_number(v) else None


def _recompute(stored: StoredReturn, data: bytes, search: TemplateSearchPath) -> SummaryRow:
    """A summary row: the return reread from its bytes, every computed value recomputed."""
    row = SummaryRow(stored)
    try:
        ret = open_return(data, search=search)
    except (UnreadableWorkbook, NotAForm) as exc:
        row.note = f"无法重新计算：{getattr(exc, 'message_zh', exc)}"
        return row
    layout = ret.layout
    sc = ret.template.template.scoring
    row.title = layout.title
    row.region = str(ret.template.template.params.get("region") or "")
    row.grades = [g.label for g in sc.grades]
    plan = _plan(layout)
    if plan is None:
        row.note = "无法重新计算：表格中没有可汇总的自评表"
        return row
    env = verify_return(ret).computed  # inputs and recomputed values, exactly as verification sees them
    row.from_projects = plan.from_projects
    if plan.funds:
        row.budget = sum_numbers([env.get(b) for b, _, _ in plan.funds])
        row.actual = sum_numbers([env.get(a) for _, a, _ in plan.funds])
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


def write_summary(archive: Archive, year: int, out: str | Path, *, force: bool = False,
                  search: TemplateSearchPath | None = None, roster: Sequence[tuple[str, str]] | None = None,
                  compiled_by: str = "", compiled_on: dt.date | None = None) -> SummaryStats:
    """Write the summary workbook of ``year`` from the latest returns in ``archive``.

    An existing file at ``out`` is replaced (atomically) only with ``force``, else
    :class:`jixiao.atomic.OutputExists`; a folder is :class:`jixiao.atomic.OutputIsFolder`.
    ``search`` finds the templates the returns are read again with. ``roster`` (单位编码,
    单位名称) adds every department that sent nothing as a 未交 row (on the variant most
    departments use). ``compiled_by`` and ``compiled_on`` are the title sheet's 编制单位 and
    编制日期 (default: the day the newest return was received, so a rerun gives the same
    bytes). Returns what was written. See the module docstring.
    """
    out = Path(out)
    refuse_overwrite(out, force=force)
    search = search or TemplateSearchPath.for_reading()  # never ./templates: see for_reading
    latest = archive.latest(year)
    rows = [_recompute(stored, archive.blob(stored.sha256), search) for stored in latest]
    by_template: dict[str, list[SummaryRow]] = {}
    for r in rows:
        by_template.setdefault(r.stored.template_id, []).append(r)  # type: ignore[union-attr]
    _add_missing(by_template, roster)
    taken = {FINDINGS_SHEET, COVER_SHEET, CHARTS_SHEET, INTERNAL_SHEET}
    sheet_of: dict[str, str] = {}
    for tid in sorted(by_template):
        title = next((r.title for r in by_template[tid] if r.title), tid)
        sheet_of[tid] = sheet_name(title, taken, fallback=tid[:31])
    region = next((r.region for r in rows if r.region), "")
    received = [r.received_at for r in latest if r.received_at is not None]
    if compiled_on is None and received:
        compiled_on = max(received).date()
    variants: list[VariantSummary] = []
    xlsxwriter_warnings_are_errors()
    with atomic_output(out) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        wb.set_properties({"title": f"{year}年度预算绩效自评汇总表", "created": _FIXED_DATE, "author": "jixiao",
                           "comments": f"jixiao summary {year}"})
        st = Styles(wb)
        cover = [Variant(sheet_of[tid], by_template[tid], *variant_columns(_heads(by_template[tid])))
                 for tid in sorted(by_template)]
        write_cover(wb, st, year, region, compiled_by, compiled_on, cover)
        for tid in sorted(by_template):
            rank_rows(by_template[tid])
            variants.append(write_variant(wb, st, sheet_of[tid], tid, by_template[tid],
                                          f"{region}{year}年度 {sheet_of[tid]}"))
        if cover:
            write_charts(wb, st, cover)
        write_internal(wb, st, [(sheet_of[tid], r) for tid in sorted(by_template) for r in by_template[tid]])
        findings = write_findings(wb, st, latest, sheet_of)
        wb.close()
    return SummaryStats(path=out, year=year, variants=tuple(variants), findings=findings,
                        not_recomputed=tuple(f"{r.stored.department_code}/{r.stored.template_id}"
                                             for r in rows if r.note and r.stored))


def _heads(rows: list[SummaryRow]) -> list[str]:
    """The column heads of a variant sheet (as :func:`write_variant` lays them out)."""
    return [c.head for c in columns_of(rows)]


def _add_missing(by_template: dict[str, list[SummaryRow]], roster: Sequence[tuple[str, str]] | None) -> None:
    """Roster departments without any return, as 未交 rows of the most used variant."""
    if not roster:
        return
    sent = {r.code for rows in by_template.values() for r in rows}
    missing = [SummaryRow(None, missing_code=code, missing_name=name) for code, name in roster if code not in sent]
    if not missing:
        return
    main = max(sorted(by_template), key=lambda tid: len(by_template[tid]), default=None)
    if main is None:
        return
    main_rows = by_template[main]
    for m in missing:
        m.grades = next((r.grades for r in main_rows if r.grades), [])
    main_rows.extend(missing)
    main_rows.sort(key=lambda r: r.code)
