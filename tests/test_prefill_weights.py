"""Pre-fill that can never pass is refused at build (D402); no indicators is a warning (D403)."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.prefill.batch import build_from_data
from jixiao.prefill.tables import DataSchema, read_dataset
from jixiao.prefill.tables.weights import locked_weight_gaps
from jixiao.template.load import load_template

ROOT = Path(__file__).resolve().parents[1]
GUIZHOU = ROOT / "templates" / "guizhou-zhengti.yaml"
IND_HEADERS = ["单位编码", "一级指标", "二级指标", "三级指标", "年度指标值", "分值"]
GOOD = [("产出指标", "数量", "培训人次", "≥300人次", 20), ("产出指标", "质量", "合格率", "不低于95%", 20),
        ("产出指标", "成本", "人均成本", "≤2000元", 10), ("效益指标", "社会效益", "群众知晓度", "明显提升", 30),
        ("满意度指标", "服务对象满意度", "满意度", "≥90%", 10)]


def workbook(path: Path, departments: list[tuple[str, str]], indicators: list[tuple]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称"])
    for row in departments:
        ws.append(list(row))
    ind = wb.create_sheet("指标")
    ind.append(IND_HEADERS)
    for row in indicators:
        ind.append(list(row))
    wb.save(path)
    return path


def three_departments(tmp_path: Path) -> Path:
    """101 adds up; 102 has 产出指标 20 + 20 + 10 + 5 = 55 (rows 7-10); 103 has no indicators."""
    over = [*GOOD[:3], ("产出指标", "时效", "及时率", "100%", 5), *GOOD[3:]]
    return workbook(tmp_path / "d.xlsx", [("101", "甲局"), ("102", "乙局"), ("103", "丙局")],
                    [("101", *r) for r in GOOD] + [("102", *r) for r in over])


def test_weights_over_a_level1_are_refused_with_the_rows_and_sums(tmp_path) -> None:
    ds = read_dataset(DataSchema.for_template(load_template(GUIZHOU)), three_departments(tmp_path))
    (d402,) = [p for p in ds.problems if p.code == "D402"]
    assert (d402.severity, d402.department, d402.table) == ("error", "102", "指标")
    assert d402.message_zh.startswith("102 乙局：")
    assert "三级指标分值合计 55 ≠ 产出指标 50" in d402.message_zh
    for row, name, weight in ((7, "培训人次", 20), (8, "合格率", 20), (9, "人均成本", 10), (10, "及时率", 5)):
        assert f"指标表第 {row} 行「{name}」{weight}" in d402.message_zh
    (d401,) = [p for p in ds.problems if p.code == "D401"]
    assert d401.department == "102" and "指标表第 10 行" in d401.message_zh
    assert [d.code for d in ds.buildable] == ["101", "103"]


def test_a_department_without_indicators_is_built_with_a_warning(tmp_path) -> None:
    run = build_from_data(GUIZHOU, three_departments(tmp_path), tmp_path / "out", jobs=1)
    assert sorted(b.path.name for b in run.result.built) == ["101_甲局.xlsx", "103_丙局.xlsx"]
    assert run.not_built == 1 and not run.ok
    (d403,) = [p for p in run.problems if p.code == "D403"]
    assert (d403.severity, d403.department) == ("warning", "103")
    assert not any(p.department == "101" and p.code != "D203" for p in run.problems)  # 明显提升 is 定性


def test_a_shortfall_with_blank_rows_left_builds(tmp_path) -> None:
    """产出指标 45 of 50: the department can add an indicator in a blank row, so the form can pass."""
    short = [r for r in GOOD if r[2] != "人均成本"] + [("产出指标", "成本", "人均成本", "≤2000元", 5)]
    path = workbook(tmp_path / "s.xlsx", [("101", "甲局")], [("101", *r) for r in short])
    ds = read_dataset(DataSchema.for_template(load_template(GUIZHOU)), path)
    assert [p.code for p in ds.problems] == ["D203"] and [d.code for d in ds.buildable] == ["101"]


def test_a_shortfall_without_a_blank_row_can_never_pass(tmp_path) -> None:
    text = GUIZHOU.read_text(encoding="utf-8").replace("id: guizhou-zhengti\n", "id: no-blank-satisfaction\n", 1)
    text = text.replace("{name: 服务对象满意度, rows: 2}", "{name: 服务对象满意度, rows: 0}")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    t = load_template(tmp_path / "t.yaml").template
    row = {"level1": "满意度指标", "level2": "服务对象满意度", "name": "满意度", "direction": "≥", "target": 0.9,
           "unit": "%", "weight": 8.0}
    (gap,) = locked_weight_gaps(t, {"_indicators": {"zt": [row]}})
    assert (gap.level1, str(gap.total), str(gap.expected), gap.over) == ("满意度指标", "8.0", "10.0", False)
    # No pre-filled row there at all: the layout gives the 二级指标 one blank row, which can pass.
    assert locked_weight_gaps(t, {}) == []


def test_a_record_whose_prefill_can_never_pass_is_refused(tmp_path) -> None:
    rows = [{"level1": l1, "level2": l2, "name": name, "direction": "≥", "target": 1.0, "unit": "", "weight": w}
            for l1, l2, name, _, w in GOOD]
    rows[0]["weight"] = 40  # 产出指标 40 + 20 + 10 = 70
    record = {"template_id": "guizhou-zhengti", "template_version": 1, "values": {},
              "prefill": {"_department": {"code": "101", "name": "甲局"}, "_indicators": {"zt": rows}}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(app, ["build", str(GUIZHOU), "--data", str(path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1
    assert "D402" in r.output and "三级指标分值合计 70 ≠ 产出指标 50" in r.output and "「培训人次」40" in r.output
    assert not list((tmp_path / "out").glob("*.xlsx"))
