"""The findings report (问题清单.xlsx) a bureau reads and forwards: an overview of every
return, every finding in one filterable sheet, and one sheet per department that can be
sent to it as it is. Messages are plain Chinese; the stable code is the last column.

>>> from jixiao.verify.verification import verify_paths
>>> write_findings_report(verify_paths(["returns/"]), "问题清单.xlsx")
PosixPath('问题清单.xlsx')
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..archive.collect import department_of
from ..atomic import atomic_output, refuse_overwrite
from ..codes import SEVERITY_ZH
from ..verify.findings import Finding
from ..verify.verification import Verification
from .summary import sheet_name

#: The overview sheet: one row per return.
OVERVIEW = "汇总"
OVERVIEW_COLUMNS = [("单位编码", 12), ("单位名称", 28), ("文件", 30), ("状态", 10), ("错误", 6), ("警告", 6),
                    ("提示", 6)]
#: The sheet of every finding, and each department's own sheet.
ALL = "全部问题"
COLUMNS = [("单位编码", 10), ("单位名称", 18), ("文件", 18), ("级别", 6), ("工作表", 16), ("单元格", 8),
           ("现填内容", 14), ("问题及修改要求", 56), ("代码", 22)]


def shown_value(v: Verification, f: Finding) -> str:
    """What the department typed into the cell of a finding ("" for a check about several
    cells, whose message says what it found)."""
    if not f.name or f.name not in v.fields and f.name not in v.record:
        return ""
    value = v.record.get(f.name)
    if value is None or value == "":
        return "（空）"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def finding_rows(v: Verification) -> list[list[Any]]:
    """One row per finding of a return (one 无问题 row for a clean one), in COLUMNS order."""
    code, name = department_of(v)
    head = [code, name, v.path.name]
    if not v.findings:
        return [[*head, "", "", "", "", "无问题", ""]]
    return [[*head, SEVERITY_ZH.get(f.severity, f.severity), f.sheet, f.cell, shown_value(v, f), f.message_zh, f.code]
            for f in v.findings]


def _setup(ws: Worksheet, columns: list[tuple[str, int]], rows: int, head: Any, title: str) -> None:
    """Widths, header, filter and an A4 landscape page one page wide with the header repeated."""
    for col, (text, width) in enumerate(columns):
        ws.set_column(col, col, width)
        ws.write_string(0, col, text, head)
    ws.autofilter(0, 0, max(rows, 1), len(columns) - 1)
    ws.freeze_panes(1, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
    ws.set_header(f"&C&12{title}")
    ws.set_footer("&C第 &P 页，共 &N 页")


def write_findings_report(results: Sequence[Verification], path: str | Path, *, force: bool = False) -> Path:
    """Write the report atomically; an existing file is refused unless ``force``."""
    path = Path(path)
    refuse_overwrite(path, force=force)
    by_department: dict[tuple[str, str], list[Verification]] = {}
    for v in results:
        by_department.setdefault(department_of(v), []).append(v)
    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "宋体", "font_size": 11,
                              "text_wrap": True, "valign": "vcenter", "align": "center"})
        body = wb.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top", "border": 1})
        taken: set[str] = {OVERVIEW, ALL}
        overview = wb.add_worksheet(OVERVIEW)
        everything = wb.add_worksheet(ALL)
        _setup(overview, OVERVIEW_COLUMNS, len(results), head, "核查问题清单（汇总）")
        for row, v in enumerate(results, start=1):
            code, name = department_of(v)
            overview.write_row(row, 0, [code, name, v.path.name, str(v.status)], body)
            overview.write_row(row, 4, [v.errors, v.warnings, len(v.findings) - v.errors - v.warnings], body)
        all_rows = [r for v in results for r in finding_rows(v)]
        _setup(everything, COLUMNS, len(all_rows), head, "核查问题清单（全部）")
        for row, values in enumerate(all_rows, start=1):
            everything.write_row(row, 0, [str(x) for x in values], body)
        for (code, name), returns in sorted(by_department.items()):
            ws = wb.add_worksheet(sheet_name(f"{code} {name}" if code != name else name, taken))
            rows = [r for v in returns for r in finding_rows(v)]
            _setup(ws, COLUMNS, len(rows), head, f"{name}（{code}）核查问题清单")
            for row, values in enumerate(rows, start=1):
                ws.write_row(row, 0, [str(x) for x in values], body)
        wb.close()
    return path
