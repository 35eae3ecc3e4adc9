"""The layout: a template turned into cells, names, merges and formulas.

The writer renders a :class:`Layout` to .xlsx; the reader uses the same layout to find
every input and computed cell by its defined name, and :func:`evaluate` recomputes every
computed cell with the Python references. Neither side guesses cell addresses.

>>> from jixiao.templates import load_template
>>> layout = build_layout(load_template("guizhou-zhengti"))
>>> layout.cell("zt_fund_total_rate").address
'J6'
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from xlsxwriter.utility import xl_rowcol_to_cell

from . import model
from .read.refs import column_letters, make_ref
from .rules.library import Rule, library
from .templates import LoadedTemplate

Role = Literal["label", "input", "computed", "constant"]
ValueType = Literal["text", "money", "number", "weight", "score", "rate", "date", "choice", "flag",
                    "longtext"]

#: Text a department reads for each per-row flag (the row's own 校验 message).
ROW_FLAGS: list[tuple[str, str, str, str]] = [
    # (rule id, message shown in the row, panel label, panel message)
    ("ROW_WEIGHT_MISSING", "未设分值", "三级指标分值", "项三级指标未设分值或分值为 0"),
    ("ROW_TARGET_NOT_NUMBER", "指标值应为数字", "定量指标值", "项定量指标的年度指标值不是数字"),
    ("ROW_SCORE_OVER_WEIGHT", "得分超过分值", "得分不超过分值", "项得分超过分值"),
    ("ROW_QUAL_OUT_OF_BAND", "定性得分不在档次区间", "定性得分档次", "项定性指标得分不在所选档次区间内（或未选档次）"),
    ("ROW_REASON_MISSING", "需填写偏差原因", "偏差原因", "项指标需填写偏差原因分析"),
    ("ROW_DECLARED_DIFFERS", "自评得分与计算得分不一致", "自评与计算得分", "项自评得分与计算得分不一致且未说明原因"),
]


@dataclass
class Cell:
    """One cell of the form. ``name`` is its defined name (inputs and computed cells)."""

    sheet: str
    row: int
    col: int
    role: Role = "label"
    value: Any = None
    style: str = "label"
    name: str | None = None
    value_type: ValueType = "text"
    rule: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    args: dict[str, str | list[str]] = field(default_factory=dict)
    validation: dict[str, Any] | None = None
    choices: list[str] | None = None
    max_length: int | None = None
    prompt: str | None = None
    label: str = ""  # what the cell is, in Chinese, for findings ("年度资金总额 全年预算数")
    num_format: str | None = None  # overrides the style's (a declared percentage target: 0.00%)

    @property
    def address(self) -> str:
        return xl_rowcol_to_cell(self.row, self.col)

    @property
    def abs_address(self) -> str:
        return xl_rowcol_to_cell(self.row, self.col, row_abs=True, col_abs=True)


@dataclass
class ConditionalMark:
    """Mark ``target`` (a cell name) red while ``flag`` (a cell name) is 1 / not ✓."""

    target: str
    flag: str
    when: Literal["flag", "not_ok"] = "flag"


@dataclass
class SheetLayout:
    id: str
    name: str
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
    panel: list[str] = field(default_factory=list)  # names of the panel's check cells
    level2_names: set[tuple[str, str]] = field(default_factory=set)  # (一级, 二级) on this sheet


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
    by_name: dict[str, Cell] = field(default_factory=dict)
    computed_order: list[str] = field(default_factory=list)
    _formulas: dict[str, str] = field(default_factory=dict, repr=False)

    def cell(self, name: str) -> Cell:
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

    def ref(self, name: str, from_sheet: str) -> str:
        """An A1 reference to the named cell, sheet-qualified when on another sheet."""
        c = self.by_name[name]
        if c.sheet == from_sheet:
            return make_ref(c.row + 1, c.col + 1)
        quoted = c.sheet.replace("'", "''")
        return f"'{quoted}'!${column_letters(c.col + 1)}${c.row + 1}"

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

    def _ranges(self, names: list[str], from_sheet: str) -> list[str]:
        """References for a list of cells, consecutive cells of a column joined as ranges."""
        if not names:
            return ['""']
        by_name = self.by_name
        cells = [by_name[n] for n in names]
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
                out.append(f"{first}:{make_ref(prev.row + 1, prev.col + 1)}")
            else:
                out.append(f"{first}:${column_letters(prev.col + 1)}${prev.row + 1}")
            if c is not None:
                start = prev = c
        return out

    def fingerprint(self) -> str:
        """A hash of the structure (where every named cell is and what it computes).

        Values typed into inputs do not change it; a moved cell or a changed rule does.
        """
        # One line per sheet and per named cell, each the JSON of
        # [name, address, role, rule, params, args] as json.dumps(..., ensure_ascii=False,
        # sort_keys=True, default=str) writes it; a cell without rule, params and args
        # (every input and constant) is written directly, the same text.
        encode = _FINGERPRINT_JSON.encode
        plain = _PLAIN_JSON_TEXT.fullmatch
        lines: list[str] = []
        for s in self.sheets:
            lines.append(f"sheet:{s.id}:{s.name}")
            for c in s.cells:
                name = c.name
                if not name:
                    continue
                address = make_ref(c.row + 1, c.col + 1)
                if c.rule is None and c.params == {} and c.args == {} and plain(name) and plain(c.role):
                    lines.append(f'["{name}", "{address}", "{c.role}", null, {{}}, {{}}]')
                else:
                    lines.append(encode([name, address, c.role, c.rule, c.params, c.args]))
        lines.append("")
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


#: The fingerprint's JSON (what json.dumps(..., ensure_ascii=False, sort_keys=True, default=str) writes).
_FINGERPRINT_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)
#: Text JSON writes as is between quotes (no quote, backslash or control character).
_PLAIN_JSON_TEXT = re.compile(r'[^"\\\x00-\x1f]*')


# ---------------------------------------------------------------------------- evaluation


def evaluate(layout: Layout, values: dict[str, Any]) -> dict[str, Any]:
    """Compute every computed cell from input and constant values, by the Python references.

    ``values`` maps defined names of inputs (and constants) to cell values (numbers as
    float, text as str, blank as None). Returns a dict of all cell values: the inputs
    given plus every computed cell.
    """
    rules = library()
    env: dict[str, Any] = {}
    get = values.get
    for name, c in layout.by_name.items():
        role = c.role
        if role == "input":
            env[name] = get(name)
        elif role == "constant":
            env[name] = get(name, c.value)
    by_name = layout.by_name
    lookup = env.get
    for name in layout.computed_order:
        c = by_name[name]
        args = {
            arg: [lookup(n) for n in target] if isinstance(target, list) else lookup(target)
            for arg, target in c.args.items()
        }
        env[name] = rules[c.rule].compute(args, c.params)  # type: ignore[index]
    return env


# ---------------------------------------------------------------------------- building


def _text_height(text: str, width_chars: float, line_height: float = 14.5) -> float:
    """Row height in points that fits ``text`` (CJK glyphs are two width units)."""
    if not text:
        return line_height
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    lines = max(1, math.ceil(units / max(width_chars * 1.0, 1)))
    return min(409, lines * line_height + 4)


class _SheetBuilder:
    def __init__(self, lb: _LayoutBuilder, sid: str, name: str) -> None:
        self.lb = lb
        self.s = SheetLayout(id=sid, name=name)
        self.row = 0

    def put(self, row: int, col: int, value: Any = None, *, style: str = "label", to: tuple[int, int] | None = None,
            role: Role = "label", key: str | None = None, **kw: Any) -> Cell:
        name = f"{self.s.id}_{key}" if key else None
        cell = Cell(sheet=self.s.name, row=row, col=col, role=role, value=value, style=style, name=name, **kw)
        self.s.cells.append(cell)
        if to is not None and to != (row, col):
            self.s.merges.append((row, col, to[0], to[1]))
            # Cells covered by a merge still need borders: register them as blank labels.
            for r in range(row, to[0] + 1):
                for cc in range(col, to[1] + 1):
                    if (r, cc) != (row, col):
                        self.s.cells.append(Cell(sheet=self.s.name, row=r, col=cc, style=style, role="label",
                                                 value=None))
        if name:
            if name in self.lb.layout.by_name:
                raise ValueError(f"duplicate cell name {name}")
            self.lb.layout.by_name[name] = cell
            if role == "computed":
                self.lb.layout.computed_order.append(name)
        return cell

    def computed(self, row: int, col: int, key: str, rule: str, args: dict[str, Any], params: dict[str, Any] | None = None,
                 *, style: str, value_type: ValueType = "number", to: tuple[int, int] | None = None, label: str = "") -> Cell:
        full_args = {k: [self._full(x) for x in v] if isinstance(v, list) else self._full(v)
                     for k, v in args.items()}
        rule_obj: Rule = library()[rule]
        return self.put(row, col, None, style=style, to=to, role="computed", key=key, rule=rule,
                        params=rule_obj.params(params), args=full_args, value_type=value_type, label=label)

    def _full(self, name: str) -> str:
        """A cell name as given when it exists already (or names another sheet), else local."""
        if name in self.lb.layout.by_name or name.startswith(self.s.id + "_"):
            return name
        return f"{self.s.id}_{name}"

    def input(self, row: int, col: int, key: str, *, value_type: ValueType, style: str, to: tuple[int, int] | None = None,
              label: str = "", value: Any = None, locked_value: bool = False, **kw: Any) -> Cell:
        prefilled = self.lb.prefill.get(f"{self.s.id}_{key}", value)
        validation = kw.pop("validation", None)
        if validation:  # cells a validation refers to, by full name like every rule argument
            validation = {k: self._full(v) if k in ("max", "direction") else v for k, v in validation.items()}
            kw["validation"] = validation
        role: Role = "constant" if locked_value else "input"
        if locked_value:
            style = style.replace("input", "fixed")
        return self.put(row, col, prefilled, style=style, to=to, role=role, key=key, value_type=value_type,
                        label=label, **kw)


class _LayoutBuilder:
    def __init__(self, lt: LoadedTemplate, prefill: dict[str, Any]) -> None:
        t = lt.template
        self.lt = lt
        self.t = t
        self.prefill = prefill
        self.layout = Layout(template_id=t.id, template_version=t.version, title=lt.render_text(t.name),
                             sheets=[], style=t.style, password=t.password, prefill=prefill)

    def build(self) -> Layout:
        sheet_totals: dict[str, list[str]] = {}
        # A checklist averages other sheets' totals: lay it out after them, keep its place.
        order = sorted(range(len(self.t.sheets)), key=lambda i: isinstance(self.t.sheets[i], model.ChecklistSheet))
        placed: dict[int, list[SheetLayout]] = {}
        for index in order:
            spec = self.t.sheets[index]
            placed[index] = []
            copies = self.copies(spec)
            for n in range(1, copies + 1):
                many = copies > 1
                sid = sheet_copy_id(spec.id, n, copies)
                name = self.lt.render_text(spec.name, n=n)
                if many and "{{" not in spec.name:
                    name = f"{name}{n}"
                sb = _SheetBuilder(self, sid, name[:31])
                if isinstance(spec, model.SelfEvaluationSheet):
                    total = _build_self_evaluation(sb, spec, self)
                    sheet_totals.setdefault(spec.id, []).append(total)
                elif isinstance(spec, model.BasicDataSheet):
                    _build_basic_data(sb, spec, self)
                else:
                    _build_checklist(sb, spec, self, sheet_totals)
                placed[index].append(sb.s)
        self.layout.sheets = [s for i in range(len(self.t.sheets)) for s in placed[i]]
        if self.t.cross_checks:
            _build_cross_checks(self)
        self.check_declared()
        return self.layout


    def copies(self, spec: model.Sheet) -> int:
        """How many copies of a sheet: a project sheet grows to the projects pre-filled."""
        if not isinstance(spec, model.SelfEvaluationSheet):
            return 1
        wanted = self.prefill.get(COPIES_KEY, {}).get(spec.id, 0)
        return max(spec.count, min(int(wanted), MAX_COPIES))

    def declared(self, sheet_id: str, level1: str, level2: str) -> list[model.Indicator]:
        """Indicators a department declared for one 二级指标 (pre-filled, become locked rows)."""
        return [model.Indicator(**{k: v for k, v in d.items() if k not in ("level1", "level2")})
                for d in self.prefill.get(INDICATORS_KEY, {}).get(sheet_id, [])
                if d.get("level1") == level1 and d.get("level2") == level2]

    def check_declared(self) -> None:
        """Every pre-filled indicator must name a sheet and a 一级/二级指标 the form has."""
        known: dict[str, set[tuple[str, str]]] = {}
        for s in self.layout.sheets:
            known[s.id] = s.level2_names
        for sheet_id, rows in self.prefill.get(INDICATORS_KEY, {}).items():
            for d in rows:
                if (d.get("level1"), d.get("level2")) not in known.get(sheet_id, set()):
                    raise ValueError(f"pre-filled indicator {d.get('name')!r}: sheet {sheet_id!r} has no "
                                     f"{d.get('level1')} / {d.get('level2')}")


def sheet_copy_id(spec_id: str, n: int, copies: int) -> str:
    """The id of copy ``n`` of a sheet: ``xm1``, ``xm2`` … when there are several, else ``xm``.

    >>> sheet_copy_id("xm", 2, 3), sheet_copy_id("xm", 1, 1)
    ('xm2', 'xm')
    """
    return f"{spec_id}{n}" if copies > 1 else spec_id


#: Pre-fill keys that shape the layout (not cell values): the reader rebuilds the same form.
INDICATORS_KEY = "_indicators"  # {sheet id: [{level1, level2, name, direction, target, unit, weight}]}
COPIES_KEY = "_copies"  # {sheet spec id: number of copies wanted (projects)}
DEPARTMENT_KEY = "_department"  # {"code": ..., "name": ...}
MAX_COPIES = 50


def build_layout(lt: LoadedTemplate, prefill: dict[str, Any] | None = None) -> Layout:
    """Lay out every sheet of a template (with pre-filled values by defined name).

    Besides values by defined name, ``prefill`` may carry the keys above: declared
    indicators become locked rows before the blank ones, and project sheets are copied
    once per pre-filled project.

    >>> lt = load_template("guizhou-zhengti")  # doctest: +SKIP
    >>> layout = build_layout(lt, {"zt_department": "某某局", "_indicators": {"zt": [
    ...     {"level1": "产出指标", "level2": "数量", "name": "培训人次", "direction": "≥",
    ...      "target": 300, "unit": "人次", "weight": 5}]}})  # doctest: +SKIP
    >>> layout.cell("zt_ind1_name").value  # doctest: +SKIP
    '培训人次'
    """
    return _LayoutBuilder(lt, prefill or {}).build()


# ---------------------------------------------------------------------------- self evaluation

# Columns of the self-evaluation table.
A, B, C, D, E, F, G, H, I, J, K, L, M = range(13)
PANEL_LABEL, PANEL_VALUE = 14, 15  # O, P: the self-check panel beside the form
FLAG0 = 19  # T...: hidden per-row flags

_WIDTHS = {A: 11, B: 11, C: 26, D: 5, E: 9, F: 6, G: 13, H: 13, I: 6, J: 7, K: 7, L: 22, M: 20, 13: 2,
           PANEL_LABEL: 24, PANEL_VALUE: 40}


def _fields_rows(sb: _SheetBuilder, fields: list[model.Field_], year: Any) -> None:
    """Header or signature fields, two per row: label | input | label | input."""
    spans = [((A, B), (C, F)), ((G, H), (I, L))]
    for i in range(0, len(fields), 2):
        for f, ((l0, l1), (v0, v1)) in zip(fields[i:i + 2], spans, strict=False):
            sb.put(sb.row, l0, f.label + "：", style="label_right", to=(sb.row, l1))
            vt: ValueType = "date" if f.type == "date" else "text"
            sb.input(sb.row, v0, f.key, value_type=vt, style="input_date" if vt == "date" else "input_text",
                     to=(sb.row, v1), label=f.label, max_length=f.max_length,
                     validation={"kind": "date", "year": year} if vt == "date" else None)
        sb.s.row_heights[sb.row] = 20
        sb.row += 1


def _build_self_evaluation(sb: _SheetBuilder, spec: model.SelfEvaluationSheet, lb: _LayoutBuilder) -> str:
    t = lb.t
    sc = t.scoring
    declared = sc.mode == "declared"
    s = sb.s
    s.print = spec.print
    s.col_widths = dict(_WIDTHS)
    year = t.params.get("year")
    # Title
    sb.put(0, A, lb.lt.render_text(spec.title), style="title", to=(0, L))
    s.row_heights[0] = 30
    sb.row = 1
    if spec.subtitle:
        sb.put(1, A, lb.lt.render_text(spec.subtitle), style="subtitle", to=(1, L))
        sb.row = 2
    _fields_rows(sb, spec.header, year)

    # Funds block
    f = spec.funds
    top = sb.row
    sb.put(top, C, "资金来源", style="head", to=(top, D))
    for col, text in ((E, f.initial_label), (G, f.budget_label), (H, f.actual_label), (I, "分值"), (J, "执行率")):
        sb.put(top, col, text, style="head", to=(top, F) if col == E else None)
    if declared:
        sb.put(top, K, "自评得分", style="head")
        sb.put(top, L, "计算得分", style="head")
    else:
        sb.put(top, K, "得分", style="head", to=(top, L))
    sb.row += 1
    group = None
    money_names: list[str] = []
    for r in f.rows:
        if r.group and r.group != group:
            group = r.group
            sb.put(sb.row, C, r.group, style="label_left", to=(sb.row, L))
            sb.row += 1
        row = sb.row
        sb.put(row, C, ("其中：" if r.group and not r.scored else "") + r.label, style="label_left", to=(row, D))
        for col, suffix, lab in ((E, "initial", f.initial_label), (G, "budget", f.budget_label),
                                 (H, "actual", f.actual_label)):
            key = f"fund_{r.key}_{suffix}"
            sb.input(row, col, key, value_type="money", style="input_money", to=(row, F) if col == E else None,
                     label=f"{r.label} {lab}")
            money_names.append(f"{s.id}_{key}")
        if r.scored:
            sb.input(row, I, "exec_weight", value_type="weight", style="input_weight", value=sc.execution_weight,
                     locked_value=True, label="预算执行率分值")
            b, a = f"fund_{r.key}_budget", f"fund_{r.key}_actual"
            rate_rule = sc.execution_rate
            sb.computed(row, J, f"fund_{r.key}_rate", rate_rule.rule, {"budget": b, "actual": a},
                        rate_rule.params, style="rate", value_type="rate", label="执行率")
            score_key = "exec_score_computed" if declared else "exec_score"
            sb.computed(row, L if declared else K, score_key, sc.execution_score.rule,
                        {"budget": b, "actual": a, "weight": "exec_weight"}, sc.execution_score.params,
                        style="score", to=None if declared else (row, L), label="执行率得分")
            if declared:
                sb.input(row, K, "exec_score", value_type="score", style="input_score", label="执行率自评得分",
                         validation={"kind": "score", "max": "exec_weight"})
                sb.input(row, M, "exec_reason", value_type="longtext", style="input_text",
                         label="执行率得分差异说明", max_length=2000)
                flag = sb.computed(row, FLAG0, "exec_chk_declared_differs", "ROW_DECLARED_DIFFERS",
                                   {"declared": "exec_score", "computed": score_key, "reason": "exec_reason"},
                                   style="flag", value_type="flag", label="执行率自评得分")
                s.marks.append(ConditionalMark(target=f"{s.id}_exec_score", flag=flag.name))  # type: ignore[arg-type]
        else:
            for col in (I, J):
                sb.put(row, col, "—", style="center")
            sb.put(row, K, "—", style="center", to=(row, L))
        sb.row += 1
    sb.put(top, A, f.label, style="head", to=(sb.row - 1, B))

    # Goals
    g = spec.goals
    sb.put(sb.row, A, g.label, style="head", to=(sb.row + 1, B))
    sb.put(sb.row, C, g.expected_label, style="head", to=(sb.row, G))
    sb.put(sb.row, H, g.actual_label, style="head", to=(sb.row, L))
    sb.row += 1
    sb.input(sb.row, C, "goal_expected", value_type="longtext", style="input_longtext", to=(sb.row, G),
             label=g.expected_label, max_length=g.max_length)
    sb.input(sb.row, H, "goal_actual", value_type="longtext", style="input_longtext", to=(sb.row, L),
             label=g.actual_label, max_length=g.max_length)
    s.row_heights[sb.row] = 120
    sb.row += 1

    # Indicator table header (two rows)
    ind = spec.indicators
    h0 = sb.row
    s.repeat_rows = (h0, h0 + 1)
    heads = {A: "一级指标", B: "二级指标", C: "三级指标", G: ind.actual_label, H: "定性档次", I: "分值",
             J: "自评得分" if declared else "定性得分", K: "计算得分" if declared else "得分", L: ind.reason_label,
             M: "本行校验"}
    for col, text in heads.items():
        sb.put(h0, col, text, style="head" if col != M else "check_head", to=(h0 + 1, col))
    sb.put(h0, D, ind.target_label, style="head", to=(h0, F))
    for col, text in ((D, "方向"), (E, "指标值"), (F, "单位")):
        sb.put(h0 + 1, col, text, style="head")
    s.row_heights[h0] = 28
    sb.row = h0 + 2

    score_col = J if declared else K
    all_weights: list[str] = []
    subtotal_names: list[str] = []
    flag_names: dict[str, list[str]] = {rid: [] for rid, *_ in ROW_FLAGS}
    weight_checks: list[tuple[str, list[str], float]] = []
    n = 0
    for i1, l1 in enumerate(ind.level1):
        first = sb.row
        l1_weights: list[str] = []
        l1_scores: list[str] = []
        for l2 in l1.level2:
            l2_first = sb.row
            s.level2_names.add((l1.name, l2.name))
            rows = [*l2.indicators, *lb.declared(s.id, l1.name, l2.name), *([None] * l2.rows)]
            if not rows:
                rows = [None]
            for decl in rows:
                n += 1
                r = sb.row
                key = f"ind{n}"
                locked = decl is not None
                sb.input(r, C, f"{key}_name", value_type="text", style="input_text", label="三级指标",
                         value=decl.name if decl else None, locked_value=locked, max_length=200)
                sb.input(r, D, f"{key}_direction", value_type="choice", style="input_choice", label="方向",
                         value=decl.direction if decl else None, locked_value=locked, choices=["≥", "≤", "=", "定性"])
                target = decl.target if decl else None
                # A percentage is stored as a fraction and shown as one, so typing 95% (or 95
                # into the percent-formatted actual cell) gives the same number as the target.
                pct = "0.00%" if decl and decl.unit in ("%", "％") and decl.direction != "定性" else None
                sb.input(r, E, f"{key}_target", value_type="number", style="input_number", label=ind.target_label,
                         value=target, locked_value=locked, validation={"kind": "target", "direction": f"{key}_direction"},
                         num_format=pct)
                sb.input(r, F, f"{key}_unit", value_type="text", style="input_text", label="单位",
                         value=decl.unit if decl else None, locked_value=locked, max_length=20)
                sb.input(r, G, f"{key}_actual", value_type="number", style="input_number", label=ind.actual_label,
                         validation={"kind": "target", "direction": f"{key}_direction"}, num_format=pct)
                sb.input(r, H, f"{key}_tier", value_type="choice", style="input_choice", label="定性档次",
                         choices=[x.label for x in sc.tiers])
                sb.input(r, I, f"{key}_weight", value_type="weight", style="input_weight", label="分值",
                         value=decl.weight if decl else None, locked_value=locked)
                sb.input(r, J, f"{key}_declared", value_type="score", style="input_score",
                         label="自评得分" if declared else "定性得分", validation={"kind": "score", "max": f"{key}_weight"})
                sb.computed(r, K, f"{key}_score", "INDICATOR_SCORE",
                            {"direction": f"{key}_direction", "target": f"{key}_target", "actual": f"{key}_actual",
                             "weight": f"{key}_weight", "declared": f"{key}_declared"},
                            {"positive": sc.positive, "negative": sc.negative, "equal": sc.equal,
                             "digits": sc.digits, "mode": sc.rounding}, style="score", label="计算得分" if declared else "得分")
                sb.input(r, L, f"{key}_reason", value_type="longtext", style="input_text", label=ind.reason_label,
                         max_length=2000)
                final = f"{key}_declared" if declared else f"{key}_score"
                flag_args = {
                    "ROW_WEIGHT_MISSING": {"name": f"{key}_name", "weight": f"{key}_weight"},
                    "ROW_TARGET_NOT_NUMBER": {"direction": f"{key}_direction", "target": f"{key}_target"},
                    "ROW_SCORE_OVER_WEIGHT": {"score": final, "weight": f"{key}_weight"},
                    "ROW_QUAL_OUT_OF_BAND": {"direction": f"{key}_direction", "tier": f"{key}_tier",
                                             "score": final, "weight": f"{key}_weight"},
                    "ROW_REASON_MISSING": {"score": final, "weight": f"{key}_weight", "reason": f"{key}_reason",
                                           "direction": f"{key}_direction", "target": f"{key}_target",
                                           "actual": f"{key}_actual"},
                    "ROW_DECLARED_DIFFERS": {"declared": f"{key}_declared", "computed": f"{key}_score",
                                             "reason": f"{key}_reason"},
                }
                flag_params = {
                    "ROW_QUAL_OUT_OF_BAND": {"bands": [[x.label, x.low, x.high] for x in sc.tiers]},
                    "ROW_REASON_MISSING": {"over_ratio": sc.reason_over_ratio},
                }
                active = [rid for rid, *_ in ROW_FLAGS if declared or rid != "ROW_DECLARED_DIFFERS"]
                row_flags = []
                for fi, rid in enumerate(active):
                    fname = sb.computed(r, FLAG0 + fi, f"{key}_chk_{rid[4:].lower()}", rid, flag_args[rid],
                                        flag_params.get(rid), style="flag", value_type="flag").name
                    flag_names[rid].append(fname)  # type: ignore[arg-type]
                    row_flags.append(fname)
                    target_col = {"ROW_WEIGHT_MISSING": "weight", "ROW_TARGET_NOT_NUMBER": "target",
                                  "ROW_REASON_MISSING": "reason"}.get(rid, "declared" if rid == "ROW_QUAL_OUT_OF_BAND" else
                                                                      ("score" if not declared else "declared"))
                    s.marks.append(ConditionalMark(target=f"{s.id}_{key}_{target_col}", flag=fname))  # type: ignore[arg-type]
                sb.computed(r, M, f"{key}_check", "ROW_MESSAGE", {"flags": row_flags},
                            {"messages": [m for rid, m, *_ in ROW_FLAGS if rid in active]}, style="check", value_type="text")
                l1_weights.append(f"{s.id}_{key}_weight")
                l1_scores.append(f"{s.id}_{final}")
                s.row_heights[r] = 30
                sb.row += 1
            sb.put(l2_first, B, l2.name, style="head", to=(sb.row - 1, B))
        # Subtotal row for the first-level indicator.
        r = sb.row
        sb.put(r, B, "小计", style="head", to=(r, H))
        sb.computed(r, I, f"l1_{i1 + 1}_weight", "TOTAL", {"parts": list(l1_weights)}, style="weight_total")
        sb.computed(r, score_col, f"l1_{i1 + 1}_score", "SUBTOTAL", {"scores": list(l1_scores)}, style="score_total",
                    label=f"{l1.name}得分")
        sb.put(r, K if declared else J, None, style="label")
        sb.put(r, L, None, style="label")
        sb.row += 1
        sb.computed(first, A, f"l1_{i1 + 1}_label", "LEVEL1_LABEL", {"weights": list(l1_weights)}, {"name": l1.name, "nominal": l1.weight},
                    style="head", value_type="text", to=(sb.row - 1, A))
        all_weights.extend(l1_weights)
        subtotal_names.append(f"{s.id}_l1_{i1 + 1}_score")
        weight_checks.append((l1.name, l1_weights, l1.weight))

    # Total, grade, conclusion
    r = sb.row
    sb.put(r, A, "总分", style="head_total", to=(r, H))
    sb.computed(r, I, "total_weight", "TOTAL", {"parts": [f"{s.id}_exec_weight", *all_weights]}, style="weight_total")
    sb.computed(r, score_col, "total_score", "TOTAL", {"parts": [f"{s.id}_exec_score", *subtotal_names]},
                style="score_total", label="总分")
    sb.put(r, K if declared else J, None, style="label")
    sb.put(r, L, None, style="label")
    s.row_heights[r] = 22
    sb.row += 1
    r = sb.row
    sb.put(r, A, spec.conclusion_label, style="head", to=(r, B))
    grade_params = {"bands": [[gb.min, gb.label] for gb in sc.grades[:-1]], "otherwise": sc.grades[-1].label}
    sb.computed(r, C, "grade", "GRADE", {"total": "total_score"}, grade_params, style="grade", value_type="text",
                to=(r, D), label="自评等级")
    sb.input(r, E, "conclusion", value_type="longtext", style="input_text", to=(r, L), label=spec.conclusion_label,
             max_length=2000)
    s.row_heights[r] = 40
    sb.row += 1
    _fields_rows(sb, spec.signatures, year)
    for note in spec.notes:
        text = lb.lt.render_text(note)
        sb.put(sb.row, A, text, style="note", to=(sb.row, L))
        s.row_heights[sb.row] = _text_height(text, sum(_WIDTHS[c] for c in range(A, L + 1)))
        sb.row += 1
    s.print_rows = (0, sb.row - 1)
    s.print_cols = (A, L)

    # Self-check panel beside the form (not printed).
    pr = 0
    sb.put(pr, PANEL_LABEL, "校验（填报完成后应全部为 ✓）", style="panel_head", to=(pr, PANEL_VALUE))
    pr += 1
    panel: list[tuple[str, str, dict[str, Any], dict[str, Any], str | None]] = [
        ("分值合计", "CHK_WEIGHTS_TOTAL", {"fixed": "exec_weight", "weights": all_weights},
         {"total": sc.total_weight}, None),
        ("预算执行率分值", "CHK_EXEC_WEIGHT", {"weight": "exec_weight"}, {"expected": sc.execution_weight}, None),
    ]
    if sc.level1_check != "off":
        for j, (l1name, weights, expected) in enumerate(weight_checks):
            panel.append((f"{l1name}分值", "CHK_LEVEL1_WEIGHTS", {"weights": weights},
                          {"name": l1name, "expected": expected}, f"l1_{j + 1}_label"))
    for rid, _, panel_label, message in ROW_FLAGS:
        if flag_names[rid]:
            panel.append((panel_label, "CHK_ROWS", {"flags": flag_names[rid]}, {"message": message}, None))
    scored = next(x for x in f.rows if x.scored)
    for chk in f.sum_checks:
        for suffix, lab in (("initial", f.initial_label), ("budget", f.budget_label), ("actual", f.actual_label)):
            if suffix not in chk.columns:
                continue
            panel.append((f"{chk.label}{lab}合计", "CHK_FUNDS_SUM",
                          {"total": f"fund_{chk.total}_{suffix}", "parts": [f"{s.id}_fund_{p}_{suffix}" for p in chk.parts]},
                          {"label": lab, "tolerance": 0.01}, f"fund_{chk.total}_{suffix}"))
    panel.append(("执行率", "CHK_EXEC_OVER_100",
                  {"budget": f"fund_{scored.key}_budget", "actual": f"fund_{scored.key}_actual"}, {},
                  f"fund_{scored.key}_actual"))
    panel.append(("金额非负", "CHK_NOT_NEGATIVE", {"amounts": money_names}, {}, None))
    for label, rid, args, params, mark_target in panel:
        sb.put(pr, PANEL_LABEL, label, style="panel_label")
        key = f"panel_{pr}"
        chk = sb.computed(pr, PANEL_VALUE, key, rid, args, params, style="panel_value", value_type="text", label=label)
        s.panel.append(chk.name)  # type: ignore[arg-type]
        if mark_target:
            s.marks.append(ConditionalMark(target=f"{s.id}_{mark_target}", flag=chk.name, when="not_ok"))  # type: ignore[arg-type]
        pr += 1
    s.hidden_cols = list(range(FLAG0, FLAG0 + len(ROW_FLAGS)))
    return f"{s.id}_total_score"


# ---------------------------------------------------------------------------- basic data


def _build_basic_data(sb: _SheetBuilder, spec: model.BasicDataSheet, lb: _LayoutBuilder) -> None:
    s = sb.s
    s.print = spec.print
    s.col_widths = {0: 30, 1: 12, 2: 12, 3: 12, 4: 12, 5: 12, 6: 12, 7: 2, 8: 24, 9: 40}
    year = lb.t.params.get("year")
    sb.put(0, 0, lb.lt.render_text(spec.title), style="title", to=(0, 6))
    s.row_heights[0] = 30
    r = 1
    # Staffing: 编制数 | 实际在职人数 | 控制率
    sb.put(r, 0, spec.staffing_label, style="head", to=(r + 1, 0))
    for col, text in ((1, "编制数"), (3, f"{year}年实际在职人数" if year else "实际在职人数"), (5, "控制率")):
        sb.put(r, col, text, style="head", to=(r, col + 1))
    sb.input(r + 1, 1, "staff_quota", value_type="number", style="input_number", to=(r + 1, 2), label="编制数")
    sb.input(r + 1, 3, "staff_actual", value_type="number", style="input_number", to=(r + 1, 4), label="实际在职人数")
    sb.computed(r + 1, 5, "staff_rate", "RATIO", {"numerator": "staff_actual", "denominator": "staff_quota"},
                style="rate", value_type="rate", to=(r + 1, 6), label="控制率")
    r += 2
    cols = [lb.lt.render_text(c) for c in spec.cost_columns]
    sb.put(r, 0, spec.cost_label, style="head")
    for j, text in enumerate(cols):
        sb.put(r, 1 + 2 * j, text, style="head", to=(r, 2 + 2 * j))
    r += 1
    money: list[str] = []
    pending: list[tuple[int, model.CostRow]] = []
    for row in spec.cost_rows:
        sb.put(r, 0, "　" * row.indent + row.label, style="label_left")
        if row.text_only:
            sb.put(r, 1, None, style="label", to=(r, 6))
        else:
            for j in range(3):
                key = f"cost_{row.key}_{j + 1}"
                if row.sum_of:
                    pending.append((r, row))
                else:
                    sb.input(r, 1 + 2 * j, key, value_type="money", style="input_money", to=(r, 2 + 2 * j),
                             label=f"{row.label} {cols[j]}")
                    money.append(f"{s.id}_{key}")
        r += 1
    # Sums after every part exists (a sum may name rows below it).
    done: set[str] = set()

    def emit(row: model.CostRow, rr: int) -> None:
        if row.key in done:
            return
        for part in row.sum_of:
            sub = next(x for x in spec.cost_rows if x.key == part)
            if sub.sum_of:
                emit(sub, next(p for p, x in pending if x.key == part))
        for j in range(3):
            sb.computed(rr, 1 + 2 * j, f"cost_{row.key}_{j + 1}", "SUM_PARTS",
                        {"parts": [f"{s.id}_cost_{p}_{j + 1}" for p in row.sum_of]}, style="money_total",
                        to=(rr, 2 + 2 * j), label=f"{row.label} {cols[j]}")
        done.add(row.key)

    for rr, row in pending:
        emit(row, rr)
    if spec.buildings:
        heads = ["批复规模(m²)", "实际规模(m²)", "规模控制率", "预算投资(万元)", "实际投资(万元)", "投资概算控制率"]
        sb.put(r, 0, f"楼堂馆所控制情况（{year}年完工项目）" if year else "楼堂馆所控制情况", style="head", to=(r + 1, 0))
        for j, text in enumerate(heads):
            sb.put(r, 1 + j, text, style="head")
        for j, key in enumerate(("bld_area_approved", "bld_area_actual")):
            sb.input(r + 1, 1 + j, key, value_type="number", style="input_number", label=heads[j])
        sb.computed(r + 1, 3, "bld_area_rate", "RATIO", {"numerator": "bld_area_actual", "denominator": "bld_area_approved"},
                    style="rate", value_type="rate", label="规模控制率")
        for j, key in enumerate(("bld_invest_budget", "bld_invest_actual")):
            sb.input(r + 1, 4 + j, key, value_type="money", style="input_money", label=heads[3 + j])
            money.append(f"{s.id}_{key}")
        sb.computed(r + 1, 6, "bld_invest_rate", "RATIO",
                    {"numerator": "bld_invest_actual", "denominator": "bld_invest_budget"},
                    style="rate", value_type="rate", label="投资概算控制率")
        s.row_heights[r] = 30
        r += 2
    sb.put(r, 0, spec.measures_label, style="head")
    sb.input(r, 1, "measures", value_type="longtext", style="input_longtext", to=(r, 6), label=spec.measures_label,
             max_length=2000)
    s.row_heights[r] = 60
    r += 1
    sb.row = r
    _fields_rows_narrow(sb, spec.signatures, year)
    for note in spec.notes:
        text = lb.lt.render_text(note)
        sb.put(sb.row, 0, text, style="note", to=(sb.row, 6))
        s.row_heights[sb.row] = _text_height(text, 90)
        sb.row += 1
    s.print_rows = (0, sb.row - 1)
    s.print_cols = (0, 6)
    sb.put(0, 8, "校验（填报完成后应全部为 ✓）", style="panel_head", to=(0, 9))
    sb.put(1, 8, "金额非负", style="panel_label")
    chk = sb.computed(1, 9, "panel_1", "CHK_NOT_NEGATIVE", {"amounts": money}, style="panel_value", value_type="text",
                      label="金额非负")
    s.panel.append(chk.name)  # type: ignore[arg-type]


def _fields_rows_narrow(sb: _SheetBuilder, fields: list[model.Field_], year: Any) -> None:
    for f in fields:
        sb.put(sb.row, 0, f.label + "：", style="label_right")
        vt: ValueType = "date" if f.type == "date" else "text"
        sb.input(sb.row, 1, f.key, value_type=vt, style="input_date" if vt == "date" else "input_text",
                 to=(sb.row, 3), label=f.label, max_length=f.max_length,
                 validation={"kind": "date", "year": year} if vt == "date" else None)
        sb.row += 1


# ---------------------------------------------------------------------------- checklist


def _build_checklist(sb: _SheetBuilder, spec: model.ChecklistSheet, lb: _LayoutBuilder,
                     sheet_totals: dict[str, list[str]]) -> None:
    s = sb.s
    s.print = spec.print
    s.col_widths = {0: 24, 1: 7, 2: 50, 3: 10, 4: 10, 5: 12, 6: 2, 7: 20, 8: 36}
    year = lb.t.params.get("year")
    sb.put(0, 0, lb.lt.render_text(spec.title), style="title", to=(0, 5))
    s.row_heights[0] = 30
    sb.row = 1
    _fields_rows_narrow(sb, spec.header, year)
    r = sb.row
    for j, text in enumerate(("考核内容", "分值", "计分标准", "自评分数", "评定分数", "备注")):
        sb.put(r, j, text, style="head")
    s.repeat_rows = (r, r)
    r += 1
    self_scores: list[str] = []
    review_scores: list[str] = []
    over_flags: list[str] = []
    for si, sec in enumerate(spec.sections):
        sec_row = r
        sb.put(r, 0, sec.name, style="label_left_bold")
        sb.put(r, 1, sum(i.weight for i in sec.items), style="center_bold")
        r += 1
        sec_self: list[str] = []
        sec_review: list[str] = []
        for item in sec.items:
            sb.put(r, 0, item.name, style="label_left")
            sb.input(r, 1, f"{item.key}_weight", value_type="weight", style="input_weight", value=item.weight,
                     locked_value=True, label=f"{item.name} 分值")
            sb.put(r, 2, item.standard, style="label_wrap")
            if item.computed == "project_average" and spec.project_sheet in sheet_totals:
                sb.computed(r, 3, f"{item.key}_self", "AVERAGE_TIMES",
                            {"values": list(sheet_totals[spec.project_sheet])},
                            {"factor": spec.project_factor, "digits": 2}, style="score", label=f"{item.name} 自评分数")
            else:
                sb.input(r, 3, f"{item.key}_self", value_type="score", style="input_score", label=f"{item.name} 自评分数",
                         validation={"kind": "score", "max": f"{item.key}_weight"})
            sb.input(r, 4, f"{item.key}_review", value_type="score", style="input_score", label=f"{item.name} 评定分数",
                     validation={"kind": "score", "max": f"{item.key}_weight"})
            sb.input(r, 5, f"{item.key}_note", value_type="text", style="input_text", label=f"{item.name} 备注",
                     max_length=200)
            flag = sb.computed(r, 7, f"{item.key}_chk_over", "ROW_SCORE_OVER_WEIGHT",
                               {"score": f"{item.key}_self", "weight": f"{item.key}_weight"}, style="check",
                               value_type="flag")
            over_flags.append(flag.name)  # type: ignore[arg-type]
            s.marks.append(ConditionalMark(target=f"{s.id}_{item.key}_self", flag=flag.name))  # type: ignore[arg-type]
            s.row_heights[r] = _text_height(item.standard, 50)
            sec_self.append(f"{s.id}_{item.key}_self")
            sec_review.append(f"{s.id}_{item.key}_review")
            r += 1
        sb.computed(sec_row, 3, f"sec{si + 1}_self", "SUBTOTAL", {"scores": sec_self}, style="score_total")
        sb.computed(sec_row, 4, f"sec{si + 1}_review", "SUBTOTAL", {"scores": sec_review}, style="score_total")
        self_scores.append(f"{s.id}_sec{si + 1}_self")
        review_scores.append(f"{s.id}_sec{si + 1}_review")
    sb.put(r, 0, "合    计", style="head_total")
    sb.put(r, 1, sum(i.weight for sec in spec.sections for i in sec.items), style="center_bold")
    sb.put(r, 2, None, style="label")
    sb.computed(r, 3, "total_self", "TOTAL", {"parts": self_scores}, style="score_total", label="自评分数合计")
    sb.computed(r, 4, "total_review", "TOTAL", {"parts": review_scores}, style="score_total", label="评定分数合计")
    sb.put(r, 5, None, style="label")
    r += 1
    sb.row = r
    for note in spec.notes:
        text = lb.lt.render_text(note)
        sb.put(sb.row, 0, text, style="note", to=(sb.row, 5))
        s.row_heights[sb.row] = _text_height(text, 100)
        sb.row += 1
    _fields_rows_narrow(sb, spec.signatures, year)
    s.print_rows = (0, sb.row - 1)
    s.print_cols = (0, 5)
    sb.put(0, 7, "校验（填报完成后应全部为 ✓）", style="panel_head", to=(0, 8))
    sb.put(1, 7, "得分超过分值", style="panel_label")
    chk = sb.computed(1, 8, "panel_1", "CHK_ROWS", {"flags": over_flags}, {"message": "项自评分数超过分值"},
                      style="panel_value", value_type="text", label="自评分数")
    s.panel.append(chk.name)  # type: ignore[arg-type]


def _build_cross_checks(lb: _LayoutBuilder) -> None:
    """Funds that must agree across sheets, on a panel line of the first sheet."""
    first = lb.layout.sheets[0]
    sb = _SheetBuilder(lb, first.id, first.name)
    sb.s = first
    panel_cells = [lb.layout.by_name[n] for n in first.panel]
    col = panel_cells[0].col if panel_cells else 15
    row = max((c.row for c in panel_cells), default=0) + 1
    for i, chk in enumerate(lb.t.cross_checks):
        sb.put(row, col - 1, chk.label, style="panel_label")
        # A part with * (xm*_fund_total_actual) means that cell on every copy of a sheet, so
        # a department with five projects is checked against all five.
        parts = [n for p in chk.parts for n in
                 ([p] if "*" not in p else [c for c in lb.layout.by_name if fnmatch.fnmatchcase(c, p)])]
        cell = sb.computed(row, col, f"cross_{i + 1}", "CHK_FUNDS_SUM", {"total": chk.total, "parts": parts},
                           {"label": chk.label, "tolerance": 0.01}, style="panel_value", value_type="text",
                           label=chk.label)
        first.panel.append(cell.name)  # type: ignore[arg-type]
        row += 1
