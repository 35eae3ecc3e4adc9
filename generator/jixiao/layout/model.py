"""The typed layout: sheets with a role, their cells, and what each cell means.

Consumers (verify, summary, collect, dataset, lint) read these attributes (a sheet's
indicator rows, fields, total, grade, execution rate, panel and row checks) instead of
taking cell names apart: a name is an identifier, never a record of what a cell is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from ..rules.library import library
from ..template import model
from .identity import GENERATION, fingerprint_of
from .refs import CellName, a1, qualified

Role = Literal["label", "input", "computed", "constant"]
ValueType = Literal["text", "money", "number", "weight", "score", "rate", "date", "choice", "flag",
                    "longtext"]
#: What a sheet is: the template sheet kind it was laid out from.
SheetRole = Literal["self_evaluation", "basic_data", "checklist"]

#: Text a department reads for each per-row flag (the row's own 校验 message).
ROW_FLAGS: list[tuple[str, str, str, str]] = [
    # (rule id, message shown in the row, panel label, panel message)
    ("ROW_WEIGHT_MISSING", "未设分值", "三级指标分值", "项三级指标未设分值或分值为 0"),
    ("ROW_TARGET_NOT_NUMBER", "指标值应为数字", "定量指标值", "项定量指标的年度指标值不是数字"),
    ("ROW_SCORE_OVER_WEIGHT", "得分超过分值", "得分不超过分值", "项得分超过分值"),
    ("ROW_QUAL_OUT_OF_BAND", "定性得分不在档次区间", "定性得分档次", "项定性指标得分不在所选档次区间内（或未选档次）"),
    ("ROW_REASON_MISSING", "需填写偏差原因", "偏差原因", "项指标需填写偏差原因分析"),
    ("ROW_DECLARED_DIFFERS", "自评得分与计算得分不一致", "自评与计算得分", "项自评得分与计算得分不一致且未说明原因"),
    ("ROW_RESULT_MISSING", "未填写结果（实际完成值，定性指标填得分）或方向", "指标结果",
     "项已填名称的指标未填写结果或方向"),
    ("ROW_ACTUAL_NOT_NUMBER", "实际完成值须填数字，单位请填在“单位”栏", "实际完成值为数字", "项定量指标的实际完成值不是数字"),
    ("ROW_PERCENT_SCALE", "提示：百分比指标的数值大于 150%，是否应填为百分数（如 85%）？", "百分比数值",
     "项百分比指标的数值大于 150%（是否应填为百分数？）"),
    ("ROW_ACTUAL_FAR_OVER", "提示：实际完成值超过指标值 10 倍，请核对并在偏差原因中说明", "实际完成值量级", "项实际完成值超过指标值 10 倍，请核对"),
]
#: Row flags whose message carries the row's values: a hidden message cell per flag (the
#: MSG_* rule, same arguments plus the flag) that the row's 本行校验 and verify both show.
ROW_TEXTS: dict[str, str] = {
    "ROW_WEIGHT_MISSING": "MSG_WEIGHT_MISSING",
    "ROW_TARGET_NOT_NUMBER": "MSG_TARGET_NOT_NUMBER",
    "ROW_ACTUAL_NOT_NUMBER": "MSG_ACTUAL_NOT_NUMBER",
    "ROW_PERCENT_SCALE": "MSG_PERCENT_SCALE",
    "ROW_ACTUAL_FAR_OVER": "MSG_ACTUAL_FAR_OVER",
    "ROW_SCORE_OVER_WEIGHT": "MSG_SCORE_OVER_WEIGHT",
    "ROW_QUAL_OUT_OF_BAND": "MSG_QUAL_OUT_OF_BAND",
    "ROW_REASON_MISSING": "MSG_REASON_MISSING",
    "ROW_DECLARED_DIFFERS": "MSG_DECLARED_DIFFERS",
}
#: Row flags that ask for a second look (warnings): the form shows them as 提示, verify as warnings.
WARNING_FLAGS = frozenset({"ROW_PERCENT_SCALE", "ROW_ACTUAL_FAR_OVER"})
#: The panel's heading: what "all ✓" promises.
PANEL_HEAD = "校验：全部为 ✓ 时财政局核查不会发现错误（“提示”不算错误，请核对或说明）"

#: Pre-fill keys that shape the layout (not cell values): the reader rebuilds the same form.
INDICATORS_KEY = "_indicators"  # {sheet id: [{level1, level2, name, direction, target, unit, weight}]}
COPIES_KEY = "_copies"  # {sheet spec id: number of copies wanted (projects)}
DEPARTMENT_KEY = "_department"  # {"code": ..., "name": ...}
MAX_COPIES = 50


@dataclass(slots=True)
class Cell:
    """One cell of the form. ``name`` is its defined name (inputs and computed cells),
    ``key`` the same name without the sheet's id (``ind3_actual``)."""

    sheet: str
    row: int
    col: int
    role: Role = "label"
    value: Any = None
    style: str = "label"
    name: CellName | None = None
    value_type: ValueType = "text"
    rule: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    args: dict[str, CellName | list[CellName]] = field(default_factory=dict)
    validation: dict[str, Any] | None = None
    choices: list[str] | None = None
    max_length: int | None = None
    prompt: str | None = None
    label: str = ""  # what the cell is, in Chinese, for findings ("年度资金总额 全年预算数")
    num_format: str | None = None  # overrides the style's (a declared percentage target: 0.00%)
    key: str | None = None

    #: ``B3``: read for every cell of every return verified, so worked out with the cell (a
    #: cell is never moved: layouts are read, never edited). A cached_property cost a verify
    #: 5 % more: Python 3.11 takes a lock on its first read, and it needs an instance dict
    #: (a Cell has slots: a form has 5,000 cells and the collector scans every one).
    address: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.address = a1(self.row, self.col)

    @property
    def abs_address(self) -> str:
        return a1(self.row, self.col, absolute=True)


