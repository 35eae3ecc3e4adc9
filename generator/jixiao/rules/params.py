"""Rule parameter types: what each parameter of formulas/rules.yaml may be.

Every parameter a rule has is declared with a type and, for numbers, a range::

    params: {per: 5, points: 2, partial: started}
    types:
      per: {type: number, above: 0, max: 100}
      points: {type: number, min: 0, max: 100}
      partial: {type: choice, choices: [started, whole]}

Types: ``int``, ``number`` (an int or a float, never a bool), ``bool``, ``text``,
``choice`` (one of ``choices``), ``rule`` (a rule id), ``list``. Lint checks a
template's values against them (T103 at the parameter) and :meth:`Rule.params` refuses
a value outside them (:class:`RuleParamError`), so no formula is ever built from one.

>>> t = ParamType.parse("per", {"type": "number", "above": 0, "max": 100})
>>> t.problem(5), t.problem("5%"), t.problem(0)
(None, 'a number', '> 0')
>>> t.zh, t.en
('大于 0、不大于 100 的数字', 'a number > 0 and ≤ 100')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TYPES = ("int", "number", "bool", "text", "choice", "rule", "list")
_ZH = {"int": "整数", "number": "数字", "bool": "true 或 false", "text": "文字", "rule": "规则 id", "list": "列表"}
_EN = {"int": "an integer", "number": "a number", "bool": "true or false", "text": "text", "rule": "a rule id",
       "list": "a list"}


class RuleParamError(ValueError):
    """A rule parameter's value is outside its declared type or range."""

    def __init__(self, rule: str, param: str, value: Any, expected: ParamType) -> None:
        super().__init__(f"rule {rule}: parameter {param} must be {expected.en}, not {value!r}")
        self.rule, self.param, self.value, self.expected = rule, param, value, expected


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class ParamType:
    """One parameter's declared type and range."""

    name: str
    type: str
    min: float | None = None
    max: float | None = None
    above: float | None = None  # an exclusive lower bound (a divisor must be > 0)
    choices: tuple[str, ...] = ()

    @classmethod
    def parse(cls, name: str, spec: Any) -> ParamType:
        """The type declared as ``spec`` (a mapping of formulas/rules.yaml); ValueError if malformed."""
        if not isinstance(spec, dict) or spec.get("type") not in TYPES:
            raise ValueError(f"parameter {name}: type must be one of {TYPES}, got {spec!r}")
        unknown = set(spec) - {"type", "min", "max", "above", "choices"}
        if unknown:
            raise ValueError(f"parameter {name}: unknown keys {sorted(unknown)}")
        choices = tuple(spec.get("choices") or ())
        if (spec["type"] == "choice") != bool(choices):
            raise ValueError(f"parameter {name}: choices go with type choice")
        return cls(name, spec["type"], spec.get("min"), spec.get("max"), spec.get("above"), choices)

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` (in English, short), or None when it fits."""
        t = self.type
        if t == "choice":
            return None if value in self.choices else "one of " + ", ".join(self.choices)
        if t == "bool":
            return None if isinstance(value, bool) else _EN[t]
        if t in ("text", "rule"):
            return None if isinstance(value, str) and value else _EN[t]
        if t == "list":
            return None if isinstance(value, list) else _EN[t]
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or t == "int" and not float(value).is_integer() or value != value:
            return _EN[t]
        if self.above is not None and not value > self.above:
            return f"> {_fmt(self.above)}"
        if self.min is not None and value < self.min:
            return f"≥ {_fmt(self.min)}"
        if self.max is not None and value > self.max:
            return f"≤ {_fmt(self.max)}"
        return None

    @property
    def zh(self) -> str:
        """The type in Chinese, as a message says it (``大于 0 且不大于 100 的数字``)."""
        if self.type == "choice":
            return "、".join(self.choices) + " 之一"
        bounds = [f"大于 {_fmt(self.above)}" if self.above is not None else "",
                  f"不小于 {_fmt(self.min)}" if self.min is not None else "",
                  f"不大于 {_fmt(self.max)}" if self.max is not None else ""]
        bounds = [b for b in bounds if b]
        return ("、".join(bounds) + " 的" if bounds else "") + _ZH[self.type]

    @property
    def en(self) -> str:
        """The type in English (``a number > 0 and ≤ 100``)."""
        if self.type == "choice":
            return "one of " + ", ".join(self.choices)
        bounds = [f"> {_fmt(self.above)}" if self.above is not None else "",
                  f"≥ {_fmt(self.min)}" if self.min is not None else "",
                  f"≤ {_fmt(self.max)}" if self.max is not None else ""]
        return " ".join([_EN[self.type], " and ".join(b for b in bounds if b)]).strip()
