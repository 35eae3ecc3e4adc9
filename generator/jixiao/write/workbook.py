"""Render a :class:`~jixiao.layout.Layout` to a native .xlsx workbook with xlsxwriter.

Every computed cell is written as its rule's formula *with its true cached result*
(computed by the Python reference), so viewers that do not recalculate still show the
right numbers. Inputs are unlocked, shaded and validated; everything else is locked under
sheet protection. The output is deterministic: same layout, same bytes.

>>> from jixiao.template.load import load_template
>>> from jixiao.layout import build_layout
>>> path = write_workbook(build_layout(load_template("guizhou-zhengti")), "gz.xlsx")
>>> path.read_bytes() == Path("dist/guizhou-zhengti.xlsx").read_bytes()  # deterministic
True
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import warnings
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .. import __version__
from ..atomic import atomic_output
from ..layout import Cell, Layout, SheetLayout, evaluate
from ..layout.pages import page_margins
from ..layout.refs import column_letters
from ..rules.numbers import is_number
from ..signing import KEY_ID_META, SIGNATURE_META, Keyring
from .fastpath import FastWorksheet
from .styles import Formats
from .validation import validation

#: The very hidden sheet holding the template identity and the pre-fill.
META_SHEET = "_jixiao"
#: The metadata key of the form's layout generation (:data:`jixiao.layout.identity.GENERATION`).
GENERATION_META = "layout_generation"

_FIXED_DATE = dt.datetime(2000, 1, 1)


def _as_date(v: Any) -> Any:
    """A record's date (ISO text) as a date, so the cell holds a date as the reader reads
    it; other text (``2024.2.20``) stays text, as a department typed it."""
    if isinstance(v, str):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(v)
    return v


def _write_value(ws: Worksheet, cell: Cell, fmt: Format, v: Any) -> None:
    t = type(v)
    if t is str and v:  # the usual cases first, as the general ones below decide them
        ws.write_string(cell.row, cell.col, v, fmt)
    elif (t is float or t is int) and v == v:
        ws.write_number(cell.row, cell.col, v, fmt)
    elif v is None or v == "":
        ws.write_blank(cell.row, cell.col, None, fmt)
    elif isinstance(v, bool):
        ws.write_boolean(cell.row, cell.col, v, fmt)
    elif is_number(v):
        ws.write_number(cell.row, cell.col, v, fmt)
    elif isinstance(v, dt.date | dt.datetime):
        d = v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
        ws.write_datetime(cell.row, cell.col, d, fmt)
    else:
        # User-supplied text is always a string, never a formula (=HYPERLINK(...) stays text).
        ws.write_string(cell.row, cell.col, str(v), fmt)


def _write_cells(wb: xlsxwriter.Workbook, ws: Worksheet, s: SheetLayout, layout: Layout, fm: Formats,
                 values: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Every cell of one sheet: inputs carry ``inputs`` (by name), computed cells ``values``."""
    merged_at = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in s.merges}
    sheet_ref = f"='{s.name}'!$"
    for cell in s.cells:
        fmt = fm.of(cell)
        row, col, role, name = cell.row, cell.col, cell.role, cell.name
        merge = merged_at.get((row, col))
        if merge is not None:
            ws.merge_range(row, col, *merge, None, fmt)
        if role == "computed":
            cached = values.get(name)  # type: ignore[arg-type]
            ws.write_formula(row, col, layout.formula(cell), fmt, "" if cached is None else cached)
        else:
            value = inputs.get(name, cell.value) if role == "input" else cell.value
            _write_value(ws, cell, fmt, _as_date(value) if cell.value_type == "date" else value)
        if role == "input":
            rule = validation(cell, layout)
            if rule:
                ws.data_validation(row, col, row, col, rule)
        if name:
            wb.define_name(name, f"{sheet_ref}{column_letters(col)}${row + 1}")


