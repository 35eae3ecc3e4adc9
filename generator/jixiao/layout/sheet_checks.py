"""Panel lines every sheet kind shares: the checks verify makes on any sheet, laid out in
the form so that "all ✓" means verify finds no error.

- 已填写栏数: how many inputs of the sheet hold something (a sheet with locked pre-filled
  indicators counts as in use); required cells are only asked of a sheet in use.
- one line per required field (typed ``required`` in the template) and, on a
  self-evaluation sheet, for 全年预算数(A) and 全年执行数(B) of the scored funds row and
  for 自评结论 where the template says ``conclusion_required`` (layout generation 2 on);
- one line per date field: a date (not text such as ``2024.2.20``) within the year's window;
- 数字栏: amounts, weights and scores holding text (ISTEXT): the form cannot compute with them.
"""

from __future__ import annotations

import datetime as dt

from .builder import BuildContext, SheetBuilder
from .model import ConditionalMark, SheetLayout
from .refs import CellName

#: Numbers a sheet computes with; text there leaves a formula blank.
NUMBER_TYPES = ("money", "weight", "score")
_EPOCH = dt.date(1899, 12, 30)
USED_KEY = "filled"


def serial(d: dt.date) -> int:
    """The spreadsheet's serial number of a date (1900 system).

    >>> serial(dt.date(2024, 1, 1))
    45292
    """
    return (d - _EPOCH).days


def _next_row(s: SheetLayout, ctx: BuildContext) -> tuple[int, int]:
    cells = [ctx.layout.by_name[n] for n in s.panel]
    return max(c.row for c in cells) + 1, cells[0].col


def _by_column(s: SheetLayout, roles: tuple[str, ...], types: tuple[str, ...] | None) -> list[CellName]:
    """Named cells column by column, so that a column's cells join into one range (a
    formula stays far below Excel's 8,192 characters)."""
    cells = sorted((c for c in s.cells if c.role in roles and c.name and (types is None or c.value_type in types)),
                   key=lambda c: (c.col, c.row))
    return [c.name for c in cells if c.name]


def sheet_checks(sb: SheetBuilder, also_required: list[CellName] | None = None) -> None:
    """Append the shared lines to the sheet's panel (it has at least one line already);
    ``also_required``: cells other than fields the template requires (自评结论)."""
    s = sb.s
    row, col = _next_row(s, sb.ctx)
    inputs = _by_column(s, ("input",), None)
    locked = any(r.locked for r in s.indicator_rows)
    sb.put(row, col - 1, "已填写栏数", style="panel_label")
    used = sb.computed(row, col, USED_KEY, "FILLED_COUNT", {"cells": inputs}, {"base": 1 if locked else 0},
                       style="panel_count", label="已填写栏数").name or ""
    row += 1

    def line(key: str, label: str, rule: str, args: dict[str, object], params: dict[str, object],
             mark: CellName | None = None) -> None:
        nonlocal row
        sb.put(row, col - 1, label, style="panel_label")
        chk = sb.computed(row, col, f"panel_{key}", rule, args, params, style="panel_value", value_type="text",
                          label=label)
        s.panel.append(chk.name or "")
        if mark:  # the cell itself turns red while its line fails
            s.marks.append(ConditionalMark(target=mark, flag=chk.name or "", when="not_ok"))
        row += 1

    required: list[tuple[CellName, str]] = [(f.name, sb.ctx.layout.by_name[f.name].label)
                                            for f in s.fields if f.required]
    if s.execution is not None:
        for name in (s.execution.budget, s.execution.actual):
            required.append((name, sb.ctx.layout.by_name[name].label))
    required += [(name, sb.ctx.layout.by_name[name].label) for name in also_required or []]
    for name, label in required:
        key = name.removeprefix(s.id + "_")
        line(f"{key}_required", label, "CHK_REQUIRED", {"used": used, "value": name}, {}, name)
    year = sb.ctx.year
    if isinstance(year, int):
        for f in s.fields:
            if f.kind == "date":
                label = sb.ctx.layout.by_name[f.name].label
                line(f"date_{f.key}", f"{label}（日期）", "CHK_DATE", {"date": f.name},
                     {"label": label, "low": serial(dt.date(year, 1, 1)), "high": serial(dt.date(year + 1, 12, 31)),
                      "period": f"{year}—{year + 1} 年", "example": f"{year + 1}-02-20"}, f.name)
    numbers = _by_column(s, ("input",), NUMBER_TYPES)
    if numbers:
        line("numbers", "数字栏", "CHK_TEXT_IN_NUMBERS", {"cells": numbers}, {})


def untouched_check(ctx: BuildContext) -> None:
    """On the first sheet: the workbook has something filled in (every sheet's count)."""
    first = ctx.layout.sheets[0]
    sb = SheetBuilder(ctx, first.id, first.name, first.role)
    sb.s = first
    row, col = _next_row(first, ctx)
    sb.put(row, col - 1, "填写情况", style="panel_label")
    counts = [f"{s.id}_{USED_KEY}" for s in ctx.layout.sheets]
    chk = sb.computed(row, col, "panel_untouched", "CHK_UNTOUCHED", {"counts": counts}, style="panel_value",
                      value_type="text", label="填写情况")
    first.panel.append(chk.name or "")
