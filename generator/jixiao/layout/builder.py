"""What every sheet builder shares: the template being laid out and a cursor over one sheet."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..rules.library import Rule, library
from ..template import model
from ..template.load import LoadedTemplate
from .model import INDICATORS_KEY, Cell, FieldCell, Layout, Role, SheetLayout, SheetRole, ValueType
from .refs import CellName


@dataclass
class BuildContext:
    """The template, its pre-fill and the layout being filled, for every sheet builder."""

    lt: LoadedTemplate
    prefill: dict[str, Any]
    layout: Layout
    #: Merged rule parameters by (rule, the cell's own): thousands of cells share a few
    #: dozen, merged and checked once; cells only read them.
    merged_params: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: The row flag plans of the indicator rows, by kind of row (see :mod:`.row_flags`).
    row_plans: dict[Any, Any] = field(default_factory=dict)

    def rule_params(self, rule: Rule, params: dict[str, Any] | None) -> dict[str, Any]:
        """``rule.params(params)``, merged once per distinct value (see ``merged_params``)."""
        key = (rule.id, repr(params))
        merged = self.merged_params.get(key)
        if merged is None:
            merged = self.merged_params[key] = rule.params(params)
        return merged

    @property
    def t(self) -> model.Template:
        return self.lt.template

    @property
    def year(self) -> Any:
        return self.t.params.get("year")

    def declared(self, sheet_id: str, level1: str, level2: str) -> list[model.Indicator]:
        """Indicators a department declared for one 二级指标 (pre-filled, become locked rows)."""
        return [model.Indicator(**{k: v for k, v in d.items() if k not in ("level1", "level2")})
                for d in self.prefill.get(INDICATORS_KEY, {}).get(sheet_id, [])
                if d.get("level1") == level1 and d.get("level2") == level2]


def text_height(text: str, width_chars: float, line_height: float = 14.5) -> float:
    """Row height in points that fits ``text`` (CJK glyphs are two width units)."""
    if not text:
        return line_height
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    lines = max(1, math.ceil(units / max(width_chars * 1.0, 1)))
    return min(409, lines * line_height + 4)


class SheetBuilder:
    """Places cells on one sheet; a cell's name is the sheet id and the key the builder gives."""

    def __init__(self, ctx: BuildContext, sid: str, name: str, role: SheetRole) -> None:
        self.ctx = ctx
        self.s = SheetLayout(id=sid, name=name, role=role)
        self.row = 0

    def name(self, key: str) -> CellName:
        """The defined name of this sheet's cell ``key``."""
        return f"{self.s.id}_{key}"

    def put(self, row: int, col: int, value: Any = None, *, style: str = "label", to: tuple[int, int] | None = None,
            role: Role = "label", key: str | None = None, **kw: Any) -> Cell:
        name = self.name(key) if key else None
        cell = Cell(sheet=self.s.name, row=row, col=col, role=role, value=value, style=style, name=name, key=key,
                    **kw)
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
            layout = self.ctx.layout
            if name in layout.by_name:
                raise ValueError(f"duplicate cell name {name}")
            layout.by_name[name] = cell
            if role == "computed":
                layout.computed_order.append(name)
        return cell

    def computed(self, row: int, col: int, key: str, rule: str, args: dict[str, Any], params: dict[str, Any] | None = None,
                 *, style: str, value_type: ValueType = "number", to: tuple[int, int] | None = None, label: str = "") -> Cell:
        full_args = {k: [self.full(x) for x in v] if isinstance(v, list) else self.full(v)
                     for k, v in args.items()}
        rule_obj: Rule = library()[rule]
        return self.rule_cell(row, col, key, rule, full_args, self.ctx.rule_params(rule_obj, params), style=style,
                              value_type=value_type, to=to, label=label)

    def rule_cell(self, row: int, col: int, key: str, rule: str, args: dict[str, Any], params: dict[str, Any], *,
                  style: str, value_type: ValueType = "number", to: tuple[int, int] | None = None,
                  label: str = "") -> Cell:
        """:meth:`computed` for a caller that has the full names of the arguments and the
        merged parameters (:meth:`BuildContext.rule_params`) already: the rows of a table."""
        return self.put(row, col, None, style=style, to=to, role="computed", key=key, rule=rule, params=params,
                        args=args, value_type=value_type, label=label)

    def full(self, name: str) -> CellName:
        """A cell name as given when it exists already (or names another sheet), else local."""
        if name in self.ctx.layout.by_name or name.startswith(self.s.id + "_"):
            return name
        return self.name(name)

    def input(self, row: int, col: int, key: str, *, value_type: ValueType, style: str, to: tuple[int, int] | None = None,
              label: str = "", value: Any = None, locked_value: bool = False, **kw: Any) -> Cell:
        prefilled = self.ctx.prefill.get(self.name(key), value)
        validation = kw.pop("validation", None)
        if validation:  # cells a validation refers to, by full name like every rule argument
            validation = {k: self.full(v) if k in ("max", "direction") else v for k, v in validation.items()}
            kw["validation"] = validation
        role: Role = "constant" if locked_value else "input"
        if locked_value:
            style = style.replace("input", "fixed")
        return self.put(row, col, prefilled, style=style, to=to, role=role, key=key, value_type=value_type,
                        label=label, **kw)

    def field(self, row: int, col: int, f: model.Field_, to: tuple[int, int]) -> Cell:
        """A header or signature input, recorded among the sheet's fields."""
        vt: ValueType = "date" if f.type == "date" else "text"
        cell = self.input(row, col, f.key, value_type=vt, style="input_date" if vt == "date" else "input_text",
                          to=to, label=f.label, max_length=f.max_length,
                          validation={"kind": "date", "year": self.ctx.year} if vt == "date" else None)
        self.s.fields.append(FieldCell(name=self.name(f.key), key=f.key, kind=f.type,
                                       required=f.required))
        return cell

    def fields_narrow(self, fields: list[model.Field_]) -> None:
        """Fields one per row: label in column A, the input across B:D."""
        for f in fields:
            self.put(self.row, 0, f.label + "：", style="label_right")
            self.field(self.row, 1, f, to=(self.row, 3))
            self.row += 1

    def notes(self, texts: list[str], last_col: int, width_chars: float) -> None:
        """Notes under the form, one merged row each, as high as the text needs."""
        for note in texts:
            text = self.ctx.lt.render_text(note)
            self.put(self.row, 0, text, style="note", to=(self.row, last_col))
            self.s.row_heights[self.row] = text_height(text, width_chars)
            self.row += 1
