"""A province-sized synthetic data set: one Hunan-style workbook per budget unit.

:func:`department_dataset` returns, for each department, ``(filename, prefill, values)``:
``prefill`` is what the bureau puts into the form before sending it (the department's
code and name, its budget figures, 20-40 declared 三级指标 on the 部门整体 sheet, 0-5
projects with 3-8 indicators each), ``values`` what the department types before
returning it (amounts spent, actual values, qualitative tiers, reasons, signatures).
It is the shape ``jixiao.build.build_template(lt, out, prefill=P, values=V,
filename=F)`` takes, so the data set can later come from the .xlsx importer instead.

Everything is drawn from one seeded ``random.Random``: the same ``n`` and ``seed`` give
the same data set. A small share of departments make the mistakes real ones make (a
forgotten reason, funds that do not add up), so verification meets real findings.

>>> rows = department_dataset(3)
>>> [name for name, _, _ in rows]
['430001.xlsx', '430002.xlsx', '430003.xlsx']
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from jixiao.template.load import load_template

TEMPLATE = "hunan-zhengti"

LEVELS: dict[str, tuple[float, list[str]]] = {  # 一级指标 -> (weight, its 二级指标) as the template has them
    "产出指标": (50, ["数量指标", "质量指标", "时效指标", "成本指标"]),
    "效益指标": (30, ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"]),
    "满意度指标": (10, ["服务对象满意度指标"]),
}
_SHARE = {"产出指标": 0.55, "效益指标": 0.33, "满意度指标": 0.12}
_TIERS = [("达成预期指标", 0.8, 1.0), ("部分达成预期指标并具有一定效果", 0.5, 0.8),
          ("未达成预期指标且效果较差", 0.0, 0.5)]
_CITIES = ["长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市", "张家界市", "益阳市",
           "郴州市", "永州市", "怀化市", "娄底市", "湘西州"]
_BODIES = ["教育局", "卫生健康委员会", "农业农村局", "交通运输局", "自然资源局", "生态环境局", "水利局",
           "民政局", "人力资源和社会保障局", "住房和城乡建设局", "文化旅游广电局", "市场监督管理局",
           "应急管理局", "林业局", "科学技术局", "司法局", "退役军人事务局", "医疗保障局", "统计局", "审计局"]
_QUANT = [  # name, unit, typical target
    ("培训人次", "人次", 300), ("检查覆盖企业数", "家", 120), ("新建农村公路里程", "公里", 45),
    ("资助困难学生人数", "人", 850), ("完成项目数", "个", 12), ("接待群众来访", "批次", 260),
    ("发放补贴户数", "户", 3200), ("植树造林面积", "亩", 1800), ("开展宣传活动", "场", 24),
    ("设备购置数量", "台", 40), ("信息系统上线模块", "个", 6), ("公用经费控制数", "万元", 26.43),
]
_RATES = ["验收合格率", "资金拨付及时率", "群众满意度", "问题整改率", "项目完工率", "服务对象满意度"]
_QUAL = [("社会效益", "明显提升"), ("长效管理机制", "逐步健全"), ("生态环境", "持续改善"),
         ("服务质量", "有所提高"), ("部门协作", "更加顺畅")]


def _split(total: float, parts: int, rng: random.Random) -> list[float]:
    """``total`` in ``parts`` positive weights with at most one decimal, summing exactly."""
    tenths = round(total * 10)
    cuts = sorted(rng.sample(range(1, tenths), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, tenths]
    return [(bounds[i + 1] - bounds[i]) / 10 for i in range(parts)]


def _even(total: float, parts: int) -> list[float]:
    """``total`` in ``parts`` weights of whole cents as even as can be, summing exactly: the
    cents left over go one each to the first rows (50 in 3: 16.67, 16.67, 16.66)."""
    q, r = divmod(round(total * 100), parts)
    return [(q + 1) / 100 if k < r else q / 100 for k in range(parts)]


def _counts(n: int, rng: random.Random) -> dict[str, int]:
    """``n`` indicators over the three 一级指标 (each gets at least one)."""
    counts = {l1: 1 for l1 in LEVELS}
    for _ in range(n - len(LEVELS)):
        r, acc = rng.random(), 0.0
        for l1, share in _SHARE.items():
            acc += share
            if r <= acc:
                counts[l1] += 1
                break
        else:
            counts["产出指标"] += 1
    return counts


def _indicators(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` declared indicators whose weights sum per 一级指标 to its weight."""
    out: list[dict[str, Any]] = []
    for l1, k in _counts(n, rng).items():
        weight, level2 = LEVELS[l1]
        for w in _split(weight, k, rng):
            l2 = level2[0] if l1 == "满意度指标" else rng.choice(level2)
            kind = rng.random()
            if l1 == "满意度指标" or kind < 0.15:
                d = {"name": rng.choice(_RATES), "direction": rng.choice(["≥", "="]),
                     "target": rng.choice([0.9, 0.95, 1.0]), "unit": "%"}
            elif kind < 0.30:
                name, text = rng.choice(_QUAL)
                d = {"name": name, "direction": "定性", "target": text, "unit": ""}
            elif kind < 0.38:
                d = {"name": "公用经费控制数", "direction": "≤", "target": round(rng.uniform(10, 90), 2),
                     "unit": "万元"}
            else:
                name, unit, typical = rng.choice(_QUANT)
                d = {"name": name, "direction": "≥", "target": round(typical * rng.uniform(0.5, 1.5)), "unit": unit}
            out.append({"level1": l1, "level2": l2, **d, "weight": w})
    return out


