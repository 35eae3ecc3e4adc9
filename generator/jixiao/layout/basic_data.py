"""The basic data sheet (基础数据表): staffing, cost rows, buildings and measures."""

from __future__ import annotations

from ..template import model
from .builder import SheetBuilder
from .model import PANEL_HEAD
from .pages import paginate
from .refs import CellName
from .sheet_checks import sheet_checks


def build_basic_data(sb: SheetBuilder, spec: model.BasicDataSheet) -> None:
    s = sb.s
    s.print = spec.print
    s.col_widths = {0: 30, 1: 12, 2: 12, 3: 12, 4: 12, 5: 12, 6: 12, 7: 2, 8: 24, 9: 40}
    sb.put(0, 0, sb.ctx.lt.render_text(spec.title), style="title", to=(0, 6))
    s.row_heights[0] = 30
    sb.row = 1
    _staffing(sb, spec)
    money = _costs(sb, spec)
    if spec.buildings:
        money += _buildings(sb)
    sb.put(sb.row, 0, spec.measures_label, style="head")
    sb.input(sb.row, 1, "measures", value_type="longtext", style="input_longtext", to=(sb.row, 6),
             label=spec.measures_label, max_length=2000)
    s.row_heights[sb.row] = 60
    sb.row += 1
    sb.fields_narrow(spec.signatures)
    sb.notes(spec.notes, 6, 90)
    s.print_rows = (0, sb.row - 1)
    s.print_cols = (0, 6)
    paginate(s)
    sb.put(0, 8, PANEL_HEAD, style="panel_head", to=(0, 9))
    sb.put(1, 8, "金额非负", style="panel_label")
    chk = sb.computed(1, 9, "panel_1", "CHK_NOT_NEGATIVE", {"amounts": money}, style="panel_value", value_type="text",
                      label="金额非负")
    s.panel.append(chk.name or "")
    sheet_checks(sb)


def _staffing(sb: SheetBuilder, spec: model.BasicDataSheet) -> None:
    """编制数 | 实际在职人数 | 控制率."""
    year = sb.ctx.year
    r = sb.row
    sb.put(r, 0, spec.staffing_label, style="head", to=(r + 1, 0))
    for col, text in ((1, "编制数"), (3, f"{year}年实际在职人数" if year else "实际在职人数"), (5, "控制率")):
        sb.put(r, col, text, style="head", to=(r, col + 1))
    sb.input(r + 1, 1, "staff_quota", value_type="number", style="input_number", to=(r + 1, 2), label="编制数")
    sb.input(r + 1, 3, "staff_actual", value_type="number", style="input_number", to=(r + 1, 4), label="实际在职人数")
    sb.computed(r + 1, 5, "staff_rate", "RATIO", {"numerator": "staff_actual", "denominator": "staff_quota"},
                style="rate", value_type="rate", to=(r + 1, 6), label="控制率")
    sb.row = r + 2


def _costs(sb: SheetBuilder, spec: model.BasicDataSheet) -> list[CellName]:
    """The cost table: inputs first, then the sums (a sum may name rows below it)."""
    s = sb.s
    r = sb.row
    cols = [sb.ctx.lt.render_text(c) for c in spec.cost_columns]
    sb.put(r, 0, spec.cost_label, style="head")
    for j, text in enumerate(cols):
        sb.put(r, 1 + 2 * j, text, style="head", to=(r, 2 + 2 * j))
    r += 1
    money: list[CellName] = []
    pending: list[tuple[int, model.CostRow]] = []
    for row in spec.cost_rows:
        sb.put(r, 0, "　" * row.indent + row.label, style="label_left")
        if row.text_only:
            sb.put(r, 1, None, style="label", to=(r, 6))
        else:
            for j in range(3):
                key = f"cost_{row.key}_{j + 1}"
                if row.sum_of:
                    pending.append((r, row))
                else:
                    sb.input(r, 1 + 2 * j, key, value_type="money", style="input_money", to=(r, 2 + 2 * j),
                             label=f"{row.label} {cols[j]}")
                    money.append(sb.name(key))
        r += 1
    done: set[str] = set()

    def emit(row: model.CostRow, rr: int) -> None:
        if row.key in done:
            return
        for part in row.sum_of:
            sub = next(x for x in spec.cost_rows if x.key == part)
            if sub.sum_of:
                emit(sub, next(p for p, x in pending if x.key == part))
        for j in range(3):
            sb.computed(rr, 1 + 2 * j, f"cost_{row.key}_{j + 1}", "SUM_PARTS",
                        {"parts": [f"{s.id}_cost_{p}_{j + 1}" for p in row.sum_of]}, style="money_total",
                        to=(rr, 2 + 2 * j), label=f"{row.label} {cols[j]}")
        done.add(row.key)

    for rr, row in pending:
        emit(row, rr)
    sb.row = r
    return money


def _buildings(sb: SheetBuilder) -> list[CellName]:
    """楼堂馆所控制情况: approved and actual area and investment, with their rates."""
    year = sb.ctx.year
    r = sb.row
    heads = ["批复规模(m²)", "实际规模(m²)", "规模控制率", "预算投资(万元)", "实际投资(万元)", "投资概算控制率"]
    sb.put(r, 0, f"楼堂馆所控制情况（{year}年完工项目）" if year else "楼堂馆所控制情况", style="head", to=(r + 1, 0))
    for j, text in enumerate(heads):
        sb.put(r, 1 + j, text, style="head")
    for j, key in enumerate(("bld_area_approved", "bld_area_actual")):
        sb.input(r + 1, 1 + j, key, value_type="number", style="input_number", label=heads[j])
    sb.computed(r + 1, 3, "bld_area_rate", "RATIO", {"numerator": "bld_area_actual", "denominator": "bld_area_approved"},
                style="rate", value_type="rate", label="规模控制率")
    money: list[CellName] = []
    for j, key in enumerate(("bld_invest_budget", "bld_invest_actual")):
        sb.input(r + 1, 4 + j, key, value_type="money", style="input_money", label=heads[3 + j])
        money.append(sb.name(key))
    sb.computed(r + 1, 6, "bld_invest_rate", "RATIO",
                {"numerator": "bld_invest_actual", "denominator": "bld_invest_budget"},
                style="rate", value_type="rate", label="投资概算控制率")
    sb.s.row_heights[r] = 30
    sb.row = r + 2
    return money

