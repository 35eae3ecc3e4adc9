"""The indicator table of a self-evaluation sheet: one row per third-level indicator,
its per-row flags, and a subtotal per first-level indicator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..rules.library import library
from ..template import model
from .builder import SheetBuilder, text_height
from .columns import FLAG0, Grid
from .identity import MESSAGES_WITH_VALUES
from .model import ROW_FLAGS, ROW_TEXTS, IndicatorRow, Subtotal
from .refs import CellName
from .row_flags import TEXT0, row_flags

#: Every hidden column of an indicator row: flags, fixed direction, message cells.
HIDDEN_COLUMNS = range(FLAG0, TEXT0 + len(ROW_TEXTS))

#: Height of an indicator row the bureau did not declare, in points.
BLANK_ROW_HEIGHT = 20.0


@dataclass
class IndicatorTable:
    """What the rest of the sheet (total, panel) needs from the table."""

    weights: list[CellName] = field(default_factory=list)
    subtotals: list[CellName] = field(default_factory=list)
    flags: dict[str, list[CellName]] = field(default_factory=lambda: {rid: [] for rid, *_ in ROW_FLAGS})
    weight_checks: list[tuple[str, list[CellName], float]] = field(default_factory=list)  # (一级, weights, nominal)
    computed_subtotals: list[CellName] = field(default_factory=list)  # declared mode: 一级 computed subtotals
    rows: int = 0


def indicator_table(sb: SheetBuilder, spec: model.SelfEvaluationSheet, g: Grid) -> IndicatorTable:
    """The two header rows, then every first-level block with its subtotal row."""
    _header(sb, spec.indicators, g)
    table = IndicatorTable()
    for i1, l1 in enumerate(spec.indicators.level1):
        _level1(sb, spec.indicators, l1, i1 + 1, table, g)
    return table


def score_column(sb: SheetBuilder, g: Grid) -> int:
    """Where the score that counts stands (subtotals and total too): the department's in
    declared mode, else the computed one."""
    return g.col["declared" if sb.ctx.t.scoring.mode == "declared" else "score"]


#: The columns printed under the target's own header (年度指标值 over 方向 · 指标值 · 单位).
TARGET_GROUP = ("direction", "target", "unit")


def _header(sb: SheetBuilder, ind: model.Indicators, g: Grid) -> None:
    declared = sb.ctx.t.scoring.mode == "declared"
    s = sb.s
    h0 = sb.row
    s.repeat_rows = (h0, h0 + 1)
    default = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "direction": "方向",
               "target": "指标值", "unit": "单位", "actual": ind.actual_label, "tier": "定性档次", "weight": "分值",
               "declared": "自评得分" if declared else "定性得分", "score": "计算得分" if declared else "得分",
               "reason": ind.reason_label}
    labels = {c.key: c.label or default[c.key] for c in ind.columns}
    group = [k for k in TARGET_GROUP if g.has(k)]
    if len(group) == 1:  # the target alone: one header over both rows
        labels["target"] = next(c.label for c in ind.columns if c.key == "target") or ind.target_label
        group = []
    for c in ind.columns:
        if c.key not in group:
            sb.put(h0, g.col[c.key], labels[c.key], style="head", to=(h0 + 1, g.col[c.key]))
    sb.put(h0, g.check, "本行校验", style="check_head", to=(h0 + 1, g.check))
    if group:
        sb.put(h0, g.col[group[0]], ind.target_label, style="head", to=(h0, g.col[group[-1]]))
        for k in group:
            sb.put(h0 + 1, g.col[k], labels[k], style="head")
    s.row_heights[h0] = 28
    s.never_split.append((h0, h0 + 2))  # the header never ends a page alone
    sb.row = h0 + 2


def _level1(sb: SheetBuilder, ind: model.Indicators, l1: model.Level1, number: int, table: IndicatorTable,
            g: Grid) -> None:
    """One first-level indicator: its rows by second level, its subtotal and its label cell."""
    s = sb.s
    first = sb.row
    weights: list[CellName] = []
    scores: list[CellName] = []
    computed: list[CellName] = []  # the computed scores (declared mode: beside the department's)
    for l2 in l1.level2:
        l2_first = sb.row
        s.level2_names.add((l1.name, l2.name))
        rows = [*l2.indicators, *sb.ctx.declared(s.id, l1.name, l2.name), *([None] * l2.rows)]
        for decl in rows or [None]:
            table.rows += 1
            direction = decl.direction if decl else (l2.direction or ind.direction)
            row = _indicator_row(sb, ind, f"ind{table.rows}", decl, l1.name, l2.name, g, direction)
            row_flags(sb, row, table.flags, g)
            weights.append(row.weight)
            scores.append(row.final)
            computed.append(row.score)
            s.row_heights[sb.row] = _row_height(decl, g.widths[g.col["name"]])
            sb.row += 1
        sb.put(l2_first, g.col["level2"], l2.name, style="head", to=(sb.row - 1, g.col["level2"]))
        s.never_split.append((l2_first, sb.row - 1))
    r = sb.row
    weight, score = g.col["weight"], score_column(sb, g)
    sb.put(r, g.col["level2"], "小计", style="head", to=(r, weight - 1))
    sb.computed(r, weight, f"l1_{number}_weight", "TOTAL", {"parts": list(weights)}, style="weight_total")
    subtotal = sb.computed(r, score, f"l1_{number}_score", "SUBTOTAL", {"scores": list(scores)},
                           style="score_total", label=f"{l1.name}得分")
    taken = {score}
    if sb.ctx.t.scoring.mode == "declared" and sb.ctx.layout.generation >= MESSAGES_WITH_VALUES:
        taken.add(g.col["score"])
        table.computed_subtotals.append(sb.computed(r, g.col["score"], f"l1_{number}_computed", "SUBTOTAL",
                                                    {"scores": computed}, style="score_total",
                                                    label=f"{l1.name}计算得分").name or "")
    for col in range(weight + 1, g.width):
        if col not in taken:
            sb.put(r, col, None, style="label")
    sb.row += 1
    s.never_split[-1] = (s.never_split[-1][0], r)  # the 小计 never starts a page alone
    s.keep_together.append((first, sb.row - 1))
    s.continued[first] = l1.name
    sb.computed(first, g.col["level1"], f"l1_{number}_label", "LEVEL1_LABEL", {"weights": list(weights)},
                {"name": l1.name, "nominal": l1.weight}, style="head", value_type="text",
                to=(sb.row - 1, g.col["level1"]))
    s.subtotals.append(Subtotal(title=l1.name, score=subtotal.name or ""))
    table.weights.extend(weights)
    table.subtotals.append(subtotal.name or "")
    table.weight_checks.append((l1.name, weights, l1.weight))


def _row_height(decl: model.Indicator | None, name_width: float) -> float:
    """A declared row as high as its name needs; a blank row low, so the rows a department
    leaves unused take little paper (two lines of typed text still fit)."""
    if decl is None:
        return BLANK_ROW_HEIGHT
    return max(BLANK_ROW_HEIGHT, text_height(str(decl.name), name_width))


def _indicator_row(sb: SheetBuilder, ind: model.Indicators, key: str, decl: model.Indicator | None,
                   level1: str, level2: str, g: Grid, direction: str) -> IndicatorRow:
    """The inputs and the computed score of one row (a declared indicator's are locked).

    Without a 方向 column the row's direction is fixed by the template (``direction``):
    a computed cell beside the hidden flags shows it once the row is named, for the
    rules that read it (it is no input of the form and not in the record); a
    定性 row then takes the tier in 实际完成值 and, without a 定性得分 column, the
    department's score in 得分.
    """
    sc = sb.ctx.t.scoring
    declared = sc.mode == "declared"
    col = g.col
    r = sb.row
    locked = decl is not None
    fixed = not g.has("direction")
    qualitative = fixed and direction == "定性"
    sb.input(r, col["name"], f"{key}_name", value_type="text", style="input_text", label="三级指标",
             value=decl.name if decl else None, locked_value=locked, max_length=200)
    if fixed:  # shown only once the row is named, so unused rows raise no flag
        sb.computed(r, FLAG0 + len(ROW_FLAGS), f"{key}_direction", "FIXED_DIRECTION", {"indicator": f"{key}_name"},
                    {"direction": direction}, style="flag", value_type="text", label="方向")
    else:
        sb.input(r, col["direction"], f"{key}_direction", value_type="choice", style="input_choice", label="方向",
                 value=decl.direction if decl else None, locked_value=locked, choices=["≥", "≤", "=", "定性"])
    # A percentage is stored as a fraction and shown as one, so typing 95% (or 95 into the
    # percent-formatted actual cell) gives the same number as the target.
    pct = "0.00%" if decl and decl.unit in ("%", "％") and decl.direction != "定性" else None
    sb.input(r, col["target"], f"{key}_target", value_type="number", style="input_number", label=ind.target_label,
             value=decl.target if decl else None, locked_value=locked,
             validation={"kind": "target", "direction": f"{key}_direction"}, num_format=pct)
    if g.has("unit"):
        sb.input(r, col["unit"], f"{key}_unit", value_type="text", style="input_text", label="单位",
                 value=decl.unit if decl else None, locked_value=locked, max_length=20)
    tiers = [x.label for x in sc.tiers]
    if qualitative:  # the national form: 实际完成值 reads 达成预期指标
        sb.input(r, col["actual"], f"{key}_actual", value_type="choice", style="input_choice",
                 label=ind.actual_label, choices=tiers)
    else:
        sb.input(r, col["actual"], f"{key}_actual", value_type="number", style="input_number",
                 label=ind.actual_label, validation={"kind": "target", "direction": f"{key}_direction"},
                 num_format=pct)
    if g.has("tier"):
        sb.input(r, col["tier"], f"{key}_tier", value_type="choice", style="input_choice", label="定性档次",
                 choices=tiers)
    sb.input(r, col["weight"], f"{key}_weight", value_type="weight", style="input_weight", label="分值",
             value=decl.weight if decl else None, locked_value=locked)
    own = "declared" if g.has("declared") else "score"
    if g.has("declared") or qualitative:
        sb.input(r, col[own], f"{key}_declared", value_type="score", style="input_score",
                 label="自评得分" if declared else ("定性得分" if own == "declared" else "得分"),
                 validation={"kind": "score", "max": f"{key}_weight"})
    if fixed and not qualitative:
        rule, params = _fixed_rule(sc, direction)
        sb.computed(r, col["score"], f"{key}_score", rule,
                    {"target": f"{key}_target", "actual": f"{key}_actual", "weight": f"{key}_weight"}, params,
                    style="score", label="计算得分" if declared else "得分")
    elif not fixed:
        sb.computed(r, col["score"], f"{key}_score", "INDICATOR_SCORE",
                    {"direction": f"{key}_direction", "target": f"{key}_target", "actual": f"{key}_actual",
                     "weight": f"{key}_weight", "declared": f"{key}_declared"},
                    {"positive": sc.positive, "negative": sc.negative, "equal": sc.equal,
                     "digits": sc.digits, "mode": sc.rounding}, style="score",
                    label="计算得分" if declared else "得分")
    sb.input(r, col["reason"], f"{key}_reason", value_type="longtext", style="input_text", label=ind.reason_label,
             max_length=2000)
    n = sb.name
    row = IndicatorRow(key=key, level1=level1, level2=level2, locked=locked, fixed_direction=fixed, name=n(f"{key}_name"),
                       direction=n(f"{key}_direction"), target=n(f"{key}_target"),
                       unit=n(f"{key}_unit") if g.has("unit") else None, actual=n(f"{key}_actual"),
                       tier=n(f"{key}_tier") if g.has("tier") else (n(f"{key}_actual") if qualitative else None),
                       weight=n(f"{key}_weight"), declared=n(f"{key}_declared") if g.has("declared") or qualitative else None,
                       score=n(f"{key}_declared") if qualitative else n(f"{key}_score"), reason=n(f"{key}_reason"))
    row.final = row.declared if declared and row.declared else row.score
    sb.s.indicator_rows.append(row)
    return row


def _fixed_rule(sc: model.Scoring, direction: str) -> tuple[str, dict[str, Any]]:
    """The variant's rule for a quantitative row of a fixed direction, and its parameters."""
    rounding = {"digits": sc.digits, "mode": sc.rounding}
    return {"≥": (sc.positive, rounding), "≤": (sc.negative, rounding), "=": (sc.equal, {})}[direction]


def message_cell(sb: SheetBuilder, row: int, col: int, key: str, flag_rule: str, flag: CellName,
                 args: dict[str, Any], params: dict[str, Any] | None, *, style: str = "flag") -> CellName:
    """A cell with the message of ``flag_rule`` and the row's values ("" while the flag is
    down; hidden unless ``style`` shows it): its MSG_* rule reads the flag and the cells
    the flag reads."""
    rule = library()[ROW_TEXTS[flag_rule]]
    own_args = {k: v for k, v in args.items() if k in rule.arg_names}
    own_params = {k: v for k, v in (params or {}).items() if k in rule.defaults}
    return sb.computed(row, col, key, rule.id, {"flag": flag, **own_args}, own_params, style=style,
                       value_type="text", label="本行校验").name or ""
