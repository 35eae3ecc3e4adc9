"""The rule library: formulas/rules.yaml read into :class:`Rule` objects.

A rule renders its Excel formula from cell references and computes the same value in
Python from cell values, under one id:

>>> rule = library()["RATIO_POSITIVE"]
>>> rule.excel({"target": "E12", "actual": "G12", "weight": "I12"})[:40]
'=IF(AND(ISNUMBER(E12),ISNUMBER(G12),ISNUM'
>>> rule.compute({"target": 300, "actual": 250, "weight": 5})
4.17
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import jinja2
import yaml

from ..paths import formulas_dir
from .excel import disallowed_functions
from .reference import REFERENCES

KINDS = ("score", "aggregate", "check", "grade")


class RuleLibraryError(ValueError):
    """The rule library itself is inconsistent (a developer error, not a user one)."""


def _whole(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_whole(x) for x in v]
    return v


def _rounding(expr: str, digits: int, mode: str) -> str:
    fn = {"round": "ROUND", "cut": "ROUNDDOWN"}[mode]
    return f"{fn}({expr},{digits})"


def _excel_string(text: str) -> str:
    return '"' + str(text).replace('"', '""') + '"'


@dataclass(frozen=True)
class Rule:
    """One scoring or check rule: its Excel template and its Python reference."""

    id: str
    kind: str
    summary: str
    args: tuple[str, ...]
    defaults: dict[str, Any] = field(hash=False)
    template: jinja2.Template = field(hash=False, repr=False)

    @property
    def list_args(self) -> frozenset[str]:
        """Arguments that take a list of cells (declared as ``name[]``)."""
        return frozenset(a[:-2] for a in self.args if a.endswith("[]"))

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(a.removesuffix("[]") for a in self.args)

    def params(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """The rule's parameters: defaults updated by ``overrides`` (unknown keys refused).

        Whole floats become ints, so a weight of 50.0 reads "50" in formulas and messages.
        """
        merged = dict(self.defaults)
        for key, value in (overrides or {}).items():
            if key not in merged:
                raise RuleLibraryError(f"rule {self.id} has no parameter {key!r}")
            merged[key] = value
        return {k: _whole(v) for k, v in merged.items()}

    def excel(self, refs: dict[str, Any], params: dict[str, Any] | None = None) -> str:
        """The formula (with a leading ``=``) over cell references.

        ``refs`` maps each argument to an A1 reference; a list argument maps to a list
        of references (joined with commas; ``<name>_ranges`` and ``<name>_list`` give
        the template the parts).
        """
        context: dict[str, Any] = dict(self.params(params))
        for name in self.arg_names:
            ref = refs[name]
            if name in self.list_args:
                context[name] = ",".join(ref)
                context[name + "_ranges"] = list(ref)
                context[name + "_list"] = list(ref)
            else:
                context[name] = ref
        return "=" + self.template.render(context).strip()

    def compute(self, values: dict[str, Any], params: dict[str, Any] | None = None) -> Any:
        """What the formula shows for these cell values (``None`` for an empty cell)."""
        return REFERENCES[self.id](values, self.params(params))


def _environment(rules: dict[str, dict[str, Any]]) -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.globals["rnd"] = _rounding
    env.globals["q"] = _excel_string

    compiled: dict[str, jinja2.Template] = {}

    def nested(rule_id: str, **kwargs: Any) -> str:
        # A rule used inside another (INDICATOR_SCORE picks the variant's positive rule).
        spec = rules[rule_id]
        params = {**spec.get("params", {}), **{k: v for k, v in kwargs.items()
                                               if k in spec.get("params", {})}}
        ctx = {**params, **{k: v for k, v in kwargs.items() if k not in params}}
        if rule_id not in compiled:  # compiling is ~100x the cost of rendering
            compiled[rule_id] = env.from_string(spec["excel"])
        return compiled[rule_id].render(ctx).strip()

    env.globals["rule"] = nested
    return env


@functools.cache
def library() -> dict[str, Rule]:
    """All rules by id, loaded once from ``formulas/rules.yaml`` and cross-checked."""
    path = formulas_dir() / "rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = {spec["id"]: spec for spec in data["rules"]}
    env = _environment(specs)
    rules: dict[str, Rule] = {}
    for rule_id, spec in specs.items():
        if spec.get("kind") not in KINDS:
            raise RuleLibraryError(f"{path}: rule {rule_id} has unknown kind {spec.get('kind')!r}")
        rules[rule_id] = Rule(
            id=rule_id,
            kind=spec["kind"],
            summary=spec.get("summary", ""),
            args=tuple(spec.get("args", [])),
            defaults=dict(spec.get("params") or {}),
            template=env.from_string(spec["excel"]),
        )
    missing = sorted(set(rules) - set(REFERENCES))
    extra = sorted(set(REFERENCES) - set(rules))
    if missing or extra:
        raise RuleLibraryError(
            f"rules without a Python reference: {missing}; references without a rule: {extra}"
        )
    return rules


def check_formula(formula: str) -> None:
    """Raise if a formula calls a function outside the allowed list."""
    bad = disallowed_functions(formula)
    if bad:
        raise RuleLibraryError(f"formula uses functions not allowed: {sorted(bad)}: {formula}")
