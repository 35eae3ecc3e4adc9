"""Python reference implementations of every rule in formulas/rules.yaml, by rule id.

Each function takes the rule's named arguments (cell values: ``float`` for numbers,
``str`` for text, ``None`` for blank; a list for ``name[]`` arguments) and its parameters,
and returns what the Excel formula shows: a number, a text, or ``None`` for an empty
cell. They follow the spreadsheet semantics exactly (ISNUMBER, half-away-from-zero
ROUND, text compared greater than numbers) so that a recomputed return agrees with what
Excel, WPS or LibreOffice saved.

>>> REFERENCES["EXEC_RATE"]({"budget": 459.61, "actual": 427.14}, {"digits": 4, "mode": "cut"})
0.9293
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .numbers import apply_rounding, excel_general, excel_round, is_number

Reference = Callable[[dict[str, Any], dict[str, Any]], Any]
REFERENCES: dict[str, Reference] = {}


def reference(rule_id: str) -> Callable[[Reference], Reference]:
    """Register the Python reference for ``rule_id``."""

    def register(fn: Reference) -> Reference:
        REFERENCES[rule_id] = fn
        return fn

    return register


def _numbers(*values: Any) -> bool:
    return all(is_number(v) for v in values)


def _text(v: Any) -> str:
    """A cell as text, the way LEN/TRIM/= see it (numbers as General format)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if is_number(v):
        return excel_general(float(v))
    return str(v)


def _trim(v: Any) -> str:
    # TRIM removes leading/trailing spaces and collapses inner runs of spaces (ASCII only).
    return " ".join(_text(v).split(" ")).strip(" ") if v is not None else ""


def _sum(values: list[Any]) -> float:
    return math.fsum(float(v) for v in values if is_number(v))


def _count(values: list[Any]) -> int:
    return sum(1 for v in values if is_number(v))


# ---------------------------------------------------------------- funds block