def _typed_row(key: str, ind: dict[str, Any], rng: random.Random, careless: bool) -> dict[str, Any]:
    """What the department types in one declared indicator row (actual, tier, reason)."""
    v: dict[str, Any] = {}
    direction, target, weight = ind["direction"], ind["target"], ind["weight"]
    missed = False
    if direction == "定性":
        tier, low, high = _TIERS[0] if rng.random() < 0.8 else _TIERS[1]
        v[f"{key}_actual"] = "基本完成" if tier != _TIERS[0][0] else "已完成"
        v[f"{key}_tier"] = tier
        v[f"{key}_declared"] = round(weight * (high if high == 1.0 else (low + high) / 2), 2)
        missed = high < 1.0
    elif direction == "≤":
        actual = round(target * rng.uniform(0.85, 1.08), 2)
        v[f"{key}_actual"] = actual
        missed = actual > target
    elif ind.get("unit") == "%":
        actual = target if rng.random() < 0.7 else round(target - rng.choice([0.01, 0.02, 0.05]), 4)
        v[f"{key}_actual"] = actual
        missed = actual < target
    else:
        actual = round(target * rng.uniform(0.8, 1.3))
        v[f"{key}_actual"] = actual
        missed = actual < target
    if missed and not careless:
        v[f"{key}_reason"] = "受年度资金拨付进度影响未全部完成，下一年度加快实施进度。"
    return v


def _row_keys(spec: Any, sid: str, declared: list[dict[str, Any]]) -> list[str]:
    """The layout's key (``zt_ind7``) of each declared indicator, in the given order.

    The layout numbers rows over the sheet, group by group in template order: the
    template's own indicators, then the declared ones, then the blank rows.
    """
    keys: dict[int, str] = {}
    n = 0
    for l1 in spec.indicators.level1:
        for l2 in l1.level2:
            n += len(l2.indicators)
            for i, d in enumerate(declared):
                if d["level1"] == l1.name and d["level2"] == l2.name:
                    n += 1
                    keys[i] = f"{sid}_ind{n}"
            n += l2.rows if (l2.indicators or l2.rows or any(
                d["level1"] == l1.name and d["level2"] == l2.name for d in declared)) else 1
    return [keys[i] for i in range(len(declared))]


