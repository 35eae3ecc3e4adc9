"""What the reader returns: a :class:`Package` of :class:`SheetData`, frozen.

Only what the verification, the record and the tests use is kept; everything else in
the file is read past, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from .refs import Box, normal_ref, split_ref

CellValue = float | str | bool | datetime | None


class CellData(NamedTuple):
    """One ``<c>`` element (immutable: a named tuple, the one record a reader makes per cell,
    built seven times faster than a frozen dataclass).

    ``value`` is the cached value, typed by ``data_type`` (the raw ``t`` attribute):
    ``n`` -> float, ``s``/``str``/``inlineStr`` -> str, ``b`` -> bool, ``e`` -> the error
    text (``"#DIV/0!"``), ``d`` -> datetime (or the raw text if unparsable); ``None`` when
    there is no cached value. ``formula`` is the text of ``<f>`` without the leading
    ``=`` (children of a shared formula get the master's text translated to their
    position), ``None`` when the cell holds a constant. ``locked`` is resolved from
    ``styles.xml`` (see :class:`CellFormat`).
    """

    ref: str
    value: CellValue
    formula: str | None
    #: index into :attr:`Package.cell_formats` (0 when the cell has no ``s``).
    style: int
    locked: bool
    data_type: str = "n"
    #: None (constant), "normal", "shared", "array" or "dataTable".
    formula_type: str | None = None
    #: the ``ref`` attribute of ``<f>`` (array range, or the range of a shared master).
    formula_ref: str | None = None
    #: the ``si`` of a shared formula (master and children).
    shared_index: int | None = None
    row: int = 0
    col: int = 0


@dataclass(frozen=True, slots=True)
class CellFormat:
    """One ``<xf>`` of ``cellXfs`` (a cell's ``s`` indexes this list).

    ``locked``/``hidden`` come from the xf's own ``<protection>`` child (defaults: locked,
    not hidden), whatever ``applyProtection`` says: for cell xfs Excel uses the xf's own
    protection whenever it differs from the parent cell style, even with the apply flag
    off (LibreOffice's importer implements the same rule), so the effective protection is
    always the xf's own. ``apply_protection`` keeps the raw flag (None when absent).
    """

    locked: bool = True
    hidden: bool = False
    apply_protection: bool | None = None


@dataclass(frozen=True, slots=True)
class SheetProtection:
    """``<sheetProtection>``: ``enabled`` when present with ``sheet="1"``.

    ``attributes`` holds every raw attribute (``formatCells``, ``algorithmName``...).
    ``has_password`` when a legacy ``password`` hash or a ``hashValue`` is present.
    """

    present: bool = False
    sheet: bool = False
    has_password: bool = False
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.present and self.sheet


class DataValidation(NamedTuple):
    """One ``<dataValidation>`` (or an Excel 2010 ``<x14:dataValidation>`` in ``extLst``);
    immutable (a named tuple, like :class:`CellData`: a form has one per input cell).

    Attributes are raw (``type``/``operator`` None when absent; the schema default
    operator is ``between``, see ``effective_operator``); booleans use the schema default
    False when absent. Formulas are the raw text (no ``=``). ``boxes`` are the parsed
    ranges of ``sqref`` (see :mod:`jixiao.read.refs`), never expanded to cells.
    """

    sqref: str
    boxes: tuple[Box, ...]
    type: str | None
    operator: str | None
    formula1: str | None
    formula2: str | None
    allow_blank: bool
    show_error_message: bool
    show_input_message: bool
    error_title: str | None
    error: str | None
    prompt_title: str | None
    prompt: str | None

    @property
    def ranges(self) -> tuple[str, ...]:
        return tuple(self.sqref.split())

    @property
    def effective_operator(self) -> str:
        return self.operator or "between"


@dataclass(frozen=True, slots=True)
class StyledSpan:
    """A ``<col>`` (``first``..``last`` columns) or a ``<row customFormat="1">`` (one row)
    with a style: the lock state an empty cell there takes when typed into."""

    first: int
    last: int
    locked: bool


@dataclass(frozen=True)
class SheetData:
    """One worksheet (or chart/dialog/macro sheet) of the workbook, in workbook order.

    ``state`` is ``visible``, ``hidden`` or ``veryHidden`` (raw). ``cells`` maps ``"B3"``
    to :class:`CellData`, in document order; the extent is the cells', never
    ``dimension`` (kept raw: WPS writes ``A1:A1``).
    """

    name: str
    state: str
    cells: dict[str, CellData]
    merges: tuple[str, ...] = ()
    protection: SheetProtection = field(default_factory=SheetProtection)
    validations: tuple[DataValidation, ...] = ()
    dimension: str | None = None
    has_comments: bool = False
    column_styles: tuple[StyledSpan, ...] = ()
    row_styles: tuple[StyledSpan, ...] = ()
    #: lock state of style 0 (a cell without ``s``).
    default_locked: bool = True

    @cached_property
    def max_row(self) -> int:
        return max((c.row for c in self.cells.values()), default=0)

    @cached_property
    def max_col(self) -> int:
        return max((c.col for c in self.cells.values()), default=0)

    def value(self, ref: str) -> CellValue:
        """Cached value at ``ref`` (``None`` for a missing cell)."""
        cell = self.cells.get(normal_ref(ref))
        return None if cell is None else cell.value

    def locked_at(self, ref: str) -> bool:
        """Whether ``ref`` is locked, also for a cell absent from the XML: its row style
        (``customFormat``) wins over its column style, else style 0."""
        ref = normal_ref(ref)
        cell = self.cells.get(ref)
        if cell is not None:
            return cell.locked
        row, col = split_ref(ref)
        for span in self.row_styles:
            if span.first <= row <= span.last:
                return span.locked
        for span in self.column_styles:
            if span.first <= col <= span.last:
                return span.locked
        return self.default_locked


@dataclass(frozen=True, slots=True)
class DefinedName:
    """``<definedName>``: ``refers_to`` is the raw formula text (no ``=``);
    ``local_sheet_id`` indexes :attr:`Package.sheets` for a sheet-scoped name."""

    name: str
    refers_to: str
    local_sheet_id: int | None = None


@dataclass(frozen=True, slots=True)
class CustomProperty:
    """A ``docProps/custom.xml`` property: ``value`` typed from ``vt_type`` (``lpwstr``
    -> str, ``i4`` -> int, ``r8`` -> float, ``bool`` -> bool, ``filetime`` -> datetime;
    unknown or unparsable -> the raw text). LibreOffice rewrites ``i4`` as ``r8``."""

    name: str
    value: Any
    vt_type: str


@dataclass(frozen=True)
class Package:
    """What :func:`jixiao.read.read_package` found in one .xlsx file.

    ``path`` is the file read (None when read from bytes or a file object).
    ``application`` is the raw ``<Application>`` of ``docProps/app.xml``. ``has_macros``
    (VBA project, macro-enabled content type or Excel 4 macro sheets) and
    ``external_links`` (targets of ``xl/externalLinks/*``) are flags only: nothing is
    ever run or fetched. ``date1904``: serial dates count from 1904-01-01.
    """

    path: Path | None
    sheets: tuple[SheetData, ...]
    defined_names: tuple[DefinedName, ...] = ()
    custom_properties: dict[str, CustomProperty] = field(default_factory=dict)
    application: str | None = None
    has_macros: bool = False
    external_links: tuple[str, ...] = ()
    embedded_objects: tuple[str, ...] = ()
    full_calc_on_load: bool = False
    date1904: bool = False
    cell_formats: tuple[CellFormat, ...] = ()
    main_content_type: str | None = None
    #: Parts Excel needs that the package lacks or declares wrongly ("[Content_Types].xml",
    #: "_rels/.rels", "xl/styles.xml", "main content type"): read anyway, flagged for verify.
    missing_parts: tuple[str, ...] = ()

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> SheetData:
        """The sheet called ``name`` (KeyError if absent)."""
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    def defined_name(self, name: str, local_sheet_id: int | None = None) -> DefinedName | None:
        """The defined name (case-insensitive, as in Excel) of the given scope."""
        key = name.casefold()
        for dn in self.defined_names:
            if dn.name.casefold() == key and dn.local_sheet_id == local_sheet_id:
                return dn
        return None
