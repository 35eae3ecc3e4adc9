"""The pre-fill a return carries (hidden metadata sheet, JSON): parsed within limits and
checked for shape before it shapes a layout.

The pre-fill decides how the form is laid out (declared indicators become rows, project
sheets are copied), so a file could make the reader build a huge layout or trip over a
value of the wrong type. Everything that is not the shape the writer produces is refused
as R015, naming the limit or the key.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..codes import read as R
from ..layout import COPIES_KEY, DEPARTMENT_KEY, INDICATORS_KEY, MAX_COPIES
from .errors import UnreadableWorkbook

#: The pre-fill JSON text: the writer's largest (a province's declared indicators) is a few KB.
MAX_PREFILL_CHARS = 200_000
#: Declared indicators over all sheets (a form has a few dozen rows per sheet).
MAX_DECLARED = 500
#: Characters of one pre-filled text.
MAX_TEXT = 2_000
#: Nesting: {"_indicators": {sheet: [ {field: value} ]}} is 4 levels.
MAX_DEPTH = 4

_INDICATOR_FIELDS = {"level1", "level2", "name", "direction", "target", "unit", "weight", "score", "tier"}


class PrefillError(ValueError):
    """Why a pre-fill is refused: Chinese and English reasons."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _no_constant(name: str) -> Any:
    raise PrefillError(f"含有非有限数值 {name}", f"non-finite number {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise PrefillError(f"数值 {text[:20]} 超出范围", f"number {text[:20]} out of range")
    return value


def _bounded_int(text: str) -> int | float:
    if len(text) > 18:
        raise PrefillError(f"整数位数过多（{len(text)} 位）", f"integer of {len(text)} digits")
    return int(text)


def _depth(text: str) -> int:
    """The deepest bracket nesting outside strings (checked before json.loads recurses)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _scalar(key: str, value: Any) -> None:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise PrefillError(f"“{key[:40]}”的文本超过 {MAX_TEXT} 个字符", f"{key[:40]}: text over {MAX_TEXT} characters")
    elif value is not None and not isinstance(value, bool | int | float):
        raise PrefillError(f"“{key[:40]}”的值类型不对", f"{key[:40]}: value of the wrong type")


def _check_shape(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PrefillError("不是键值对象", "not a JSON object")
    declared = 0
    for key, value in data.items():
        if key == DEPARTMENT_KEY:
            if not isinstance(value, dict) or not all(isinstance(value.get(k, ""), str) for k in ("code", "name")):
                raise PrefillError("单位编码或名称的格式不对", "department code/name of the wrong type")
            for k, v in value.items():
                _scalar(f"{key}.{k}", v)
        elif key == INDICATORS_KEY:
            if not isinstance(value, dict) or not all(isinstance(rows, list) for rows in value.values()):
                raise PrefillError("已申报指标的格式不对", "declared indicators of the wrong shape")
            for rows in value.values():
                declared += len(rows)
                for row in rows:
                    if not isinstance(row, dict) or not set(row) <= _INDICATOR_FIELDS:
                        raise PrefillError("已申报指标的格式不对", "declared indicator of the wrong shape")
                    for k, v in row.items():
                        _scalar(f"{key}.{k}", v)
        elif key == COPIES_KEY:
            if not isinstance(value, dict) or not all(isinstance(n, int) and not isinstance(n, bool)
                                                      and 0 <= n <= MAX_COPIES for n in value.values()):
                raise PrefillError(f"项目表份数的格式不对（最多 {MAX_COPIES} 份）",
                                   f"copies of the wrong shape (at most {MAX_COPIES})")
        else:
            _scalar(key, value)
    if declared > MAX_DECLARED:
        raise PrefillError(f"已申报指标超过 {MAX_DECLARED} 项（{declared} 项）",
                           f"{declared} declared indicators, over {MAX_DECLARED}")
    return data


def parse_prefill(raw: Any) -> dict[str, Any]:
    """The pre-fill as a dict (empty when the workbook has none); :class:`PrefillError`
    when it is over a limit or not the shape jixiao writes."""
    if not isinstance(raw, str) or not raw.strip():
        return {}
    if len(raw) > MAX_PREFILL_CHARS:
        raise PrefillError(f"超过 {MAX_PREFILL_CHARS} 个字符（{len(raw)} 个）",
                           f"{len(raw)} characters, over {MAX_PREFILL_CHARS}")
    if _depth(raw) > MAX_DEPTH:
        raise PrefillError(f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise PrefillError("不是有效的 JSON", f"not valid JSON: {exc.msg}") from None
    return _check_shape(data)


def refuse(exc: PrefillError, path: Any) -> UnreadableWorkbook:
    """The R015 refusal for a pre-fill that failed :func:`parse_prefill` or the layout."""
    return UnreadableWorkbook.from_code("R015", path, **R.detail(exc.zh, exc.en))