def _write_sheet(wb: xlsxwriter.Workbook, ws: Worksheet, s: SheetLayout, layout: Layout, fm: Formats,
                 values: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Write one sheet: sizes, cells, conditional marks, page setup and protection."""
    for col in sorted({*s.col_widths, *s.hidden_cols}):
        ws.set_column(col, col, s.col_widths.get(col, 8.43), None, {"hidden": col in s.hidden_cols})
    for row, height in s.row_heights.items():
        ws.set_row(row, height)
    _write_cells(wb, ws, s, layout, fm, values, inputs)
    for mark in s.marks:
        target = layout.cell(mark.target)
        flag = layout.cell(mark.flag)
        ref = flag.abs_address if flag.sheet == s.name else layout.ref(flag.name, s.name)  # type: ignore[arg-type]
        criteria = f"={ref}=1" if mark.when == "flag" else f'=AND({ref}<>"✓",{ref}<>"")'
        ws.conditional_format(target.row, target.col, target.row, target.col,
                              {"type": "formula", "criteria": criteria, "format": fm.problem})
    _check_colours(ws, s, layout, fm)
    p = s.print
    ws.set_paper(9 if p.paper == "A4" else 8)
    if p.orientation == "landscape":
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(p.fit_width, 0)
    if p.fit_width == 1:  # rows break where the layout says (layout/pages.py), never inside a group
        ws.set_h_pagebreaks(s.row_breaks)
    left, right, top, bottom = page_margins(p.margins_cm)
    ws.set_margins(left=left, right=right, top=top, bottom=bottom)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.print_area(s.print_rows[0], s.print_cols[0], s.print_rows[1], s.print_cols[1])
    if s.repeat_rows:
        ws.repeat_rows(*s.repeat_rows)
    ws.protect(layout.password or "", {"format_rows": True, "format_columns": True, "select_locked_cells": True,
                                       "select_unlocked_cells": True})


def _runs(cells: list[Cell]) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of each run of cells one below the other."""
    runs: list[tuple[int, int, int]] = []
    for c in sorted(cells, key=lambda c: (c.col, c.row)):
        if runs and runs[-1][0] == c.col and runs[-1][2] == c.row - 1:
            runs[-1] = (c.col, runs[-1][1], c.row)
        else:
            runs.append((c.col, c.row, c.row))
    return runs


def _check_colours(ws: Worksheet, s: SheetLayout, layout: Layout, fm: Formats) -> None:
    """Every check cell in green while it shows ✓ and in red while it shows a problem:
    conditional formats (Excel 2010, WPS and LibreOffice honour them on screen and in
    print), one per run of cells, each formula relative to the run's first cell."""
    panel = [layout.cell(n) for n in s.panel]
    rows = [c for c in s.cells if c.role == "computed" and c.style == "check"]  # 本行校验, a checklist item's message
    rules: list[tuple[list[Cell], list[tuple[str, Format]]]] = [
        (panel, [('={0}="✓"', fm.ok), ('=AND({0}<>"✓",{0}<>"")', fm.problem)]),
        (rows, [("=LEN({0})>0", fm.problem)]),
    ]
    for cells, formats in rules:
        for col, first, last in _runs(cells):
            top = f"{column_letters(col)}{first + 1}"
            for criteria, fmt in formats:
                ws.conditional_format(first, col, last, col,
                                      {"type": "formula", "criteria": criteria.format(top), "format": fmt})


def params_json(params: dict[str, Any]) -> str:
    """The template parameters as a form's metadata carries them (the reader parses them back).

    >>> params_json({"year": 2024, "region": "黔南州"})
    '{"region": "黔南州", "year": 2024}'
    """
    return json.dumps(params, ensure_ascii=False, sort_keys=True)


def _write_meta(wb: xlsxwriter.Workbook, layout: Layout, fingerprint: str, keys: Keyring | None) -> None:
    ws = wb.add_worksheet(META_SHEET, worksheet_class=FastWorksheet)
    rows = [("template_id", layout.template_id), ("template_version", layout.template_version),
            ("fingerprint", fingerprint), ("jixiao_version", __version__),
            ("prefill", json.dumps(layout.prefill, ensure_ascii=False, sort_keys=True, default=str)),
            ("params", params_json(layout.params)), (GENERATION_META, layout.generation)]
    if keys is not None:  # the bureau's signature over what it pre-filled (jixiao.signing)
        signature = keys.sign(layout.template_id, layout.template_version, fingerprint, layout.prefill)
        rows += [(KEY_ID_META, signature.key_id), (SIGNATURE_META, signature.mac)]
    for i, (k, v) in enumerate(rows):
        ws.write_string(i, 0, k)
        if isinstance(v, int):
            ws.write_number(i, 1, v)
        else:
            text = str(v)
            for j in range(0, max(len(text), 1), 30000):  # a cell holds 32,767 characters
                ws.write_string(i, 1 + j // 30000, text[j:j + 30000])
    ws.protect(layout.password or "")
    ws.very_hidden()


def xlsxwriter_warnings_are_errors() -> None:
    """Make xlsxwriter's warnings errors, for good (idempotent): it only warns on many
    mistakes (a string too long, a range off the grid) and leaves the call undone, so a
    form would be written with a part missing.

    A filter for xlsxwriter's modules alone, never ``catch_warnings()`` around a write: that
    swaps the warning filters of the whole process, so in ``jixiao serve`` a form written
    in one thread turned another request's harmless warning into an error (a 500).
    """
    warnings.filterwarnings("error", category=UserWarning, module="xlsxwriter")


def write_workbook(layout: Layout, path: str | os.PathLike[str], *, values: dict[str, Any] | None = None,
                   keys: Keyring | None = None) -> Path:
    """Write the workbook atomically (a temp file renamed into place); return its path.

    ``values`` are input values by defined name (default: the layout's pre-filled ones);
    with ``keys`` the pre-fill is signed (:mod:`jixiao.signing`).
    """
    path = Path(path)
    inputs = {**{c.name: c.value for c in layout.inputs() if c.value is not None}, **(values or {})}
    computed = evaluate(layout, inputs)
    fingerprint = layout.fingerprint()
    xlsxwriter_warnings_are_errors()
    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        wb.set_properties({"title": layout.title, "created": _FIXED_DATE, "author": "jixiao",
                           "comments": f"jixiao {layout.template_id} v{layout.template_version}"})
        wb.set_custom_property("jixiao.template_id", layout.template_id)
        wb.set_custom_property("jixiao.template_version", layout.template_version)
        wb.set_custom_property("jixiao.fingerprint", fingerprint)
        wb.set_custom_property("jixiao.params", params_json(layout.params))
        wb.set_custom_property(f"jixiao.{GENERATION_META}", layout.generation)
        fm = Formats(wb, layout)
        for s in layout.sheets:
            ws = wb.add_worksheet(s.name, worksheet_class=FastWorksheet)
            _write_sheet(wb, ws, s, layout, fm, computed, inputs)
        _write_meta(wb, layout, fingerprint, keys)
        wb.close()
    return path
