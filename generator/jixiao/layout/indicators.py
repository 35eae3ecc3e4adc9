"""The indicator table of a self-evaluation sheet: one row per third-level indicator,
its per-row flags, and a subtotal per first-level indicator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import model
from .builder import SheetBuilder
from .columns import FLAG0, A, B, C, D, E, F, G, H, I, J, K, L, M
from .model import ROW_FLAGS, ConditionalMark, IndicatorRow, RowCheck, Subtotal
from .refs import CellName


@dataclass
class IndicatorTable:
    """What the rest of the sheet (total, panel) needs from the table."""

    weights: list[CellName] = field(default_factory=list)
    subtotals: list[CellName] = field(default_factory=list)
    flags: dict[str, list[CellName]] = field(default_factory=lambda: {rid: [] for rid, *_ in ROW_FLAGS})
    weight_checks: list[tuple[str, list[CellName], float]] = field(default_factory=list)  # (一级, weights, nominal)
    rows: int = 0


def indicator_table(sb: SheetBuilder, spec: model.SelfEvaluationSheet) -> IndicatorTable:
    """The two header rows, then every first-level block with its subtotal row."""
    _header(sb, spec.indicators)
    table = IndicatorTable()
    for i1, l1 in enumerate(spec.indicators.level1):
        _level1(sb, spec.indicators, l1, i1 + 1, table)
    return table


def _header(sb: SheetBuilder, ind: model.Indicators) -> None:
    declared = sb.ctx.t.scoring.mode == "declared"
    s = sb.s
    h0 = sb.row
    s.repeat_rows = (h0, h0 + 1)
    heads = {A: "一级指标", B: "二级指标", C: "三级指标", G: ind.actual_label, H: "定性档次", I: "分值",
             J: "自评得分" if declared else "定性得分", K: "计算得分" if declared else "得分", L: ind.reason_label,
             M: "本行校验"}
    for col, text in heads.items():
        sb.put(h0, col, text, style="head" if col != M else "check_head", to=(h0 + 1, col))
    sb.put(h0, D, ind.target_label, style="head", to=(h0, F))
    for col, text in ((D, "方向"), (E, "指标值"), (F, "单位")):
        sb.put(h0 + 1, col, text, style="head")
    s.row_heights[h0] = 28
    sb.row = h0 + 2


def _level1(sb: SheetBuilder, ind: model.Indicators, l1: model.Level1, number: int, table: IndicatorTable) -> None:
    """One first-level indicator: its rows by second level, its subtotal and its label cell."""
    declared = sb.ctx.t.scoring.mode == "declared"
    s = sb.s
    first = sb.row
    weights: list[CellName] = []
    scores: list[CellName] = []
    for l2 in l1.level2:
        l2_first = sb.row
        s.level2_names.add((l1.name, l2.name))
        rows = [*l2.indicators, *sb.ctx.declared(s.id, l1.name, l2.name), *([None] * l2.rows)]
        for decl in rows or [None]:
            table.rows += 1
            row = _indicator_row(sb, ind, f"ind{table.rows}", decl, l1.name, l2.name)
            _row_flags(sb, row, table)
            weights.append(row.weight)
            scores.append(row.final)
            s.row_heights[sb.row] = 30
            sb.row += 1
        sb.put(l2_first, B, l2.name, style="head", to=(sb.row - 1, B))
    r = sb.row
    sb.put(r, B, "小计", style="head", to=(r, H))
    sb.computed(r, I, f"l1_{number}_weight", "TOTAL", {"parts": list(weights)}, style="weight_total")
    score = sb.computed(r, J if declared else K, f"l1_{number}_score", "SUBTOTAL", {"scores": list(scores)},
                        style="score_total", label=f"{l1.name}得分")
    sb.put(r, K if declared else J, None, style="label")
    sb.put(r, L, None, style="label")
    sb.row += 1
    sb.computed(first, A, f"l1_{number}_label", "LEVEL1_LABEL", {"weights": list(weights)},
                {"name": l1.name, "nominal": l1.weight}, style="head", value_type="text", to=(sb.row - 1, A))
    s.subtotals.append(Subtotal(title=l1.name, score=score.name or ""))
    table.weights.extend(weights)
    table.subtotals.append(score.name or "")
    table.weight_checks.append((l1.name, weights, l1.weight))


def _indicator_row(sb: SheetBuilder, ind: model.Indicators, key: str, decl: model.Indicator | None,
                   level1: str, level2: str) -> IndicatorRow:
    """The inputs and the computed score of one row (a declared indicator's are locked)."""
    sc = sb.ctx.t.scoring
    declared = sc.mode == "declared"
    r = sb.row
    locked = decl is not None
    sb.input(r, C, f"{key}_name", value_type="text", style="input_text", label="三级指标",
             value=decl.name if decl else None, locked_value=locked, max_length=200)
    sb.input(r, D, f"{key}_direction", value_type="choice", style="input_choice", label="方向",
             value=decl.direction if decl else None, locked_value=locked, choices=["≥", "≤", "=", "定性"])
    # A percentage is stored as a fraction and shown as one, so typing 95% (or 95 into the
    # percent-formatted actual cell) gives the same number as the target.
    pct = "0.00%" if decl and decl.unit in ("%", "％") and decl.direction != "定性" else None
    sb.input(r, E, f"{key}_target", value_type="number", style="input_number", label=ind.target_label,
             value=decl.target if decl else None, locked_value=locked,
             validation={"kind": "target", "direction": f"{key}_direction"}, num_format=pct)
    sb.input(r, F, f"{key}_unit", value_type="text", style="input_text", label="单位",
             value=decl.unit if decl else None, locked_value=locked, max_length=20)
    sb.input(r, G, f"{key}_actual", value_type="number", style="input_number", label=ind.actual_label,
             validation={"kind": "target", "direction": f"{key}_direction"}, num_format=pct)
    sb.input(r, H, f"{key}_tier", value_type="choice", style="input_choice", label="定性档次",
             choices=[x.label for x in sc.tiers])
    sb.input(r, I, f"{key}_weight", value_type="weight", style="input_weight", label="分值",
             value=decl.weight if decl else None, locked_value=locked)
    sb.input(r, J, f"{key}_declared", value_type="score", style="input_score",
             label="自评得分" if declared else "定性得分", validation={"kind": "score", "max": f"{key}_weight"})
    sb.computed(r, K, f"{key}_score", "INDICATOR_SCORE",
                {"direction": f"{key}_direction", "target": f"{key}_target", "actual": f"{key}_actual",
                 "weight": f"{key}_weight", "declared": f"{key}_declared"},
                {"positive": sc.positive, "negative": sc.negative, "equal": sc.equal,
                 "digits": sc.digits, "mode": sc.rounding}, style="score", label="计算得分" if declared else "得分")
    sb.input(r, L, f"{key}_reason", value_type="longtext", style="input_text", label=ind.reason_label,
             max_length=2000)
    n = sb.name
    row = IndicatorRow(key=key, level1=level1, level2=level2, locked=locked, name=n(f"{key}_name"),
                       direction=n(f"{key}_direction"), target=n(f"{key}_target"), unit=n(f"{key}_unit"),
                       actual=n(f"{key}_actual"), tier=n(f"{key}_tier"), weight=n(f"{key}_weight"),
                       declared=n(f"{key}_declared"), score=n(f"{key}_score"), reason=n(f"{key}_reason"))
    row.final = row.declared if declared else row.score
    sb.s.indicator_rows.append(row)
    return row


def _row_flags(sb: SheetBuilder, row: IndicatorRow, table: IndicatorTable) -> None:
    """The row's hidden flags (each marks its cell red) and its 本行校验 message."""
    sc = sb.ctx.t.scoring
    declared = sc.mode == "declared"
    r = sb.row
    flag_args: dict[str, dict[str, Any]] = {
        "ROW_WEIGHT_MISSING": {"name": row.name, "weight": row.weight},
        "ROW_TARGET_NOT_NUMBER": {"direction": row.direction, "target": row.target},
        "ROW_SCORE_OVER_WEIGHT": {"score": row.final, "weight": row.weight},
        "ROW_QUAL_OUT_OF_BAND": {"direction": row.direction, "tier": row.tier, "score": row.final,
                                 "weight": row.weight},
        "ROW_REASON_MISSING": {"score": row.final, "weight": row.weight, "reason": row.reason,
                               "direction": row.direction, "target": row.target, "actual": row.actual},
        "ROW_DECLARED_DIFFERS": {"declared": row.declared, "computed": row.score, "reason": row.reason},
        "ROW_RESULT_MISSING": {"name": row.name, "direction": row.direction, "actual": row.actual,
                               "declared": row.declared},
        "ROW_ACTUAL_NOT_NUMBER": {"direction": row.direction, "actual": row.actual},
        "ROW_PERCENT_SCALE": {"unit": row.unit, "target": row.target, "actual": row.actual},
        "ROW_ACTUAL_FAR_OVER": {"direction": row.direction, "target": row.target, "actual": row.actual,
                                "reason": row.reason},
    }
    flag_params = {
        "ROW_QUAL_OUT_OF_BAND": {"bands": [[x.label, x.low, x.high] for x in sc.tiers]},
        "ROW_REASON_MISSING": {"over_ratio": sc.reason_over_ratio},
        "ROW_RESULT_MISSING": {"declared_mode": declared},
    }
    marked = {"ROW_WEIGHT_MISSING": row.weight, "ROW_TARGET_NOT_NUMBER": row.target, "ROW_REASON_MISSING": row.reason,
              "ROW_QUAL_OUT_OF_BAND": row.declared, "ROW_ACTUAL_NOT_NUMBER": row.actual,
              "ROW_PERCENT_SCALE": row.actual, "ROW_ACTUAL_FAR_OVER": row.actual,
              "ROW_RESULT_MISSING": row.declared if declared else row.actual}
    active = [rid for rid, *_ in ROW_FLAGS if declared or rid != "ROW_DECLARED_DIFFERS"]
    row_flags: list[CellName] = []
    for fi, rid in enumerate(active):
        flag = sb.computed(r, FLAG0 + fi, f"{row.key}_chk_{rid[4:].lower()}", rid, flag_args[rid],
                           flag_params.get(rid), style="flag", value_type="flag").name or ""
        table.flags[rid].append(flag)
        row_flags.append(flag)
        target = marked.get(rid, row.declared if declared else row.score)
        sb.s.marks.append(ConditionalMark(target=target, flag=flag))
        sb.s.row_checks.append(RowCheck(flag=flag, target=target, row_name=row.name, label=""))
    sb.computed(r, M, f"{row.key}_check", "ROW_MESSAGE", {"flags": row_flags},
                {"messages": [m for rid, m, *_ in ROW_FLAGS if rid in active]}, style="check", value_type="text")
