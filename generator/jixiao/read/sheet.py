"""One pass over a sheet part: cells (cached value and formula at once), styles of
empty rows and columns, merges, protection and data validations.

Validation, conditional-format and merge ranges are parsed into boxes, never expanded to
cells, and counted against the range budget (R013); a range that is no range
(``sqref="hidden"``) is a malformed package (R011).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from ..layout.refs import a1
from .errors import malformed
from .formula import translate_formula
from .package import CellData, CellValue, DataValidation, SheetProtection, StyledSpan
from .refs import MAX_COL, MAX_ROW, Box, cell_key, sqref_boxes, unescape
from .values import as_bool, as_int
from .xml import LOCAL_NAMES, Walk, local, parse, rich_text
from .zipparts import Archive, Budget


def _number(text: str, ref: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = float("nan")
    if x != x or x in (float("inf"), float("-inf")) or "_" in text:
        raise malformed(f"单元格 {ref} 的数值无效：{text[:40]!r}", f"bad number in {ref}")
    return x


def _datetime(text: str) -> datetime | str:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return text


def _flag(a: dict[str, str], key: str) -> bool:
    """A boolean attribute (default False); ``"1"``, as every writer puts it, at once."""
    text = a.get(key)
    return text == "1" or (text is not None and as_bool(text))


class SheetWalk(Walk):
    units = frozenset({
        "row", "col", "mergeCell", "dataValidation", "conditionalFormatting", "sheetProtection",
        "dimension",
    })
    containers = frozenset({
        "sheetData", "cols", "mergeCells", "dataValidations", "conditionalFormattings", "extLst",
        "ext",
    })

    def __init__(self, part: str, sst: list[str], xf_locked: list[bool], budget: Budget) -> None:
        self.part = part
        self.sst = sst
        self.xf_locked = xf_locked
        self.budget = budget
        self.cells: dict[str, CellData] = {}
        self.merges: list[str] = []
        self.validations: list[DataValidation] = []
        self.cols: list[StyledSpan] = []
        self.rows: list[StyledSpan] = []
        self.masters: dict[int, tuple[int, int, str]] = {}
        self.pending: list[str] = []
        self.protection: dict[str, str] | None = None
        self.dimension: str | None = None
        self.row = 0

    def locked_of(self, style: int) -> bool:
        return self.xf_locked[style] if 0 <= style < len(self.xf_locked) else True

    def unit(self, name: str, el: Element) -> None:
        a = el.attrib
        if name == "row":
            self.read_row(el)
        elif name == "col":
            style = as_int(a.get("style", "0"), "col style")
            if style:
                first, last = as_int(a.get("min"), "col min"), as_int(a.get("max"), "col max")
                self.cols.append(StyledSpan(first, last, self.locked_of(style)))
        elif name == "mergeCell":
            ref = a.get("ref")
            if ref:
                self.boxes(ref)
                self.merges.append(ref)
        elif name == "dataValidation":
            self.validations.append(self.validation(el))
        elif name == "conditionalFormatting":
            # Not kept (nothing reads formats back), but its ranges count and must parse.
            sqref = a.get("sqref") or next(
                (c.text or "" for c in el if local(c.tag) == "sqref"), ""
            )
            if sqref:
                self.boxes(sqref)
        elif name == "sheetProtection":
            self.protection = dict(a)
        else:
            self.dimension = a.get("ref")

    def boxes(self, sqref: str) -> tuple[Box, ...]:
        """The ranges of ``sqref``, counted against the budget before they are parsed."""
        self.budget.add_ranges(sqref.count(" ") + 1, self.part)
        try:
            return sqref_boxes(sqref)
        except ValueError:
            raise malformed(
                f"{self.part} 中的区域无效：{sqref[:40]!r}", f"bad range {sqref[:40]!r}"
            ) from None

    def validation(self, el: Element) -> DataValidation:
        """``<dataValidation>``, or ``<x14:dataValidation>`` with ``<xm:sqref>`` and
        ``<x14:formula1><xm:f>`` children (the formula is all the child's text)."""
        a = el.attrib
        texts: dict[str, str] = {}
        for child in el:
            name = local(child.tag)
            if name in ("formula1", "formula2", "sqref"):
                text = "".join(child.itertext()) if len(child) else child.text or ""
                texts.setdefault(name, text)
        sqref = a.get("sqref") or texts.get("sqref") or ""
        return DataValidation(
            sqref=sqref,
            boxes=self.boxes(sqref),
            type=a.get("type"),
            operator=a.get("operator"),
            formula1=texts.get("formula1"),
            formula2=texts.get("formula2"),
            allow_blank=_flag(a, "allowBlank"),
            show_error_message=_flag(a, "showErrorMessage"),
            show_input_message=_flag(a, "showInputMessage"),
            error_title=a.get("errorTitle"),
            error=a.get("error"),
            prompt_title=a.get("promptTitle"),
            prompt=a.get("prompt"),
        )

    def read_row(self, el: Element) -> None:
        a = el.attrib
        r = a.get("r")
        try:
            row = int(r) if r else self.row + 1
        except ValueError:
            raise malformed(f"行号无效：{r[:20]!r}", f"bad row number {r[:20]!r}") from None
        if not 1 <= row <= MAX_ROW:
            raise malformed(f"{self.part} 中的行号无效：{row}", f"bad row number {row}")
        self.row = row
        s = a.get("s")
        if s and as_bool(a.get("customFormat")):
            self.rows.append(StyledSpan(row, row, self.locked_of(as_int(s, "row s"))))
        col = n = 0
        for c in el:
            if (LOCAL_NAMES.get(c.tag) or local(c.tag)) == "c":
                col = self.read_cell(c, row, col)
                n += 1
        budget = self.budget
        budget.cells += n
        if budget.cells > budget.max_cells:
            raise budget.too_big()

    def address(self, row: int, col: int) -> tuple[str, int, int]:
        """A cell without ``r`` is the one after the previous cell of its row."""
        if col >= MAX_COL:
            raise malformed(f"{self.part} 中有缺少地址的单元格", f"cell without ref in {self.part}")
        return a1(row - 1, col), row, col + 1

    def read_cell(self, c: Element, row: int, col: int) -> int:
        """One ``<c>``: returns its column (a following cell without ``r`` is the next)."""
        a = c.attrib
        r = a.get("r")
        try:
            ref, c_row, c_col = cell_key(r) if r else self.address(row, col)
        except ValueError:
            raise malformed(
                f"{self.part} 中的单元格地址无效：{r[:20]!r}", f"bad cell ref {r[:20]!r}"
            ) from None
        cells = self.cells
        if ref in cells:
            raise malformed(f"{self.part} 中单元格 {ref} 重复出现", f"duplicate cell {ref}")
        s = a.get("s")
        try:
            style = int(s) if s else 0
        except ValueError:
            raise malformed(f"样式序号无效：{s[:20]!r}", f"bad style index {s[:20]!r}") from None
        v = f = inline = None
        for child in c:
            tag = child.tag
            name = LOCAL_NAMES.get(tag) or local(tag)
            if name == "v":
                v = child.text or ""
            elif name == "f":
                f = child
            elif name == "is":
                inline = child
            elif name == "c":
                raise malformed(f"{self.part} 中单元格嵌套", f"nested <c> in {self.part}")
        t = a.get("t", "n")
        if t == "n" and v and not v.isspace():
            value: CellValue = _number(v, ref)
        else:
            value = self.value(t, v, inline, ref)
        formula = ftype = fref = si = None
        if f is not None:
            formula = f.text or ""
            fa = f.attrib
            ftype = fa.get("t", "normal")
            fref = fa.get("ref")
            if ftype == "shared":
                si = as_int(fa.get("si"), "si")
                if formula:
                    self.masters.setdefault(si, (c_row, c_col, formula))
                else:
                    self.pending.append(ref)
        xf_locked = self.xf_locked
        locked = xf_locked[style] if 0 <= style < len(xf_locked) else True
        cells[ref] = CellData(ref, value, formula, style, locked, t, ftype, fref, si, c_row, c_col)
        return c_col

    def value(self, t: str, v: str | None, inline: Element | None, ref: str) -> CellValue:
        """The cached value of a cell of type ``t`` (see :class:`CellData`)."""
        if t == "n":
            return _number(v, ref) if v and not v.isspace() else None
        if t == "s":
            if v is None or not v.strip():
                return None
            idx = as_int(v, f"{ref} 共享字符串序号")
            if not 0 <= idx < len(self.sst):
                raise malformed(
                    f"单元格 {ref} 引用了不存在的共享字符串 {idx}",
                    f"{ref} refers to missing shared string {idx}",
                )
            return self.sst[idx]
        if t == "str":
            return unescape(v) if v is not None else None
        if t == "inlineStr":
            if inline is not None:
                return rich_text(inline)
            return unescape(v) if v is not None else None
        if t == "b":
            if v is None or not v.strip():
                return None
            flag = v.strip().lower()
            if flag not in ("0", "1", "true", "false"):
                raise malformed(f"单元格 {ref} 的逻辑值无效：{v[:20]!r}", f"bad boolean in {ref}")
            return flag in ("1", "true")
        if t == "e":
            return v.strip() if v is not None else None
        if t == "d":
            return _datetime(v) if v else None
        raise malformed(f"单元格 {ref} 的类型无效：{t[:20]!r}", f"unknown cell type {t[:20]!r}")

    def expand_shared(self) -> None:
        """Children of shared formulas get the master's formula moved to their place."""
        for ref in self.pending:
            cell = self.cells[ref]
            master = self.masters.get(cell.shared_index)  # type: ignore[arg-type]
            if master is None:
                raise malformed(
                    f"单元格 {ref} 的共享公式缺少主公式", f"shared formula of {ref} has no master"
                )
            m_row, m_col, text = master
            self.cells[ref] = cell._replace(
                formula=translate_formula(text, cell.row - m_row, cell.col - m_col)
            )

    def pieces(self) -> dict[str, Any]:
        """The keyword arguments of :class:`SheetData` this part gave."""
        prot = self.protection
        protection = (
            SheetProtection(
                True,
                as_bool(prot.get("sheet")),
                bool(prot.get("password") or prot.get("hashValue")),
                prot,
            )
            if prot is not None
            else SheetProtection()
        )
        return {
            "cells": self.cells,
            "merges": tuple(self.merges),
            "protection": protection,
            "validations": tuple(self.validations),
            "dimension": self.dimension,
            "column_styles": tuple(self.cols),
            "row_styles": tuple(self.rows),
            "default_locked": self.locked_of(0),
        }


def read_sheet(
    archive: Archive, name: str, sst: list[str], xf_locked: list[bool]
) -> dict[str, Any]:
    """One pass over a sheet part; returns the pieces of a SheetData."""
    walk = SheetWalk(name, sst, xf_locked, archive.budget)
    parse(archive.open(name), name, walk, archive.budget)
    walk.expand_shared()
    return walk.pieces()
