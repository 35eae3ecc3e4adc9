"""The self-check panel beside a self-evaluation sheet (not printed): one ✓ line per check."""

from __future__ import annotations

from typing import Any

from ..template import model
from .builder import SheetBuilder
from .columns import PANEL_LABEL, PANEL_VALUE
from .identity import MESSAGES_WITH_VALUES, REQUIRED_CONCLUSION
from .indicators import IndicatorTable
from .model import PANEL_HEAD, ROW_FLAGS, WARNING_FLAGS, ConditionalMark
from .refs import CellName
from .sheet_checks import sheet_checks

#: (label, rule id, args, params, cell key marked red while the check fails)
PanelLine = tuple[str, str, dict[str, Any], dict[str, Any], str | None]


def panel(sb: SheetBuilder, spec: model.SelfEvaluationSheet, table: IndicatorTable, money: list[CellName]) -> None:
    """Lay the panel out from the top row, beside the form."""
    s = sb.s
    sb.put(0, PANEL_LABEL, PANEL_HEAD, style="panel_head", to=(0, PANEL_VALUE))
    for pr, (label, rid, args, params, mark_target) in enumerate(_lines(sb, spec, table, money), start=1):
        sb.put(pr, PANEL_LABEL, label, style="panel_label")
        chk = sb.computed(pr, PANEL_VALUE, f"panel_{pr}", rid, args, params, style="panel_value", value_type="text",
                          label=label)
        s.panel.append(chk.name or "")
        if mark_target:
            s.marks.append(ConditionalMark(target=sb.name(mark_target), flag=chk.name or "", when="not_ok"))
    conclusion = spec.conclusion_required and sb.ctx.layout.generation >= REQUIRED_CONCLUSION
    sheet_checks(sb, [sb.name("conclusion")] if conclusion else [])


def _lines(sb: SheetBuilder, spec: model.SelfEvaluationSheet, table: IndicatorTable,
           money: list[CellName]) -> list[PanelLine]:
    sc = sb.ctx.t.scoring
    f = spec.funds
    lines: list[PanelLine] = [
        ("分值合计", "CHK_WEIGHTS_TOTAL", {"fixed": "exec_weight", "weights": table.weights},
         {"total": sc.total_weight}, None),
        ("预算执行率分值", "CHK_EXEC_WEIGHT", {"weight": "exec_weight"}, {"expected": sc.execution_weight}, None),
    ]
    if sc.mode == "declared" and sb.ctx.layout.generation >= MESSAGES_WITH_VALUES:
        lines.append(("申报总分与计算总分", "CHK_DECLARED_TOTAL", {"declared": "total_score", "computed": "total_computed"},
                      {}, None))
    if sc.level1_check != "off":
        for j, (l1name, weights, expected) in enumerate(table.weight_checks):
            lines.append((f"{l1name}分值", "CHK_LEVEL1_WEIGHTS", {"weights": weights},
                          {"name": l1name, "expected": expected}, f"l1_{j + 1}_label"))
    for rid, _, panel_label, message in ROW_FLAGS:
        if table.flags[rid]:
            lines.append((panel_label, "CHK_ROWS", {"flags": table.flags[rid]},
                          {"message": message, "warning": rid in WARNING_FLAGS}, None))
    for chk in f.sum_checks:
        for suffix, lab in (("initial", f.initial_label), ("budget", f.budget_label), ("actual", f.actual_label)):
            if suffix not in chk.columns:
                continue
            lines.append((f"{chk.label}{lab}合计", "CHK_FUNDS_SUM",
                          {"total": f"fund_{chk.total}_{suffix}",
                           "parts": [sb.name(f"fund_{p}_{suffix}") for p in chk.parts]},
                          {"label": lab, "tolerance": 0.01}, f"fund_{chk.total}_{suffix}"))
    scored = next(x for x in f.rows if x.scored)
    lines.append(("执行率", "CHK_EXEC_OVER_100",
                  {"budget": f"fund_{scored.key}_budget", "actual": f"fund_{scored.key}_actual"}, {},
                  f"fund_{scored.key}_actual"))
    lines.append(("金额非负", "CHK_NOT_NEGATIVE", {"amounts": money}, {}, None))
    return lines
