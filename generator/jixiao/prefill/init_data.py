"""The empty input workbook a bureau fills with its departments (``jixiao init-data``).

One sheet per table (单位, 项目 when the template has project sheets, 指标), headers from
:class:`jixiao.prefill.tables.DataSchema` (the same object the reader binds them with), an input
prompt on every header, validation on the typed columns, and one example row whose
单位编码 starts with 示例 (the reader skips it).

>>> write_input_workbook(DataSchema.for_template(load_template("hunan-zhengti")), "单位数据.xlsx")
PosixPath('单位数据.xlsx')
>>> init_data("hunan-zhengti")
PosixPath('hunan-zhengti-单位数据.xlsx')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import xlsxwriter

from ..atomic import atomic_output, refuse_overwrite
from ..paths import TemplateSearchPath
from ..template.load import load_template
from ..write import params_json
from .tables import Column, DataSchema, iter_columns

_FIXED_DATE = dt.datetime(2020, 1, 1)


def _example(col: Column, schema: DataSchema) -> object:
    """The example row's value: 100 for a total, 60/40 for the first parts, so it adds up."""
    if col.example is not None:
        return col.example
    if col.money:
        for sheet, total, parts in schema.sum_groups:
            if col.sheet == sheet and col.key == total:
                return 100.0
            if col.sheet == sheet and col.key in parts:
                return {0: 60.0, 1: 40.0}.get(parts.index(col.key), 0.0)
        return 10.0
    return ""


def init_data(template: str | Path, out: str | Path | None = None, *, force: bool = False,
              search: TemplateSearchPath | None = None, params: Mapping[str, Any] | None = None) -> Path:
    """Write the empty department data workbook of a template (file or id, found along
    ``search``) to ``out`` (default ``<id>-单位数据.xlsx``); return its path. ``params``
    override the template's (``{"year": 2024}``), as for ``build``.

    Raises :class:`jixiao.template.load.TemplateError` or :class:`FileNotFoundError` for the
    template, :class:`jixiao.template.load.ParamError` for a parameter, and
    :class:`jixiao.atomic.OutputExists` when ``out`` exists and not ``force``.
    """
    lt = load_template(template, search=search).with_params(params)
    path = Path(out) if out is not None else Path(f"{lt.template.id}-单位数据.xlsx")
    refuse_overwrite(path, force=force)
    return write_input_workbook(DataSchema.for_template(lt), path)


def write_input_workbook(schema: DataSchema, path: str | Path) -> Path:
    """Write the empty input workbook for ``schema``'s template atomically; return its path."""
    path = Path(path)
    t = schema.template.template
    level1 = sorted({a for levels in schema.levels.values() for a, _ in levels.values()})
    level2 = sorted({b for levels in schema.levels.values() for _, b in levels.values()})
    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        year = f"（{t.params['year']}年度）" if "year" in t.params else ""
        wb.set_properties({"title": f"{schema.template.render_text(t.name)} 单位数据{year}", "created": _FIXED_DATE,
                           "author": "jixiao",
                           "comments": f"jixiao init-data {t.id} v{t.version} {params_json(t.params)}"})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                              "valign": "vcenter", "align": "center", "font_name": "宋体"})
        example = wb.add_format({"italic": True, "font_color": "#808080", "font_name": "宋体"})
        example_money = wb.add_format({"italic": True, "font_color": "#808080", "num_format": "0.00",
                                       "font_name": "宋体"})
        text = wb.add_format({"num_format": "@", "font_name": "宋体"})
        money = wb.add_format({"num_format": "0.00", "font_name": "宋体"})
        for table, columns in iter_columns(schema):
            ws = wb.add_worksheet(table)
            ws.freeze_panes(1, 2)
            ws.set_row(0, 42)
            for i, col in enumerate(columns):
                width = min(max(10, len(col.header) * 1.6), 22)  # headers wrap in their 42pt row
                ws.set_column(i, i, width, money if col.money else text)
                ws.write_string(0, i, col.header, head)
                note = col.note or ("必填" if col.required else "")
                if note:
                    ws.data_validation(0, i, 0, i, {"validate": "any", "input_title": col.header[:32],
                                                    "input_message": note[:255]})
                value = _example(col, schema)
                if isinstance(value, int | float):
                    ws.write_number(1, i, value, example_money if col.money else example)
                else:
                    ws.write_string(1, i, str(value), example)
                rule = _validation(col, level1, level2)
                if rule:
                    ws.data_validation(1, i, 10000, i, rule)
            ws.autofilter(0, 0, 0, len(columns) - 1)
        notes = wb.add_worksheet("说明")
        notes.set_column(0, 0, 100)
        for r, line in enumerate(_NOTES):
            notes.write_string(r, 0, line)
        wb.close()
    return path


def _validation(col: Column, level1: list[str], level2: list[str]) -> dict[str, object] | None:
    if col.money:
        return {"validate": "decimal", "criteria": ">=", "value": 0, "error_title": "金额无效",
                "error_message": "金额必须是不小于 0 的数字，单位写在表头（万元或元），不要写在单元格里。"}
    if col.kind == "weight":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_title": "分值无效", "error_message": "分值必须是 0 到 100 之间的数字。"}
    if col.kind == "level1" and level1 and len(",".join(level1)) < 250:
        return {"validate": "list", "source": level1, "error_type": "warning"}
    if col.kind == "level2" and level2 and len(",".join(level2)) < 250:
        return {"validate": "list", "source": level2, "error_type": "warning"}
    if col.max_length:
        return {"validate": "length", "criteria": "<=", "value": col.max_length,
                "error_title": "文字过长", "error_message": f"最多 {col.max_length} 个字。"}
    return None


_NOTES = [
    "填写说明",
    "1. 每个单位在“单位”表填一行；单位编码唯一，生成的表格文件以“编码_名称.xlsx”命名。",
    "2. 第 2 行是示例（单位编码以“示例”开头），读取时跳过，可删除。",
    "3. 金额列的表头以（万元）结尾时按万元填写；把表头改为（元）即可直接粘贴财务系统导出的元，"
    "系统换算为万元并保留两位小数，合计与分项按舍位平衡处理并逐项报告调整。",
    "4. “指标”表每行一个三级指标；部门整体指标“项目名称”留空，项目指标填写项目名称。",
    "5. 年度指标值按申报时的写法填写（≥300份、不低于95%、≤50万元），无法识别为单一数值的按定性指标处理并提示。",
    "6. 生成命令：jixiao build 模板 --data 本文件.xlsx --out 输出目录",
]
