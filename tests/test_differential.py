"""Differential test: every rule's Excel formula, computed by LibreOffice, against its Python
reference, on thousands of generated inputs.

Design
------
For each rule of ``library()`` (all kinds), at least ``MIN_EXAMPLES`` distinct examples
(argument values, parameters, and how list arguments are referenced) come from three
deterministic sources drawing on the same value pools:

1. **explicit edges** - every argument in turn at each edge value of its pool (zero,
   blank, negative, huge 1e12, tiny 1e-9, text "abc"/"达到"/"5", whitespace, directions
   ≥ ≤ = 定性 plus blank and "x", tier labels plus blank and junk) with the others typical;
   every parameter value (``digits`` 0-4, ``mode`` round/cut, ``cap`` ...); all numeric
   arguments at 1e12/-1e12/1e-9 together; sums that are binary ties at the 16th digit;
   and for rules with ``digits`` the half-way values of each digit count (0.5, 0.125,
   2.675, 1.005, 0.92935 ...), reached directly and as a ratio ``h*100 / 100``;
2. **Hypothesis** - ``@given`` over the pools with ``derandomize=True, database=None``,
   called from the module fixture rather than run as a test: the same examples on every
   run and machine, and no test depending on another having run first (a collector test
   filling a module list would break under ``-k`` or a reordering plugin);
3. **seeded random** (``random.Random``) draws from the same pools up to the minimum
   (Hypothesis costs about a millisecond per example, this a few microseconds).

Generated numbers are what a person can type: within ±1e12, at most 9 decimals and 12
significant digits (see :func:`typable`); edge values may have more.

Each rule gets one workbook (xlsxwriter; every formula cached as ``""`` so only a
recalculation fills it): one row per example, the argument values in input cells (blank:
no cell; a list argument is 3 cells of the row, referenced as a range ``A2:C2``, as cells
``A2,B2,C2`` or split ``A2:B2,C2``), the rule's formula (``Rule.excel``) over that row,
and the same formula on a second sheet over sheet-qualified references
(``'数据 表'!$A$2``), as forms reference other sheets. ONE LibreOffice start recalculates
every workbook. Each formula cell is compared with ``Rule.compute`` on the values as
written (``%.16g``: what the engine read) to the last displayed digit: numbers with
``same_at_digits(x, y, 9)`` (or at the 15th significant digit where that comes first),
text (checks, grades, labels) exactly, a blank and "" alike. An error value, or a Python
reference that raises, is always a disagreement.

Not compared (counted in the summary line): rounded results past 12 significant digits
(``|x| * 10**digits >= 1e12``), where the engines disagree with each other rather than
with a rule - see :data:`ROUNDING_PRECISION_LIMIT`.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from xlsxwriter.utility import xl_col_to_name

from calc.libreoffice import available, recalculate
from conftest import report, require
from engine_util import is_error_value, same_shown, written
from jixiao.read import read_package
from jixiao.rules.library import Rule, library
from jixiao.rules.numbers import is_number

RULES = library()
MIN_EXAMPLES = 1000
HYPOTHESIS_EXAMPLES = 300
SEED = 20240208
LIST_SIZE = 3
DATA_SHEET = "数据 表"
CROSS_SHEET = "跨表"

# ------------------------------------------------------------------ value pools

TIER_LABELS = ("达成预期指标", "部分达成预期指标并具有一定效果", "未达成预期指标且效果较差")
ALT_TIERS = [["好", 0.6, 1.0], ["差", 0, 0.6]]
#: Half-way values at each number of decimals (what ROUND must take away from zero).
HALF: dict[int, tuple[float, ...]] = {
    0: (0.5, 2.5, 1.5),
    1: (0.25, 0.15, 2.45),
    2: (0.125, 2.675, 1.005),
    3: (1.0005, 0.1235, 2.6745),
    4: (0.92935, 0.00005, 0.86605),
}
NUMBER_EDGES: tuple[Any, ...] = (
    None, 0, 1, -1, 2, 3, 5, 10, 60, 80, 90, 100, 0.5, 0.8, 1.2, 1.5, -5, -0.125, -2.675,
    1e12, -1e12, 1e-9, -1e-9, 123456789.123, "abc", "达到", "5", " ",
    0.1, 0.2, 0.3, 0.125, 2.675, 1.005, 0.9293535, 0.92935, 0.00005, 0.0005, 0.005, 0.05,
    0.15, 0.25, 2.5, 459.61, 427.14, 99.3, 89.99, 90.005, 9.95, 1.999999, 2.000001,
)
FLAG_EDGES: tuple[Any, ...] = (0, 1, 0, 1, 0, 1, None, 2, -1, 0.5, "1", "abc", 1e12)
TEXT_EDGES: tuple[Any, ...] = (None, " ", "  ", "指标", " 原因 ", "abc", "达到", 0, 5.5, "a  b",
                               "\u3000", "\t")
DIRECTIONS: tuple[Any, ...] = ("≥", "≤", "=", "定性", None, "x")
UNITS: tuple[Any, ...] = ("%", "％", " % ", "%%", "人次", "万元", None, " ", 5, "x")
#: Serial dates around a 2024 window (45292 = 2024-01-01, 46022 = 2025-12-31), and text dates.
DATE_EDGES: tuple[Any, ...] = (45291, 45292, 45293, 45300.5, 46022, 46022.5, 46023, 0, -1, None, " ",
                               "2024.2.20", "2024-02-20", "abc", 1e12)
#: Huge and tiny together (every numeric argument at each, in every combination).
EXTREMES = (1e12, -1e12, 1e-9)
#: Parts whose sum is exact in binary with a 5 in its 16th significant digit, where a
#: number joined to text must be rounded to 15 digits half away from zero.
TIE_PARTS = ((1, 0.000030517578125), (1e12, 0.125), (100000000000, 0.0625), (0.5, 0.25))
TIERS: tuple[Any, ...] = (*TIER_LABELS, "好", "差", None, "x", "优", "达成预期", 0.8,
                          " 达成预期指标")


def typable(x: float) -> float:
    """A generated number as a person could type it into a form: within ±1e12, at most 9
    decimals and 12 significant digits. (Sums of 15-digit numbers of different sizes have
    16 and more digits, and engines sum in binary in different orders: their last digit
    shown in a message may then differ with no rule involved.)"""
    x = float(f"{round(max(-1e12, min(1e12, x)), 9):.12g}")
    return 0.0 if x == 0 else x


@dataclass(frozen=True)
class Pool:
    """The values one argument takes: edge values, plus numbers when ``numbers``."""

    edges: tuple[Any, ...]
    #: "wide": integers, money, any float up to 1e12, rates; "small": -3..3 and quarters in 0..2
    #: (flags: sums exact in binary, so the engines' different summation orders agree)
    numbers: str | None = None

    def strategy(self) -> st.SearchStrategy[Any]:
        parts: list[st.SearchStrategy[Any]] = [st.sampled_from(self.edges)]
        if self.numbers == "wide":
            parts += [
                st.integers(-200, 200),
                st.integers(-10**8, 10**9).map(lambda n: n / 100),  # money, 2 decimals
                st.floats(-1e12, 1e12, allow_nan=False).map(typable),
                st.floats(0, 2, allow_nan=False).map(typable),  # rates
            ]
        elif self.numbers == "small":
            parts += [st.integers(-3, 3), st.integers(0, 8).map(lambda n: n / 4)]
        return st.one_of(parts)

    def draw(self, rng: random.Random) -> Any:
        if self.numbers is None or rng.random() < 0.4:
            return rng.choice(self.edges)
        if self.numbers == "small":
            return rng.randint(-3, 3) if rng.random() < 0.5 else rng.randint(0, 8) / 4
        branch = rng.randrange(4)
        if branch == 0:
            return rng.randint(-200, 200)
        if branch == 1:
            return rng.randint(-10**8, 10**9) / 100
        if branch == 2:
            return typable(rng.uniform(-1e12, 1e12) * rng.choice((1, 1e-6, 1e-10)))
        return typable(rng.uniform(0, 2))


POOLS = {
    "number": Pool(NUMBER_EDGES, numbers="wide"),
    "flag": Pool(FLAG_EDGES, numbers="small"),
    "text": Pool(TEXT_EDGES),
    # an indicator name where any typed value counts (FIXED_DIRECTION): text and numbers
    "named": Pool(TEXT_EDGES, numbers="wide"),
    "direction": Pool(DIRECTIONS),
    "tier": Pool(TIERS),
    "unit": Pool(UNITS),
    "date": Pool(DATE_EDGES, numbers="wide"),
    "cell": Pool(TEXT_EDGES + NUMBER_EDGES[:12] + ("280人次", "85%", "—", "\u3000")),
}
ARG_POOL = {"direction": "direction", "tier": "tier", "name": "text", "reason": "text", "indicator": "named",
            "flags": "flag", "flag": "flag", "texts": "text", "unit": "unit", "date": "date", "cells": "cell",
            "value": "cell"}
TYPICAL: dict[str, Any] = {
    "budget": 100, "actual": 80, "weight": 10, "target": 100, "direction": "≥", "declared": 8,
    "score": 8, "total": 85, "numerator": 3, "denominator": 4, "fixed": 10,
    "name": "指标", "tier": "达成预期指标", "reason": None, "computed": 8,
    "scores": [3, 4, 5], "parts": [30, 40.5, 20], "weights": [10, 20, 20], "values": [80, 90, 85],
    "flags": [0, 1, 0], "amounts": [1, 2, 3],
    "unit": "%", "date": 45340, "used": 3, "value": "张三", "cells": [1, "abc", None], "counts": [0, 2, 0],
    "flag": 1, "texts": ["得分 12 超过分值 10；", None, "需填写偏差原因；"],
}
#: Where the generic typical row would make every edge of a rule a no-op.
TYPICAL_FOR = {"ROW_QUAL_OUT_OF_BAND": {"direction": "定性", "score": 9},
               "ROW_REASON_MISSING": {"score": 10},
               "ROW_PERCENT_SCALE": {"target": 0.9, "actual": 0.85},
               "ROW_ACTUAL_FAR_OVER": {"actual": 1000},
               "ROW_RESULT_MISSING": {"actual": None},
               "MSG_QUAL_OUT_OF_BAND": {"tier": "部分达成预期指标并具有一定效果", "score": 9},
               "MSG_SCORE_OVER_WEIGHT": {"score": 12.5},
               "MSG_DECLARED_DIFFERS": {"declared": 98.3, "computed": 96.8},
               "CHK_DECLARED_TOTAL": {"declared": 98.3, "computed": 96.8}}
#: Numbers a message writes (``num()``: ROUND(x,2) joined with &, against numbers.shown):
#: half-way values at the 2nd decimal and past it, thirds, whole numbers that must lose
#: their ".00", and large values, each in turn in every numeric argument of the rules that
#: write numbers into text (the proof that the form and Python write numbers alike).
SHOWN_EDGES: tuple[Any, ...] = (0.005, 0.015, 0.025, 0.045, 1.005, 1.015, 2.675, 1.115, 4.355, 99.995, -1.005,
                                -0.005, -2.675, 0.125, 12.0, 12.1, 12.10000001, 1 / 3, 2 / 3, 96.8, 98.3,
                                0.1 + 0.2, 1e-3, 123456.785, 99999999.995, 1e11 + 0.005, 9.295, 10.0)
SHOWN_RULES = ("MSG_SCORE_OVER_WEIGHT", "MSG_QUAL_OUT_OF_BAND", "MSG_REASON_MISSING", "MSG_DECLARED_DIFFERS",
               "CHK_DECLARED_TOTAL", "MSG_WEIGHT_MISSING", "MSG_PERCENT_SCALE", "MSG_ACTUAL_FAR_OVER")

# ------------------------------------------------------------------ parameters

GENERIC_PARAMS: dict[str, list[Any]] = {"digits": [0, 1, 2, 3, 4], "mode": ["round", "cut"],
                                        "cap": [True, False]}
RULE_PARAMS: dict[str, dict[str, list[Any]]] = {
    "EXEC_SCORE_STEPS": {"per": [1, 2, 5, 10], "points": [0.5, 1, 2], "partial": ["started", "whole"]},
    "INDICATOR_SCORE": {"negative": ["RATIO_INVERSE_SIMPLE", "RATIO_INVERSE_PLATFORM"]},
    "LEVEL1_LABEL": {"name": ["产出指标", "效益指标"], "nominal": [50, 30, 0]},
    "AVERAGE_TIMES": {"factor": [0.8, 1, 0.5]},
    "FIXED_DIRECTION": {"direction": ["≤", "=", "定性"]},
    "GRADE": {"bands": [[[90, "优秀"], [80, "良好"], [60, "中"]]], "otherwise": ["差", "不合格"]},
    "CHK_WEIGHTS_TOTAL": {"total": [100, 90]},
    "CHK_EXEC_WEIGHT": {"expected": [10, 15, 0]},
    "CHK_LEVEL1_WEIGHTS": {"name": ["产出指标", "满意度指标"], "expected": [50, 30, 20]},
    "ROW_QUAL_OUT_OF_BAND": {"bands": [ALT_TIERS]},
    "ROW_REASON_MISSING": {"over_ratio": [0, 1.2, 1.5]},
    "ROW_MESSAGE": {"messages": [["未设分值", "指标值应为数字", "得分超过分值"]]},
    "MSG_QUAL_OUT_OF_BAND": {"bands": [ALT_TIERS]},
    "CHK_DECLARED_TOTAL": {"tolerance": [0, 0.5, 2]},
    "MSG_PERCENT_SCALE": {"limit": [1.5, 1, 2, 1.005]},
    "MSG_ACTUAL_FAR_OVER": {"factor": [10, 5, 1, 2.5]},
    "CHK_ROWS": {"message": ["项有误", "项三级指标未设分值或分值为 0"], "warning": [False, True]},
    "CHK_FUNDS_SUM": {"label": ["全年预算数", "资金"], "tolerance": [0.01, 0, 0.05]},
    "ROW_RESULT_MISSING": {"declared_mode": [False, True]},
    "ROW_PERCENT_SCALE": {"limit": [1.5, 1, 2]},
    "ROW_ACTUAL_FAR_OVER": {"factor": [10, 5, 1]},
    "FILLED_COUNT": {"base": [0, 1]},
    "CHK_DATE": {"label": ["填报日期", "日期"], "low": [45292, 44927], "high": [46022, 45657]},
}


def param_choices(rule: Rule) -> dict[str, list[Any]]:
    """Each parameter's values: its default first, then the variants tried (unknown ones
    keep their default, so a new parameter in rules.yaml does not break this test)."""
    out: dict[str, list[Any]] = {}
    for key, default in rule.defaults.items():
        options = [default]
        for v in RULE_PARAMS.get(rule.id, {}).get(key, GENERIC_PARAMS.get(key, [])):
            if v not in options:
                options.append(v)
        out[key] = options
    if "messages" in out:  # ROW_MESSAGE: the default's single message, or the variant's three
        out["messages"] = [m for m in out["messages"] if len(m) == LIST_SIZE] or out["messages"]
    return out


def shapes(rule: Rule) -> list[str]:
    if not rule.list_args:
        return ["cells"]
    if "messages" in rule.defaults:  # ROW_MESSAGE indexes its flags one by one
        return ["cells"]
    return ["range", "cells", "split"]


def pool_of(arg: str) -> Pool:
    return POOLS[ARG_POOL.get(arg, "number")]


# ------------------------------------------------------------------ examples


@dataclass(frozen=True)
class Example:
    args: tuple[tuple[str, Any], ...]  # (name, value or tuple of values)
    params: tuple[tuple[str, Any], ...]
    shape: str

    @staticmethod
    def make(args: dict[str, Any], params: dict[str, Any], shape: str) -> Example:
        def freeze(v: Any) -> Any:
            if isinstance(v, list):
                return tuple(freeze(x) for x in v)
            return written(v)

        return Example(tuple((k, freeze(v)) for k, v in args.items()),
                       tuple((k, freeze(v)) for k, v in params.items()), shape)

    def arg_values(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.args}

    def param_values(self) -> dict[str, Any]:
        def thaw(v: Any) -> Any:
            return [thaw(x) for x in v] if isinstance(v, tuple) else v

        return {k: thaw(v) for k, v in self.params}

    def key(self) -> str:
        """Identity as a cell sees it: 1 and 1.0 are the same number."""

        def canon(v: Any) -> Any:
            if isinstance(v, tuple):
                return tuple(canon(x) for x in v)
            if isinstance(v, int | float) and not isinstance(v, bool):
                return ("n", float(v))
            return v

        return repr((canon(self.args), canon(self.params), self.shape))


def list_size(rule: Rule, params: dict[str, Any]) -> int:
    return len(params["messages"]) if "messages" in params else LIST_SIZE


def typical(rule: Rule, params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for arg in rule.arg_names:
        value = TYPICAL.get(arg, [1, 2, 3] if arg in rule.list_args else 1)
        if arg in rule.list_args:
            value = (list(value) * LIST_SIZE)[: list_size(rule, params)]
        out[arg] = value
    return {**out, **TYPICAL_FOR.get(rule.id, {})}


def explicit_examples(rule: Rule) -> list[Example]:
    choices = param_choices(rule)
    defaults = {k: v[0] for k, v in choices.items()}
    shape0 = shapes(rule)[0]
    out: list[Example] = []
    base = typical(rule, defaults)
    out.append(Example.make(base, defaults, shape0))
    n = list_size(rule, defaults)
    for arg in rule.arg_names:
        for edge in dict.fromkeys(pool_of(arg).edges, None):
            args = dict(base)
            if arg in rule.list_args:
                for values in ([edge, *base[arg][1:]], [edge] * n):
                    out.append(Example.make({**args, arg: values}, defaults, shape0))
            else:
                out.append(Example.make({**args, arg: edge}, defaults, shape0))
    # Every parameter value at least once, with the typical arguments.
    for key, options in choices.items():
        for option in options[1:]:
            params = {**defaults, key: option}
            out.append(Example.make(typical(rule, params), params, shape0))
    for shape in shapes(rule)[1:]:
        out.append(Example.make(base, defaults, shape))
    numeric = [a for a in rule.arg_names if ARG_POOL.get(a, "number") == "number"]
    variants = [defaults] + ([{**defaults, "cap": False}] if "cap" in defaults else [])
    for combo in itertools.product(EXTREMES, repeat=len(numeric)):
        args = dict(base)
        for arg, v in zip(numeric, combo, strict=True):
            args[arg] = [v] * n if arg in rule.list_args else v
        out += [Example.make(args, params, shape0) for params in variants]
    for a, b in TIE_PARTS:
        for arg in numeric:
            value = [a, b] + [None] * (n - 2) if arg in rule.list_args else a + b
            out.append(Example.make({**base, arg: value}, defaults, shape0))
    if "digits" in choices:
        out += halfway_examples(rule, choices)
    if rule.id in SHOWN_RULES:
        for arg in numeric:
            for value in SHOWN_EDGES:
                out.append(Example.make({**base, arg: value}, defaults, shape0))
                out.append(Example.make({**base, arg: value / 7}, defaults, shape0))
    return out


def halfway_examples(rule: Rule, choices: dict[str, list[Any]]) -> list[Example]:
    """Ratios and products landing exactly on a half-way value at the rule's digits."""
    numeric = [a for a in rule.arg_names if ARG_POOL.get(a, "number") == "number"]
    directions = ["≥", "≤", "="] if "direction" in rule.arg_names else [None]
    out: list[Example] = []
    for digits, halves in HALF.items():
        for h, mode in itertools.product((*halves, -halves[0]), choices.get("mode", [None])):
            params = {k: v[0] for k, v in choices.items()}
            params["digits"] = digits
            if mode is not None:
                params["mode"] = mode
            if "factor" in params:
                params["factor"] = 1
            for direction in directions:
                ones = {a: ([1] * LIST_SIZE if a in rule.list_args else 1) for a in numeric}
                base = {**typical(rule, params), **ones}
                if direction is not None:
                    base["direction"] = direction
                for p in numeric:
                    args = dict(base)
                    args[p] = [h, None, None] if p in rule.list_args else h
                    out.append(Example.make(args, params, shapes(rule)[0]))
                    for q in numeric:  # h*100 / 100: the binary ratio is not exactly h
                        if q == p or q in rule.list_args or p in rule.list_args:
                            continue
                        out.append(Example.make({**args, p: h * 100, q: 100}, params,
                                                shapes(rule)[0]))
    return out


