"""Render a :class:`~jixiao.layout.Layout` to a native .xlsx workbook with xlsxwriter.

Every computed cell is written as its rule's formula *with its true cached result*
(computed by the Python reference), so viewers that do not recalculate still show the
right numbers. Inputs are unlocked, shaded and validated; everything else is locked under
sheet protection. The output is deterministic: same layout, same bytes.

>>> from jixiao.templates import load_template
>>> from jixiao.layout import build_layout
>>> write_workbook(build_layout(load_template("guizhou-zhengti")), "/tmp/gz.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import inspect
import json
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from . import __version__
from .atomic import atomic_output
from .layout import Cell, Layout, SheetLayout, evaluate
from .layout.refs import column_letters
from .rules.numbers import is_number

META_SHEET = "_jixiao"


def _future_functions() -> tuple[str, ...] | None:
    """Every function name xlsxwriter's ``Worksheet._prepare_formula`` may rewrite, or None
    unless that method is exactly what it is known to be: strip ``{``, ``=`` and ``}``,
    return formulas holding ``_xlfn.``, then only ``re.sub`` a name followed by ``(``
    into its ``_xlfn.`` form, name after name."""
    try:
        source = inspect.getsource(Worksheet._prepare_formula)
    except (AttributeError, OSError, TypeError):
        return None
    sub = re.compile(r'formula = re\.sub\(\s*r"\\[bS]([A-Za-z0-9._]+)\\\(",\s*"_xlfn\.[A-Za-z0-9._]+\(",\s*formula\s*\)')
    names = sub.findall(source)
    rest = [line.strip() for line in sub.sub("", source).splitlines()]
    rest = [line for line in rest if line and not line.startswith("#")]
    known = ['if formula.startswith("{"):', "formula = formula[1:]", 'if formula.startswith("="):',
             "formula = formula[1:]", 'if formula.endswith("}"):', "formula = formula[:-1]",
             'if "_xlfn." in formula:', "return formula",
             "if not self.use_future_functions and not expand_future_functions:", "return formula",
             "return formula"]
    if len(names) < 30 or rest[1:] != known or not rest[0].startswith("def _prepare_formula("):
        return None
    return tuple(names)


#: Names xlsxwriter would prefix with ``_xlfn.`` (None: always let xlsxwriter decide).
_FUTURE = _future_functions()
#: A run of name characters right before "(": each of xlsxwriter's patterns (a name
#: right before "(") can only match at the end of one.
_CALL = re.compile(r"([A-Za-z0-9_.]+)\(")
#: Runs seen not to end with any of those names.
_PLAIN_CALLS: set[str] = set()


def _calls_no_future_function(text: str) -> bool:
    for run in _CALL.findall(text):
        if run not in _PLAIN_CALLS:
            if run.endswith(_FUTURE):  # type: ignore[arg-type]
                return False
            if len(_PLAIN_CALLS) < 10_000:
                _PLAIN_CALLS.add(run)
    return True


class _Worksheet(Worksheet):
    """xlsxwriter's worksheet, without the cost of the ~150 regular-expression passes
    over each formula of its ``_prepare_formula`` when the formula calls none of the
    functions they rewrite: nothing would change, the output is the same byte for byte."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if _FUTURE is not None:
            text = formula[1:] if formula.startswith("{") else formula
            text = text[1:] if text.startswith("=") else text
            text = text[:-1] if text.endswith("}") else text
            if "_xlfn." in text or _calls_no_future_function(text):
                return text
        return super()._prepare_formula(formula, expand_future_functions)


_FIXED_DATE = dt.datetime(2000, 1, 1)
_RED = "#F8CBAD"


def _styles(layout: Layout) -> dict[str, dict[str, Any]]:
    st = layout.style
    base = {"font_name": st.font, "font_size": st.size, "valign": "vcenter", "border": 1, "text_wrap": True}
    inp = {**base, "bg_color": st.input_fill, "locked": False}
    comp = {**base, "bg_color": st.computed_fill}
    return {
        "title": {"font_name": st.font, "font_size": st.title_size, "bold": True, "align": "center", "valign": "vcenter"},
        "subtitle": {"font_name": st.font, "font_size": st.size + 1, "align": "center", "valign": "vcenter"},
        "label": {**base},
        "label_left": {**base, "align": "left"},
        "label_left_bold": {**base, "align": "left", "bold": True},
        "label_right": {**base, "align": "right", "border": 0},
        "label_wrap": {**base, "align": "left"},
        "center": {**base, "align": "center"},
        "center_bold": {**base, "align": "center", "bold": True},
        "head": {**base, "align": "center", "bold": True},
        "head_total": {**base, "align": "center", "bold": True},
        "note": {"font_name": st.font, "font_size": st.size - 1, "text_wrap": True, "valign": "top", "align": "left"},
        "input_text": {**inp, "align": "left"},
        "input_longtext": {**inp, "align": "left", "valign": "top"},
        "input_date": {**inp, "align": "left", "num_format": "yyyy年m月d日"},
        "input_money": {**inp, "align": "right", "num_format": "0.00"},
        "input_number": {**inp, "align": "center"},
        "input_weight": {**inp, "align": "center", "num_format": "General"},
        "input_score": {**inp, "align": "center", "num_format": "General"},
        "input_choice": {**inp, "align": "center"},
        "fixed_text": {**base, "align": "left"},
        "fixed_number": {**base, "align": "center"},
        "fixed_weight": {**base, "align": "center", "num_format": "General"},
        "fixed_choice": {**base, "align": "center"},
        "fixed_money": {**base, "align": "right", "num_format": "0.00"},
        "fixed_score": {**base, "align": "center"},
        "rate": {**comp, "align": "center", "num_format": "0.00%"},
        "score": {**comp, "align": "center", "num_format": "General"},
        "score_total": {**comp, "align": "center", "bold": True, "num_format": "General"},
        "weight_total": {**comp, "align": "center", "bold": True, "num_format": "General"},
        "money_total": {**comp, "align": "right", "num_format": "0.00"},
        "grade": {**comp, "align": "center", "bold": True},
        "check": {"font_name": st.font, "font_size": st.size - 1, "font_color": "#C00000", "text_wrap": True,
                  "valign": "vcenter"},
        "check_head": {**base, "align": "center", "bold": True, "font_color": "#C00000"},
        "flag": {"font_name": st.font, "font_size": 8, "font_color": "#808080"},
        "panel_head": {"font_name": st.font, "font_size": st.size + 1, "bold": True, "bg_color": "#DDEBF7", "border": 1},
        "panel_label": {"font_name": st.font, "font_size": st.size, "border": 1, "valign": "vcenter"},
        "panel_value": {"font_name": st.font, "font_size": st.size, "border": 1, "text_wrap": True,
                        "font_color": "#C00000", "valign": "vcenter"},
    }


def _rate_format(cell: Cell) -> str:
    digits = int(cell.params.get("digits", 4))
    return "0%" if digits <= 2 else "0." + "0" * (digits - 2) + "%"


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook, layout: Layout) -> None:
        self.wb = wb
        self.specs = _styles(layout)
        self.cache: dict[tuple[str, str | None], Format] = {}
        self.red = wb.add_format({"bg_color": _RED, "font_color": "#9C0006"})

    def get(self, style: str, num_format: str | None = None) -> Format:
        key = (style, num_format)
        if key not in self.cache:
            spec = dict(self.specs[style])
            if num_format:
                spec["num_format"] = num_format
            self.cache[key] = self.wb.add_format(spec)
        return self.cache[key]


