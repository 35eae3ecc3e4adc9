"""An indicator row's hidden flags, their message cells and its 本行校验.

Every row of a table gets the same flags, save those whose cells the row lacks (no 单位
column, no tier, a row of another direction). So the flags are planned once per kind of
row (:class:`FlagPlan`: which flags, what each reads, its rule's merged parameters) and a
row only puts the plan's cells at its own place: a form has a hundred rows or more, each
with about twenty of these cells, and planning them per cell was half of laying out a
form (measured on the bench's forms).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..rules.library import library
from .builder import SheetBuilder
from .columns import FLAG0, Grid
from .identity import MESSAGES_WITH_VALUES
from .model import ROW_FLAGS, ROW_TEXTS, ConditionalMark, IndicatorRow, RowCheck
from .refs import CellName

#: The hidden message cells (ROW_TEXTS) of a row, right of its flags and fixed direction.
TEXT0 = FLAG0 + len(ROW_FLAGS) + 1

#: What each row flag reads: its rule's argument -> the IndicatorRow attribute holding the cell.
FLAG_ARGS: dict[str, dict[str, str]] = {
    "ROW_WEIGHT_MISSING": {"name": "name", "weight": "weight"},
    "ROW_TARGET_NOT_NUMBER": {"direction": "direction", "target": "target"},
    "ROW_SCORE_OVER_WEIGHT": {"score": "final", "weight": "weight"},
    "ROW_QUAL_OUT_OF_BAND": {"direction": "direction", "tier": "tier", "score": "final", "weight": "weight"},
    "ROW_REASON_MISSING": {"score": "final", "weight": "weight", "reason": "reason", "direction": "direction",
                           "target": "target", "actual": "actual"},
    "ROW_DECLARED_DIFFERS": {"declared": "declared", "computed": "score", "reason": "reason"},
    "ROW_RESULT_MISSING": {"name": "name", "direction": "direction", "actual": "actual", "declared": "declared"},
    "ROW_ACTUAL_NOT_NUMBER": {"direction": "direction", "actual": "actual"},
    "ROW_PERCENT_SCALE": {"unit": "unit", "target": "target", "actual": "actual"},
    "ROW_ACTUAL_FAR_OVER": {"direction": "direction", "target": "target", "actual": "actual", "reason": "reason"},
}

#: Every IndicatorRow attribute a flag reads: a row lacking one of them (None) has no flag
#: that reads it, so which of them a row lacks is all that tells its plan from another's.
READ = tuple(sorted({attr for args in FLAG_ARGS.values() for attr in args.values()}))

#: The cell a raised flag marks red (IndicatorRow attribute); a flag not listed marks the
#: score that counts (``declared`` in declared mode, else ``score``).
MARKED: dict[str, str] = {
    "ROW_WEIGHT_MISSING": "weight", "ROW_TARGET_NOT_NUMBER": "target", "ROW_REASON_MISSING": "reason",
    "ROW_QUAL_OUT_OF_BAND": "declared", "ROW_ACTUAL_NOT_NUMBER": "actual", "ROW_PERCENT_SCALE": "actual",
    "ROW_ACTUAL_FAR_OVER": "actual",
}


@dataclass(frozen=True)
class FlagStep:
    """One flag of a plan, and its message cell if its message carries values."""

    rule: str
    key: str  # ``chk_weight_missing``: the flag's cell is ``<row key>_<key>``
    args: tuple[tuple[str, str], ...]  # (argument, IndicatorRow attribute)
    params: dict[str, Any]  # merged once (BuildContext.rule_params), shared by every row
    marked: str  # the IndicatorRow attribute of the cell it marks
    text_rule: str | None = None  # the MSG_* rule of its message cell
    text_key: str = ""
    text_args: tuple[tuple[str, str], ...] = ()
    text_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlagPlan:
    """The flags of one kind of row, and its 本行校验's parameters."""

    steps: tuple[FlagStep, ...]
    with_texts: bool  # layout generation 2 on: messages with values, in message cells
    message_params: dict[str, Any]


