"""``extends``: a child's lists merge with its parent's item by item, by their key.

Sheets merge by ``id``; funds rows, fields, cost rows and checklist items by ``key``;
levels and sections by ``name``. ``remove: true`` drops the parent's item, ``replace:
true`` puts the child's in its place; the parent's order is kept and new items follow.
A removal or replacement of an item the parent does not have is T014 at the child's key.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jixiao.layout import build_layout
from jixiao.template.lint import lint_file
from jixiao.template.load import TemplateError, deep_merge, load_template

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests" / "lint_corpus" / "base.yaml"


def child(tmp_path: Path, body: str, name: str = "child") -> Path:
    """A child of the lint corpus's base.yaml in ``tmp_path``."""
    shutil.copy(BASE, tmp_path / "base.yaml")
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"id: {name}\nversion: 1\nname: 子模板\nextends: base\n{body}", encoding="utf-8")
    return path


def test_merge_by_key_keeps_the_parents_order_and_places_new_items_by_their_neighbours() -> None:
    parent = {"rows": [{"key": "a", "n": 1}, {"key": "b", "n": 2}, {"key": "c", "n": 3}]}
    merged = deep_merge(parent, {"rows": [{"key": "d", "n": 4}, {"key": "b", "n": 20}]})
    assert merged == {"rows": [{"key": "a", "n": 1}, {"key": "d", "n": 4}, {"key": "b", "n": 20},
                               {"key": "c", "n": 3}]}
    after = deep_merge(parent["rows"], [{"key": "c"}, {"key": "a"}, {"key": "e"}, {"key": "f"}])
    assert [x["key"] for x in after] == ["a", "e", "f", "b", "c"]
    alone = deep_merge(parent["rows"], [{"key": "z"}])
    assert [x["key"] for x in alone] == ["a", "b", "c", "z"]


def test_remove_and_replace() -> None:
    parent = [{"id": "x", "a": 1, "b": 2}, {"id": "y", "a": 1}, {"id": "z"}]
    merged = deep_merge(parent, [{"id": "y", "remove": True}, {"id": "x", "replace": True, "c": 3}])
    assert merged == [{"id": "x", "c": 3}, {"id": "z"}]


def test_lists_without_a_key_are_replaced_whole() -> None:
    assert deep_merge({"notes": ["a", "b"]}, {"notes": ["c"]}) == {"notes": ["c"]}
    tiers = [{"label": "达成", "low": 0.8, "high": 1}]
    assert deep_merge({"tiers": tiers}, {"tiers": [{"label": "x", "low": 0, "high": 1}]})["tiers"][0]["label"] == "x"


def test_nested_levels_merge_by_name(tmp_path: Path) -> None:
    path = child(tmp_path, """sheets:
  - id: zt
    indicators:
      level1:
        - name: 产出指标
          level2:
            - {name: 质量, rows: 7}
            - {name: 成本, rows: 1}
""")
    sheet = load_template(path).template.sheets[0]
    output = sheet.indicators.level1[0]
    assert [(l2.name, l2.rows) for l2 in output.level2] == [("数量", 3), ("质量", 7), ("成本", 1)]
    assert output.weight == 50 and [l1.name for l1 in sheet.indicators.level1] == ["产出指标", "效益指标", "满意度指标"]
    assert sheet.kind == "self_evaluation" and sheet.funds.rows[0].key == "total"


def test_a_new_sheet_and_a_removed_level(tmp_path: Path) -> None:
    path = child(tmp_path, """sheets:
  - id: zt
    indicators:
      level1:
        - {name: 满意度指标, remove: true}
        - {name: 效益指标, weight: 40}
  - kind: basic_data
    id: jc
    name: 基础数据表
    title: 基础数据表
    cost_columns: [上年, 本年预算, 本年决算]
    cost_rows: [{key: office, label: 办公费}]
""")
    t = load_template(path).template
    assert [s.id for s in t.sheets] == ["zt", "jc"]
    assert [(l1.name, l1.weight) for l1 in t.sheets[0].indicators.level1] == [("产出指标", 50), ("效益指标", 40)]
    assert lint_file(path) == []


@pytest.mark.parametrize("marker", ["remove", "replace"])
def test_removing_or_replacing_what_the_parent_lacks_is_t008(tmp_path: Path, marker: str) -> None:
    path = child(tmp_path, f"""sheets:
  - id: zt
    funds:
      rows:
        - {{key: totl, {marker}: true}}
""")
    with pytest.raises(TemplateError) as err:
        load_template(path)
    [problem] = err.value.problems
    assert (problem.code, problem.line, problem.col) == ("T014", 9, 17)
    assert "totl" in problem.message and Path(problem.path).name == "child.yaml"
    assert [(p.code, p.line) for p in lint_file(path)] == [("T014", 9)]


def test_a_problem_in_a_merged_item_points_into_the_file_it_came_from(tmp_path: Path) -> None:
    """The merged list's indexes are not the child's: a bad weight in the child's second
    item (the merged list's third) is reported at the child's line."""
    path = child(tmp_path, """sheets:
  - id: zt
    indicators:
      level1:
        - name: 满意度指标
          weight: 10
        - name: 效益指标
          weight: -3
""")
    problems = [p for p in lint_file(path) if p.code == "T012"]
    assert [(Path(p.path).name, p.line, p.col) for p in problems] == [("child.yaml", 12, 19)]


def test_loudi_is_a_short_child_with_five_project_sheets() -> None:
    path = ROOT / "templates" / "loudi-zhengti-2021.yaml"
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 40
    lt = load_template(path)
    assert lt.template.extends == "hunan-zhengti"
    names = [s.name for s in build_layout(lt).sheets]
    assert names[:2] == ["部门整体支出绩效评价基础数据表", "部门整体支出绩效自评表"]
    assert names[2:] == [f"项目支出绩效自评表{n}" for n in range(1, 6)]
