"""The template model: what a form variant YAML file may say, validated with pydantic.

A variant describes one workbook: its identity, its scoring choices and its sheets. Each
sheet has a ``kind`` (``self_evaluation``, ``basic_data`` or ``checklist``) that picks
the layout; everything inside is data. docs/templates.md documents every key.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError


class Strict(BaseModel):
    """Base: unknown keys are errors (a typo must never be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class Style(Strict):
    font: str = "宋体"
    size: float = 10
    title_size: float = 16
    input_fill: str = "#FFF2CC"
    computed_fill: str = "#EEF3FA"


class Field_(Strict):
    """A labelled input in a header or signature block (单位, 填报日期, 联系人 ...)."""

    key: Key
    label: str
    type: Literal["text", "date", "phone"] = "text"
    required: bool = True
    max_length: int = 100


class Tier(Strict):
    """A qualitative tier: the score must lie in [low, high) × weight (high included at 1)."""

    label: str
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)


class GradeBand(Strict):
    label: str
    min: float


class RuleChoice(Strict):
    """A rule id from formulas/rules.yaml with parameter overrides."""

    rule: str
    params: dict[str, Any] = {}


class Scoring(Strict):
    """The variant's scoring choices (see docs/templates.md, "scoring")."""

    mode: Literal["computed", "declared"] = "computed"
    total_weight: float = 100
    execution_weight: float = 10
    execution_rate: RuleChoice = RuleChoice(rule="EXEC_RATE", params={"digits": 4, "mode": "round"})
    execution_score: RuleChoice = RuleChoice(
        rule="EXEC_SCORE_PROPORTIONAL", params={"digits": 2, "mode": "round", "cap": True}
    )
    positive: str = "RATIO_POSITIVE"
    negative: str = "RATIO_INVERSE_SIMPLE"
    equal: str = "EQUAL_ALL_OR_NOTHING"
    digits: int = Field(2, ge=0, le=6)
    rounding: Literal["round", "cut"] = "round"
    tiers: list[Tier] = [
        Tier(label="达成预期指标", low=0.8, high=1.0),
        Tier(label="部分达成预期指标并具有一定效果", low=0.5, high=0.8),
        Tier(label="未达成预期指标且效果较差", low=0.0, high=0.5),
    ]
    reason_over_ratio: float = Field(0, ge=0)
    grades: list[GradeBand] = [
        GradeBand(label="优", min=90),
        GradeBand(label="良", min=80),
        GradeBand(label="中", min=60),
        GradeBand(label="差", min=0),
    ]
    level1_check: Literal["error", "warning", "off"] = "error"

    @field_validator("grades")
    @classmethod
    def _descending(cls, v: list[GradeBand]) -> list[GradeBand]:
        mins = [g.min for g in v]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("grade bands must have strictly descending min (由高到低)")
        return v


class Column(Strict):
    """One column of a table on the self-evaluation sheet: which one (``key``), its header
    (``label``; by default the table's own label for it) and its width in characters
    (indicator table) or how many grid columns it spans (funds block)."""

    key: str
    label: str | None = None
    width: float | None = Field(None, gt=0, le=100)
    span: int = Field(1, ge=1, le=6)


#: The indicator table's columns as the regional forms print them (seeds 000, 001, 004):
#: the target split into 方向 · 指标值 · 单位, a tier and a qualitative score column.
INDICATOR_COLUMNS = ("level1", "level2", "name", "direction", "target", "unit", "actual", "tier", "weight",
                     "declared", "score", "reason")
#: Columns an indicator table may leave out; the others every table has.
OPTIONAL_INDICATOR_COLUMNS = frozenset({"direction", "unit", "tier", "declared"})
#: The funds block's columns, each spanning ``span`` columns of the sheet's grid.
FUNDS_COLUMNS = ("label", "source", "initial", "budget", "actual", "weight", "rate", "score")
DEFAULT_FUNDS_SPANS = {"label": 2, "source": 2, "initial": 2, "score": 2}


def _check_columns(columns: list[Column], allowed: tuple[str, ...], optional: frozenset[str],
                   what: str) -> list[Column]:
    keys = [c.key for c in columns]
    unknown = [k for k in keys if k not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} column(s) {unknown}; allowed: {', '.join(allowed)}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate {what} column in {keys}")
    missing = [k for k in allowed if k not in keys and k not in optional]
    if missing:
        raise ValueError(f"{what} columns must include {missing}")
    return columns


class FundRow(Strict):
    key: Key
    label: str
    group: str | None = None
    scored: bool = False


