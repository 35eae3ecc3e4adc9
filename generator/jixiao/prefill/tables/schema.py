"""The input tables' columns for a template, derived from its layout (no code per variant)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...layout import Cell, build_layout, sheet_copy_id
from ...template import model
from ...template.load import LoadedTemplate
from .core import (
    EXAMPLE_PREFIX,
    NAME_KEYS,
    PROJECT_KEY,
    WAN,
    Column,
    Table,
    level_key,
    norm,
    split_unit,
)


@dataclass
class DataSchema:
    """The input tables' columns for one template, derived from its layout.

    >>> from jixiao.template.load import load_template
    >>> schema = DataSchema.for_template(load_template("guizhou-zhengti"))
    >>> [c.header for c in schema.departments][:3]
    ['单位编码', '单位名称', '年度资金总额 年初预算数（万元）']
    """

    template: LoadedTemplate
    departments: list[Column]
    indicators: list[Column]
    projects: list[Column]
    #: sheet id -> {(level1 key, level2 key): (level1 name, level2 name)}
    levels: dict[str, dict[tuple[str, str], tuple[str, str]]]
    #: sheet id that takes indicators without a 项目名称 (the department's own form)
    main_sheet: str | None
    project_spec: str | None  # the project sheet spec id (``xm``)
    project_count: int  # copies the template has (at least this many sheets are made)
    #: (sheet id or project spec id, total key, part keys) money groups balanced together
    sum_groups: list[tuple[str, str, list[str]]]
    name_targets: list[str]  # defined names filled with the department's name

    @classmethod
    def for_template(cls, lt: LoadedTemplate) -> DataSchema:
        t = lt.template
        layout = build_layout(lt)
        project_spec = next((s for s in t.sheets if isinstance(s, model.SelfEvaluationSheet)
                             and any(f.key == PROJECT_KEY for f in s.header)), None)
        project_sids: set[str] = set()
        first_project = None
        if project_spec is not None:
            project_sids = {sheet_copy_id(project_spec.id, n, project_spec.count)
                            for n in range(1, project_spec.count + 1)}
            first_project = sheet_copy_id(project_spec.id, 1, project_spec.count)

        dept_cols: list[Column] = [
            Column("单位编码", "code", required=True, note="单位编码，每个单位唯一；生成的表格以“编码_名称”命名。",
                   example=f"{EXAMPLE_PREFIX}001"),
            Column("单位名称", "name", required=True, max_length=100, note="单位全称，填入各表的单位名称栏。",
                   example="某某县农业农村局"),
        ]
        proj_cols: list[Column] = [
            Column("单位编码", "code", required=True, note="项目所属单位的编码（与“单位”表一致）。",
                   example=f"{EXAMPLE_PREFIX}001"),
            Column("项目名称", "project", required=True, max_length=200, note="每行一个项目，按顺序填入项目表1、2、3……",
                   example="农村人居环境整治项目"),
        ]
        name_targets: list[str] = []
        levels: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
        main_sheet = None
        for s in layout.sheets:
            if s.level2_names and s.id not in project_sids:
                main_sheet = main_sheet or s.id
            if s.level2_names and (s.id not in project_sids or s.id == first_project):
                sid = project_spec.id if s.id in project_sids and project_spec else s.id
                levels[sid] = {(level_key(a), level_key(b)): (a, b) for a, b in sorted(s.level2_names)}
            if s.id in project_sids and s.id != first_project:
                continue
            cols = proj_cols if s.id in project_sids else dept_cols
            rows = {name for row in s.indicator_rows for name in row.inputs()}  # from the 指标 table
            for cell in s.cells:
                if cell.role != "input" or not cell.name or not cell.key or cell.name in rows:
                    continue
                column = _data_column(cell, cell.key, s.id if s.id not in project_sids else project_spec.id,  # type: ignore[union-attr]
                                      project=s.id in project_sids)
                if column is None:
                    continue
                if column.kind == "name":
                    name_targets.append(cell.name)
                    continue
                cols.append(column)
        _qualify_duplicates(dept_cols, layout)
        _qualify_duplicates(proj_cols, layout)

        ind_cols = [
            Column("单位编码", "code", required=True, example=f"{EXAMPLE_PREFIX}001",
                   note="指标所属单位的编码。"),
            Column("项目名称", "project", max_length=200, example="",
                   note="项目指标填项目名称（与“项目”表一致）；部门整体指标留空。"),
            Column("一级指标", "level1", required=True, example="产出指标", note="如 产出指标、效益指标、满意度指标。"),
            Column("二级指标", "level2", required=True, example="数量指标", note="如 数量指标、质量指标、时效指标。"),
            Column("三级指标", "indicator", required=True, max_length=200, example="培训人次",
                   note="指标名称。"),
            Column("年度指标值", "target", required=True, max_length=200, example="≥300人次",
                   note="按申报时的写法填写，如 ≥300份、不低于95%、≤50万元；无法识别为数值的按定性指标处理。"),
            Column("分值", "weight", required=True, example=5, note="该三级指标的分值（数字）。"),
            Column("方向", "direction", example="≥",
                   note="可选：≥、≤、= 或 定性。只写数值的指标值（如 3000 元/个）按此方向；不填时成本指标按 ≤，其余按 ≥。"),
        ]
        groups: list[tuple[str, str, list[str]]] = []
        for spec in t.sheets:
            if isinstance(spec, model.SelfEvaluationSheet):
                for check in spec.funds.sum_checks:
                    for col in check.columns:
                        groups.append((spec.id, f"fund_{check.total}_{col}",
                                       [f"fund_{p}_{col}" for p in check.parts]))
        return cls(lt, dept_cols, ind_cols, proj_cols if project_spec else [], levels, main_sheet,
                   project_spec.id if project_spec else None, project_spec.count if project_spec else 0,
                   groups, name_targets)

    def table(self, which: Table) -> list[Column]:
        return {"单位": self.departments, "指标": self.indicators, "项目": self.projects}[which]


def _data_column(cell: Cell, key: str, sheet: str, *, project: bool) -> Column | None:
    """The input-table column for a form input, or None when the bureau does not pre-fill it."""
    if key in NAME_KEYS and not project:
        return Column(cell.label, "name", key, sheet)
    if key == PROJECT_KEY and project:
        return None  # the 项目名称 identity column
    if cell.value_type == "money":
        header = cell.label if split_unit(cell.label)[1] else f"{cell.label}（{WAN}）"
        return Column(header, "money", key, sheet,
                      note="金额；表头写“（万元）”时按万元填写，写“（元）”时按元填写并自动换算为万元（两位小数，舍位平衡）。",
                      example=None)
    if key == "goal_expected":
        return Column(cell.label, "longtext", key, sheet, max_length=cell.max_length, note="年初申报的年度绩效目标。")
    if cell.value_type == "text":
        return Column(cell.label, "text", key, sheet, max_length=cell.max_length)
    return None  # actuals, dates, scores, conclusions: the department fills those


def _qualify_duplicates(cols: list[Column], layout: Any) -> None:
    """Headers that repeat across sheets get the sheet's name in front (基础数据表·联系电话)."""
    keys = [norm(split_unit(c.header)[0]) for c in cols]
    names = {s.id: s.name for s in layout.sheets}
    for i, c in enumerate(cols):
        if c.sheet and keys.count(keys[i]) > 1:
            sheet_name = names.get(c.sheet) or names.get(f"{c.sheet}1", c.sheet)
            cols[i] = Column(f"{sheet_name}·{c.header}", c.kind, c.key, c.sheet, c.required, c.max_length,
                             c.note, c.example)



def iter_columns(schema: DataSchema) -> Iterator[tuple[Table, list[Column]]]:
    """The tables init-data writes, in order (项目 only when the template has project sheets)."""
    yield "单位", schema.departments
    if schema.projects:
        yield "项目", schema.projects
    yield "指标", schema.indicators
