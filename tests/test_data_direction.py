"""The optional 方向 column of the 指标 table: a bare target takes it, 定性 keeps the text,
a contradiction or an unknown 方向 is D205; without the column nothing changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from jixiao.layout import INDICATORS_KEY
from jixiao.prefill.tables import DataSchema, read_dataset
from jixiao.template.load import load_template

ROOT = Path(__file__).resolve().parents[1]
GUIZHOU = ROOT / "templates" / "guizhou-zhengti.yaml"


def read(tmp_path: Path, rows: list[list[Any]], *, direction: bool = True) -> Any:
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称"])
    ws.append(["520001", "某局"])
    ind = wb.create_sheet("指标")
    ind.append(["单位编码", "一级指标", "二级指标", "三级指标", "年度指标值", "分值", *(["方向"] if direction else [])])
    for r in rows:
        ind.append(["520001", "产出指标", "数量", *r])
    wb.save(tmp_path / "in.xlsx")
    return read_dataset(DataSchema.for_template(load_template(GUIZHOU)), tmp_path / "in.xlsx")


def declared(ds: Any) -> list[tuple[str, Any, str]]:
    return [(d["direction"], d["target"], d["unit"]) for d in ds.departments[0].prefill[INDICATORS_KEY]["zt"]]


def test_a_bare_target_takes_the_direction(tmp_path: Path) -> None:
    ds = read(tmp_path, [["人均成本", "3000 元/个", 5, "≤"], ["培训", "300人次", 5, ""], ["会议", 4, 5, "<="],
                         ["效果", "良好", 5, "定性"], ["合格率", "100%", 5, "="]])
    assert ds.problems == []
    assert declared(ds) == [("≤", 3000.0, "元/个"), ("≥", 300.0, "人次"), ("≤", 4.0, ""), ("定性", "良好", ""),
                            ("=", 1.0, "%")]


def test_without_the_column_a_bare_target_stays_as_parse_target_says(tmp_path: Path) -> None:
    ds = read(tmp_path, [["人均成本", "3000 元/个", 5]], direction=False)
    assert declared(ds) == [("≥", 3000.0, "元/个")]


def test_an_unknown_or_contradicting_direction_is_d205(tmp_path: Path) -> None:
    ds = read(tmp_path, [["培训", "≥300人次", 5, "≤"], ["会议", "4次", 5, "大于"]])
    assert [(p.code, p.row) for p in ds.errors if p.code != "D401"] == [("D205", 2), ("D205", 3)]
    assert ds.buildable == []