def _validation(cell: Cell, layout: Layout) -> dict[str, Any] | None:
    """Excel data validation for an input, with a Chinese prompt and error message."""
    v = cell.validation or {}
    kind = v.get("kind")
    label = cell.label or "此单元格"
    if cell.value_type == "money":
        return {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": label[:32],
                "input_message": "填写金额（万元），保留两位小数，不要输入单位。", "error_title": "金额无效",
                "error_message": "金额必须是不小于 0 的数字（单位：万元），不要输入“万元”等文字。"}
    if cell.value_type == "choice" and cell.choices:
        return {"validate": "list", "source": cell.choices, "input_title": label[:32],
                "input_message": "请从下拉列表中选择。", "error_title": "请选择列表中的值",
                "error_message": "只能选择：" + "、".join(cell.choices)}
    if cell.value_type == "weight":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, "input_title": "分值",
                "input_message": "填写该指标的分值（大于 0）。", "error_title": "分值无效",
                "error_message": "分值必须是 0 到 100 之间的数字。"}
    if kind == "score":
        maximum = "=" + layout.cell(v["max"]).abs_address
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": maximum,
                "input_title": label[:32], "input_message": "填写得分：不小于 0，不超过该指标分值；定性指标须在所选档次区间内。",
                "error_title": "得分无效", "error_message": "得分必须是 0 到该指标分值之间的数字。"}
    if kind == "target":
        direction = layout.cell(v["direction"]).address
        return {"validate": "custom", "value": f'=OR({direction}="定性",{direction}="",ISNUMBER({cell.address}))',
                "input_title": label[:32],
                "input_message": "定量指标（≥ ≤ =）只填数字，单位填在“单位”列；定性指标可填文字。百分比请输入如 95%。",
                "error_title": "应为数字", "error_message": "定量指标的数值只能填数字，单位请填在“单位”列。"}
    if kind == "date":
        year = v.get("year")
        if isinstance(year, int):
            return {"validate": "date", "criteria": "between", "minimum": dt.date(year, 1, 1),
                    "maximum": dt.date(year + 1, 12, 31), "input_title": label[:32],
                    "input_message": "填写日期，如 2024-02-08。", "error_title": "日期无效",
                    "error_message": f"请填写 {year} 年 1 月 1 日至 {year + 1} 年 12 月 31 日之间的日期。"}
        return {"validate": "date", "criteria": ">", "value": dt.date(2000, 1, 1), "input_message": "填写日期"}
    if cell.max_length:
        return {"validate": "length", "criteria": "<=", "value": cell.max_length, "input_title": label[:32],
                "input_message": f"文字，不超过 {cell.max_length} 字。", "error_title": "文字过长",
                "error_message": f"不能超过 {cell.max_length} 个字。"}
    return None


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


