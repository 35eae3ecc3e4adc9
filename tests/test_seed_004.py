"""Seed 004 (益阳市委组织部, 2023) reproduced on the Hunan workbook: 部门整体 95 and
附件3-2 97.66, from the published figures, by the same rules the form's formulas use."""

from __future__ import annotations

from forms import indicator_names
from jixiao.layout import build_layout, evaluate
from jixiao.rules.numbers import excel_round
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file
from jixiao.write import write_workbook

Q = "达成预期指标"
# Per first-level block, one entry per placeholder row of the template (None: left empty).
# (name, direction, target, unit, actual, weight, qualitative score, tier, reason)
ZT_ROWS = [
    [  # 产出: 数量 5, 质量 3, 时效 2, 成本 3 rows
        ("干部档案电子化", "≥", 500, "册", 800, 5, None, None, None),
        ("干部教育培训", "≥", 400, "人次", 2700, 5, None, None, None),
        ("领导干部个人事项报告率", "=", 1, "%", 1, 5, None, None, None),
        ("党员教育培训班次", "≥", 1, "次", 6, 5, None, None, None),
        ("“新思想、我来讲”微党课宣讲次数", "≥", 10, "次", 10, 5, None, None, None),
        ("参训干部培训合格率", "=", 1, "%", 0.9974, 5, None, None, "7 名参训干部培训期间违纪被处分，以后从严管理"),
        ("安全生产和消防工作考核", "定性", "考核合格", "", "优秀单位", 5, 5, Q, None),
        ("综治工作(平安建设)考核", "定性", "考核合格", "", "平安单位", 5, 5, Q, None),
        ("各项工作经费及时足额拨付率", "=", 1, "%", 1, 5, None, None, None),
        None,
        ("人员经费支出", "≥", 881, "万元", 1098.32, 3, None, None, None),
        ("三公经费控制率", "≤", 1, "%", 1, 2, None, None, None),
        None,
    ],
    [  # 效益: 经济 2, 社会 3, 生态 2, 可持续 2 rows
        None, None,
        ("提升干部素质与能力", "定性", "中长期保障", "", "有效保障", 7, 7, Q, None),
        ("保障“两新”组织党组织规范化建设", "定性", "有效保障", "", "有效保障", 6, 6, Q, None),
        ("提升益阳市党建工作质量和水平", "定性", "不断提升", "", "不断提升", 7, 7, Q, None),
        None, None,
        ("为全市经济社会发展提供坚强的组织保证", "定性", "中长期保障", "", "有效保障", 10, 10, Q, None),
        None,
    ],
    [("基层群众对组织工作的满意度", "≥", 0.9, "%", 0.9681, 10, None, None, None), None],
]
XM2_ROWS = [
    [  # 产出: 数量 3, 质量 2, 时效 2, 成本 2 rows
        ("培训班次数", "≥", 4, "次", 5, 10, None, None, None),
        ("两新组织党组织 335 个支部活动经费", "定性", "3000 元/个", "", "126 个党支部拨付党建经费 55.88 万元",
         10, 9, Q, "同时通过全额返还两新组织党组织党员党费作为支部党建活动经费"),
        None,
        ("培训班参训率", "≥", 0.95, "%", 1, 10, None, None, None), None,
        ("专项资金下拨时间", "定性", "2023 年年底", "", "2023 年 12 月", 10, 10, Q, None), None,
        ("党组织活动经费", "≤", 100, "万元", 55.88, 10, None, None, None), None,
    ],
    [  # 效益: 经济 2, 社会 2, 生态 2, 可持续 2 rows
        None, None,
        ("两新组织党组织助力社会经济发展", "定性", "持续稳步提升", "", "稳步提升", 15, 15, Q, None), None,
        None, None,
        ("两新党组织党建工作水平", "定性", "不断提升", "", "不断增强", 15, 15, Q, None), None,
    ],
    [("两新党组织服务对象满意度", "≥", 0.95, "%", 1, 10, None, None, None), None],
]


def fill(layout, sheet: str, blocks) -> dict:
    values = {}
    for keys, rows in zip(indicator_names(layout, sheet), blocks, strict=True):
        assert len(keys) == len(rows), f"{sheet}: the template has {len(keys)} rows here"
        for key, row in zip(keys, rows, strict=True):
            if row is None:
                continue
            name, direction, target, unit, actual, weight, score, tier, reason = row
            values.update({f"{key}_name": name, f"{key}_direction": direction, f"{key}_target": target,
                           f"{key}_unit": unit, f"{key}_actual": actual, f"{key}_weight": weight})
            for suffix, v in (("declared", score), ("tier", tier), ("reason", reason)):
                if v is not None:
                    values[f"{key}_{suffix}"] = v
    return values


def seed_004_values(layout) -> dict:
    values = {"zt_fund_total_initial": 1301.13, "zt_fund_total_budget": 2187.04, "zt_fund_total_actual": 2187.04,
              "zt_fund_general_budget": 2186.81, "zt_fund_general_actual": 2186.81,
              "zt_fund_other_budget": 0.23, "zt_fund_other_actual": 0.23,
              "zt_fund_basic_budget": 1348.22, "zt_fund_basic_actual": 1348.22,
              "zt_fund_project_budget": 838.82, "zt_fund_project_actual": 838.82,
              "xm2_fund_total_initial": 100, "xm2_fund_total_budget": 101.17, "xm2_fund_total_actual": 87.62,
              "xm2_fund_current_initial": 100, "xm2_fund_current_budget": 101.17, "xm2_fund_current_actual": 87.62}
    values.update(fill(layout, "zt", ZT_ROWS))
    values.update(fill(layout, "xm2", XM2_ROWS))
    return values


def test_seed_004_published_totals(tmp_path):
    layout = build_layout(load_template("hunan-zhengti"))
    computed = evaluate(layout, seed_004_values(layout))
    assert computed["zt_exec_score"] == 10
    assert excel_round(computed["zt_total_score"], 2) == 95  # 自评得分为 95 分
    assert computed["xm2_fund_total_rate"] == 0.8661  # 86.61%
    assert computed["xm2_exec_score"] == 8.66
    assert excel_round(computed["xm2_total_score"], 2) == 97.66  # 附件3-2 总分 97.66 分


def test_seed_004_return_verifies(tmp_path):
    layout = build_layout(load_template("hunan-zhengti"))
    path = write_workbook(layout, tmp_path / "yiyang.xlsx", values=seed_004_values(layout))
    v = verify_file(path)
    by_code = {f.code for f in v.findings if f.severity == "error"}
    # The 99.74% row has its reason, so no row lacks one; the structure is intact.
    assert not by_code & {"ROW_REASON_MISSING", "V103", "V104", "V105", "V107"}
    assert excel_round(v.computed["zt_total_score"], 2) == 95
