"""The funds block of a self-evaluation sheet: A, B and the budget execution rate and score."""

from __future__ import annotations

from ..template import model
from .builder import SheetBuilder
from .columns import FLAG0, Grid
from .identity import MESSAGES_WITH_VALUES
from .indicators import message_cell
from .model import ConditionalMark, Execution, RowCheck
from .refs import CellName


def funds_block(sb: SheetBuilder, spec: model.SelfEvaluationSheet, g: Grid) -> list[CellName]:
    """Lay out the funds block from the current row; returns the names of its money inputs."""
    f = spec.funds
    declared = sb.ctx.t.scoring.mode == "declared"
    col = g.funds
    labels = {c.key: c.label for c in f.columns}
    top = sb.row
    sb.put(top, col["source"][0], labels["source"] or "资金来源", style="head", to=_to(top, col["source"]))
    amounts = [(k, labels[k] or lab) for k, lab in (("initial", f.initial_label), ("budget", f.budget_label),
                                                     ("actual", f.actual_label)) if k in col]
    for key, text in [*amounts, ("weight", labels["weight"] or "分值"), ("rate", labels["rate"] or "执行率")]:
        sb.put(top, col[key][0], text, style="head", to=_to(top, col[key]))
    s0, s1 = col["score"]
    if declared:
        sb.put(top, s0, "自评得分", style="head")
        sb.put(top, s0 + 1, "计算得分", style="head", to=(top, s1) if s1 > s0 + 1 else None)
    else:
        sb.put(top, s0, labels["score"] or "得分", style="head", to=_to(top, col["score"]))
    sb.row += 1
    group = None
    money_names: list[CellName] = []
    for r in f.rows:
        if r.group and r.group != group:
            group = r.group
            sb.put(sb.row, col["source"][0], r.group, style="label_left", to=(sb.row, g.last))
            sb.row += 1
        row = sb.row
        sb.put(row, col["source"][0], ("其中：" if r.group and not r.scored else "") + r.label, style="label_left",
               to=_to(row, col["source"]))
        for suffix, lab in amounts:
            key = f"fund_{r.key}_{suffix}"
            sb.input(row, col[suffix][0], key, value_type="money", style="input_money", to=_to(row, col[suffix]),
                     label=f"{r.label} {lab}")
            money_names.append(sb.name(key))
        if r.scored:
            _execution(sb, row, r.key, g)
        else:
            for key in ("weight", "rate"):
                sb.put(row, col[key][0], "—", style="center", to=_to(row, col[key]))
            sb.put(row, s0, "—", style="center", to=_to(row, col["score"]))
        sb.row += 1
    sb.put(top, 0, labels["label"] or f.label, style="head", to=(sb.row - 1, col["label"][1]))
    return money_names


def _to(row: int, span: tuple[int, int]) -> tuple[int, int] | None:
    """The far corner of a cell spanning ``span`` columns (None: a single cell)."""
    return (row, span[1]) if span[1] > span[0] else None


def _execution(sb: SheetBuilder, row: int, fund_key: str, g: Grid) -> None:
    """The scored funds row: the execution weight, rate and score (declared: and the department's)."""
    sc = sb.ctx.t.scoring
    declared = sc.mode == "declared"
    col = g.funds
    s0, s1 = col["score"]
    sb.input(row, col["weight"][0], "exec_weight", value_type="weight", style="input_weight",
             value=sc.execution_weight, locked_value=True, label="预算执行率分值", to=_to(row, col["weight"]))
    b, a = f"fund_{fund_key}_budget", f"fund_{fund_key}_actual"
    rate_rule = sc.execution_rate
    rate = sb.computed(row, col["rate"][0], f"fund_{fund_key}_rate", rate_rule.rule, {"budget": b, "actual": a},
                       rate_rule.params, style="rate", value_type="rate", label="执行率", to=_to(row, col["rate"]))
    score_key = "exec_score_computed" if declared else "exec_score"
    sb.computed(row, s0 + 1 if declared else s0, score_key, sc.execution_score.rule,
                {"budget": b, "actual": a, "weight": "exec_weight"}, sc.execution_score.params,
                style="score", to=(row, s1) if s1 > (s0 + 1 if declared else s0) else None, label="执行率得分")
    sb.s.execution = Execution(budget=sb.name(b), actual=sb.name(a), rate=rate.name or "",
                               score=sb.name("exec_score"))
    if not declared:
        return
    sb.input(row, s0, "exec_score", value_type="score", style="input_score", label="执行率自评得分",
             validation={"kind": "score", "max": "exec_weight"})
    sb.input(row, g.check, "exec_reason", value_type="longtext", style="input_text",
             label="执行率得分差异说明", max_length=2000)
    flag = sb.computed(row, FLAG0, "exec_chk_declared_differs", "ROW_DECLARED_DIFFERS",
                       {"declared": "exec_score", "computed": score_key, "reason": "exec_reason"},
                       style="flag", value_type="flag", label="执行率自评得分")
    text = None  # generation 1: verify gives the flag's fixed message
    if sb.ctx.layout.generation >= MESSAGES_WITH_VALUES:
        text = message_cell(sb, row, FLAG0 + 1, "exec_msg_declared_differs", "ROW_DECLARED_DIFFERS",
                            flag.name or "", {"declared": "exec_score", "computed": score_key}, None)
    target = sb.name("exec_score")
    sb.s.marks.append(ConditionalMark(target=target, flag=flag.name or ""))
    sb.s.row_checks.append(RowCheck(flag=flag.name or "", target=target, row_name=None, label=flag.label, text=text))