def _sheet(spec: Any, sid: str, indicators: list[dict[str, Any]], budget: float, spent: float,
           rng: random.Random, careless: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pre-fill and typed values of one self-evaluation sheet."""
    prefill: dict[str, Any] = {f"{sid}_fund_total_initial": round(budget * 0.92, 2),
                               f"{sid}_fund_total_budget": budget}
    typed: dict[str, Any] = {f"{sid}_fund_total_actual": spent,
                             f"{sid}_goal_expected": "按年度计划完成各项工作任务，资金使用规范高效。",
                             f"{sid}_goal_actual": "全面完成年度目标任务，资金执行情况良好。",
                             f"{sid}_conclusion": "较好完成年度绩效目标。",
                             f"{sid}_filler": "张三", f"{sid}_fill_date": dt.date(2024, 2, 8),
                             f"{sid}_phone": "0737-4221234"}
    for key, ind in zip(_row_keys(spec, sid, indicators), indicators, strict=True):
        typed |= _typed_row(key, ind, rng, careless)
    return prefill, typed


def department_dataset(n: int, seed: int = 2023) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """``n`` departments as ``(filename, prefill, typed values)`` for ``hunan-zhengti``."""
    specs = {s.id: s for s in load_template(TEMPLATE).template.sheets}
    rng = random.Random(seed)
    out: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for i in range(1, n + 1):
        code = f"{430000 + i}"
        name = f"{rng.choice(_CITIES)}{rng.choice(_BODIES)}"
        careless = rng.random() < 0.05  # forgets a reason or two
        projects = rng.randint(0, 5)
        zt = _indicators(rng.randint(20, 40), rng)
        xm = [_indicators(rng.randint(3, 8), rng) for _ in range(projects)]
        budget = round(rng.uniform(300, 5000), 2)
        spent = round(budget * rng.uniform(0.85, 1.0), 2)
        project_budget = round(budget * rng.uniform(0.2, 0.5), 2)
        project_spent = round(project_budget * rng.uniform(0.85, 1.0), 2)
        prefill: dict[str, Any] = {
            "_department": {"code": code, "name": name},
            "_indicators": {"zt": zt, **{f"xm{k + 1}": rows for k, rows in enumerate(xm)}},
            "zt_department": name,
        }
        if projects:
            prefill["_copies"] = {"xm": projects}
        p, typed = _sheet(specs["zt"], "zt", zt, budget, spent, rng, careless)
        prefill |= p
        prefill |= {"zt_fund_general_budget": round(budget - 0.23, 2), "zt_fund_nontax_budget": 0.23,
                    "zt_fund_basic_budget": round(budget - project_budget, 2),
                    "zt_fund_project_budget": project_budget}
        off = 10.0 if rng.random() < 0.03 else 0.0  # funds that do not add up
        typed |= {"zt_fund_general_actual": round(spent - 0.23 + off, 2), "zt_fund_nontax_actual": 0.23,
                  "zt_fund_basic_actual": round(spent - project_spent, 2), "zt_fund_project_actual": project_spent}
        # Project amounts split so the cross-check over every project sheet (xm*) agrees.
        shares = _split(1.0, max(projects, 1), rng) if projects else []
        for k, rows in enumerate(xm):
            sid = f"xm{k + 1}"
            pb = round(project_budget * shares[k], 2)
            ps = round(project_spent * shares[k], 2) if k < projects - 1 else round(
                project_spent - sum(round(project_spent * s, 2) for s in shares[:-1]), 2)
            p, t = _sheet(specs["xm"], sid, rows, pb, ps, rng, careless)
            prefill |= p | {f"{sid}_project": f"{name}专项{k + 1}", f"{sid}_authority": name,
                            f"{sid}_implementer": name, f"{sid}_fund_current_budget": pb,
                            f"{sid}_fund_current_initial": round(pb * 0.92, 2)}
            typed |= t | {f"{sid}_fund_current_actual": ps}
        typed |= {"jc_staff_quota": rng.randint(20, 400), "jc_filler": "李四", "jc_fill_date": dt.date(2024, 2, 8),
                  "jc_phone": "0737-4225678", "jc_measures": "严格执行中央八项规定精神，压减一般性支出。"}
        typed["jc_staff_actual"] = typed["jc_staff_quota"] - rng.randint(0, 5)
        for col in (1, 2, 3):
            typed |= {f"jc_cost_car_running_{col}": round(rng.uniform(2, 20), 2),
                      f"jc_cost_reception_{col}": round(rng.uniform(0.5, 5), 2),
                      f"jc_cost_public_{col}": round(rng.uniform(50, 300), 2)}
        typed |= {"jc_cost_business_2": project_budget, "jc_cost_business_3": project_spent}
        out.append((f"{code}.xlsx", prefill, typed))
    return out


def growth_form(rows: int, seed: int = 7) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """One department whose 部门整体 sheet declares ``rows`` indicators (spread over every
    二级指标 in turn, weights split evenly within each 一级指标 in whole cents), no projects."""
    specs = {s.id: s for s in load_template(TEMPLATE).template.sheets}
    rng = random.Random(seed)
    groups = [(l1, l2) for l1, (_, level2) in LEVELS.items() for l2 in level2]
    chosen = [groups[k % len(groups)] for k in range(rows)]
    weights = {l1: iter(_even(LEVELS[l1][0], k)) for l1, k in Counter(l1 for l1, _ in chosen).items()}
    indicators = []
    for l1, l2 in chosen:
        name, unit, typical = rng.choice(_QUANT)
        indicators.append({"level1": l1, "level2": l2, "name": name, "direction": "≥",
                           "target": typical, "unit": unit, "weight": next(weights[l1])})
    budget = 1000.0
    prefill: dict[str, Any] = {"_department": {"code": "439999", "name": "规模测试局"},
                               "_indicators": {"zt": indicators}, "zt_department": "规模测试局"}
    p, typed = _sheet(specs["zt"], "zt", indicators, budget, 950.0, rng, False)
    prefill |= p
    return f"rows-{rows}.xlsx", prefill, typed