@dataclass(slots=True)
class ConditionalMark:
    """Mark ``target`` (a cell name) red while ``flag`` (a cell name) is 1 / not ✓."""

    target: CellName
    flag: CellName
    when: Literal["flag", "not_ok"] = "flag"


@dataclass(frozen=True, slots=True)
class FieldCell:
    """A header or signature input (单位, 填报日期, 联系人 ...) and whether it must be filled."""

    name: CellName
    key: str
    kind: Literal["text", "date", "phone"]
    required: bool


@dataclass
class IndicatorRow:
    """One third-level indicator row: its place in the table and its named cells."""

    key: str  # ind3
    level1: str
    level2: str
    locked: bool  # declared by the bureau: name, direction, target, unit and weight are fixed
    fixed_direction: bool  # no 方向 column: ``direction`` is computed from the template's choice
    name: CellName
    direction: CellName  # without a 方向 column: a locked cell with the template's direction
    target: CellName
    unit: CellName | None  # None: the table has no 单位 column
    actual: CellName
    tier: CellName | None  # 定性档次; a fixed 定性 row's tier is its actual; None: nothing to pick
    weight: CellName
    declared: CellName | None  # the department's own score (declared mode) or qualitative score
    score: CellName  # the computed score (a fixed 定性 row: the department's, in 得分)
    reason: CellName
    final: CellName = ""  # the score that counts: ``declared`` in declared mode, else ``score``

    def inputs(self) -> list[CellName]:
        cells = [self.name, None if self.fixed_direction else self.direction, self.target, self.unit, self.actual, self.tier, self.weight,
                 self.declared, self.reason]
        return list(dict.fromkeys(c for c in cells if c is not None))


class RowCheck(NamedTuple):
    """A per-row flag (1 when the row breaks its rule) and what a finding about it names
    (a named tuple: a form has one per flag, over a thousand)."""

    flag: CellName
    target: CellName  # the cell marked red while the flag is up
    row_name: CellName | None  # the indicator name cell of the row, if any
    label: str  # what the row is when it has no name cell ("执行率自评得分"), else ""
    text: CellName | None = None  # the flag's message with the row's values (ROW_TEXTS), if any


@dataclass(frozen=True)
class Execution:
    """The budget execution line of a funds block: A, B, the rate and its score."""

    budget: CellName
    actual: CellName
    rate: CellName
    score: CellName  # the score that counts in the total


@dataclass(frozen=True)
class Subtotal:
    """A part of a sheet's total: a first-level indicator or a checklist section."""

    title: str  # 产出指标, 一、基本支出评价
    score: CellName


@dataclass
class SheetLayout:
    """One sheet: its cells and page setup, and what its cells mean.

    ``role`` is the template sheet kind. A self-evaluation sheet has ``fields``,
    ``execution``, ``indicator_rows``, ``subtotals`` (one per first-level indicator),
    ``total`` and ``grade``; a checklist has ``fields``, ``subtotals`` (its sections),
    ``total`` (自评分数合计) and the project totals it ``averaged``; a basic data sheet has
    ``fields``. Every sheet has its ``panel`` checks; ``row_checks`` are its per-row flags.
    """

    id: str
    name: str
    role: SheetRole = "self_evaluation"
    cells: list[Cell] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    col_widths: dict[int, float] = field(default_factory=dict)
    row_heights: dict[int, float] = field(default_factory=dict)
    hidden_cols: list[int] = field(default_factory=list)
    marks: list[ConditionalMark] = field(default_factory=list)
    print_rows: tuple[int, int] = (0, 0)
    print_cols: tuple[int, int] = (0, 0)
    repeat_rows: tuple[int, int] | None = None
    print: model.PrintSettings = field(default_factory=model.PrintSettings)
    panel: list[CellName] = field(default_factory=list)  # names of the panel's check cells
    level2_names: set[tuple[str, str]] = field(default_factory=set)  # (一级, 二级) on this sheet
    fields: list[FieldCell] = field(default_factory=list)
    indicator_rows: list[IndicatorRow] = field(default_factory=list)
    row_checks: list[RowCheck] = field(default_factory=list)
    execution: Execution | None = None
    subtotals: list[Subtotal] = field(default_factory=list)
    total: CellName | None = None  # 总分 (a checklist's 自评分数合计)
    grade: CellName | None = None
    averaged: list[CellName] = field(default_factory=list)  # other sheets' totals a checklist averages
    # Printing (see :mod:`.pages`): row spans a page should not start inside (一级指标 with
    # its subtotal), spans it must not start inside (二级指标; the last group with the total
    # and signatures), and what the pagination decided.
    keep_together: list[tuple[int, int]] = field(default_factory=list)
    never_split: list[tuple[int, int]] = field(default_factory=list)
    row_breaks: list[int] = field(default_factory=list)
    continued: dict[int, str] = field(default_factory=dict)  # a group's title by its first row
    print_scale: int | None = None

    def field_named(self, key: str) -> FieldCell | None:
        """The header or signature field with this key, if the sheet has one."""
        return next((f for f in self.fields if f.key == key), None)


