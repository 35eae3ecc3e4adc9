"""The self-evaluation sheet (部门整体 / 项目支出绩效自评表), block by block:
title and header fields, funds, goals, the indicator table, total and grade, signatures
and notes, then the self-check panel beside the form."""

from __future__ import annotations

from .. import model
from .builder import SheetBuilder
from .columns import FLAG0, WIDTHS, A, B, C, D, E, F, G, H, I, J, K, L
from .funds import funds_block
from .indicators import IndicatorTable, indicator_table
from .model import ROW_FLAGS
from .pages import paginate
from .panel import panel
from .refs import CellName


def build_self_evaluation(sb: SheetBuilder, spec: model.SelfEvaluationSheet) -> CellName:
    """Lay out one self-evaluation sheet; returns the name of its total score."""
    s = sb.s
    s.print = spec.print
    s.col_widths = dict(WIDTHS)
    _title(sb, spec)
    _fields_rows(sb, spec.header)
    money = funds_block(sb, spec)
    _goals(sb, spec.goals)
    table = indicator_table(sb, spec)
    _total_and_grade(sb, spec, table)
    _fields_rows(sb, spec.signatures)
    sb.notes(spec.notes, L, sum(WIDTHS[c] for c in range(A, L + 1)))
    s.print_rows = (0, sb.row - 1)
    s.print_cols = (A, L)
    if s.never_split:  # the total, grade and signatures print with the last 二级指标
        last_group = max(first for first, _ in s.never_split)
        s.never_split.append((last_group, sb.row - 1))
    paginate(s)
    panel(sb, spec, table, money)
    s.hidden_cols = list(range(FLAG0, FLAG0 + len(ROW_FLAGS)))
    return s.total or ""


def _title(sb: SheetBuilder, spec: model.SelfEvaluationSheet) -> None:
    render = sb.ctx.lt.render_text
    sb.put(0, A, render(spec.title), style="title", to=(0, L))
    sb.s.row_heights[0] = 30
    sb.row = 1
    if spec.subtitle:
        sb.put(1, A, render(spec.subtitle), style="subtitle", to=(1, L))
        sb.row = 2


def _fields_rows(sb: SheetBuilder, fields: list[model.Field_]) -> None:
    """Header or signature fields, two per row: label | input | label | input."""
    spans = [((A, B), (C, F)), ((G, H), (I, L))]
    for i in range(0, len(fields), 2):
        for f, ((l0, l1), (v0, v1)) in zip(fields[i:i + 2], spans, strict=False):
            sb.put(sb.row, l0, f.label + "：", style="label_right", to=(sb.row, l1))
            sb.field(sb.row, v0, f, to=(sb.row, v1))
        sb.s.row_heights[sb.row] = 20
        sb.row += 1


def _goals(sb: SheetBuilder, g: model.Goals) -> None:
    sb.put(sb.row, A, g.label, style="head", to=(sb.row + 1, B))
    sb.put(sb.row, C, g.expected_label, style="head", to=(sb.row, G))
    sb.put(sb.row, H, g.actual_label, style="head", to=(sb.row, L))
    sb.row += 1
    sb.input(sb.row, C, "goal_expected", value_type="longtext", style="input_longtext", to=(sb.row, G),
             label=g.expected_label, max_length=g.max_length)
    sb.input(sb.row, H, "goal_actual", value_type="longtext", style="input_longtext", to=(sb.row, L),
             label=g.actual_label, max_length=g.max_length)
    sb.s.row_heights[sb.row] = 120
    sb.row += 1


def _total_and_grade(sb: SheetBuilder, spec: model.SelfEvaluationSheet, table: IndicatorTable) -> None:
    """The 总分 row, then the grade and the conclusion the department writes."""
    sc = sb.ctx.t.scoring
    declared = sc.mode == "declared"
    s = sb.s
    r = sb.row
    sb.put(r, A, "总分", style="head_total", to=(r, H))
    sb.computed(r, I, "total_weight", "TOTAL", {"parts": [sb.name("exec_weight"), *table.weights]},
                style="weight_total")
    total = sb.computed(r, J if declared else K, "total_score", "TOTAL",
                        {"parts": [sb.name("exec_score"), *table.subtotals]}, style="score_total", label="总分")
    sb.put(r, K if declared else J, None, style="label")
    sb.put(r, L, None, style="label")
    s.row_heights[r] = 22
    sb.row += 1
    r = sb.row
    sb.put(r, A, spec.conclusion_label, style="head", to=(r, B))
    grade_params = {"bands": [[gb.min, gb.label] for gb in sc.grades[:-1]], "otherwise": sc.grades[-1].label}
    grade = sb.computed(r, C, "grade", "GRADE", {"total": "total_score"}, grade_params, style="grade",
                        value_type="text", to=(r, D), label="自评等级")
    sb.input(r, E, "conclusion", value_type="longtext", style="input_text", to=(r, L), label=spec.conclusion_label,
             max_length=2000)
    s.row_heights[r] = 40
    sb.row += 1
    s.total, s.grade = total.name, grade.name

