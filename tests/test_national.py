"""The national 项目支出绩效自评表 (财预〔2020〕10号 annex) and 部门整体支出绩效自评表: the
printed columns and nothing else, fixed directions per 二级指标, a return verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from forms import build_filled, indicator_names
from jixiao.build import build_template
from jixiao.layout import build_layout
from jixiao.read import read_package
from jixiao.template.lint import lint_file
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file

ROOT = Path(__file__).resolve().parents[1]
PRINTED = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
FUNDS = ["项目资金（万元）", "资金来源", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]


def _row_of(cells: dict[str, Any], first: str) -> int:
    return next(int(ref[1:]) for ref, c in cells.items() if ref[0] == "A" and ref[1:].isdigit() and c.value == first)


def _texts(cells: dict[str, Any], row: int, n: int) -> list[Any]:
    return [getattr(cells.get(f"{chr(65 + i)}{row}"), "value", None) for i in range(n)]


@pytest.mark.parametrize("template", ["national-xiangmu", "national-zhengti"])
def test_national_forms_lint_clean(template: str) -> None:
    assert lint_file(ROOT / "templates" / f"{template}.yaml") == []


def test_xiangmu_built_with_exactly_the_printed_columns(tmp_path: Path) -> None:
    lt = load_template("national-xiangmu")
    path = build_template(lt, tmp_path, force=True)
    layout = build_layout(lt)
    [sheet] = layout.sheets
    cells = read_package(path).sheet(sheet.name).cells
    head = _row_of(cells, "一级指标")
    assert _texts(cells, head, 9) == [*PRINTED, "本行校验"]  # 本行校验 is beside the printed form
    assert sheet.print_cols == (0, len(PRINTED) - 1)
    funds = _row_of(cells, "项目资金（万元）")
    assert _texts(cells, funds, 8) == FUNDS
    assert [_texts(cells, funds + i, 2)[1] for i in range(1, 5)] == [
        "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
    # No cell of a left-out column exists: no 方向, 单位, 定性档次 input, none in the record.
    inputs = {c.name for c in layout.inputs()}
    assert not any(n.endswith(("_direction", "_unit", "_tier")) for n in inputs)
    labels = [c.value for c in layout.sheets[0].cells if c.row in (head - 1, head) and c.value]
    assert {"方向", "单位", "定性档次"}.isdisjoint(labels)


#: (name, target, actual, weight, score typed for a 定性 row) per 一级指标, as a project
#: return of the national form is filled: 定性 rows read the tier in 实际完成值.
ROWS = [
    [("培训人次", 500, 520, 10, None), ("覆盖乡镇", 12, 12, 10, None), (None,) * 5,
     ("培训合格率", 0.95, 0.97, 10, None), (None,) * 5,
     ("完成时间", "2023年12月底前", "达成预期指标", 10, 9),  (None,) * 5,
     ("人均培训成本", 2000, 2100, 10, None)],
    [(None,) * 5, (None,) * 5, ("群众知晓率", "有所提高", "部分达成预期指标并具有一定效果", 30, 20)],
    [("服务对象满意度", 0.9, 0.92, 10, None)],
]


def national_values(layout: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"xm_project": "乡镇干部培训", "xm_authority": "某县财政局", "xm_implementer": "某县党校",
                              "xm_fund_total_initial": 100, "xm_fund_total_budget": 100, "xm_fund_total_actual": 96,
                              "xm_fund_current_initial": 100, "xm_fund_current_budget": 100,
                              "xm_fund_current_actual": 96, "xm_fund_carryover_initial": 0,
                              "xm_fund_carryover_budget": 0, "xm_fund_carryover_actual": 0,
                              "xm_fund_other_initial": 0, "xm_fund_other_budget": 0, "xm_fund_other_actual": 0,
                              "xm_goal_expected": "培训乡镇干部 500 人次", "xm_goal_actual": "培训 520 人次",
                              "xm_conclusion": "良"}
    for block, keys in zip(ROWS, indicator_names(layout, "xm"), strict=True):
        for (name, target, actual, weight, score), key in zip(block, keys, strict=False):
            if name is None:
                continue
            values.update({f"{key}_name": name, f"{key}_target": target, f"{key}_actual": actual,
                           f"{key}_weight": weight})
            if score is not None:
                values[f"{key}_declared"] = score
    cost = next(k for k, v in values.items() if v == "人均培训成本")[: -len("_name")]
    values[f"{cost}_reason"] = "教材价格上涨，下年集中采购"
    qual = next(k for k, v in values.items() if v == "群众知晓率")[: -len("_name")]
    values[f"{qual}_reason"] = "宣传覆盖不足，下年增加村级宣讲"
    timely = next(k for k, v in values.items() if v == "完成时间")[: -len("_name")]
    values[f"{timely}_reason"] = "个别班次推迟"
    return values


def test_a_national_project_return_verifies(tmp_path: Path) -> None:
    path, layout = build_filled("national-xiangmu", national_values, tmp_path / "xm.xlsx")
    v = verify_file(path)
    assert [f for f in v.findings if f.severity in ("error", "warning")] == []
    c = v.computed
    # 执行率 96%: 9.6; ≥ rows full (520 ≥ 500, 12, 97% ≥ 95%); 时效 定性 9 of 10; 成本 ≤ 2000,
    # 2100: 2000/2100 × 10 = 9.52; 效益 定性 20 of 30 (部分达成: 50-80%); 满意度 full.
    assert c["xm_exec_score"] == 9.6
    assert c["xm_l1_1_score"] == pytest.approx(10 + 10 + 10 + 9 + 9.52)
    assert c["xm_l1_2_score"] == 20
    assert c["xm_total_score"] == pytest.approx(9.6 + 48.52 + 20 + 10)
    assert c["xm_grade"] == "良"


def test_a_qualitative_score_outside_its_tier_is_found(tmp_path: Path) -> None:
    def values(layout: Any) -> dict[str, Any]:
        vals = national_values(layout)
        key = next(k for k, v in vals.items() if v == "群众知晓率")[: -len("_name")]
        vals[f"{key}_declared"] = 29  # 部分达成 allows 15 to 24 of 30
        return vals

    path, _ = build_filled("national-xiangmu", values, tmp_path / "xm.xlsx")
    errors = [f.code for f in verify_file(path).findings if f.severity == "error"]
    assert errors == ["ROW_QUAL_OUT_OF_BAND"]