class SumCheck(Strict):
    label: str = "资金"
    total: Key
    parts: list[Key]
    columns: list[Literal["initial", "budget", "actual"]] = ["initial", "budget", "actual"]


class Funds(Strict):
    label: str = "部门(单位)总体资金(万元)"
    initial_label: str = "年初预算数"
    budget_label: str = "全年预算数(A)"
    actual_label: str = "全年执行数(B)"
    rows: list[FundRow]
    sum_checks: list[SumCheck] = []
    columns: list[Column] = [Column(key=k, span=DEFAULT_FUNDS_SPANS.get(k, 1)) for k in FUNDS_COLUMNS]

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: list[Column]) -> list[Column]:
        return _check_columns(v, FUNDS_COLUMNS, frozenset({"initial"}), "funds")

    @model_validator(mode="after")
    def _one_scored(self) -> Funds:
        if sum(r.scored for r in self.rows) != 1:
            raise ValueError("exactly one funds row must be scored: true (年度资金总额)")
        return self


class Goals(Strict):
    label: str = "年度总体目标"
    expected_label: str = "预期目标"
    actual_label: str = "实际完成情况"
    max_length: int = 2000


class Indicator(Strict):
    """A declared third-level indicator (pre-filled into a locked row)."""

    name: str
    direction: Literal["≥", "≤", "=", "定性"] = "定性"
    target: float | str | None = None
    unit: str = ""
    weight: float = Field(gt=0)


Direction = Literal["≥", "≤", "=", "定性"]


class Level2(Strict):
    name: str
    rows: int = Field(3, ge=0, le=200)  # blank rows a department may fill
    # The direction of its blank rows when the table has no 方向 column (the indicators'
    # ``direction`` when not given here).
    direction: Direction | None = None
    indicators: list[Indicator] = []


class Level1(Strict):
    name: str
    weight: float = Field(gt=0)
    level2: list[Level2]


class Indicators(Strict):
    label: str = "绩效指标"
    reason_label: str = "未完成原因分析"
    target_label: str = "年度指标值(A)"
    actual_label: str = "实际完成值(B)"
    # Without a 方向 column, a blank row's direction is its 二级指标's, else this one.
    direction: Direction = "≥"
    columns: list[Column] = [Column(key=k) for k in INDICATOR_COLUMNS]
    level1: list[Level1]

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: list[Column]) -> list[Column]:
        _check_columns(v, INDICATOR_COLUMNS, OPTIONAL_INDICATOR_COLUMNS, "indicator")
        keys = {c.key for c in v}
        if "direction" in keys and not {"tier", "declared"} <= keys:
            raise ValueError("with a 方向 column the table needs its tier and declared columns "
                             "(the department picks a row's direction, so any row may be 定性)")
        return v

    @model_validator(mode="after")
    def _fixed_directions(self) -> Indicators:
        if self.has("direction"):
            fixed = [l2.name for l1 in self.level1 for l2 in l1.level2 if l2.direction is not None]
            if fixed:
                raise ValueError(f"level2 direction {fixed} needs a table without the 方向 column "
                                 "(with it the department picks each row's direction)")
        return self

    def has(self, key: str) -> bool:
        """Whether the table prints column ``key``."""
        return any(c.key == key for c in self.columns)


class PrintSettings(Strict):
    orientation: Literal["portrait", "landscape"] = "landscape"
    paper: Literal["A4", "A3"] = "A4"
    fit_width: int = 1
    margins_cm: float = 1.5


class SelfEvaluationSheet(Strict):
    """部门整体 / 项目支出绩效自评表."""

    kind: Literal["self_evaluation"]
    id: Key
    name: str
    count: int = Field(1, ge=1, le=50)  # project sheets: how many copies
    title: str
    subtitle: str = ""
    header: list[Field_] = []
    fields_per_row: int = Field(2, ge=1, le=4)  # header and signature fields side by side
    funds: Funds
    goals: Goals = Goals()
    indicators: Indicators
    conclusion_label: str = "自评结论"
    # The department must write the conclusion: a panel line (CHK_REQUIRED) and verify's
    # error while it is blank (forms of layout generation 2 on; see layout/identity.py).
    conclusion_required: bool = False
    signatures: list[Field_] = []
    notes: list[str] = []
    print: PrintSettings = PrintSettings()

    @model_validator(mode="after")
    def _grid(self) -> SelfEvaluationSheet:
        width = len(self.indicators.columns)
        spans = sum(c.span for c in self.funds.columns)
        if spans != width:
            raise ValueError(f"the funds columns span {spans} columns, the indicator table has {width} "
                             "(both blocks share the sheet's columns)")
        return self


