"""The self-evaluation sheet (部门整体 / 项目支出绩效自评表), block by block:
title and header fields, funds, goals, the indicator table, total and grade, signatures
and notes, then the self-check panel beside the form."""

from __future__ import annotations

from ..template import model
from .builder import SheetBuilder
from .columns import FLAG0, Grid, grid
from .funds import funds_block
from .identity import MESSAGES_WITH_VALUES
from .indicators import HIDDEN_COLUMNS, IndicatorTable, indicator_table, score_column
from .model import ROW_FLAGS
from .pages import paginate
from .panel import panel
from .refs import CellName


def build_self_evaluation(sb: SheetBuilder, spec: model.SelfEvaluationSheet) -> CellName:
    """Lay out one self-evaluation sheet; returns the name of its total score."""
    s = sb.s
    g = grid(spec)
    s.print = spec.print
    s.col_widths = dict(g.widths)
    _title(sb, spec, g)
    _fields_rows(sb, spec.header, g, spec.fields_per_row)
    money = funds_block(sb, spec, g)
    _goals(sb, spec.goals, g)
    table = indicator_table(sb, spec, g)
    _total_and_grade(sb, spec, table, g)
    _fields_rows(sb, spec.signatures, g, spec.fields_per_row)
    sb.notes(spec.notes, g.last, sum(g.widths[c] for c in range(g.width)))
    s.print_rows = (0, sb.row - 1)
    s.print_cols = (0, g.last)
    if s.never_split:  # the total, grade and signatures print with the last 二级指标
        last_group = max(first for first, _ in s.never_split)
        s.never_split.append((last_group, sb.row - 1))
    paginate(s)
    panel(sb, spec, table, money)
    # The flags, a fixed direction (a table without 方向) and the message cells (see indicators);
    # generation 1: the flags and the fixed direction only.
    if sb.ctx.layout.generation >= MESSAGES_WITH_VALUES:
        s.hidden_cols = list(HIDDEN_COLUMNS)
    else:
        s.hidden_cols = list(range(FLAG0, FLAG0 + len(ROW_FLAGS) + (0 if g.has("direction") else 1)))
    return s.total or ""


def _title(sb: SheetBuilder, spec: model.SelfEvaluationSheet, g: Grid) -> None:
    render = sb.ctx.lt.render_text
    sb.put(0, 0, render(spec.title), style="title", to=(0, g.last))
    sb.s.row_heights[0] = 30
    sb.row = 1
    if spec.subtitle:
        sb.put(1, 0, render(spec.subtitle), style="subtitle", to=(1, g.last))
        sb.row = 2


def _fields_rows(sb: SheetBuilder, fields: list[model.Field_], g: Grid, per_row: int) -> None:
    """Header or signature fields, ``per_row`` side by side: label | input | label | input."""
    spans = g.field_spans(per_row)
    for i in range(0, len(fields), per_row):
        for f, ((l0, l1), (v0, v1)) in zip(fields[i:i + per_row], spans, strict=False):
            sb.put(sb.row, l0, f.label + "：", style="label_right", to=(sb.row, l1))
            sb.field(sb.row, v0, f, to=(sb.row, v1))
        sb.s.row_heights[sb.row] = 20
        sb.row += 1


def _goals(sb: SheetBuilder, g: model.Goals, grid_: Grid) -> None:
    """年度总体目标: 预期目标 beside 实际完成情况, the rest of the grid shared between them."""
    first = grid_.label_span
    split = first + (grid_.width - first + 1) // 2  # the first column of 实际完成情况
    last = grid_.last
    sb.put(sb.row, 0, g.label, style="head", to=(sb.row + 1, first - 1))
    sb.put(sb.row, first, g.expected_label, style="head", to=(sb.row, split - 1))
    sb.put(sb.row, split, g.actual_label, style="head", to=(sb.row, last))
    sb.row += 1
    sb.input(sb.row, first, "goal_expected", value_type="longtext", style="input_longtext", to=(sb.row, split - 1),
             label=g.expected_label, max_length=g.max_length)
    sb.input(sb.row, split, "goal_actual", value_type="longtext", style="input_longtext", to=(sb.row, last),
             label=g.actual_label, max_length=g.max_length)
    sb.s.row_heights[sb.row] = 120
    sb.row += 1


def _total_and_grade(sb: SheetBuilder, spec: model.SelfEvaluationSheet, table: IndicatorTable, g: Grid) -> None:
    """The 总分 row, then the grade and the conclusion the department writes."""
    sc = sb.ctx.t.scoring
    s = sb.s
    r = sb.row
    weight, score = g.col["weight"], score_column(sb, g)
    sb.put(r, 0, "总分", style="head_total", to=(r, weight - 1))
    sb.computed(r, weight, "total_weight", "TOTAL", {"parts": [sb.name("exec_weight"), *table.weights]},
                style="weight_total")
    total = sb.computed(r, score, "total_score", "TOTAL",
                        {"parts": [sb.name("exec_score"), *table.subtotals]}, style="score_total", label="总分")
    taken = {score}
    if sc.mode == "declared" and sb.ctx.layout.generation >= MESSAGES_WITH_VALUES:  # 计算总分 beside 总分
        taken.add(g.col["score"])
        sb.computed(r, g.col["score"], "total_computed", "TOTAL",
                    {"parts": [sb.name("exec_score_computed"), *table.computed_subtotals]}, style="score_total",
                    label="计算总分")
    for col in range(weight + 1, g.width):
        if col not in taken:
            sb.put(r, col, None, style="label")
    s.row_heights[r] = 22
    sb.row += 1
    r = sb.row
    span = g.label_span
    sb.put(r, 0, spec.conclusion_label, style="head", to=(r, span - 1))
    grade_params = {"bands": [[gb.min, gb.label] for gb in sc.grades[:-1]], "otherwise": sc.grades[-1].label}
    grade = sb.computed(r, span, "grade", "GRADE", {"total": "total_score"}, grade_params, style="grade",
                        value_type="text", to=(r, 2 * span - 1), label="自评等级")
    sb.input(r, 2 * span, "conclusion", value_type="longtext", style="input_text", to=(r, g.last),
             label=spec.conclusion_label, max_length=2000)
    s.row_heights[r] = 40
    sb.row += 1
    s.total, s.grade = total.name, grade.name

