"""The funds block of a self-evaluation sheet: A, B and the budget execution rate and score."""

from __future__ import annotations

from .. import model
from .builder import SheetBuilder
from .columns import FLAG0, A, B, C, D, E, F, G, H, I, J, K, L, M
from .model import ConditionalMark, Execution, RowCheck
from .refs import CellName


def funds_block(sb: SheetBuilder, spec: model.SelfEvaluationSheet) -> list[CellName]:
    """Lay out the funds block from the current row; returns the names of its money inputs."""
    f = spec.funds
    declared = sb.ctx.t.scoring.mode == "declared"
    top = sb.row
    sb.put(top, C, "资金来源", style="head", to=(top, D))
    for col, text in ((E, f.initial_label), (G, f.budget_label), (H, f.actual_label), (I, "分值"), (J, "执行率")):
        sb.put(top, col, text, style="head", to=(top, F) if col == E else None)
    if declared:
        sb.put(top, K, "自评得分", style="head")
        sb.put(top, L, "计算得分", style="head")
    else:
        sb.put(top, K, "得分", style="head", to=(top, L))
    sb.row += 1
    group = None
    money_names: list[CellName] = []
    for r in f.rows:
        if r.group and r.group != group:
            group = r.group
            sb.put(sb.row, C, r.group, style="label_left", to=(sb.row, L))
            sb.row += 1
        row = sb.row
        sb.put(row, C, ("其中：" if r.group and not r.scored else "") + r.label, style="label_left", to=(row, D))
        for col, suffix, lab in ((E, "initial", f.initial_label), (G, "budget", f.budget_label),
                                 (H, "actual", f.actual_label)):
            key = f"fund_{r.key}_{suffix}"
            sb.input(row, col, key, value_type="money", style="input_money", to=(row, F) if col == E else None,
                     label=f"{r.label} {lab}")
            money_names.append(sb.name(key))
        if r.scored:
            _execution(sb, row, r.key)
        else:
            for col in (I, J):
                sb.put(row, col, "—", style="center")
            sb.put(row, K, "—", style="center", to=(row, L))
        sb.row += 1
    sb.put(top, A, f.label, style="head", to=(sb.row - 1, B))
    return money_names


def _execution(sb: SheetBuilder, row: int, fund_key: str) -> None:
    """The scored funds row: the execution weight, rate and score (declared: and the department's)."""
    sc = sb.ctx.t.scoring
    declared = sc.mode == "declared"
    sb.input(row, I, "exec_weight", value_type="weight", style="input_weight", value=sc.execution_weight,
             locked_value=True, label="预算执行率分值")
    b, a = f"fund_{fund_key}_budget", f"fund_{fund_key}_actual"
    rate_rule = sc.execution_rate
    rate = sb.computed(row, J, f"fund_{fund_key}_rate", rate_rule.rule, {"budget": b, "actual": a},
                       rate_rule.params, style="rate", value_type="rate", label="执行率")
    score_key = "exec_score_computed" if declared else "exec_score"
    sb.computed(row, L if declared else K, score_key, sc.execution_score.rule,
                {"budget": b, "actual": a, "weight": "exec_weight"}, sc.execution_score.params,
                style="score", to=None if declared else (row, L), label="执行率得分")
    sb.s.execution = Execution(budget=sb.name(b), actual=sb.name(a), rate=rate.name or "",
                               score=sb.name("exec_score"))
    if not declared:
        return
    sb.input(row, K, "exec_score", value_type="score", style="input_score", label="执行率自评得分",
             validation={"kind": "score", "max": "exec_weight"})
    sb.input(row, M, "exec_reason", value_type="longtext", style="input_text",
             label="执行率得分差异说明", max_length=2000)
    flag = sb.computed(row, FLAG0, "exec_chk_declared_differs", "ROW_DECLARED_DIFFERS",
                       {"declared": "exec_score", "computed": score_key, "reason": "exec_reason"},
                       style="flag", value_type="flag", label="执行率自评得分")
    target = sb.name("exec_score")
    sb.s.marks.append(ConditionalMark(target=target, flag=flag.name or ""))
    sb.s.row_checks.append(RowCheck(flag=flag.name or "", target=target, row_name=None, label=flag.label))
