"""Test helpers: filled returns built from the seeds' published figures, and ways to
tamper with a workbook's XML the way a person (or another program) might."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

from jixiao.layout import build_layout
from jixiao.template.load import load_template
from jixiao.write import write_workbook

# Seed 000 (黔南州直属机关工委, 2023): funds and the 19 indicator rows as published.
#: Two departments of the template below as a bureau's 单位 table (the `sent` fixture, signing tests).
SIGNING_TEMPLATE = "guizhou-zhengti"
TWO_DEPARTMENTS = ("单位编码,单位名称,年度资金总额 全年预算数,基本支出 全年预算数,项目支出 全年预算数\n"
                   "440005,甲局,459.61,369.11,90.5\n440008,乙局,120,100,20\n")

SEED_000_FUNDS = {"total": (443.88, 459.61, 427.14), "basic": (353.88, 369.11, 343.2),
                  "project": (90.5, 90.5, 83.94)}
# (name, direction, target, unit, actual, weight, declared/qualitative score, tier)
SEED_000_ROWS: list[list[tuple[Any, ...]]] = [
    [  # 产出指标: 数量 6, 质量 3, 时效 1, 成本 3
        ("专题讲座及培训", "≥", 4, "次", 7, 5, None, None),
        ("星级党支部建设会议", "≥", 2, "次", 2, 5, None, None),
        ("模范机关创建督导", "≥", 1, "次", 1, 5, None, None),
        ("党建巡回督导和述职", "≥", 1, "次", 1, 5, None, None),
        ("七一系列活动宣传", "≥", 4, "次", 29, 5, None, None),
        ("志愿服务", "≥", 1, "次", 400, 5, None, None),
        ("创建合格率", "=", 1, "%", 1, 4, None, None),
        ("州直机关党组织", "≥", 76, "个", 76, 4, None, None),
        ("活动费效果", "定性", "良好", "", "达到预期目标", 3, 3, "达成预期指标"),
        ("完成时间", "定性", "2023年1月至12月", "", "2023年12月31日", 3, 3, "达成预期指标"),
        ("人员类经费", "≤", 342.68, "万元", 317.04, 2, None, None),
        ("公用经费", "≤", 26.43, "万元", 26.16, 2, None, None),
        ("项目经费", "≤", 90.5, "万元", 83.94, 2, None, None),
    ],
    [  # 效益指标: 社会效益 4
        ("建强党员队伍", "定性", "有所提高", "", "达到预期目标", 8, 8, "达成预期指标"),
        ("党建工作常态化制度化", "定性", "有所提升", "", "达到预期目标", 8, 8, "达成预期指标"),
        ("党建宣传", "定性", "有所提升", "", "达到预期目标", 7, 7, "达成预期指标"),
        ("推进党建工作", "定性", "有所加强", "", "达到预期目标", 7, 7, "达成预期指标"),
    ],
    [("州直机关党组织及党员满意度", "=", 1, "%", 1, 10, None, None)],
]


# A small project form: 产出 5×10, 效益 3×10 (qualitative), 满意度 1×10.
PROJECT_ROWS = [
    [("培训人次", "≥", 100, "人次", 120, 10, None, None), ("检查次数", "≥", 10, "次", 8, 10, None, None),
     ("合格率", "≥", 0.95, "%", 0.97, 10, None, None), ("按时完成率", "=", 1, "%", 1, 10, None, None),
     ("成本控制", "≤", 50, "万元", 48, 10, None, None)],
    [("群众获得感", "定性", "提升", "", "明显提升", 10, 9, "达成预期指标"),
     ("制度建设", "定性", "完善", "", "基本完善", 10, 7, "部分达成预期指标并具有一定效果"),
     ("长效机制", "定性", "建立", "", "已建立", 10, 10, "达成预期指标")],
    [("服务对象满意度", "≥", 0.9, "%", 0.93, 10, None, None)],
]


def indicator_names(layout, sheet: str = "zt") -> list[list[str]]:
    """The row keys (``zt_indN``) of each first-level indicator, from its subtotal's args."""
    groups: list[list[str]] = []
    i = 1
    while f"{sheet}_l1_{i}_score" in layout.by_name:
        scores = layout.cell(f"{sheet}_l1_{i}_score").args["scores"]
        groups.append([n.rsplit("_", 1)[0] for n in scores])
        i += 1
    return groups


def seed_000_values(layout, rows=SEED_000_ROWS, funds=SEED_000_FUNDS) -> dict[str, Any]:
    """Input values for the seed 000 return, placed into the layout's rows in order."""
    values: dict[str, Any] = {"zt_unit": "中共黔南州直属机关工委", "zt_department": "中共黔南州直属机关工委",
                              "zt_fill_date": "2024-02-08", "zt_contact": "赵俊", "zt_phone": "8227322",
                              "zt_goal_expected": "组织州直机关党务干部培训……", "zt_goal_actual": "巩固拓展星级党支部创建成果……",
                              "zt_conclusion": "全年已按照年初计划保质保量完成，自评为“优”。"}
    for key, (initial, budget, actual) in funds.items():
        values[f"zt_fund_{key}_initial"] = initial
        values[f"zt_fund_{key}_budget"] = budget
        values[f"zt_fund_{key}_actual"] = actual
    values.update(indicator_values(layout, rows))
    return {k: v for k, v in values.items() if v not in (None, "")}


def indicator_values(layout, rows, sheet: str = "zt", reason: str | None = None) -> dict[str, Any]:
    """Indicator rows (SEED_000_ROWS shape, one block per 一级指标) placed into a sheet's rows.

    With ``reason``, every row below its target (or scored below its weight) gets it.
    """
    values: dict[str, Any] = {}
    for block, keys in zip(rows, indicator_names(layout, sheet), strict=True):
        assert len(block) <= len(keys), "template has too few placeholder rows"
        for (name, direction, target, unit, actual, weight, score, tier), key in zip(block, keys, strict=False):
            values.update({f"{key}_name": name, f"{key}_direction": direction, f"{key}_target": target,
                           f"{key}_unit": unit, f"{key}_actual": actual, f"{key}_weight": weight})
            if score is not None:
                values[f"{key}_declared"] = score
            if tier:
                values[f"{key}_tier"] = tier
            if reason and ((actual != target and direction != "定性") or (score is not None and score < weight)):
                values[f"{key}_reason"] = reason
    return values


def build_filled(template: str, values_fn, path: Path) -> tuple[Path, Any]:
    """Write a filled workbook (inputs typed, saved values correct, as a spreadsheet saves it)."""
    layout = build_layout(load_template(template))
    values = values_fn(layout)
    write_workbook(layout, path, values=values)
    return path, layout


# ------------------------------------------------------------------ tampering


def rewrite_part(src: Path, dst: Path, part: str, edit) -> Path:
    """Copy the package, applying ``edit(text) -> text`` to one XML part."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                new = edit(data.decode("utf-8"))
                assert new != data.decode("utf-8"), f"edit changed nothing in {part}"
                data = new.encode("utf-8")
            zout.writestr(item, data)
    return dst


def add_part(src: Path, dst: Path, part: str, data: bytes) -> Path:
    shutil.copy(src, dst)
    with zipfile.ZipFile(dst, "a") as z:
        z.writestr(part, data)
    return dst


def cell_xml(text: str, ref: str) -> re.Match[str]:
    m = re.search(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', text)
    assert m, f"cell {ref} not in sheet XML"
    return m
