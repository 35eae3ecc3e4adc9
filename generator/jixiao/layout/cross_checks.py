"""Funds that must agree across sheets, checked on panel lines of the first sheet."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from ..template import model
from .builder import BuildContext, SheetBuilder
from .refs import CellName


def resolve(name: str, known: Iterable[CellName]) -> list[CellName]:
    """The cells a cross-check part means: itself, or for a pattern with ``*`` every cell
    it matches (``xm*_fund_total_actual`` is that cell on every copy of a sheet, so a
    department with five projects is checked against all five)."""
    if "*" not in name:
        return [name]
    matches = re.compile(fnmatch.translate(name)).match  # as fnmatchcase, compiled once for all names
    return [c for c in known if matches(c)]


def build_cross_checks(ctx: BuildContext) -> None:
    first = ctx.layout.sheets[0]
    sb = SheetBuilder(ctx, first.id, first.name, first.role)
    sb.s = first
    panel_cells = [ctx.layout.by_name[n] for n in first.panel]
    col = panel_cells[0].col if panel_cells else 15
    row = max((c.row for c in panel_cells), default=0) + 1
    for i, chk in enumerate(ctx.t.cross_checks):
        _line(sb, row, col, i + 1, chk)
        row += 1


def _line(sb: SheetBuilder, row: int, col: int, number: int, chk: model.CrossCheck) -> None:
    sb.put(row, col - 1, chk.label, style="panel_label")
    parts = [n for p in chk.parts for n in resolve(p, sb.ctx.layout.by_name)]
    cell = sb.computed(row, col, f"cross_{number}", "CHK_FUNDS_SUM", {"total": chk.total, "parts": parts},
                       {"label": chk.label, "tolerance": 0.01}, style="panel_value", value_type="text",
                       label=chk.label)
    sb.s.panel.append(cell.name or "")
