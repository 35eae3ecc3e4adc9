"""Return packages (退回): for each department whose return needs a fix, one workbook to
send back, in one folder per round, and the round as a ZIP for mailing.

The workbook is the department's own return with a first sheet, 退回意见, listing every
problem in plain Chinese (sheet, cell, what is there, what to do), and every cell a
problem is about filled in a colour that prints, with the problem as a cell comment.

>>> from jixiao.verify.verification import verify_paths
>>> done = write_return_packages(verify_paths(["returns/"]), "退回", round_no=2)
>>> [p.name for p in done.workbooks], done.archive.name
(['乙局_第2轮_待修改.xlsx'], '第2轮.zip')
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from ..archive.collect import department_of
from ..atomic import atomic_output
from ..codes import SEVERITY_ZH
from ..verify.findings import Finding
from ..verify.verification import Verification
from .findings_report import shown_value

SHEET = "退回意见"
#: The fill of a cell a problem is about: light red that still reads on a grey printer.
MARK = PatternFill("solid", fgColor="FFC7CE")
_COLUMNS = [("序号", 6), ("级别", 6), ("工作表", 20), ("单元格", 8), ("现填内容", 18), ("问题及修改要求", 70),
            ("代码", 24)]
_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")
_BAD_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')
#: ZIP entries carry this time, so the same round zips to the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class RoundResult:
    """What one round wrote: its folder, the workbooks in it and the ZIP beside it."""

    folder: Path
    workbooks: list[Path]
    archive: Path


def round_folder(out_dir: Path, round_no: int) -> Path:
    """``退回/第2轮``."""
    return out_dir / f"第{round_no}轮"


def needs_return(v: Verification) -> bool:
    """A readable return with errors or warnings goes back to its department."""
    return not v.unreadable and any(f.severity in ("error", "warning") for f in v.findings)


def package_name(v: Verification, round_no: int) -> str:
    """``001_某某局_第2轮_待修改.xlsx``: the department, the round and the status."""
    code, name = department_of(v)
    parts = [code, name] if code != name else [name]
    stem = "_".join(_BAD_FILE_CHARS.sub("", p)[:40] for p in [*parts, f"第{round_no}轮", str(v.status)])
    return stem + ".xlsx"


def _names(chosen: list[Verification], round_no: int) -> list[tuple[Verification, str]]:
    """Each return's package name; two files of one department keep their file names apart."""
    plain = [package_name(v, round_no) for v in chosen]
    return [(v, name if plain.count(name) == 1 else f"{name[:-5]}_{_BAD_FILE_CHARS.sub('', v.path.stem)}.xlsx")
            for v, name in zip(chosen, plain, strict=True)]


def write_return_packages(results: Sequence[Verification], out_dir: str | Path, *, round_no: int = 1) -> RoundResult:
    """Write round ``round_no`` for the returns verified now (a department's latest ones):
    its folder holds exactly these packages (files an earlier run left in it are removed),
    and ``第N轮.zip`` beside it holds the same files."""
    out_dir = Path(out_dir)
    folder = round_folder(out_dir, round_no)
    names = _names([v for v in results if needs_return(v)], round_no)
    for v, name in names:
        if (folder / name).resolve() == v.path.resolve():
            raise ValueError(f"{v.path}: a return package must not overwrite the return")
    staging = out_dir / f".第{round_no}轮.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for v, name in names:
            _package(v, staging / name, round_no)
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    workbooks = sorted(folder.glob("*.xlsx"))
    archive = out_dir / f"第{round_no}轮.zip"
    with atomic_output(archive) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for path in workbooks:
            info = zipfile.ZipInfo(f"{folder.name}/{path.name}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    return RoundResult(folder, workbooks, archive)


def _package(v: Verification, dst: Path, round_no: int) -> None:
    wb = openpyxl.load_workbook(v.path)  # the return is read only; the package is a new file
    problems = [f for f in v.findings if f.severity in ("error", "warning")]
    by_cell: dict[tuple[str, str], list[str]] = {}
    for f in problems:
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            by_cell.setdefault((f.sheet, f.cell), []).append(f.message_zh)
    for (sheet, cell), notes in by_cell.items():
        target = wb[sheet][cell]
        target.comment = Comment("\n".join(notes), "财政局", width=320, height=120)
        target.fill = MARK
        for marked in _marked_by(wb[sheet], cell):  # a check beside the form marks a cell in it
            wb[sheet][marked].fill = MARK
    ws = wb.create_sheet(SHEET, 0)
    _opinion_sheet(ws, v, problems, round_no)
    wb.active = 0
    for other in wb.worksheets:
        other.sheet_view.tabSelected = other is ws
    with atomic_output(dst) as tmp:
        wb.save(tmp)


def _marked_by(ws: Worksheet, cell: str) -> list[str]:
    """Cells the form's own conditional formats mark red while ``cell`` (a check) fails."""
    out: list[str] = []
    for cf in ws.conditional_formatting:
        if any(ref == cell for formula in (f for rule in cf.rules for f in rule.formula)
               for ref in ("".join(m) for m in _REF.findall(formula))):
            out += [c for rng in cf.sqref.ranges for c in str(rng.coord).split(":")[:1]]
    return out


def _opinion_sheet(ws: Worksheet, v: Verification, problems: list[Finding], round_no: int) -> None:
    code, name = department_of(v)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append([f"{name} 绩效自评表退回意见（第{round_no}轮）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(_COLUMNS))
    ws["A1"].font = Font(name="宋体", size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"单位编码：{code}　　文件：{v.path.name}　　错误 {v.errors} 项，警告 {v.warnings} 项。"
               "请按下表逐项修改（表中标红的单元格），修改后重新报送。"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(_COLUMNS))
    ws["A2"].alignment = wrap
    ws.row_dimensions[2].height = 30
    ws.append([c for c, _ in _COLUMNS])
    for col, (_, width) in enumerate(_COLUMNS, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = width
        head = ws.cell(3, col)
        head.font, head.border, head.fill = Font(name="宋体", bold=True), box, PatternFill("solid", fgColor="DDEBF7")
    for i, f in enumerate(problems, start=1):
        ws.append([i, SEVERITY_ZH.get(f.severity, f.severity), f.sheet, f.cell, shown_value(v, f), f.message_zh,
                   f.code])
        for col in range(1, len(_COLUMNS) + 1):
            cell = ws.cell(ws.max_row, col)
            cell.border, cell.alignment, cell.font = box, wrap, Font(name="宋体")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "3:3"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.print_options.horizontalCentered = True
