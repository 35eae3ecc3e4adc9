"""A pre-filled layout is its structure's layout with the values put in (layout/prefilled.py).

Reading returns relies on it: a worker lays out a structure once and gives each return
of that structure its values. If the builder ever read a pre-filled value anywhere but
``SheetBuilder.input`` (a value that moved a row, chose a rule, set a height ...), the
layouts compared here would differ.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest

from jixiao.build import build_template
from jixiao.layout import COPIES_KEY, INDICATORS_KEY, Layout, build_layout
from jixiao.layout.prefilled import structure_of, with_values
from jixiao.read.record import open_return
from jixiao.template.load import load_template

TEMPLATES = sorted(p.stem for p in (Path(__file__).parents[1] / "templates").glob("*.yaml"))
DIRECTIONS = [("≥", 300, "人次"), ("≤", 50.5, "万元"), ("=", 1, "%"), ("定性", "按期完成", "")]


def _prefill(blank: Layout, rng: random.Random) -> dict[str, Any]:
    """Values for a random half of the form's inputs and constants, declared indicators on
    random 二级指标, sometimes project copies."""
    names = sorted(n for n, c in blank.by_name.items() if c.role in ("input", "constant"))
    prefill: dict[str, Any] = {n: rng.choice(["某某局", 12.5, 3, "0.9", ""]) for n in rng.sample(names, len(names) // 2)}
    declared: dict[str, list[dict[str, Any]]] = {}
    for s in blank.sheets:
        for l1, l2 in sorted(s.level2_names):
            if rng.random() < 0.4:
                direction, target, unit = rng.choice(DIRECTIONS)
                declared.setdefault(s.id, []).append({"level1": l1, "level2": l2, "name": "指标" * rng.randint(1, 30),
                                                      "direction": direction, "target": target, "unit": unit,
                                                      "weight": rng.choice([2, 5, 7.5])})
    if declared:
        prefill[INDICATORS_KEY] = declared
    if rng.random() < 0.5:
        prefill[COPIES_KEY] = {s.id.rstrip("0123456789"): rng.randint(1, 3) for s in blank.sheets}
    return prefill


def _same(a: Layout, b: Layout) -> None:
    """Every field of the two layouts, every formula and both fingerprints."""
    for f in dataclasses.fields(Layout):
        if f.name not in ("_formulas", "_fingerprints"):
            assert getattr(a, f.name) == getattr(b, f.name), f.name
    assert [a.formula(c) for c in a.computed()] == [b.formula(c) for c in b.computed()]
    assert a.fingerprint() == b.fingerprint() and a.fingerprint(with_params=False) == b.fingerprint(with_params=False)


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_layout_of_a_prefill_is_its_structure_with_its_values(template: str) -> None:
    lt = load_template(template)
    blank = build_layout(lt)
    rng = random.Random(template)
    for _ in range(4):
        prefill = _prefill(blank, rng)
        try:
            direct = build_layout(lt, prefill)
        except ValueError:  # a declared 定性 row on a form without tiers ...: refused both ways
            with pytest.raises(ValueError):
                build_layout(lt, structure_of(prefill))
            continue
        skeleton = build_layout(lt, structure_of(prefill))
        before = [dataclasses.astuple(c) for s in skeleton.sheets for c in s.cells]
        _same(with_values(skeleton, prefill), direct)
        assert [dataclasses.astuple(c) for s in skeleton.sheets for c in s.cells] == before  # left as it was


def test_returns_sharing_a_structure_keep_their_own_values(tmp_path: Path) -> None:
    """Two departments' forms of one structure: each return reads its own pre-filled values."""
    lt = load_template("guizhou-zhengti")
    layouts = []
    for code, name in (("101", "甲局"), ("102", "乙局")):
        out = build_template(lt, tmp_path / code, filename=f"{code}.xlsx",
                             prefill={"zt_department": name, "_department": {"code": code, "name": name}})
        ret = open_return(out)
        assert ret.layout.cell("zt_department").value == name
        assert ret.record.values["zt_department"] == name
        layouts.append(ret.layout)
    first, second = layouts
    assert first.cell("zt_department") is not second.cell("zt_department")
    assert first.cell("zt_fund_total_rate") is second.cell("zt_fund_total_rate")  # the rest shared
