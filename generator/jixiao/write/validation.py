"""Excel data validation for input cells, with Chinese prompts and error messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..layout import Cell, Layout


def validation(cell: Cell, layout: Layout) -> dict[str, Any] | None:
    """Excel data validation for an input, with a Chinese prompt and error message."""
    v = cell.validation or {}
    kind = v.get("kind")
    label = cell.label or "此单元格"
    if cell.value_type == "money":
        return {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": label[:32],
                "input_message": "填写金额（万元），保留两位小数，不要输入单位。", "error_title": "金额无效",
                "error_message": "金额必须是不小于 0 的数字（单位：万元），不要输入“万元”等文字。"}
    if cell.value_type == "choice" and cell.choices:
        return {"validate": "list", "source": cell.choices, "input_title": label[:32],
                "input_message": "请从下拉列表中选择。", "error_title": "请选择列表中的值",
                "error_message": "只能选择：" + "、".join(cell.choices)}
    if cell.value_type == "weight":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, "input_title": "分值",
                "input_message": "填写该指标的分值（大于 0）。", "error_title": "分值无效",
                "error_message": "分值必须是 0 到 100 之间的数字。"}
    if kind == "score":
        maximum = "=" + layout.cell(v["max"]).abs_address
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": maximum,
                "input_title": label[:32], "input_message": "填写得分：不小于 0，不超过该指标分值；定性指标须在所选档次区间内。",
                "error_title": "得分无效", "error_message": "得分必须是 0 到该指标分值之间的数字。"}
    if kind == "target":
        direction = layout.cell(v["direction"]).address
        return {"validate": "custom", "value": f'=OR({direction}="定性",{direction}="",ISNUMBER({cell.address}))',
                "input_title": label[:32],
                "input_message": "定量指标（≥ ≤ =）只填数字，单位填在“单位”列；定性指标可填文字。百分比请输入如 95%。",
                "error_title": "应为数字", "error_message": "定量指标的数值只能填数字，单位请填在“单位”列。"}
    if kind == "date":
        year = v.get("year")
        if isinstance(year, int):
            return {"validate": "date", "criteria": "between", "minimum": dt.date(year, 1, 1),
                    "maximum": dt.date(year + 1, 12, 31), "input_title": label[:32],
                    "input_message": "填写日期，如 2024-02-08。", "error_title": "日期无效",
                    "error_message": f"请填写 {year} 年 1 月 1 日至 {year + 1} 年 12 月 31 日之间的日期。"}
        return {"validate": "date", "criteria": ">", "value": dt.date(2000, 1, 1), "input_message": "填写日期"}
    if cell.max_length:
        return {"validate": "length", "criteria": "<=", "value": cell.max_length, "input_title": label[:32],
                "input_message": f"文字，不超过 {cell.max_length} 字。", "error_title": "文字过长",
                "error_message": f"不能超过 {cell.max_length} 个字。"}
    return None