def plan_of(sb: SheetBuilder, row: IndicatorRow) -> FlagPlan:
    """The plan of rows like ``row`` (which of its cells exist), made once per layout."""
    cells = vars(row)
    kind = tuple(cells[a] is None for a in READ)
    plan = sb.ctx.row_plans.get(kind)
    if plan is None:
        declared = sb.ctx.t.scoring.mode == "declared"
        # A check needs every cell it reads: a table that leaves out a column (单位, 定性档次,
        # 定性得分 on the national forms) has no such check, and no band without a tier column.
        active = [rid for rid, *_ in ROW_FLAGS if (declared or rid != "ROW_DECLARED_DIFFERS")
                  and all(cells[a] is not None for a in FLAG_ARGS[rid].values())]
        plan = sb.ctx.row_plans[kind] = _plan(sb, active, declared)
    return plan


def _plan(sb: SheetBuilder, active: list[str], declared: bool) -> FlagPlan:
    sc = sb.ctx.t.scoring
    own_params = {
        "ROW_QUAL_OUT_OF_BAND": {"bands": [[x.label, x.low, x.high] for x in sc.tiers]},
        "ROW_REASON_MISSING": {"over_ratio": sc.reason_over_ratio},
        "ROW_RESULT_MISSING": {"declared_mode": declared},
    }
    # Generation 1 has no message cells: every flag's message is fixed text.
    with_texts = sb.ctx.layout.generation >= MESSAGES_WITH_VALUES
    rules = library()
    steps = []
    for rid in active:
        args = tuple(FLAG_ARGS[rid].items())
        marked = MARKED.get(rid, "declared" if declared else "score")
        if rid == "ROW_RESULT_MISSING":
            marked = "declared" if declared else "actual"
        step = FlagStep(rid, f"chk_{rid[4:].lower()}", args, sb.ctx.rule_params(rules[rid], own_params.get(rid)),
                        marked)
        if with_texts and rid in ROW_TEXTS:
            text = rules[ROW_TEXTS[rid]]
            text_params = {k: v for k, v in (own_params.get(rid) or {}).items() if k in text.defaults}
            step = replace(step, text_rule=text.id, text_key=f"msg_{rid[4:].lower()}",
                           text_args=tuple((a, f) for a, f in args if a in text.arg_names),
                           text_params=sb.ctx.rule_params(text, text_params))
        steps.append(step)
    messages = [m for rid, m, *_ in ROW_FLAGS if rid in active and not (with_texts and rid in ROW_TEXTS)]
    return FlagPlan(tuple(steps), with_texts, sb.ctx.rule_params(rules["ROW_MESSAGE"], {"messages": messages}))


def row_flags(sb: SheetBuilder, row: IndicatorRow, flags: dict[str, list[CellName]], g: Grid) -> None:
    """The row's hidden flags (each marks its cell red, and is added to ``flags`` by rule)
    and its 本行校验 message."""
    plan = plan_of(sb, row)
    cells = vars(row)
    r = sb.row
    fixed_flags: list[CellName] = []  # flags whose message is fixed text
    texts: list[CellName] = []  # message cells of the others
    for fi, step in enumerate(plan.steps):
        args = {arg: cells[attr] for arg, attr in step.args}
        flag = sb.rule_cell(r, FLAG0 + fi, f"{row.key}_{step.key}", step.rule, args, step.params,
                            style="flag", value_type="flag").name or ""
        flags[step.rule].append(flag)
        text = None
        if step.text_rule is not None:
            text = sb.rule_cell(r, TEXT0 + len(texts), f"{row.key}_{step.text_key}", step.text_rule,
                                {"flag": flag, **{arg: cells[attr] for arg, attr in step.text_args}},
                                step.text_params, style="flag", value_type="text", label="本行校验").name or ""
            texts.append(text)
        else:
            fixed_flags.append(flag)
        target = cells[step.marked]
        sb.s.marks.append(ConditionalMark(target=target, flag=flag))
        sb.s.row_checks.append(RowCheck(flag=flag, target=target, row_name=row.name, label="", text=text))
    message_args: dict[str, Any] = {"flags": fixed_flags, "texts": texts} if plan.with_texts else {"flags": fixed_flags}
    sb.rule_cell(r, g.check, f"{row.key}_check", "ROW_MESSAGE", message_args, plan.message_params,
                 style="check", value_type="text")