@reference("EXEC_RATE")
def exec_rate(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    budget, actual = a["budget"], a["actual"]
    if not _numbers(budget, actual) or budget <= 0:
        return None
    return apply_rounding(max(actual, 0) / budget, p["digits"], p["mode"])


@reference("EXEC_SCORE_PROPORTIONAL")
def exec_score_proportional(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    budget, actual, weight = a["budget"], a["actual"], a["weight"]
    if not _numbers(budget, actual, weight) or budget <= 0:
        return None
    if p["cap"]:
        value = min(max(actual, 0) / budget, 1) * weight
    else:
        value = max(actual, 0) / budget * weight
    return apply_rounding(value, p["digits"], p["mode"])


@reference("EXEC_SCORE_STEPS")
def exec_score_steps(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    budget, actual, weight = a["budget"], a["actual"], a["weight"]
    if not _numbers(budget, actual, weight) or budget <= 0:
        return None
    short_points = excel_round(max(1 - max(actual, 0) / budget, 0) * 100, 6)
    steps = short_points / p["per"]
    steps = math.ceil(excel_round(steps, 9)) if p["partial"] == "started" else math.floor(steps)
    return max(weight - p["points"] * steps, 0)


# ---------------------------------------------------------------- indicator scores


@reference("RATIO_POSITIVE")
def ratio_positive(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    target, actual, weight = a["target"], a["actual"], a["weight"]
    if not _numbers(target, actual, weight):
        return None
    if target <= 0:
        return weight
    return apply_rounding(min(max(actual, 0) / target, 1) * weight, p["digits"], p["mode"])


def _target_zero(actual: float, weight: float) -> float:
    return weight if max(actual, 0) <= 0 else 0


@reference("RATIO_INVERSE_SIMPLE")
def ratio_inverse_simple(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    target, actual, weight = a["target"], a["actual"], a["weight"]
    if not _numbers(target, actual, weight):
        return None
    if target <= 0:
        return _target_zero(actual, weight)
    if max(actual, 0) <= target:
        return weight
    return apply_rounding(target / actual * weight, p["digits"], p["mode"])


@reference("RATIO_INVERSE_PLATFORM")
def ratio_inverse_platform(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    target, actual, weight = a["target"], a["actual"], a["weight"]
    if not _numbers(target, actual, weight):
        return None
    if target <= 0:
        return _target_zero(actual, weight)
    x = max(actual, 0)
    if x <= target:
        return weight
    if x >= 2 * target:
        return 0
    return apply_rounding((1 - (actual - target) / target) * weight, p["digits"], p["mode"])


@reference("EQUAL_ALL_OR_NOTHING")
def equal_all_or_nothing(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    target, actual, weight = a["target"], a["actual"], a["weight"]
    if not _numbers(target, actual, weight):
        return None
    return weight if excel_round(max(actual, 0) - target, 6) == 0 else 0


@reference("INDICATOR_SCORE")
def indicator_score(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    direction = a["direction"]
    rounding = {"digits": p["digits"], "mode": p["mode"]}
    if direction == "≥":
        return REFERENCES[p["positive"]](a, rounding)
    if direction == "≤":
        return REFERENCES[p["negative"]](a, rounding)
    if direction == "=":
        return REFERENCES[p["equal"]](a, {})
    if direction == "定性":
        return a["declared"] if is_number(a["declared"]) else None
    return None


# ---------------------------------------------------------------- aggregates


@reference("SUBTOTAL")
def subtotal(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    return _sum(a["scores"]) if _count(a["scores"]) else None


@reference("TOTAL")
def total(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    return _sum(a["parts"]) if _count(a["parts"]) else None


@reference("LEVEL1_LABEL")
def level1_label(a: dict[str, Any], p: dict[str, Any]) -> str:
    weight = excel_round(_sum(a["weights"]), 2) if _count(a["weights"]) else p["nominal"]
    return f"{p['name']}({excel_general(weight)}分)"


@reference("FIXED_DIRECTION")
def fixed_direction(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    return p["direction"] if _trim(a["indicator"]) else None


@reference("AVERAGE_TIMES")
def average_times(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    n = _count(a["values"])
    if not n:
        return None
    return excel_round(_sum(a["values"]) / n * p["factor"], p["digits"])


@reference("SUM_PARTS")
def sum_parts(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    return _sum(a["parts"]) if _count(a["parts"]) else None


@reference("RATIO")
def ratio(a: dict[str, Any], p: dict[str, Any]) -> float | None:
    num, den = a["numerator"], a["denominator"]
    if not _numbers(num, den) or den <= 0:
        return None
    return excel_round(num / den, p["digits"])


@reference("GRADE")
def grade(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    value = a["total"]
    if not is_number(value):
        return None
    for bound, label in p["bands"]:
        if value >= bound:
            return label
    return p["otherwise"]


# ---------------------------------------------------------------- checks

OK = "✓"


@reference("CHK_WEIGHTS_TOTAL")
def chk_weights_total(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _count(a["weights"]):
        return None
    s = _sum(a["weights"]) + (float(a["fixed"]) if is_number(a["fixed"]) else 0.0)
    if excel_round(s - p["total"], 6) == 0:
        return OK
    return f"分值合计 {excel_general(excel_round(s, 2))}，应为 {p['total']}"


@reference("CHK_EXEC_WEIGHT")
def chk_exec_weight(a: dict[str, Any], p: dict[str, Any]) -> str:
    w = a["weight"]
    if is_number(w) and w == p["expected"]:
        return OK
    return f"预算执行率分值为 {_text(w)}，应为 {p['expected']}"


@reference("CHK_LEVEL1_WEIGHTS")
def chk_level1_weights(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _count(a["weights"]):
        return None
    s = _sum(a["weights"])
    if excel_round(s - p["expected"], 6) == 0:
        return OK
    return f"{p['name']}三级分值合计 {excel_general(excel_round(s, 2))}，应为 {p['expected']}"


@reference("ROW_WEIGHT_MISSING")
def row_weight_missing(a: dict[str, Any], p: dict[str, Any]) -> int:
    if not _trim(a["name"]):
        return 0
    w = a["weight"]
    return 0 if is_number(w) and w > 0 else 1


@reference("ROW_TARGET_NOT_NUMBER")
def row_target_not_number(a: dict[str, Any], p: dict[str, Any]) -> int:
    if a["direction"] in ("≥", "≤", "="):
        return 0 if is_number(a["target"]) else 1
    return 0


@reference("ROW_SCORE_OVER_WEIGHT")
def row_score_over_weight(a: dict[str, Any], p: dict[str, Any]) -> int:
    s, w = a["score"], a["weight"]
    return 1 if _numbers(s, w) and s > w else 0


def qualitative_band(tier: Any, bands: list[list[Any]]) -> tuple[float, float, bool] | None:
    """(low, high, high_included) as fractions of the weight for a tier label, or None."""
    for label, low, high in bands:
        if tier == label:
            return low, high, high >= 1
    return None


@reference("ROW_QUAL_OUT_OF_BAND")
def row_qual_out_of_band(a: dict[str, Any], p: dict[str, Any]) -> int:
    if a["direction"] != "定性" or not _numbers(a["score"], a["weight"]):
        return 0
    band = qualitative_band(a["tier"], p["bands"])
    if band is None:
        return 1
    low, high, top = band
    s, w = a["score"], a["weight"]
    below = s < excel_round(low * w, 6)
    above = s > excel_round(high * w, 6) if top else s >= excel_round(high * w, 6)
    return 1 if below or above else 0


@reference("ROW_REASON_MISSING")
def row_reason_missing(a: dict[str, Any], p: dict[str, Any]) -> int:
    if _trim(a["reason"]):
        return 0
    s, w = a["score"], a["weight"]
    if not _numbers(s, w):
        return 0
    if s < w:
        return 1
    ratio_ = p["over_ratio"]
    if ratio_ and a["direction"] == "≥" and _numbers(a["target"], a["actual"]):
        return 1 if a["target"] > 0 and a["actual"] >= ratio_ * a["target"] else 0
    return 0


@reference("ROW_DECLARED_DIFFERS")
def row_declared_differs(a: dict[str, Any], p: dict[str, Any]) -> int:
    d, c = a["declared"], a["computed"]
    if not _numbers(d, c):
        return 0
    return 1 if excel_round(d - c, 2) != 0 and not _trim(a["reason"]) else 0


@reference("ROW_MESSAGE")
def row_message(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    text = "".join(m + "；" for m, f in zip(p["messages"], a["flags"], strict=True) if is_number(f) and f == 1)
    text += "".join(_text(t) for t in a["texts"])
    return text or None


@reference("CHK_ROWS")
def chk_rows(a: dict[str, Any], p: dict[str, Any]) -> str:
    n = _sum(a["flags"])
    if n == 0:
        return OK
    return f"{'提示：' if p['warning'] else ''}{excel_general(n)} {p['message']}"


@reference("CHK_FUNDS_SUM")
def chk_funds_sum(a: dict[str, Any], p: dict[str, Any]) -> str:
    total_, parts = a["total"], a["parts"]
    if not is_number(total_) and not _count(parts):
        return OK
    t = float(total_) if is_number(total_) else 0.0
    s = _sum(parts)
    diff = excel_round(s - t, 2)
    if diff == 0:
        return OK
    if abs(diff) <= p["tolerance"]:
        return (
            f"提示：{p['label']}分项合计 {excel_general(excel_round(s, 2))} 与总额 "
            f"{excel_general(t)} 相差 {excel_general(diff)}（舍位误差）"
        )
    return f"{p['label']}分项合计 {excel_general(excel_round(s, 2))}，与总额 {excel_general(t)} 不符"


@reference("CHK_EXEC_OVER_100")
def chk_exec_over_100(a: dict[str, Any], p: dict[str, Any]) -> str:
    budget, actual = a["budget"], a["actual"]
    if _numbers(budget, actual) and actual > budget:
        return (
            f"提示：全年执行数 {excel_general(actual)} 超过全年预算数 {excel_general(budget)}"
            "，执行率超过 100%"
        )
    return OK


@reference("CHK_NOT_NEGATIVE")
def chk_not_negative(a: dict[str, Any], p: dict[str, Any]) -> str:
    n = sum(1 for v in a["amounts"] if is_number(v) and v < 0)
    return OK if n == 0 else f"{n} 个金额为负数"


# ---------------------------------------------------------------- one reading of every cell

_QUANTITATIVE = ("≥", "≤", "=")


def _filled(v: Any) -> bool:
    """LEN(TRIM(v))>0: a number, or text other than spaces."""
    return bool(_trim(v))


@reference("ROW_RESULT_MISSING")
def row_result_missing(a: dict[str, Any], p: dict[str, Any]) -> int:
    if not _filled(a["name"]):
        return 0
    direction = a["direction"]
    if p["declared_mode"] or direction == "定性":
        return 0 if is_number(a["declared"]) else 1
    if direction in _QUANTITATIVE:
        return 0 if _filled(a["actual"]) else 1
    return 1


@reference("ROW_ACTUAL_NOT_NUMBER")
def row_actual_not_number(a: dict[str, Any], p: dict[str, Any]) -> int:
    actual = a["actual"]
    if a["direction"] not in _QUANTITATIVE or is_number(actual):
        return 0
    return 1 if _filled(actual) else 0


@reference("ROW_PERCENT_SCALE")
def row_percent_scale(a: dict[str, Any], p: dict[str, Any]) -> int:
    if _trim(a["unit"]) not in ("%", "％"):
        return 0
    return 1 if any(is_number(v) and v > p["limit"] for v in (a["target"], a["actual"])) else 0


@reference("ROW_ACTUAL_FAR_OVER")
def row_actual_far_over(a: dict[str, Any], p: dict[str, Any]) -> int:
    target, actual = a["target"], a["actual"]
    if a["direction"] not in _QUANTITATIVE or not _numbers(target, actual) or _filled(a["reason"]):
        return 0
    return 1 if target > 0 and actual > p["factor"] * target else 0


@reference("FILLED_COUNT")
def filled_count(a: dict[str, Any], p: dict[str, Any]) -> float:
    return p["base"] + sum(1 for v in a["cells"] if _filled(v))


@reference("CHK_UNTOUCHED")
def chk_untouched(a: dict[str, Any], p: dict[str, Any]) -> str:
    return "表格尚未填写，请填写后再报送" if _sum(a["counts"]) == 0 else OK


@reference("CHK_REQUIRED")
def chk_required(a: dict[str, Any], p: dict[str, Any]) -> str:
    used = float(a["used"]) if is_number(a["used"]) else 0.0
    if used == 0 or _filled(a["value"]):
        return OK
    return "未填写"


@reference("CHK_DATE")
def chk_date(a: dict[str, Any], p: dict[str, Any]) -> str:
    d = a["date"]
    if not _filled(d):
        return OK
    if is_number(d):
        return OK if p["low"] <= d <= p["high"] else f"{p['label']}不在 {p['period']}内"
    return f"{p['label']}须填日期（如 {p['example']}），现为“{_text(d)}”"


@reference("CHK_TEXT_IN_NUMBERS")
def chk_text_in_numbers(a: dict[str, Any], p: dict[str, Any]) -> str:
    n = sum(1 for v in a["cells"] if isinstance(v, str) and _filled(v))
    return OK if n == 0 else f"{n} 个数字栏填了文字，请只填数字（单位不填）"