@dataclass
class Layout:
    """Every sheet's cells, with an index by defined name and the evaluation order."""

    template_id: str
    template_version: int
    title: str
    sheets: list[SheetLayout]
    style: model.Style
    password: str | None
    prefill: dict[str, Any]
    #: The template parameters the form was built with (year, region ...): part of its identity.
    params: dict[str, Any] = field(default_factory=dict)
    #: The builder behaviour it was laid out with (:data:`.identity.GENERATION`).
    generation: int = GENERATION
    by_name: dict[CellName, Cell] = field(default_factory=dict)
    computed_order: list[CellName] = field(default_factory=list)
    _formulas: dict[CellName, str] = field(default_factory=dict, repr=False)
    #: Fingerprints worked out, by ``with_params`` (shared, like ``_formulas``, by the
    #: layouts :func:`.prefilled.with_values` makes: values are not part of it).
    _fingerprints: dict[bool, str] = field(default_factory=dict, repr=False)

    def cell(self, name: CellName) -> Cell:
        return self.by_name[name]

    def sheet(self, name_or_id: str) -> SheetLayout:
        for s in self.sheets:
            if name_or_id in (s.id, s.name):
                return s
        raise KeyError(name_or_id)

    def inputs(self) -> Iterator[Cell]:
        return (c for s in self.sheets for c in s.cells if c.role == "input")

    def computed(self) -> Iterator[Cell]:
        return (self.by_name[n] for n in self.computed_order)

    def ref(self, name: CellName, from_sheet: str) -> str:
        """An A1 reference to the named cell, sheet-qualified when on another sheet."""
        c = self.by_name[name]
        if c.sheet == from_sheet:
            return c.address
        return qualified(c.sheet, c.row, c.col)

    def formula(self, cell: Cell) -> str:
        """The cell's Excel formula, rendered from its rule and arguments (memoized)."""
        cached = self._formulas.get(cell.name)  # type: ignore[arg-type]
        if cached is None:
            cached = self._formulas[cell.name] = self._render(cell)  # type: ignore[index]
        return cached

    def _render(self, cell: Cell) -> str:
        rule = library()[cell.rule]  # type: ignore[index]
        refs: dict[str, Any] = {}
        for arg, target in cell.args.items():
            if isinstance(target, list):
                refs[arg] = self._ranges(target, cell.sheet)
            else:
                refs[arg] = self.ref(target, cell.sheet)
        return rule.excel(refs, cell.params)

    def _ranges(self, names: list[CellName], from_sheet: str) -> list[str]:
        """References for a list of cells, consecutive cells of a column joined as ranges."""
        if not names:
            return ['""']
        cells = [self.by_name[n] for n in names]
        out: list[str] = []
        start = prev = cells[0]
        for c in [*cells[1:], None]:
            if c is not None and c.sheet == prev.sheet and c.col == prev.col and c.row == prev.row + 1:
                prev = c
                continue
            first = self.ref(start.name, from_sheet)  # type: ignore[arg-type]
            if start is prev:
                out.append(first)
            elif start.sheet == from_sheet:
                out.append(f"{first}:{prev.address}")
            else:
                out.append(f"{first}:{a1(prev.row, prev.col, absolute=True)}")
            if c is not None:
                start = prev = c
        return out

    def fingerprint(self, *, with_params: bool = True) -> str:
        """A hash of the structure (where every named cell is and what it computes) and of
        the template parameters it was built with.

        Values typed into inputs do not change it; a moved cell, a changed rule or another
        year does. ``with_params=False``: as forms built before parameters were part of
        the identity carry it (their metadata has no ``params``).
        """
        known = self._fingerprints.get(with_params)
        if known is None:
            known = self._fingerprints[with_params] = fingerprint_of(
                ((s.id, s.name, [(c.name, c.address, c.role, c.rule, c.params, c.args) for c in s.cells if c.name])
                 for s in self.sheets), self.params if with_params else None)
        return known
