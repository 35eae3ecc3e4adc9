"""Columns as data: the indicator table's and the funds block's columns, fields per row.

The default columns are the regional layout (dist/ byte-identical, tests/test_build.py);
these tests cover what a variant changes and what lint refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.layout import build_layout
from jixiao.template.lint import lint_file
from jixiao.template.load import load_template

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "tests" / "lint_corpus" / "base.yaml").read_text(encoding="utf-8")


def variant(tmp_path: Path, columns: str, top: str = "") -> Path:
    """base.yaml (the lint corpus's clean parent) with indicator ``columns`` and more top keys."""
    text = BASE.replace("    indicators:\n      level1:", "    indicators:\n" + columns + "      level1:", 1) + top
    path = tmp_path / "base.yaml"
    path.write_text(text, encoding="utf-8")
    return path


NARROW = """id: narrow
version: 1
name: 窄表
params: {year: 2023}
sheets:
  - kind: self_evaluation
    id: zt
    name: 自评表
    title: 自评表
    fields_per_row: 3
    header:
      - {key: a, label: 甲}
      - {key: b, label: 乙}
      - {key: c, label: 丙}
    notes: [注]
    funds:
      columns: [{key: label}, {key: source}, {key: budget}, {key: actual}, {key: weight}, {key: rate},
                {key: score, span: 2, label: 得分（10分）}]
      rows:
        - {key: total, label: 年度资金总额, scored: true}
    indicators:
      columns: [{key: level1}, {key: level2}, {key: name, label: 指标名称, width: 30}, {key: target},
                {key: actual}, {key: weight}, {key: score}, {key: reason}]
      level1:
        - {name: 产出指标, weight: 50, level2: [{name: 数量, direction: ≥}, {name: 时效, direction: 定性}]}
        - {name: 效益指标, weight: 30, level2: [{name: 社会效益}]}
        - {name: 满意度指标, weight: 10, level2: [{name: 服务对象满意度}]}
"""


def test_a_narrow_table_has_only_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "narrow.yaml"
    path.write_text(NARROW, encoding="utf-8")
    assert lint_file(path) == []
    layout = build_layout(load_template(path))
    [s] = layout.sheets
    assert s.print_cols == (0, 7)
    assert s.col_widths[2] == 30
    heads = {c.value for c in s.cells if c.role == "label" and c.value}
    assert {"指标名称", "年度指标值(A)", "得分（10分）"} <= heads
    assert not heads & {"方向", "单位", "定性档次", "定性得分", "年初预算数"}
    # three header fields on one row: eight columns make shares of two, label and input one each
    fields = [layout.cell(f"zt_{k}") for k in "abc"]
    assert len({f.row for f in fields}) == 1 and [f.col for f in fields] == [1, 3, 5]
    assert "zt_fund_total_initial" not in layout.by_name
    rows = s.indicator_rows
    assert [r.unit for r in rows] == [None] * len(rows)
    qualitative = [r for r in rows if r.level2 == "时效"]
    assert qualitative and all(r.tier == r.actual and r.score == r.declared for r in qualitative)
    assert layout.cell(rows[0].direction).rule == "FIXED_DIRECTION"
    assert layout.cell(rows[0].score).rule == "RATIO_POSITIVE"
    assert rows[0].direction not in {c.name for c in layout.inputs()}


EIGHT = ("      columns: [{key: label}, {key: source}, {key: budget}, {key: actual}, {key: weight},"
         " {key: rate}, {key: score, span: 2}]\n")
ALL_BUT = "      columns: [{key: level1}, {key: level2}, {key: name}, %s{key: actual}, {key: weight}, %s]\n"


@pytest.mark.parametrize(("columns", "top", "words"), [
    (ALL_BUT % ("{key: target}, ", "{key: score}, {key: reason}, {key: shape}"), "", "unknown indicator column"),
    (ALL_BUT % ("{key: target}, ", "{key: reason}"), "", "must include ['score']"),
    (ALL_BUT % ("{key: direction}, {key: target}, ", "{key: score}, {key: reason}"), "", "tier and declared"),
    (ALL_BUT % ("{key: target}, ", "{key: score}, {key: reason}"), "", "span 12 columns, the indicator table has 8"),
    ("", "  mode: declared\n", None),
    (ALL_BUT % ("{key: target}, ", "{key: score}, {key: reason}"), "  mode: declared\n", "declared column"),
])
def test_bad_columns_are_t012(tmp_path: Path, columns: str, top: str, words: str | None) -> None:
    path = variant(tmp_path, columns)
    text = path.read_text(encoding="utf-8")
    if top:  # into base's scoring mapping, and funds that fit the eight columns
        text = text.replace("scoring:\n", "scoring:\n" + top, 1)
        if columns:
            text = text.replace("    funds:\n", "    funds:\n" + EIGHT, 1)
    path.write_text(text, encoding="utf-8")
    problems = lint_file(path)
    if words is None:  # declared mode with the default columns is fine
        assert problems == []
        return
    assert [p.code for p in problems] == ["T012"]
    assert words in problems[0].message


def test_a_level2_direction_with_a_direction_column_is_t012(tmp_path: Path) -> None:
    path = variant(tmp_path, "")
    path.write_text(path.read_text(encoding="utf-8").replace("{name: 数量}", "{name: 数量, direction: ≥}"),
                    encoding="utf-8")
    [problem] = lint_file(path)
    assert problem.code == "T012" and "needs a table without the 方向 column" in problem.message
