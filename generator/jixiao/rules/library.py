"""The rule library: formulas/rules.yaml read into :class:`Rule` objects.

A rule renders its Excel formula from cell references and computes the same value in
Python from cell values, under one id:

>>> rule = library()["RATIO_POSITIVE"]
>>> rule.excel({"target": "E12", "actual": "G12", "weight": "I12"})[:41]
'=IF(AND(ISNUMBER(E12),ISNUMBER(G12),ISNUM'
>>> rule.compute({"target": 300, "actual": 250, "weight": 5})
4.17
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import jinja2
import yaml

from ..paths import formulas_dir
from . import messages as _messages  # noqa: F401 - registers the message references
from .numbers import SHOWN_DIGITS
from .params import ParamType, RuleParamError
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


def _shown(expr: str) -> str:
    """A number as messages write it (see :func:`.numbers.shown`): ROUND to 2 decimals, then
    joined to text with ``&``, which writes no trailing zeros."""
    return f"ROUND({expr},{SHOWN_DIGITS})"


def _excel_string(text: str) -> str:
    return '"' + str(text).replace('"', '""') + '"'


#: Formula shapes kept per rule; beyond, formulas of new shapes are rendered in full.
_SHAPE_LIMIT = 4096

#: Placeholder for the k-th cell reference while a formula's shape is rendered once.
_SLOT = "\x00{}\x01"
_SLOT_RE = re.compile("\x00([0-9]+)\x01")
#: A formula rendered over placeholders: its pieces (literal text at even indexes) and
#: which reference goes to each odd index.
_Shape = tuple[list[str], list[tuple[int, int]]]


@dataclass(frozen=True)
class Rule:
    """One scoring or check rule: its Excel template and its Python reference."""

    id: str
    kind: str
    summary: str
    args: tuple[str, ...]
    defaults: dict[str, Any] = field(hash=False)
    template: jinja2.Template = field(hash=False, repr=False)
    types: dict[str, ParamType] = field(default_factory=dict, hash=False, repr=False)

    @functools.cached_property
    def list_args(self) -> frozenset[str]:
        """Arguments that take a list of cells (declared as ``name[]``)."""
        return frozenset(a[:-2] for a in self.args if a.endswith("[]"))

    @functools.cached_property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(a.removesuffix("[]") for a in self.args)

    def __post_init__(self) -> None:
        # Not a field: each formula shape rendered once (see excel).
        object.__setattr__(self, "_shapes", {})

    def params(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """The rule's parameters: defaults updated by ``overrides`` (unknown keys refused,
        a value outside its declared type or range too: :class:`RuleParamError`).

        Whole floats become ints, so a weight of 50.0 reads "50" in formulas and messages.
        The result is the caller's own (a new dict, new lists).
        """
        merged = dict(self.defaults)
        for k, value in (overrides or {}).items():
            if k not in merged:
                raise RuleLibraryError(f"rule {self.id} has no parameter {k!r}")
            if self.types[k].problem(value) is not None:  # never a formula from a bad value
                raise RuleParamError(self.id, k, value, self.types[k])
            merged[k] = value
        return {k: _whole(v) for k, v in merged.items()}

    def excel(self, refs: dict[str, Any], params: dict[str, Any] | None = None) -> str:
        """The formula (with a leading ``=``) over cell references.

        ``refs`` maps each argument to an A1 reference; a list argument maps to a list
        of references (joined with commas; ``<name>_ranges`` and ``<name>_list`` give
        the template the parts). A list argument left out is an empty list (the ROW_MESSAGE
        of a layout generation 1 form has no ``texts``).

        Rendering the jinja template is most of the cost of a formula (12% of building
        and verifying the bench's forms), yet a template only places references, never
        inspects them. So each shape (the parameters and the length of each list) is
        rendered once over placeholders, and later formulas of that shape are the
        placeholders filled in. The first formula of a shape is also rendered in full
        and compared: a shape that does not agree is never used.
        """
        flat: list[str] = []
        lengths: list[int] = []
        for name in self.arg_names:
            ref = refs.get(name, []) if name in self.list_args else refs[name]
            if name in self.list_args:
                flat.extend(ref)
                lengths.append(len(ref))
            else:
                flat.append(ref)
                lengths.append(-1)
        # The repr of plain YAML values tells apart what renders differently (True, 1, 1.0).
        key = (repr(params), tuple(lengths))
        shapes: dict[Any, _Shape | None] = self._shapes  # type: ignore[attr-defined]
        if key not in shapes:
            full = self._render(refs, params)
            shape = self._shape(lengths, params)
            if len(shapes) < _SHAPE_LIMIT:
                shapes[key] = shape if shape is not None and _fill(shape, flat) == full else None
            return full
        shape = shapes[key]
        return self._render(refs, params) if shape is None else _fill(shape, flat)

    def _shape(self, lengths: list[int], params: dict[str, Any] | None) -> _Shape | None:
        """The formula rendered over placeholders, split into literal text and slots."""
        refs: dict[str, Any] = {}
        k = 0
        for name, n in zip(self.arg_names, lengths, strict=True):
            if n < 0:
                refs[name] = _SLOT.format(k)
                k += 1
            else:
                refs[name] = [_SLOT.format(k + j) for j in range(n)]
                k += n
        pieces = _SLOT_RE.split(self._render(refs, params))
        slots = [(i, int(pieces[i])) for i in range(1, len(pieces), 2)]
        if any(slot >= k for _, slot in slots):
            return None
        return pieces, slots

    def _render(self, refs: dict[str, Any], params: dict[str, Any] | None) -> str:
        context = self.params(params)
        for name in self.arg_names:
            ref = refs.get(name, []) if name in self.list_args else refs[name]
            if name in self.list_args:
                context[name] = ",".join(ref)
                context[name + "_ranges"] = list(ref)
                context[name + "_list"] = list(ref)
            else:
                context[name] = ref
        return "=" + self.template.render(context).strip()

    def compute(self, values: dict[str, Any], params: dict[str, Any] | None = None) -> Any:
        """What the formula shows for these cell values (``None`` for an empty cell; a list
        argument left out is an empty list, as in :meth:`excel`)."""
        return self.compute_merged(values, self.params(params))

    def compute_merged(self, values: dict[str, Any], params: dict[str, Any]) -> Any:
        """:meth:`compute` with parameters :meth:`params` has merged already (a layout
        cell's own): a form recomputes thousands of cells, each would merge them again."""
        if len(values) < len(self.args):
            values = {**{name: [] for name in self.list_args}, **values}
        return REFERENCES[self.id](values, params)


def _fill(shape: _Shape, flat: list[str]) -> str:
    pieces, slots = shape
    out = list(pieces)
    for i, slot in slots:
        out[i] = flat[slot]
    return "".join(out)


def _templates(rules: dict[str, dict[str, Any]]) -> dict[str, jinja2.Template]:
    """Every rule's template by id, compiled once in one environment where ``rule(id, ...)``
    renders another rule inside (INDICATOR_SCORE picks the variant's positive rule)."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.globals["rnd"] = _rounding
    env.globals["q"] = _excel_string
    env.globals["num"] = _shown
    templates: dict[str, jinja2.Template] = {}

    def nested(rule_id: str, **kwargs: Any) -> str:
        spec = rules[rule_id]
        params = {**spec.get("params", {}), **{k: v for k, v in kwargs.items()
                                               if k in spec.get("params", {})}}
        ctx = {**params, **{k: v for k, v in kwargs.items() if k not in params}}
        return templates[rule_id].render(ctx).strip()

    env.globals["rule"] = nested
    templates.update((rule_id, env.from_string(spec["excel"])) for rule_id, spec in rules.items())
    return templates


@functools.cache
def library() -> dict[str, Rule]:
    """All rules by id, loaded once from ``formulas/rules.yaml`` and cross-checked."""
    path = formulas_dir() / "rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = {spec["id"]: spec for spec in data["rules"]}
    templates = _templates(specs)
    rules: dict[str, Rule] = {}
    for rule_id, spec in specs.items():
        if spec.get("kind") not in KINDS:
            raise RuleLibraryError(f"{path}: rule {rule_id} has unknown kind {spec.get('kind')!r}")
        defaults = dict(spec.get("params") or {})
        if set(spec.get("types") or {}) != set(defaults):
            raise RuleLibraryError(f"{path}: rule {rule_id} must declare a type for each parameter, "
                                   f"no more: params {sorted(defaults)}, types {sorted(spec.get('types') or {})}")
        try:
            types = {k: ParamType.parse(k, v) for k, v in (spec.get("types") or {}).items()}
        except ValueError as exc:
            raise RuleLibraryError(f"{path}: rule {rule_id}: {exc}") from None
        bad = [k for k, t in types.items() if t.problem(defaults[k]) is not None]
        if bad:
            raise RuleLibraryError(f"{path}: rule {rule_id}: defaults outside their types: {bad}")
        rules[rule_id] = Rule(
            id=rule_id,
            kind=spec["kind"],
            summary=spec.get("summary", ""),
            args=tuple(spec.get("args", [])),
            defaults=defaults,
            template=templates[rule_id],
            types=types,
        )
    missing = sorted(set(rules) - set(REFERENCES))
    extra = sorted(set(REFERENCES) - set(rules))
    if missing or extra:
        raise RuleLibraryError(
            f"rules without a Python reference: {missing}; references without a rule: {extra}"
        )
    return rules