class CostRow(Strict):
    key: Key
    label: str
    indent: int = Field(0, ge=0, le=3)
    sum_of: list[Key] = []
    text_only: bool = False  # a heading row without amounts


class BasicDataSheet(Strict):
    """部门整体支出绩效评价基础数据表."""

    kind: Literal["basic_data"]
    id: Key
    name: str
    title: str
    staffing_label: str = "财政供养人员情况（人）"
    cost_label: str = "经费控制情况（万元）"
    cost_columns: list[str] = Field(min_length=3, max_length=3)
    cost_rows: list[CostRow]
    buildings: bool = True
    measures_label: str = "厉行节约保障措施"
    signatures: list[Field_] = []
    notes: list[str] = []
    print: PrintSettings = PrintSettings(orientation="portrait")


class ChecklistItem(Strict):
    key: Key
    name: str
    weight: float = Field(gt=0)
    standard: str = ""
    computed: Literal["project_average"] | None = None


class ChecklistSection(Strict):
    name: str
    items: list[ChecklistItem]


class ChecklistSheet(Strict):
    """整体绩效自评表 (Gansu checklist, seed 003)."""

    kind: Literal["checklist"]
    id: Key
    name: str
    title: str
    header: list[Field_] = []
    sections: list[ChecklistSection]
    project_factor: float = 0.8
    project_sheet: Key | None = None  # the self_evaluation sheet whose totals are averaged
    signatures: list[Field_] = []
    notes: list[str] = []
    print: PrintSettings = PrintSettings(orientation="portrait")


Sheet = Annotated[
    SelfEvaluationSheet | BasicDataSheet | ChecklistSheet, Field(discriminator="kind")
]


class CrossCheck(Strict):
    """A funds agreement across sheets: ``total`` equals the sum of ``parts`` (cell names)."""

    label: str
    total: str
    parts: list[str]


#: A template id: what ``id:`` may be, and the only thing ``extends:`` or a return's
#: template id may name (never a path).
ID_PATTERN = r"[a-z][a-z0-9_-]{0,59}"
ID_RE = re.compile(ID_PATTERN)


class Template(Strict):
    """One form variant: a workbook of sheets with its scoring choices."""

    id: Annotated[str, Field(pattern=rf"^{ID_PATTERN}$")]
    version: int = Field(ge=1)
    name: str
    extends: str | None = None
    params: dict[Key, StrictStr | StrictBool | StrictInt | StrictFloat] = {}
    style: Style = Style()
    password: str | None = None
    scoring: Scoring = Scoring()
    sheets: list[Sheet] = Field(min_length=1)
    cross_checks: list[CrossCheck] = []

    @field_validator("params")
    @classmethod
    def _year(cls, v: dict[str, Any]) -> dict[str, Any]:
        """``year`` is part of every return's identity and compared with dates: a whole year."""
        year = v.get("year")
        if year is not None and (type(year) is not int or not MIN_YEAR <= year <= MAX_YEAR):
            raise PydanticCustomError(PARAM_TYPE, "a whole year from {low} to {high}, such as 2024",
                                      {"key": "year", "low": MIN_YEAR, "high": MAX_YEAR})
        return v

    @model_validator(mode="after")
    def _declared_column(self) -> Template:
        if self.scoring.mode == "declared":
            for s in self.sheets:
                if not isinstance(s, SelfEvaluationSheet):
                    continue
                if not s.indicators.has("declared"):
                    raise ValueError(f"scoring mode declared needs the declared column on sheet {s.id} "
                                     "(自评得分)")
                if next(c.span for c in s.funds.columns if c.key == "score") < 2:
                    raise ValueError(f"scoring mode declared needs a funds score column of span 2 on sheet "
                                     f"{s.id} (自评得分 and 计算得分)")
        return self

    @model_validator(mode="after")
    def _unique_sheets(self) -> Template:
        ids = [s.id for s in self.sheets]
        for index, sheet_id in enumerate(ids):
            if ids.index(sheet_id) != index:  # the second sheet with an id is the one to rename
                raise PydanticCustomError(DUPLICATE_SHEET_ID, "duplicate sheet id {id} (工作表 id 重复)",
                                          {"id": sheet_id, "index": index})
        return self


#: The pydantic error type of a template parameter of the wrong type (its ``key`` in the context).
PARAM_TYPE = "param_type"
MIN_YEAR, MAX_YEAR = 2000, 2100

#: The pydantic error type of a sheet id used twice (lint reports it as T105 at the id).
DUPLICATE_SHEET_ID = "duplicate_sheet_id"
