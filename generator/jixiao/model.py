"""The template model: what a form variant YAML file may say, validated with pydantic.

A variant describes one workbook: its identity, its scoring choices and its sheets. Each
sheet has a ``kind`` (``self_evaluation``, ``basic_data`` or ``checklist``) that picks
the layout; everything inside is data. docs/templates.md documents every key.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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


class Level2(Strict):
    name: str
    rows: int = Field(3, ge=0, le=200)  # blank rows a department may fill
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
    level1: list[Level1]


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
    funds: Funds
    goals: Goals = Goals()
    indicators: Indicators
    conclusion_label: str = "自评结论"
    signatures: list[Field_] = []
    notes: list[str] = []
    print: PrintSettings = PrintSettings()


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
    params: dict[str, Any] = {}
    style: Style = Style()
    password: str | None = None
    scoring: Scoring = Scoring()
    sheets: list[Sheet] = Field(min_length=1)
    cross_checks: list[CrossCheck] = []

    @model_validator(mode="after")
    def _unique_sheets(self) -> Template:
        ids = [s.id for s in self.sheets]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate sheet id(s) {sorted(dup)} (工作表 id 重复)")
        return self
