"""Python references of the rules that write values into messages (formulas/rules.yaml:
``MSG_*``, ``CHK_DECLARED_TOTAL``), same ids. Every number goes through
:func:`.numbers.shown`, as every formula writes it through ``num()`` (``ROUND(x,2)&""``),
so the form, ``verify`` and the reports show the same text.

>>> from .reference import REFERENCES
>>> REFERENCES["MSG_SCORE_OVER_WEIGHT"]({"flag": 1, "score": 12, "weight": 10}, {})
'得分 12 超过分值 10；'
"""

from __future__ import annotations

from typing import Any

from .numbers import excel_round, is_number, shown
from .reference import OK, _text, _trim, qualitative_band, reference

_END = "；"


def _up(a: dict[str, Any]) -> bool:
    """The row's flag is raised (``flag=1``: the number 1, not the text "1")."""
    return is_number(a["flag"]) and a["flag"] == 1


def _numbers(*values: Any) -> bool:
    return all(is_number(v) for v in values)


def _difference(declared: float, computed: float) -> float:
    """ROUND(ABS(declared-computed),2)."""
    return excel_round(abs(declared - computed), 2)


@reference("MSG_WEIGHT_MISSING")
def msg_weight_missing(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    w = a["weight"]
    if is_number(w):
        return f"分值为 {shown(w)}，应大于 0{_END}"
    return ("未设分值" if not _trim(w) else f"分值“{_text(w)}”不是数字") + _END


@reference("MSG_TARGET_NOT_NUMBER")
def msg_target_not_number(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    target = a["target"]
    if is_number(target):
        return "指标值应为数字" + _END
    return ("定量指标未填指标值" if not _trim(target) else f"指标值“{_text(target)}”应为数字") + _END


@reference("MSG_ACTUAL_NOT_NUMBER")
def msg_actual_not_number(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    actual = a["actual"]
    head = "实际完成值须填数字" if is_number(actual) else f"实际完成值“{_text(actual)}”须填数字"
    return head + "，单位请填在“单位”栏" + _END


@reference("MSG_PERCENT_SCALE")
def msg_percent_scale(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    limit = shown(p["limit"] * 100)
    for label, value in (("实际完成值", a["actual"]), ("指标值", a["target"])):
        if is_number(value) and value > p["limit"]:
            v = shown(value)
            return f"提示：{label} {v} 大于 {limit}%（{v} 是否应为 {v}%？）{_END}"
    return f"提示：百分比指标的数值大于 {limit}%，是否应填为百分数？{_END}"


@reference("MSG_ACTUAL_FAR_OVER")
def msg_actual_far_over(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    target, actual, factor = a["target"], a["actual"], shown(p["factor"])
    if _numbers(target, actual):
        head = f"实际完成值 {shown(actual)} 超过指标值 {shown(target)} 的 {factor} 倍"
    else:
        head = f"实际完成值超过指标值 {factor} 倍"
    return f"提示：{head}，请核对并在偏差原因中说明{_END}"


@reference("MSG_SCORE_OVER_WEIGHT")
def msg_score_over_weight(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    if _numbers(a["score"], a["weight"]):
        return f"得分 {shown(a['score'])} 超过分值 {shown(a['weight'])}{_END}"
    return "得分超过分值" + _END


@reference("MSG_QUAL_OUT_OF_BAND")
def msg_qual_out_of_band(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    tier, score, weight = a["tier"], a["score"], a["weight"]
    if not _trim(tier):
        return "未选定性档次，请选择档次后再核对得分" + _END
    if not _numbers(score, weight):
        return "定性得分不在档次区间" + _END
    band = qualitative_band(tier, p["bands"])
    if band is None:
        return f"定性档次“{_text(tier)}”不是可选的档次{_END}"
    low, high, top = band
    high_shown = shown(high * weight)
    inside = " 内" if top else f"（不含 {high_shown}）内"
    return f"定性得分 {shown(score)} 不在所选档次“{tier}”的区间 {shown(low * weight)}~{high_shown}{inside}{_END}"


@reference("MSG_REASON_MISSING")
def msg_reason_missing(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    score, weight = a["score"], a["weight"]
    below = f"得分 {shown(score)} 低于分值 {shown(weight)}，" if _numbers(score, weight) and score < weight else ""
    return below + "需填写偏差原因" + _END


@reference("MSG_DECLARED_DIFFERS")
def msg_declared_differs(a: dict[str, Any], p: dict[str, Any]) -> str | None:
    if not _up(a):
        return None
    d, c = a["declared"], a["computed"]
    if not _numbers(d, c):
        return "自评得分与计算得分不一致" + _END
    return f"自评得分 {shown(d)} 与计算得分 {shown(c)} 不一致（差 {shown(_difference(d, c))}），请说明原因{_END}"


@reference("CHK_DECLARED_TOTAL")
def chk_declared_total(a: dict[str, Any], p: dict[str, Any]) -> str:
    d, c = a["declared"], a["computed"]
    if not _numbers(d, c) or _difference(d, c) <= p["tolerance"]:
        return OK
    return (f"提示：申报总分 {shown(d)} 与计算总分 {shown(c)} 不一致（差 {shown(_difference(d, c))}），"
            "各项差异请在原因栏说明")