def _write_sheet(wb: xlsxwriter.Workbook, ws: Worksheet, s: SheetLayout, layout: Layout, fm: _Formats,
                 values: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Write one sheet: inputs carry ``inputs`` (by name), computed cells ``values``."""
    for col, width in s.col_widths.items():
        ws.set_column(col, col, width, None, {"hidden": col in s.hidden_cols})
    for row, height in s.row_heights.items():
        ws.set_row(row, height)
    merged_at = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in s.merges}
    sheet_ref = f"='{s.name}'!$"
    formats: dict[tuple[str, str | None], Format] = {}
    for cell in s.cells:
        style = cell.style
        num_format = cell.num_format or (_rate_format(cell) if style == "rate" else None)
        fmt = formats.get((style, num_format))
        if fmt is None:
            fmt = formats[style, num_format] = fm.get(style, num_format)
        row, col, role, name = cell.row, cell.col, cell.role, cell.name
        if merged_at:
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
            rule = _validation(cell, layout)
            if rule:
                ws.data_validation(row, col, row, col, rule)
        if name:
            wb.define_name(name, f"{sheet_ref}{column_letters(col)}${row + 1}")
    for mark in s.marks:
        target = layout.cell(mark.target)
        flag = layout.cell(mark.flag)
        ref = flag.abs_address if flag.sheet == s.name else layout.ref(flag.name, s.name)  # type: ignore[arg-type]
        criteria = f"={ref}=1" if mark.when == "flag" else f'=AND({ref}<>"✓",{ref}<>"")'
        ws.conditional_format(target.row, target.col, target.row, target.col,
                              {"type": "formula", "criteria": criteria, "format": fm.red})
    p = s.print
    ws.set_paper(9 if p.paper == "A4" else 8)
    if p.orientation == "landscape":
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(p.fit_width, 0)
    m = p.margins_cm / 2.54
    ws.set_margins(left=m, right=m, top=m, bottom=m + 0.2)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.print_area(s.print_rows[0], s.print_cols[0], s.print_rows[1], s.print_cols[1])
    if s.repeat_rows:
        ws.repeat_rows(*s.repeat_rows)
    ws.protect(layout.password or "", {"format_rows": True, "format_columns": True, "select_locked_cells": True,
                                       "select_unlocked_cells": True})


def _write_meta(wb: xlsxwriter.Workbook, layout: Layout, fingerprint: str) -> None:
    ws = wb.add_worksheet(META_SHEET, worksheet_class=_Worksheet)
    rows = [("template_id", layout.template_id), ("template_version", layout.template_version),
            ("fingerprint", fingerprint), ("jixiao_version", __version__),
            ("prefill", json.dumps(layout.prefill, ensure_ascii=False, sort_keys=True, default=str))]
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


def write_workbook(layout: Layout, path: str | os.PathLike[str], *, values: dict[str, Any] | None = None) -> Path:
    """Write the workbook atomically (a temp file renamed into place); return its path.

    ``values`` are input values by defined name (default: the layout's pre-filled ones).
    """
    path = Path(path)
    with gc_paused():
        inputs = {**{c.name: c.value for c in layout.inputs() if c.value is not None}, **(values or {})}
        computed = evaluate(layout, inputs)
        fingerprint = layout.fingerprint()
        with atomic_output(path) as tmp, warnings.catch_warnings():
            warnings.simplefilter("error")  # xlsxwriter only warns on many mistakes
            wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                                "strings_to_numbers": False})
            wb.set_properties({"title": layout.title, "created": _FIXED_DATE, "author": "jixiao",
                               "comments": f"jixiao {layout.template_id} v{layout.template_version}"})
            wb.set_custom_property("jixiao.template_id", layout.template_id)
            wb.set_custom_property("jixiao.template_version", layout.template_version)
            wb.set_custom_property("jixiao.fingerprint", fingerprint)
            fm = _Formats(wb, layout)
            for s in layout.sheets:
                ws = wb.add_worksheet(s.name, worksheet_class=_Worksheet)
                _write_sheet(wb, ws, s, layout, fm, computed, inputs)
            _write_meta(wb, layout, fingerprint)
            wb.close()
    return path


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while one workbook is written or verified.

    Such a call allocates tens of thousands of objects that live until it returns, and the
    collector would scan them again and again (a fifth of the time); reference counting
    frees nearly all of them. On the way out the collector is on again (if it was) and
    one young-generation pass frees the few reference cycles made meanwhile (xlsxwriter's
    workbook and worksheets), so memory stays what it was. Nested uses do nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)
