"""Cell formats of a workbook: one named style per kind of cell, made once per workbook."""

from __future__ import annotations

from typing import Any

import xlsxwriter
from xlsxwriter.format import Format

from ..layout import Cell, Layout

#: A check cell's two states, on screen and in print: ✓ green, a problem red (fill and font).
OK_COLOURS = {"bg_color": "#C6EFCE", "font_color": "#006100"}
PROBLEM_COLOURS = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}


def _styles(layout: Layout) -> dict[str, dict[str, Any]]:
    """xlsxwriter format properties by style name, in the layout's font and colours."""
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
        # A check line: red until its conditional format finds ✓ (a viewer without
        # conditional formats never shows a problem in green).
        "panel_value": {"font_name": st.font, "font_size": st.size, "border": 1, "text_wrap": True,
                        "font_color": PROBLEM_COLOURS["font_color"], "valign": "vcenter"},
        "panel_count": {"font_name": st.font, "font_size": st.size, "border": 1, "valign": "vcenter"},
    }


def _rate_format(cell: Cell) -> str:
    digits = int(cell.params.get("digits", 4))
    return "0%" if digits <= 2 else "0." + "0" * (digits - 2) + "%"


class Formats:
    """The workbook's formats, each added once, on first use (so in a fixed order)."""

    def __init__(self, wb: xlsxwriter.Workbook, layout: Layout) -> None:
        self._wb = wb
        self._specs = _styles(layout)
        self._made: dict[tuple[str, str | None], Format] = {}
        #: A check cell showing ✓; one showing a problem, and a cell a failed check marks.
        self.ok = wb.add_format(dict(OK_COLOURS))
        self.problem = wb.add_format(dict(PROBLEM_COLOURS))

    def of(self, cell: Cell) -> Format:
        """The cell's style, with its own number format if any (a rate's from its digits)."""
        num_format = cell.num_format or (_rate_format(cell) if cell.style == "rate" else None)
        key = (cell.style, num_format)
        fmt = self._made.get(key)
        if fmt is None:
            spec = dict(self._specs[cell.style])
            if num_format:
                spec["num_format"] = num_format
            fmt = self._made[key] = self._wb.add_format(spec)
        return fmt
