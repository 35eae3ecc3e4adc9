"""Outputs of verification for people: a findings workbook and annotated copies of returns.

>>> write_findings_report(results, "findings.xlsx")   # doctest: +SKIP
>>> annotate_copies(results, "send-back/")             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment

from .atomic import atomic_output
from .codes import SEVERITY_ZH
from .verify import Verification

COLUMNS = ["文件", "状态", "代码", "级别", "工作表", "单元格", "名称", "说明", "description"]


def write_findings_report(results: Sequence[Verification], path: str | Path) -> Path:
    """One filterable row per finding (and one row for a clean return), written atomically."""
    path = Path(path)
    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "宋体"})
        body = wb.add_format({"font_name": "宋体", "text_wrap": True, "valign": "top"})
        ws = wb.add_worksheet("核查结果")
        for col, (name, width) in enumerate(zip(COLUMNS, (28, 8, 22, 6, 20, 8, 24, 60, 50), strict=True)):
            ws.write_string(0, col, name, head)
            ws.set_column(col, col, width)
        row = 1
        for r in results:
            items = r.findings or []
            if not items:
                ws.write_row(row, 0, [str(r.path), r.status, "", "", "", "", "", "无问题", "clean"], body)
                row += 1
            for f in items:
                values = [str(r.path), r.status, f.code, SEVERITY_ZH.get(f.severity, f.severity), f.sheet, f.cell,
                          f.name, f.message_zh, f.message_en]
                for col, v in enumerate(values):
                    ws.write_string(row, col, v, body)
                row += 1
        ws.autofilter(0, 0, max(row - 1, 1), len(COLUMNS) - 1)
        ws.freeze_panes(1, 0)
        ws.set_paper(9)  # A4 landscape, one page wide, the header on every page
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_footer("&C第 &P 页，共 &N 页")
        wb.close()
    return path


def annotate_copies(results: Sequence[Verification], out_dir: str | Path,
                    failed: list[tuple[Path, str]] | None = None) -> list[Path]:
    """A copy of each return with errors or warnings, a comment on every offending cell.

    The originals are never touched; a copy is written beside nothing but ``out_dir``. A
    return the copy cannot be made of (openpyxl refuses it) is skipped and added to
    ``failed`` with the reason; the others are still written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for r in results:
        if r.unreadable or not any(f.severity in ("error", "warning") for f in r.findings):
            continue  # nothing to send back: a clean return needs no copy
        dst = out_dir / r.path.name
        if dst.resolve() == r.path.resolve():
            raise ValueError(f"{dst}: annotated copies must not overwrite the return")
        try:
            _annotated_copy(r, dst)
        except Exception as exc:  # noqa: BLE001 - one odd workbook must not stop the others
            if failed is not None:
                failed.append((r.path, f"{type(exc).__name__}: {str(exc)[:200]}"))
            continue
        written.append(dst)
    return written


def _annotated_copy(r: Verification, dst: Path) -> None:
    wb = openpyxl.load_workbook(r.path)  # read only; the copy is written below
    by_cell: dict[tuple[str, str], list[str]] = {}
    for f in r.findings:
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            by_cell.setdefault((f.sheet, f.cell), []).append(f"[{f.code}] {f.message_zh}")
    for (sheet, cell), notes in by_cell.items():
        ws = wb[sheet]
        target = ws[cell]
        if isinstance(target, MergedCell):  # a comment belongs to the merge's first cell
            target = next((ws.cell(m.min_row, m.min_col) for m in ws.merged_cells.ranges if cell in m), None)
        if target is not None and not isinstance(target, MergedCell):
            target.comment = Comment("\n".join(notes), "jixiao", width=320, height=120)
    with atomic_output(dst) as tmp:
        wb.save(tmp)