def example_strategy(rule: Rule) -> st.SearchStrategy[Example]:
    choices = param_choices(rule)

    @st.composite
    def build(draw: st.DrawFn) -> Example:
        params = {k: draw(st.sampled_from(v)) for k, v in choices.items()}
        args: dict[str, Any] = {}
        for arg in rule.arg_names:
            s = pool_of(arg).strategy()
            if arg in rule.list_args:
                n = list_size(rule, params)
                args[arg] = draw(st.lists(s, min_size=n, max_size=n))
            else:
                args[arg] = draw(s)
        return Example.make(args, params, draw(st.sampled_from(shapes(rule))))

    return build()


def hypothesis_examples(rule: Rule, n: int) -> list[Example]:
    found: list[Example] = []

    @settings(max_examples=n, database=None, derandomize=True, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(example_strategy(rule))
    def collect(example: Example) -> None:
        found.append(example)

    collect()
    return found


def random_example(rule: Rule, rng: random.Random) -> Example:
    choices = param_choices(rule)
    params = {k: rng.choice(v) for k, v in choices.items()}
    args: dict[str, Any] = {}
    for arg in rule.arg_names:
        pool = pool_of(arg)
        if arg in rule.list_args:
            args[arg] = [pool.draw(rng) for _ in range(list_size(rule, params))]
        else:
            args[arg] = pool.draw(rng)
    return Example.make(args, params, rng.choice(shapes(rule)))


def examples_for(rule: Rule) -> list[Example]:
    unique: dict[str, Example] = {}
    for e in [*explicit_examples(rule), *hypothesis_examples(rule, HYPOTHESIS_EXAMPLES)]:
        unique.setdefault(e.key(), e)
    rng = random.Random(f"{SEED}:{rule.id}")
    for _ in range(100 * MIN_EXAMPLES):  # bounded: a rule with few distinct inputs ends
        if len(unique) >= MIN_EXAMPLES:
            break
        e = random_example(rule, rng)
        unique.setdefault(e.key(), e)
    return list(unique.values())


# ------------------------------------------------------------------ workbooks


@dataclass
class Case:
    rule: Rule
    example: Example
    formula: str
    cross_formula: str
    row: int
    col: int  # the formula's column on the data sheet


def _ref(col: int, row: int, sheet: str | None = None) -> str:
    if sheet is None:
        return f"{xl_col_to_name(col)}{row + 1}"
    return f"'{sheet.replace(chr(39), chr(39) * 2)}'!${xl_col_to_name(col)}${row + 1}"


def _list_refs(cols: list[int], row: int, shape: str, sheet: str | None) -> list[str]:
    cells = [_ref(c, row, sheet) for c in cols]
    if shape == "cells":
        return cells
    last = cells[-1].split("!")[-1]
    if shape == "range":
        return [f"{cells[0]}:{last}"]
    return [f"{cells[0]}:{cells[-2].split('!')[-1]}", cells[-1]]  # split


def _write_value(ws: Any, row: int, col: int, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, str):
        ws.write_string(row, col, value)
    else:
        ws.write_number(row, col, value)


def write_rule_workbook(rule: Rule, examples: list[Example], path: Path) -> list[Case]:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    data = wb.add_worksheet(DATA_SHEET)
    cross = wb.add_worksheet(CROSS_SHEET)
    cases: list[Case] = []
    for i, example in enumerate(examples):
        row = i + 1
        values = example.arg_values()
        params = example.param_values()
        col = 0
        refs: dict[str, Any] = {}
        cross_refs: dict[str, Any] = {}
        for arg in rule.arg_names:
            if arg in rule.list_args:
                cols = list(range(col, col + len(values[arg])))
                for c, v in zip(cols, values[arg], strict=True):
                    _write_value(data, row, c, v)
                refs[arg] = _list_refs(cols, row, example.shape, None)
                cross_refs[arg] = _list_refs(cols, row, example.shape, DATA_SHEET)
                col += len(cols)
            else:
                _write_value(data, row, col, values[arg])
                refs[arg] = _ref(col, row)
                cross_refs[arg] = _ref(col, row, DATA_SHEET)
                col += 1
        formula = rule.excel(refs, params)
        cross_formula = rule.excel(cross_refs, params)
        data.write_formula(row, col, formula, None, "")
        cross.write_formula(row, 0, cross_formula, None, "")
        cases.append(Case(rule, example, formula, cross_formula, row, col))
    data.write_string(0, 0, rule.id)
    wb.close()
    return cases


# ------------------------------------------------------------------ the run


@dataclass
class Outcome:
    cases: dict[str, list[Case]]
    saved: dict[str, Path]
    disagreements: dict[str, list[str]]
    compared: int
    beyond: int  # rounded results past 12 significant digits, not compared (see below)


#: ROUND/ROUNDDOWN results whose ``|x| * 10**digits`` reaches this have more than 12
#: significant digits up to the rounding digit. There the engines differ from each other,
#: not from a rule: LibreOffice 7.4's ROUNDDOWN keeps only 12 significant digits of
#: ``x * 10**digits`` (ROUNDDOWN(99999999.99999,4) = 100000000, ROUNDDOWN(10000000000.55,1)
#: = 10000000000.6, ROUNDDOWN(172600403445.6958,1) = 172600403446), and its ROUND rounds
#: the binary value where Excel's (and the reference's) 15-digit decimal step lands on
#: the rounding digit (ROUND(163815395675.3748,2): 163815395675.37 against .38).
ROUNDING_PRECISION_LIMIT = 1e12


_NUMBER_IN_TEXT = re.compile(r"-?\d+(?:\.\d+)?")
#: A ROUND whose value is shown, not compared (``"..."&ROUND(SUM(A2:C2),2)&"..."``, but
#: not ``ROUND(x,6)=0``): its digits.
_ROUNDED_IN_TEXT = re.compile(r"ROUND\((?:[^()]|\([^()]*\))*,(\d+)\)(?![=<>])")


def beyond_precision(case: Case, got: Any, expected: Any) -> bool:
    """A rounded result past 12 significant digits, where engines differ (see above): a
    number of a rule with ``digits``, or a text that shows a ROUNDed number (CHK_FUNDS_SUM's
    ``ROUND(SUM(parts),2)``) and differs only in such numbers."""
    digits = case.example.param_values().get("digits")
    if digits is not None and is_number(got) and is_number(expected):
        return max(abs(got), abs(expected)) * 10**digits >= ROUNDING_PRECISION_LIMIT
    rounded = [int(d) for d in _ROUNDED_IN_TEXT.findall(case.formula)]
    if not (rounded and isinstance(got, str) and isinstance(expected, str)):
        return False
    if _NUMBER_IN_TEXT.sub("#", got) != _NUMBER_IN_TEXT.sub("#", expected):
        return False
    pairs = [(float(a), float(b)) for a, b in zip(_NUMBER_IN_TEXT.findall(got),
                                                  _NUMBER_IN_TEXT.findall(expected), strict=True)
             if a != b]
    return bool(pairs) and all(max(abs(a), abs(b)) * 10 ** max(rounded)
                               >= ROUNDING_PRECISION_LIMIT for a, b in pairs)


def _python_value(case: Case) -> tuple[Any, str | None]:
    try:
        return case.rule.compute(case.example.arg_values(), case.example.param_values()), None
    except Exception as exc:  # a reference that crashes is a finding, not a test error
        return None, f"{type(exc).__name__}: {exc}"


def _describe(case: Case, sheet: str, got: Any, expected: Any, error: str | None) -> str:
    formula = case.formula if sheet == DATA_SHEET else case.cross_formula
    python = f"raised {error}" if error else repr(expected)
    return (f"{case.rule.id} params={case.example.param_values()} args={case.example.arg_values()} "
            f"shape={case.example.shape} sheet={sheet!r}: LibreOffice {got!r}, Python {python}; "
            f"formula {formula}")


# The setup generates and recalculates >34,000 examples (~15 s): a CI test, not a quick-loop one.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    require(available(), "LibreOffice")
    folder = tmp_path_factory.mktemp("differential")
    (folder / "in").mkdir()
    cases: dict[str, list[Case]] = {}
    paths: dict[str, Path] = {}
    for rule_id, rule in sorted(RULES.items()):
        path = folder / "in" / f"{rule_id}.xlsx"
        cases[rule_id] = write_rule_workbook(rule, examples_for(rule), path)
        paths[rule_id] = path
    saved = recalculate(list(paths.values()), folder / "out", timeout=600)  # ONE soffice start
    disagreements: dict[str, list[str]] = {}
    compared = beyond = 0
    for rule_id, path in paths.items():
        pkg = read_package(saved[path])
        data, cross = pkg.sheet(DATA_SHEET), pkg.sheet(CROSS_SHEET)
        found = disagreements.setdefault(rule_id, [])
        for case in cases[rule_id]:
            expected, error = _python_value(case)
            for sheet, ref in ((data, _ref(case.col, case.row)), (cross, _ref(0, case.row))):
                cell = sheet.cells.get(ref)
                got = cell.value if cell is not None else None
                bad = error is not None or is_error_value(got, cell.data_type if cell else "n")
                if not bad and beyond_precision(case, got, expected):
                    beyond += 1
                    continue
                compared += 1
                if bad or not same_shown(got, expected, 9):
                    found.append(_describe(case, sheet.name, got, expected, error))
    return Outcome(cases, {k: saved[p] for k, p in paths.items()}, disagreements, compared,
                   beyond)


# ------------------------------------------------------------------ tests


@pytest.mark.libreoffice
def test_every_rule_is_covered_by_enough_examples(outcome: Outcome) -> None:
    require(available(), "LibreOffice")
    examples = sum(len(c) for c in outcome.cases.values())
    summary = (f"differential: {len(outcome.cases)} rules, {examples} examples, "
               f"{outcome.compared} cells compared ({outcome.beyond} rounded results past 12 "
               "significant digits not compared)")
    report(summary)
    assert set(outcome.cases) == set(RULES), summary
    short = {r: len(c) for r, c in outcome.cases.items() if len(c) < MIN_EXAMPLES}
    assert not short, f"{summary}; rules with fewer than {MIN_EXAMPLES} examples: {short}"
    kinds = {RULES[r].kind for r in outcome.cases}
    assert kinds == {"score", "aggregate", "check", "grade"}, summary


@pytest.mark.libreoffice
@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_libreoffice_agrees_with_the_python_reference(outcome: Outcome, rule_id: str) -> None:
    require(available(), "LibreOffice")
    found = outcome.disagreements[rule_id]
    shown = "\n".join(found[:12])
    assert not found, (f"{len(found)} of {2 * len(outcome.cases[rule_id])} cells of {rule_id} "
                       f"disagree; first ones:\n{shown}")
