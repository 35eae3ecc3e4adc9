"""Pre-filled weights that can never pass: checked once a department's pre-fill is complete.

Pre-filled indicators become locked rows, so their weights are fixed. When the fixed
weights under a 一级指标 already exceed its weight, or fall short with no blank row left
to make up the rest, the form's weight check can never be ✓ and the department can never
send a form that passes: such a pre-fill is refused at build (D402).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ...codes import Message
from ...codes import data as D
from ...layout import COPIES_KEY, DEPARTMENT_KEY, INDICATORS_KEY, sheet_copy_id
from ...rules.numbers import excel_general
from ...template import model
from .core import PROJECT_KEY


@dataclass(frozen=True)
class WeightGap:
    """Locked weights on one sheet that can never add up: under ``level1``, or (``level1``
    None) over the whole sheet, execution rate included."""

    sheet_id: str
    level1: str | None
    total: Decimal  # the locked weights' sum (the execution rate's included for the sheet)
    expected: Decimal
    over: bool  # too much (locked); else too little with no blank row to add to
    #: the pre-filled entries summed, in pre-fill order (template-declared rows are not listed)
    entries: tuple[dict[str, Any], ...]


def _dec(x: Any) -> Decimal:
    return Decimal(str(x))


def _sheets(t: model.Template, prefill: dict[str, Any]) -> list[tuple[str, model.SelfEvaluationSheet]]:
    """(sheet id, spec) of every self-evaluation sheet the department's form will have."""
    out = []
    for spec in t.sheets:
        if isinstance(spec, model.SelfEvaluationSheet):
            copies = max(spec.count, int(prefill.get(COPIES_KEY, {}).get(spec.id, 0)))
            out.extend((sheet_copy_id(spec.id, n, copies), spec) for n in range(1, copies + 1))
    return out


def _level1_gap(sid: str, l1: model.Level1, declared: list[dict[str, Any]]) -> WeightGap | None:
    mine = [d for d in declared if d.get("level1") == l1.name]
    fixed = [_dec(i.weight) for l2 in l1.level2 for i in l2.indicators] + [_dec(d["weight"]) for d in mine]
    total, expected = sum(fixed, Decimal(0)), _dec(l1.weight)
    # The layout gives a 二级指标 without any row one blank row (layout/indicators.py).
    blank = any(l2.rows > 0 or not (l2.indicators or any(d.get("level2") == l2.name for d in mine))
                for l2 in l1.level2)
    if total > expected or total < expected and not blank:
        return WeightGap(sid, l1.name, total, expected, total > expected, tuple(mine))
    return None


def locked_weight_gaps(t: model.Template, prefill: dict[str, Any]) -> list[WeightGap]:
    """Every sheet and 一级指标 whose locked weights make the form's weight check fail for good."""
    gaps: list[WeightGap] = []
    sc = t.scoring
    for sid, spec in _sheets(t, prefill):
        declared = list(prefill.get(INDICATORS_KEY, {}).get(sid, []))
        per_level1 = [_level1_gap(sid, l1, declared) for l1 in spec.indicators.level1]
        if sc.level1_check == "error" and any(per_level1):
            gaps.extend(g for g in per_level1 if g is not None)
            continue
        fixed = [_dec(i.weight) for l1 in spec.indicators.level1 for l2 in l1.level2 for i in l2.indicators]
        total = sum([*fixed, *(_dec(d["weight"]) for d in declared)], _dec(sc.execution_weight))
        expected = _dec(sc.total_weight)
        if total > expected:  # a blank row anywhere makes up a shortfall: only an excess is for good
            gaps.append(WeightGap(sid, None, total, expected, True, tuple(declared)))
    return gaps


def gap_message(gap: WeightGap, prefill: dict[str, Any], rows: Callable[[dict[str, Any]], str]) -> Message:
    """D402 for ``gap``: the department, the sheet, the rows (``rows(entry)`` says where an
    entry came from: ``指标表第 7 行`` or nothing) and the sums."""
    dept = prefill.get(DEPARTMENT_KEY) or {}
    title = prefill.get(f"{gap.sheet_id}_{PROJECT_KEY}")
    listed = "、".join(f"{rows(d)}「{d.get('name', '')}」{excel_general(float(d['weight']))}" for d in gap.entries)
    values = {"code": dept.get("code", ""), "name": dept.get("name", ""),
              "sheet": f"项目「{title}」" if title else "", "total": excel_general(float(gap.total)),
              "expected": excel_general(float(gap.expected)), "rows": listed or "无预填指标"}
    if gap.level1 is None:
        return D.D402_TOTAL.format(**values)
    return (D.D402_OVER if gap.over else D.D402_SHORT).format(level1=gap.level1, **values)
