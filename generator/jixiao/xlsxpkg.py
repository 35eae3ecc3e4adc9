"""Fast, safe, single-pass reader of .xlsx packages (returned self-evaluation forms).

Everything the verification of a return needs is read in one streaming pass over each
part of the package, with the standard library only (`zipfile` + `xml.parsers.expat`):
cell values *and* formulas at once, styles (cell locking), sheet protection, merges,
data validations, defined names, document properties, macro and external-link flags.

Speed: the big parts (sheets, the workbook with its defined names, shared strings,
``app.xml``) are parsed by expat straight into an element tree through the C
``TreeBuilder`` (no Python call per element) and walked with the very handlers of the
streaming pass; plain cells, data validations, defined names and subtrees no handler
looks at are taken whole. Parts over :data:`TREE_MAX_BYTES`, or with more possible
elements than the budget has left, stream; any failure on the tree is retried streaming,
so every refusal and every unusual file gives exactly the streaming pass's result.

Safety (the files come from outside):

* the input is classified by its magic bytes before anything is decompressed: an empty
  file, a non-zip (text, PNG, PDF, HTML...), an OLE/CFB file (encrypted workbook or
  legacy .xls/.et), an .ods, a zip that is no workbook (.docx...) are each refused with
  their own code;
* zip bombs: the entry count, the declared uncompressed sizes and the per-entry
  compression ratio are checked *before* decompressing, and the byte budget is enforced
  again while streaming, in case the headers lie;
* XML: expat with every DTD hook refusing: a DOCTYPE (hence any entity declaration,
  billion laughs, external entity) is refused, never expanded, never fetched;
* budgets on cells and XML elements; nothing is ever extracted, evaluated or executed.
  Macros (``xl/vbaProject.bin``, macro sheets) and external links are *read* as data and
  only flagged on the :class:`Package`.

Any failure surfaces as :class:`UnreadableWorkbook` with a stable ``code`` (see
:data:`jixiao.codes.read.CODES`) and a Chinese message telling the department what to do.

Example::

    from jixiao.xlsxpkg import read_package, UnreadableWorkbook

    try:
        pkg = read_package(Path("return.xlsx"))
    except UnreadableWorkbook as exc:
        print(exc.code, exc.message_zh)
    else:
        sheet = pkg.sheet("自评表")
        cell = sheet.cells["D5"]
        cell.value, cell.formula, cell.locked      # (12.5, 'SUM(D2:D4)', True)
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from .codes.read import CODES
from .codes.read import detail as _detail

__all__ = [
    "CODES",
    "CellData",
    "CellFormat",
    "CustomProperty",
    "DataValidation",
    "DefinedName",
    "Package",
    "ProtectedRange",
    "SheetData",
    "SheetProtection",
    "StyledSpan",
    "UnreadableWorkbook",
    "column_letters",
    "column_number",
    "make_ref",
    "read_package",
    "split_ref",
    "translate_formula",
]

MiB = 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED = 200 * MiB
DEFAULT_MAX_RATIO = 200.0
DEFAULT_MAX_CELLS = 2_000_000

#: A zip with more entries than this is refused (an .xlsx form has a few dozen).
MAX_ZIP_ENTRIES = 10_000
#: Entries smaller than this (uncompressed) are never refused for their ratio alone:
#: a small part that compresses very well is harmless.
RATIO_FLOOR = 1 * MiB
#: XML elements allowed per package: this many per cell of the cell budget, plus a margin.
ELEMENTS_PER_CELL = 5
ELEMENT_MARGIN = 100_000
#: How much of an OLE/CFB file is scanned for the encryption stream names.
CFB_SCAN_LIMIT = 64 * MiB

MAX_ROW = 1_048_576
MAX_COL = 16_384

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: OLE directory entry names looked for: encryption streams (a workbook with a password
#: to open), legacy spreadsheet streams (BIFF8 / BIFF5), legacy Word and PowerPoint.
_CFB_NAMES = (
    "EncryptionInfo",
    "EncryptedPackage",
    "Workbook",
    "Book",
    "WordDocument",
    "PowerPoint Document",
)
_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

CellValue = float | str | bool | datetime | None

# --------------------------------------------------------------------------- errors


class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; nothing of it should be trusted.

    ``code`` is stable (see :data:`jixiao.codes.read.CODES`), ``message_zh`` says what happened and what
    the department should do, ``message_en`` is for logs.

    >>> err = UnreadableWorkbook("R002", "文件是空的", "The file is empty", Path("a.xlsx"))
    >>> str(err)
    'R002: 文件是空的 | The file is empty [a.xlsx]'
    """

    def __init__(
        self, code: str, message_zh: str, message_en: str, path: Path | None = None
    ) -> None:
        super().__init__(code, message_zh, message_en, path)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.path = path

    def __str__(self) -> str:
        where = f" [{self.path}]" if self.path is not None else ""
        return f"{self.code}: {self.message_zh} | {self.message_en}{where}"

    @classmethod
    def from_code(cls, code: str, path: Path | None = None, **context: Any) -> UnreadableWorkbook:
        """Build the error of ``code`` with its message templates filled from ``context``."""
        message = CODES[code].format(**context)
        return cls(code, message.zh, message.en, path)


class _Refuse(Exception):
    """Internal: raised deep inside the reader, turned into UnreadableWorkbook at the top."""

    def __init__(self, code: str, **context: Any) -> None:
        super().__init__(code, context)
        self.code = code
        self.context = context


def _malformed(zh: str, en: str) -> _Refuse:
    return _Refuse("R011", **_detail(zh, en))


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class CellData:
    """One ``<c>`` element.

    ``value`` is the cached value, typed by ``data_type`` (the raw ``t`` attribute):
    ``n`` -> float, ``s``/``str``/``inlineStr`` -> str, ``b`` -> bool, ``e`` -> the error
    text (``"#DIV/0!"``), ``d`` -> datetime (or the raw text if unparsable); ``None`` when
    there is no cached value. ``formula`` is the text of ``<f>`` without the leading
    ``=`` (children of a shared formula get the master's text translated to their
    position), ``None`` when the cell holds a constant. ``locked`` is resolved from
    ``styles.xml`` (see :class:`CellFormat`).

    >>> c = CellData("B2", 3.0, "A2+1", 0, True, "n", "normal", None, None, 2, 2)
    >>> c.is_formula
    True
    """

    ref: str
    value: CellValue
    formula: str | None
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

    @property
    def is_formula(self) -> bool:
        return self.formula is not None


@dataclass(frozen=True, slots=True)
class CellFormat:
    """One ``<xf>`` of ``cellXfs`` (a cell's ``s`` indexes this list).

    ``locked``/``hidden`` come from the xf's own ``<protection>`` child (defaults: locked,
    not hidden), whatever ``applyProtection`` says: for cell xfs Excel uses the xf's own
    protection whenever it differs from the parent cell style, even with the apply flag
    off (LibreOffice's importer implements the same rule), so the effective protection is
    always the xf's own. ``apply_protection`` keeps the raw flag (None when absent).
    """

    num_fmt_id: int
    xf_id: int | None
    locked: bool = True
    hidden: bool = False
    apply_protection: bool | None = None
    number_format: str | None = None


@dataclass(frozen=True, slots=True)
class SheetProtection:
    """``<sheetProtection>``: ``enabled`` when present with ``sheet="1"``.

    ``attributes`` holds every raw attribute (``formatCells``, ``selectLockedCells``,
    ``algorithmName``...). ``has_password`` when a legacy ``password`` hash or a
    ``hashValue`` is present.
    """

    present: bool = False
    sheet: bool = False
    has_password: bool = False
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.present and self.sheet


@dataclass(frozen=True, slots=True)
class DataValidation:
    """One ``<dataValidation>`` (or an Excel 2010 ``<x14:dataValidation>`` in ``extLst``,
    ``source="x14"``). Attributes are raw (``type``/``operator`` None when absent; the
    schema defaults are ``none``/``between``, see ``effective_operator``); booleans use
    the schema default False when absent. Formulas are the raw text (no ``=``).
    """

    sqref: str
    type: str | None
    operator: str | None
    formula1: str | None
    formula2: str | None
    allow_blank: bool
    show_error_message: bool
    show_input_message: bool
    show_dropdown: bool
    error_style: str | None
    error_title: str | None
    error: str | None
    prompt_title: str | None
    prompt: str | None
    source: str = "main"

    @property
    def ranges(self) -> tuple[str, ...]:
        return tuple(self.sqref.split())

    @property
    def effective_type(self) -> str:
        return self.type or "none"

    @property
    def effective_operator(self) -> str:
        return self.operator or "between"


@dataclass(frozen=True, slots=True)
class ProtectedRange:
    """``<protectedRange>``: a range editable on a protected sheet (maybe with a password)."""

    name: str | None
    sqref: str
    has_password: bool


@dataclass(frozen=True, slots=True)
class StyledSpan:
    """A ``<col>`` (``first``..``last`` columns) or a ``<row customFormat="1">`` (one row)
    with a style: the style an empty cell there takes when typed into."""

    first: int
    last: int
    style: int
    locked: bool


@dataclass(frozen=True)
class SheetData:
    """One sheet of the workbook, in workbook order.

    ``state`` is ``visible``, ``hidden`` or ``veryHidden`` (raw); ``kind`` is
    ``worksheet``, ``chartsheet``, ``dialogsheet`` or ``macrosheet``. ``cells`` maps
    ``"B3"`` to :class:`CellData`, in document order; the extent is the cells', never
    ``dimension`` (kept raw: WPS writes ``A1:A1``).

    >>> sheet.cells["B3"].value                     # doctest: +SKIP
    'xx 项目'
    >>> sheet.locked_at("C9")                       # doctest: +SKIP
    False
    """

    name: str
    sheet_id: int | None
    state: str
    kind: str
    part: str
    cells: dict[str, CellData]
    merges: tuple[str, ...] = ()
    protection: SheetProtection = field(default_factory=SheetProtection)
    validations: tuple[DataValidation, ...] = ()
    protected_ranges: tuple[ProtectedRange, ...] = ()
    dimension: str | None = None
    has_comments: bool = False
    column_styles: tuple[StyledSpan, ...] = ()
    row_styles: tuple[StyledSpan, ...] = ()
    #: lock state of style 0 (a cell without ``s``).
    default_locked: bool = True

    @property
    def visible(self) -> bool:
        return self.state == "visible"

    @cached_property
    def max_row(self) -> int:
        return max((c.row for c in self.cells.values()), default=0)

    @cached_property
    def max_col(self) -> int:
        return max((c.col for c in self.cells.values()), default=0)

    def value(self, ref: str) -> CellValue:
        """Cached value at ``ref`` (``None`` for a missing cell)."""
        cell = self.cells.get(_normal_ref(ref))
        return None if cell is None else cell.value

    def locked_at(self, ref: str) -> bool:
        """Whether ``ref`` is locked, also for a cell absent from the XML: its row style
        (``customFormat``) wins over its column style, else style 0."""
        ref = _normal_ref(ref)
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
    hidden: bool = False


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
    """What :func:`read_package` found in one .xlsx file.

    ``application`` is the raw ``<Application>`` of ``docProps/app.xml`` ("Microsoft
    Excel", "LibreOffice/...", WPS's own). ``has_macros`` (VBA project, macro-enabled
    content type or Excel 4 macro sheets) and ``external_links`` (targets of
    ``xl/externalLinks/*``) are flags only: nothing is ever run or fetched.
    """

    path: Path
    sheets: tuple[SheetData, ...]
    defined_names: tuple[DefinedName, ...] = ()
    custom_properties: dict[str, CustomProperty] = field(default_factory=dict)
    application: str | None = None
    app_version: str | None = None
    core_properties: dict[str, str] = field(default_factory=dict)
    has_macros: bool = False
    external_links: tuple[str, ...] = ()
    embedded_objects: tuple[str, ...] = ()
    full_calc_on_load: bool = False
    calc_properties: dict[str, str] = field(default_factory=dict)
    date1904: bool = False
    workbook_protection: dict[str, str] | None = None
    cell_formats: tuple[CellFormat, ...] = ()
    workbook_part: str = "xl/workbook.xml"
    main_content_type: str | None = None

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


# --------------------------------------------------------------------------- references

_CELL_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


@lru_cache(maxsize=65_536)
def column_number(letters: str) -> int:
    """``"A"`` -> 1, ``"XFD"`` -> 16384 (no bounds check)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@lru_cache(maxsize=MAX_COL)
def column_letters(col: int) -> str:
    """``1`` -> ``"A"``, ``28`` -> ``"AB"``."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def make_ref(row: int, col: int) -> str:
    """``make_ref(3, 2)`` -> ``"B3"``."""
    return f"{column_letters(col)}{row}"


def split_ref(ref: str) -> tuple[int, int]:
    """``"$B$3"`` -> ``(3, 2)``; ValueError for anything but a cell on the grid."""
    m = _CELL_REF_RE.fullmatch(ref)
    if m is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    row, col = int(m.group(2)), column_number(m.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise ValueError(f"cell reference out of the grid: {ref!r}")
    return row, col


@lru_cache(maxsize=1 << 16)
def _cell_key(ref: str) -> tuple[str, int, int]:
    """Canonical ref, row, column of a ``<c r>`` (cached: forms repeat their refs)."""
    row, col = split_ref(ref)
    return make_ref(row, col), row, col


def _normal_ref(ref: str) -> str:
    return ref.replace("$", "").upper()


# Formula translation (shared formulas). String literals, quoted sheet names and
# bracketed parts (external workbook indexes, structured references) are masked first so
# that nothing inside them is taken for a reference.
_REF_TOKEN_RE = re.compile(
    r"(?<![\w.$\\])(?:"
    r"(?P<ca>\$?)(?P<col>[A-Za-z]{1,3})(?P<ra>\$?)(?P<row>[0-9]{1,7})"
    r"|(?P<c1a>\$?)(?P<c1>[A-Za-z]{1,3}):(?P<c2a>\$?)(?P<c2>[A-Za-z]{1,3})"
    r"|(?P<r1a>\$?)(?P<r1>[0-9]{1,7}):(?P<r2a>\$?)(?P<r2>[0-9]{1,7})"
    r")(?![\w.(!\[])"
)


def _mask_literals(text: str) -> str:
    out = list(text)
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
        elif ch == "[":
            depth = 0
            j = i
            while j < n:
                c = text[j]
                if c == "'":
                    j += 2
                    continue
                if c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
        else:
            i += 1
            continue
        end = min(j, n - 1)
        for k in range(i, end + 1):
            out[k] = "\0"
        i = end + 1
    return "".join(out)


def _shift_col(letters: str, absolute: str, dcol: int) -> str | None:
    if absolute:
        return "$" + letters
    col = column_number(letters) + dcol
    return column_letters(col) if 1 <= col <= MAX_COL else None


def _shift_row(digits: str, absolute: str, drow: int) -> str | None:
    if absolute:
        return "$" + digits
    row = int(digits) + drow
    return str(row) if 1 <= row <= MAX_ROW else None


def translate_formula(text: str, drow: int, dcol: int) -> str:
    """Move the relative references of ``text`` by ``drow`` rows and ``dcol`` columns,
    as Excel does when it copies a formula (used to expand shared formulas). References
    pushed off the grid become ``#REF!``; ``$`` parts, names, strings and function names
    are left alone.

    >>> translate_formula("SUM(A2:C2)*$B$1+Sheet2!B3", 1, 1)
    'SUM(B3:D3)*$B$1+Sheet2!C4'
    """
    if not text or (drow == 0 and dcol == 0):
        return text
    masked = _mask_literals(text)
    pieces: list[str] = []
    last = 0
    for m in _REF_TOKEN_RE.finditer(masked):
        g = m.group
        if g("col") is not None:
            col, row = column_number(g("col")), int(g("row"))
            if not (1 <= col <= MAX_COL and 1 <= row <= MAX_ROW):
                continue  # e.g. a name like XYZ1 beyond column XFD
            c = _shift_col(g("col").upper(), g("ca"), dcol)
            r = _shift_row(g("row"), g("ra"), drow)
            new = "#REF!" if c is None or r is None else f"{c}{r}"
        elif g("c1") is not None:
            if max(column_number(g("c1")), column_number(g("c2"))) > MAX_COL:
                continue
            a = _shift_col(g("c1").upper(), g("c1a"), dcol)
            b = _shift_col(g("c2").upper(), g("c2a"), dcol)
            new = "#REF!" if a is None or b is None else f"{a}:{b}"
        else:
            if min(int(g("r1")), int(g("r2"))) < 1:
                continue
            a = _shift_row(g("r1"), g("r1a"), drow)
            b = _shift_row(g("r2"), g("r2a"), drow)
            new = "#REF!" if a is None or b is None else f"{a}:{b}"
        pieces.append(text[last : m.start()])
        pieces.append(new)
        last = m.end()
    pieces.append(text[last:])
    return "".join(pieces)


_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_sub(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return m.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def _unescape(text: str) -> str:
    """OOXML ``_xHHHH_`` escapes (``_x000D_`` is CR, ``_x005F_`` a literal ``_``)."""
    return _ESCAPE_RE.sub(_unescape_sub, text) if "_x" in text else text


# --------------------------------------------------------------------------- limits / io


class _Budget:
    __slots__ = (
        "max_bytes",
        "max_ratio",
        "max_cells",
        "max_elements",
        "bytes",
        "cells",
        "elements",
    )

    def __init__(self, max_bytes: int, max_ratio: float, max_cells: int) -> None:
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.max_cells = max_cells
        self.max_elements = max_cells * ELEMENTS_PER_CELL + ELEMENT_MARGIN
        self.bytes = 0
        self.cells = 0
        self.elements = 0

    def bomb(self, zh: str, en: str) -> _Refuse:
        return _Refuse("R009", **_detail(zh, en))

    def too_big(self) -> _Refuse:
        return _Refuse("R012", max_cells=f"{self.max_cells:,}")


def _fmt_size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n} B"


class _CappedReader:
    """File-like over a zip member that counts the bytes really decompressed and stops at
    the member's declared size and at the package budget (headers can lie)."""

    def __init__(self, raw: IO[bytes], declared: int, budget: _Budget, name: str) -> None:
        self._raw = raw
        self._declared = declared
        self._budget = budget
        self._name = name
        self._count = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = 1 << 16
        data = self._raw.read(n)
        size = len(data)
        self._count += size
        self._budget.bytes += size
        if self._count > self._declared:
            raise self._budget.bomb(
                f"{self._name} 实际解压出的数据多于其声明的 {self._declared} 字节",
                f"{self._name} inflates beyond its declared {self._declared} bytes",
            )
        if self._budget.bytes > self._budget.max_bytes:
            limit = _fmt_size(self._budget.max_bytes)
            raise self._budget.bomb(
                f"实际解压总量超过上限 {limit}", f"decompressed bytes over the {limit} limit"
            )
        return data


def _refuse_doctype(*_args: Any) -> None:
    raise _Refuse("R010")


def _refuse_entity(*_args: Any) -> None:
    raise _Refuse("R010")


def _refuse_external(*_args: Any) -> int:
    raise _Refuse("R010")


def _guarded_parser() -> Any:
    """An expat parser, namespace-aware (``uri}local`` names), that refuses any DTD: the
    DOCTYPE hook fires before an entity could be declared, and the entity, notation and
    external-entity hooks refuse too (belt and braces)."""
    p = expat.ParserCreate(namespace_separator="}")
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _refuse_doctype
    p.EntityDeclHandler = _refuse_entity
    p.UnparsedEntityDeclHandler = _refuse_entity
    p.NotationDeclHandler = _refuse_entity
    p.ExternalEntityRefHandler = _refuse_external
    p.buffer_text = True
    p.buffer_size = 1 << 16
    return p


def _run_expat(
    stream: Any,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    chars: Callable[[str], None] | None,
) -> None:
    """Parse ``stream`` with expat, namespace-aware (``uri}local`` names), refusing any
    DTD: the DOCTYPE hook fires before an entity could be declared, and the entity,
    notation and external-entity hooks refuse too (belt and braces)."""
    p = _guarded_parser()
    p.StartElementHandler = start
    p.EndElementHandler = end
    if chars is not None:
        p.CharacterDataHandler = chars
    read = stream.read
    feed = p.Parse
    try:
        while True:
            chunk = read(_CHUNK)
            if not chunk:
                break
            feed(chunk, False)
        feed(b"", True)
    except _Refuse as refusal:
        if refusal.code == "R010" and not refusal.context:
            raise _Refuse("R010", **_detail(f"位于 {part}", f"in {part}")) from None
        raise
    except expat.ExpatError as exc:
        raise _malformed(
            f"{part} 第 {exc.lineno} 行 XML 格式错误",
            f"{part} line {exc.lineno}: {expat.ErrorString(exc.code)}",
        ) from exc


_CHUNK = 1 << 16

#: Parts up to this size (uncompressed) are parsed into a tree by expat calling the C
#: TreeBuilder directly, then walked (see :meth:`_Reader.either`); larger ones stream.
TREE_MAX_BYTES = 16 * MiB


def _parse_tree(data: bytes) -> Element:
    """``data`` parsed into an element tree by expat with the same refusals as
    :func:`_run_expat` (no DOCTYPE, no entities); expat errors propagate."""
    p = _guarded_parser()
    tb = TreeBuilder()
    p.StartElementHandler = tb.start
    p.EndElementHandler = tb.end
    p.CharacterDataHandler = tb.data
    p.Parse(data, True)
    return tb.close()


def _replay(
    root: Element,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    chars: Callable[[str], None] | None,
    fast: Callable[[Element], bool] | None = None,
) -> None:
    """Call ``start``/``chars``/``end`` for the tree exactly as expat would have called
    them while streaming the same part (document order; text before a child, then the
    child, then its tail). ``fast(el)`` may take over a child element whole: it returns
    True when it did everything the events of that subtree would have done."""
    start(root.tag, root.attrib)
    if chars is not None and root.text:
        chars(root.text)
    stack = [(root, iter(root))]
    while stack:
        el, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            end(el.tag)
            if stack and chars is not None and el.tail:
                chars(el.tail)
            continue
        if fast is not None and fast(child):
            if chars is not None and child.tail:
                chars(child.tail)
            continue
        start(child.tag, child.attrib)
        if chars is not None and child.text:
            chars(child.text)
        stack.append((child, iter(child)))


def _count(el: Element) -> int:
    """Elements in a subtree (itself included)."""
    n = 0
    for _ in el.iter():
        n += 1
    return n


def _local(name: str) -> str:
    return name[name.rfind("}") + 1 :]


def _int(text: str | None, what: str) -> int:
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _malformed(
            f"{what} 不是整数：{text!r}", f"{what} is not an integer: {text!r}"
        ) from None


def _bool(text: str | None, default: bool = False) -> bool:
    if text is None:
        return default
    t = text.strip().lower()
    if t in ("1", "true", "on"):
        return True
    if t in ("0", "false", "off", ""):
        return False
    return default


def _number(text: str, ref: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = float("nan")
    if x != x or x in (float("inf"), float("-inf")) or "_" in text:
        raise _malformed(f"单元格 {ref} 的数值无效：{text[:40]!r}", f"bad number in {ref}")
    return x


def _datetime(text: str) -> datetime | str:
    t = text.strip()
    try:
        return datetime.fromisoformat(t)
    except ValueError:
        return text


# --------------------------------------------------------------------------- classification


def _scan_cfb(fh: IO[bytes], limit: int) -> set[str]:
    """Names of interest among the directory entries of an OLE/CFB file.

    Directory entries are 128 bytes, aligned on 128 in the file, and start with the
    NUL-terminated UTF-16LE name: a name counts only there, so the same text inside a
    stream's content is not mistaken for an entry. Scans at most ``limit`` bytes and
    stops early once an encryption stream is found."""
    markers = {name: name.encode("utf-16-le") + b"\0\0" for name in _CFB_NAMES}
    keep = max(len(m) for m in markers.values())
    found: set[str] = set()
    fh.seek(0)
    tail = b""
    offset = 0  # file offset of window[0]
    while offset + len(tail) < limit:
        chunk = fh.read(min(MiB, limit - offset - len(tail)))
        if not chunk:
            break
        window = tail + chunk
        for name, marker in markers.items():
            pos = window.find(marker)
            while pos >= 0:
                if (offset + pos) % 128 == 0:
                    found.add(name)
                    break
                pos = window.find(marker, pos + 1)
        if found & {"EncryptionInfo", "EncryptedPackage"}:
            break
        cut = max(len(window) - keep, 0)
        offset += cut
        tail = window[cut:]
    return found


def _sniff(head: bytes) -> tuple[str, str]:
    """What a non-zip, non-OLE file looks like: (Chinese, English)."""
    if head.startswith(b"\x89PNG"):
        return "一张 PNG 图片", "a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "一张 JPEG 图片", "a JPEG image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "一张 GIF 图片", "a GIF image"
    if head.startswith(b"%PDF"):
        return "PDF 文档", "a PDF document"
    if head.startswith(b"Rar!"):
        return "RAR 压缩包（请解压后提交其中的 .xlsx）", "a RAR archive"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z 压缩包（请解压后提交其中的 .xlsx）", "a 7z archive"
    if head.startswith(b"\x1f\x8b"):
        return "gzip 压缩包", "a gzip archive"
    if head.startswith(b"{\\rtf"):
        return "RTF 文档", "an RTF document"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<table" in text:
        return "网页（HTML）格式的表格", "an HTML page"
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "Excel 2003 XML 表格", "an Excel 2003 XML spreadsheet"
    if text.startswith(b"<"):
        return "XML 或网页文件", "an XML/HTML file"
    if b"\0" not in head:
        for enc in ("utf-8", "gb18030"):
            try:
                head.decode(enc)
            except UnicodeDecodeError:
                continue
            return "文本或 CSV 文件", "a text or CSV file"
    return "无法识别的文件", "an unrecognised file"


def _too_many_entries(n: int) -> _Refuse:
    return _Refuse(
        "R009",
        **_detail(
            f"压缩包含 {n} 个条目，上限 {MAX_ZIP_ENTRIES} 个",
            f"{n} zip entries, limit {MAX_ZIP_ENTRIES}",
        ),
    )


def _precheck_central_directory(fh: IO[bytes], size: int) -> None:
    """Refuse absurd entry counts or central-directory sizes from the end-of-central-
    directory record before zipfile parses (and allocates for) every entry. Anything
    unparsable is left to zipfile, which reports it."""
    tail_len = min(size, 65_535 + 22)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return
    entries, cd_size = struct.unpack("<HI", tail[pos + 10 : pos + 16])
    if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and pos >= 20:
        loc = tail[pos - 20 : pos]
        if loc[:4] == b"PK\x06\x07":
            (offset,) = struct.unpack("<Q", loc[8:16])
            if offset + 56 <= size:
                fh.seek(offset)
                rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06":
                    entries, cd_size = struct.unpack("<QQ", rec[32:48])
    if entries > MAX_ZIP_ENTRIES or cd_size > MAX_ZIP_ENTRIES * (46 + 2 * 65_535):
        raise _too_many_entries(entries)


# --------------------------------------------------------------------------- reader


@dataclass
class _Rel:
    id: str
    type: str
    target: str
    external: bool
    part: str | None  # resolved part name inside the package


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source_part: str, target: str) -> str | None:
    target = unquote(target.replace("\\", "/"))
    if target.startswith("/"):
        path = target.lstrip("/")
    else:
        path = posixpath.join(posixpath.dirname(source_part), target)
    path = posixpath.normpath(path)
    if path in (".", "..") or path.startswith("../"):
        return None
    return path


_VT_INT = {"i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"}
_VT_FLOAT = {"r4", "r8", "decimal"}
_VT_STR = {"lpwstr", "lpstr", "bstr"}
_VT_DATE = {"filetime", "date"}


def _vt_value(vt: str, text: str) -> Any:
    try:
        if vt in _VT_STR:
            return text
        if vt in _VT_INT:
            return int(text.strip())
        if vt in _VT_FLOAT:
            return float(text.strip())
        if vt == "bool":
            t = text.strip().lower()
            if t in ("true", "1"):
                return True
            if t in ("false", "0"):
                return False
            return text
        if vt in _VT_DATE:
            return datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return text


#: Local names a sheet handler reacts to (elements whose start or end changes its state).
_SHEET_HANDLED = frozenset({
    "c", "v", "f", "row", "is", "t", "rPh", "mergeCell", "col", "dataValidation", "formula1",
    "formula2", "sqref", "sheetProtection", "protectedRange", "dimension",
})


class _Reader:
    def __init__(self, zf: zipfile.ZipFile, budget: _Budget) -> None:
        self.zf = zf
        self.budget = budget
        self.names: dict[str, str] = {}  # lower-case part name -> zip name

    # ---- package level

    def check_entries(self) -> None:
        budget = self.budget
        infos = self.zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _too_many_entries(len(infos))
        total = 0
        for info in infos:
            key = info.filename.lower()
            if key in self.names:
                raise _malformed(
                    f"压缩包中有重名的部件 {info.filename}", f"duplicate part {info.filename}"
                )
            self.names[key] = info.filename
            if info.flag_bits & 0x1:
                raise _Refuse("R005")
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > budget.max_ratio:
                raise budget.bomb(
                    f"{info.filename} 的压缩比为 {ratio:.0f} 倍，上限 {budget.max_ratio:g} 倍",
                    f"{info.filename} ratio {ratio:.0f}, limit {budget.max_ratio:g}",
                )
        if total > budget.max_bytes:
            size, limit = _fmt_size(total), _fmt_size(budget.max_bytes)
            raise budget.bomb(
                f"声明的解压总量为 {size}，上限 {limit}", f"declared {size}, limit {limit}"
            )

    def find(self, part: str | None) -> str | None:
        if part is None:
            return None
        return self.names.get(part.lower())

    def open(self, name: str) -> _CappedReader:
        info = self.zf.getinfo(name)
        return _CappedReader(self.zf.open(info), info.file_size, self.budget, name)

    def either(self, name: str, run: Callable[[Element | None], Any]) -> Any:
        """``run(tree)`` over the part parsed into a tree when it is small enough, else
        (and whenever that fails in any way) ``run(None)``, which streams the part with
        the budget as it was: the tree only makes the usual case faster, every refusal
        and every result of an unusual file is the streaming pass's own."""
        budget = self.budget
        saved = (budget.bytes, budget.elements, budget.cells)
        try:
            root = self._tree(name)
            if root is not None:
                return run(root)
        except Exception:  # noqa: BLE001 - the streaming pass decides what is wrong
            pass
        budget.bytes, budget.elements, budget.cells = saved
        return run(None)

    def _tree(self, name: str) -> Element | None:
        """The part as an element tree, or None when it is too big for one (bytes, or
        more possible elements than the element budget has left)."""
        info = self.zf.getinfo(name)
        if info.file_size > TREE_MAX_BYTES:
            return None
        stream = self.open(name)
        chunks = []
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
        # Every element starts with "<": a bound on the elements, checked before building.
        if data.count(b"<") > self.budget.max_elements - self.budget.elements:
            return None
        return _parse_tree(data)

    def read_small(self, name: str, cap: int = 4096) -> bytes:
        with self.zf.open(name) as fh:
            return fh.read(cap)

    def parse(
        self,
        name: str,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None],
        chars: Callable[[str], None] | None = None,
        *,
        root: Element | None = None,
        fast: Callable[[Element, str], int] | None = None,
    ) -> None:
        """Parse a part, calling ``start``/``end`` with *local* element names, under the
        package's element budget. With ``root`` (the part's tree, see :meth:`either`)
        the same events are replayed from the tree, and ``fast(el, local_name)`` may
        take a child element whole, returning how many elements it took (0: it did not).
        """
        budget = self.budget
        tags: dict[str, str] = {}

        def start_local(tag: str, attrs: dict[str, str]) -> None:
            budget.elements += 1
            if budget.elements > budget.max_elements:
                raise budget.too_big()
            ln = tags.get(tag)
            if ln is None:
                ln = tags[tag] = _local(tag)
            start(ln, attrs)

        def end_local(tag: str) -> None:
            end(tags.get(tag) or _local(tag))

        if root is None:
            _run_expat(self.open(name), name, start_local, end_local, chars)
            return

        def fast_local(el: Element) -> bool:
            if fast is None:
                return False
            tag = el.tag
            ln = tags.get(tag)
            if ln is None:
                ln = tags[tag] = _local(tag)
            n = fast(el, ln)
            if not n:
                return False
            budget.elements += n
            if budget.elements > budget.max_elements:
                raise budget.too_big()
            return True

        _replay(root, start_local, end_local, chars, fast_local)

    def rels(self, part: str) -> list[_Rel]:
        name = self.find(_rels_name(part))
        if name is None:
            return []
        out: list[_Rel] = []

        def start(tag: str, a: dict[str, str]) -> None:
            if tag == "Relationship":
                target = a.get("Target", "")
                external = a.get("TargetMode", "").lower() == "external"
                resolved = None if external else _resolve(part, target)
                out.append(_Rel(a.get("Id", ""), a.get("Type", ""), target, external, resolved))

        self.parse(name, start, _noop)
        return out

    def content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        name = self.find("[Content_Types].xml")
        defaults: dict[str, str] = {}
        overrides: dict[str, str] = {}
        if name is None:
            return defaults, overrides

        def start(ln: str, a: dict[str, str]) -> None:
            if ln == "Default":
                defaults[a.get("Extension", "").lower()] = a.get("ContentType", "")
            elif ln == "Override":
                overrides[a.get("PartName", "").lstrip("/").lower()] = a.get("ContentType", "")

        self.parse(name, start, _noop)
        return defaults, overrides

    def text_leaves(self, name: str) -> dict[str, str]:
        """Top-level simple elements of a properties part: local name -> text."""
        return self.either(name, lambda root: self._text_leaves(name, root))

    def _text_leaves(self, name: str, root: Element | None) -> dict[str, str]:
        out: dict[str, str] = {}
        depth = 0
        buf: list[str] | None = None

        def start(tag: str, _a: dict[str, str]) -> None:
            nonlocal depth, buf
            depth += 1
            buf = [] if depth == 2 else None

        def end(tag: str) -> None:
            nonlocal depth, buf
            if depth == 2 and buf is not None:
                out.setdefault(tag, "".join(buf))
            buf = None
            depth -= 1

        def chars(data: str) -> None:
            if buf is not None:
                buf.append(data)

        def fast(el: Element, _ln: str) -> int:
            # Below the top-level elements nothing is kept: a whole subtree at once.
            nonlocal buf
            if depth < 2:
                return 0
            buf = None
            return _count(el)

        self.parse(name, start, end, chars, root=root, fast=fast)
        return out

    def custom_properties(self, name: str) -> dict[str, CustomProperty]:
        out: dict[str, CustomProperty] = {}
        prop: str | None = None
        vt: str | None = None
        buf: list[str] | None = None

        def start(ln: str, a: dict[str, str]) -> None:
            nonlocal prop, vt, buf
            if ln == "property":
                prop, vt, buf = a.get("name"), None, None
            elif prop is not None and vt is None:
                vt, buf = ln, []

        def end(ln: str) -> None:
            nonlocal prop, vt, buf
            if ln == "property":
                if prop is not None and vt is not None and prop not in out:
                    text = "".join(buf or ())
                    out[prop] = CustomProperty(prop, _vt_value(vt, text), vt)
                prop, vt, buf = None, None, None

        def chars(data: str) -> None:
            if buf is not None:
                buf.append(data)

        self.parse(name, start, end, chars)
        return out

    # ---- workbook level

    def workbook(self, name: str) -> dict[str, Any]:
        return self.either(name, lambda root: self._workbook(name, root))

    def _workbook(self, name: str, root: Element | None) -> dict[str, Any]:
        sheets: list[dict[str, str | None]] = []
        names: list[DefinedName] = []
        calc: dict[str, str] = {}
        info: dict[str, Any] = {"root": None, "date1904": False, "protection": None}
        dn_attrs: dict[str, str] | None = None
        buf: list[str] | None = None
        depth = 0

        def start(ln: str, a: dict[str, str]) -> None:
            nonlocal dn_attrs, buf, depth
            depth += 1
            if depth == 1:
                info["root"] = ln
            elif ln == "sheet":
                rid = None
                for key, value in a.items():
                    if key.endswith("relationships}id"):
                        rid = value
                sheets.append(
                    {
                        "name": a.get("name"),
                        "sheetId": a.get("sheetId"),
                        "state": a.get("state", "visible"),
                        "rid": rid,
                    }
                )
            elif ln == "definedName":
                dn_attrs, buf = a, []
            elif ln == "calcPr":
                calc.update(a)
            elif ln == "workbookPr":
                info["date1904"] = _bool(a.get("date1904"))
            elif ln == "workbookProtection":
                info["protection"] = dict(a)

        def end(tag: str) -> None:
            nonlocal dn_attrs, buf, depth
            depth -= 1
            if dn_attrs is not None and tag == "definedName":
                local_id = dn_attrs.get("localSheetId")
                names.append(
                    DefinedName(
                        dn_attrs.get("name", ""),
                        "".join(buf or ()),
                        _int(local_id, "localSheetId") if local_id is not None else None,
                        _bool(dn_attrs.get("hidden")),
                    )
                )
                dn_attrs, buf = None, None

        def chars(data: str) -> None:
            if buf is not None:
                buf.append(data)

        def fast(el: Element, ln: str) -> int:
            # A defined name without child elements: its start, text and end at once.
            nonlocal dn_attrs, buf
            if ln != "definedName" or len(el):
                return 0
            a = el.attrib
            local_id = a.get("localSheetId")
            names.append(
                DefinedName(
                    a.get("name", ""),
                    el.text or "",
                    _int(local_id, "localSheetId") if local_id is not None else None,
                    _bool(a.get("hidden")),
                )
            )
            dn_attrs, buf = None, None
            return 1

        self.parse(name, start, end, chars, root=root, fast=fast)
        info.update(sheets=sheets, names=names, calc=calc)
        return info

    def shared_strings(self, name: str) -> list[str]:
        return self.either(name, lambda root: self._shared_strings(name, root))

    def _shared_strings(self, name: str, root: Element | None) -> list[str]:
        budget = self.budget
        strings: list[str] = []
        limit = budget.max_cells
        max_elements = budget.max_elements
        elements = budget.elements
        tags: dict[str, str] = {}
        buf: list[str] | None = None
        capture: list[str] | None = None
        rph = 0

        def start(tag: str, _a: dict[str, str]) -> None:
            nonlocal buf, capture, rph, elements
            elements += 1
            if elements > max_elements:
                raise budget.too_big()
            ln = tags.get(tag)
            if ln is None:
                ln = tags[tag] = _local(tag)
            if ln == "t":
                if buf is not None and not rph:
                    capture = buf
            elif ln == "si":
                buf = []
            elif ln == "rPh":
                rph += 1

        def end(tag: str) -> None:
            nonlocal buf, capture, rph
            ln = tags.get(tag) or _local(tag)
            if ln == "t":
                capture = None
            elif ln == "si":
                strings.append(_unescape("".join(buf or ())))
                buf = None
                if len(strings) > limit:
                    raise budget.too_big()
            elif ln == "rPh":
                rph -= 1

        def chars(data: str) -> None:
            if capture is not None:
                capture.append(data)

        def fast(el: Element) -> bool:
            # A plain <si>: only <t> children without children of their own.
            nonlocal elements
            if capture is not None or buf is not None or rph:
                return False
            tag = el.tag
            ln = tags.get(tag)
            if ln is None:
                ln = tags[tag] = _local(tag)
            if ln != "si":
                return False
            texts = []
            for child in el:
                ctag = child.tag
                cl = tags.get(ctag)
                if cl is None:
                    cl = tags[ctag] = _local(ctag)
                if cl != "t" or len(child):
                    return False
                texts.append(child.text or "")
            elements += 1 + len(texts)
            strings.append(_unescape("".join(texts)))
            if len(strings) > limit:
                raise budget.too_big()
            return True

        if root is None:
            _run_expat(self.open(name), name, start, end, chars)
        else:
            _replay(root, start, end, chars, fast)
        budget.elements = elements
        return strings

    def styles(self, name: str) -> tuple[CellFormat, ...]:
        num_fmts: dict[int, str] = {}
        xfs: list[CellFormat] = []
        limit = self.budget.max_cells
        section: str | None = None
        xf: dict[str, str] | None = None
        prot: dict[str, str] | None = None

        def start(ln: str, a: dict[str, str]) -> None:
            nonlocal section, xf, prot
            if ln in ("cellXfs", "cellStyleXfs", "numFmts", "dxfs"):
                section = ln
            elif ln == "xf" and section == "cellXfs":
                xf, prot = a, None
            elif ln == "protection" and xf is not None:
                prot = a
            elif ln == "numFmt" and section == "numFmts":
                num_fmts[_int(a.get("numFmtId"), "numFmtId")] = a.get("formatCode", "")

        def end(ln: str) -> None:
            nonlocal section, xf, prot
            if ln == "xf" and xf is not None:
                fmt_id = _int(xf.get("numFmtId", "0"), "numFmtId")
                xf_id = xf.get("xfId")
                apply = xf.get("applyProtection")
                xfs.append(
                    CellFormat(
                        fmt_id,
                        _int(xf_id, "xfId") if xf_id is not None else None,
                        _bool(prot.get("locked"), True) if prot else True,
                        _bool(prot.get("hidden"), False) if prot else False,
                        _bool(apply) if apply is not None else None,
                        num_fmts.get(fmt_id),
                    )
                )
                if len(xfs) > limit:
                    raise self.budget.too_big()
                xf, prot = None, None
            elif ln == section:
                section = None

        self.parse(name, start, end)
        return tuple(xfs)

    # ---- sheets

    def sheet(
        self,
        name: str,
        sst: list[str],
        xf_locked: list[bool],
    ) -> dict[str, Any]:
        """One pass over a sheet part; returns the pieces of a SheetData."""
        return self.either(name, lambda root: self._sheet(name, sst, xf_locked, root))

    def _sheet(
        self,
        name: str,
        sst: list[str],
        xf_locked: list[bool],
        root: Element | None,
    ) -> dict[str, Any]:
        """Streams the part (``root`` None) or walks its tree: the same events, the same
        handlers; in the tree, plain cells and subtrees no handler looks at are taken
        whole (``fast``)."""
        budget = self.budget
        max_cells = budget.max_cells
        max_elements = budget.max_elements
        n_xf = len(xf_locked)
        n_sst = len(sst)
        cells: dict[str, CellData] = {}
        merges: list[str] = []
        validations: list[DataValidation] = []
        protected: list[ProtectedRange] = []
        cols: list[StyledSpan] = []
        rows: list[StyledSpan] = []
        masters: dict[int, tuple[int, int, str]] = {}
        pending: list[str] = []
        found: dict[str, Any] = {"protection": None, "dimension": None}
        tags: dict[str, str] = {}

        elements = budget.elements
        ncells = budget.cells
        row = 0
        col = 0
        in_cell = False
        c_row = c_col = c_style = 0
        c_ref = ""
        c_type = "n"
        v_buf: list[str] | None = None
        f_buf: list[str] | None = None
        f_attrs: dict[str, str] | None = None
        is_buf: list[str] | None = None
        in_is = False
        rph = 0
        capture: list[str] | None = None
        dv: dict[str, Any] | None = None

        def locked_of(style: int) -> bool:
            return xf_locked[style] if 0 <= style < n_xf else True

        def begin_cell(a: dict[str, str]) -> None:
            """What ``<c>`` starts: its address, type and style; its buffers emptied."""
            nonlocal col, in_cell, c_ref, c_row, c_col, c_style, c_type
            nonlocal v_buf, f_buf, f_attrs, is_buf
            in_cell = True
            r = a.get("r")
            if r:
                try:
                    c_ref, c_row, c_col = _cell_key(r)
                except ValueError:
                    raise _malformed(
                        f"{name} 中的单元格地址无效：{r[:20]!r}", f"bad cell ref {r[:20]!r}"
                    ) from None
            else:
                if row == 0 or col >= MAX_COL:
                    raise _malformed(
                        f"{name} 中有缺少地址的单元格", f"cell without ref in {name}"
                    )
                c_row, c_col = row, col + 1
                c_ref = make_ref(c_row, c_col)
            col = c_col
            c_type = a.get("t", "n")
            s = a.get("s")
            try:
                c_style = int(s) if s else 0
            except ValueError:
                raise _malformed(
                    f"样式序号无效：{s[:20]!r}", f"bad style index {s[:20]!r}"
                ) from None
            v_buf = f_buf = f_attrs = is_buf = None

        def start(tag: str, a: dict[str, str]) -> None:
            nonlocal elements, row, col, in_cell, c_ref, c_row, c_col, c_style, c_type
            nonlocal v_buf, f_buf, f_attrs, is_buf, in_is, rph, capture, dv
            elements += 1
            if elements > max_elements:
                raise budget.too_big()
            ln = tags.get(tag)
            if ln is None:
                ln = tags[tag] = _local(tag)
            if ln == "c":
                if in_cell:
                    raise _malformed(f"{name} 中单元格嵌套", f"nested <c> in {name}")
                begin_cell(a)
            elif ln == "v":
                if in_cell:
                    capture = v_buf = []
            elif ln == "f":
                if in_cell:
                    f_attrs = a
                    capture = f_buf = []
            elif ln == "row":
                r = a.get("r")
                try:
                    row = int(r) if r else row + 1
                except ValueError:
                    raise _malformed(
                        f"行号无效：{r[:20]!r}", f"bad row number {r[:20]!r}"
                    ) from None
                if not 1 <= row <= MAX_ROW:
                    raise _malformed(f"{name} 中的行号无效：{row}", f"bad row number {row}")
                col = 0
                s = a.get("s")
                if s and _bool(a.get("customFormat")):
                    style = _int(s, "row s")
                    rows.append(StyledSpan(row, row, style, locked_of(style)))
            elif ln == "is":
                if in_cell:
                    is_buf = []
                    in_is = True
            elif ln == "t":
                if in_is and not rph:
                    capture = is_buf
            elif ln == "rPh":
                rph += 1
            elif ln == "mergeCell":
                ref = a.get("ref")
                if ref:
                    merges.append(ref)
            elif ln == "col":
                style = _int(a.get("style", "0"), "col style")
                if style:
                    first = _int(a.get("min"), "col min")
                    last = _int(a.get("max"), "col max")
                    cols.append(StyledSpan(first, last, style, locked_of(style)))
            elif ln == "dataValidation":
                dv = {
                    "attrs": a,
                    "formula1": None,
                    "formula2": None,
                    "sqref": a.get("sqref"),
                    "source": "x14" if "/2009/9/main}" in tag else "main",
                    "buf": None,
                }
            elif dv is not None and ln in ("formula1", "formula2", "sqref"):
                capture = dv["buf"] = []
            elif ln == "sheetProtection":
                found["protection"] = dict(a)
            elif ln == "protectedRange":
                protected.append(
                    ProtectedRange(
                        a.get("name"),
                        a.get("sqref", ""),
                        bool(a.get("password") or a.get("hashValue")),
                    )
                )
            elif ln == "dimension":
                found["dimension"] = a.get("ref")

        def end(tag: str) -> None:
            nonlocal in_cell, capture, in_is, rph, dv
            ln = tags.get(tag) or _local(tag)
            if ln == "c":
                if in_cell:
                    finish_cell()
                in_cell = False
                capture = None
            elif ln in ("v", "f", "t"):
                capture = None
            elif ln == "is":
                in_is = False
            elif ln == "rPh":
                rph -= 1
            elif dv is not None:
                if ln in ("formula1", "formula2", "sqref"):
                    dv[ln] = "".join(dv["buf"] or ())
                    dv["buf"] = None
                    capture = None
                elif ln == "dataValidation":
                    validations.append(_validation(dv))
                    dv = None

        def chars(data: str) -> None:
            if capture is not None:
                capture.append(data)

        def finish_cell() -> None:
            ref = c_ref
            if ref in cells:
                raise _malformed(f"{name} 中单元格 {ref} 重复出现", f"duplicate cell {ref}")
            nonlocal ncells
            ncells += 1
            if ncells > max_cells:
                raise budget.too_big()
            v = "".join(v_buf) if v_buf is not None else None
            t = c_type
            value: CellValue
            if t == "n":
                value = _number(v, ref) if v and not v.isspace() else None
            elif t == "s":
                if v is None or not v.strip():
                    value = None
                else:
                    idx = _int(v, f"{ref} 共享字符串序号")
                    if not 0 <= idx < n_sst:
                        raise _malformed(
                            f"单元格 {ref} 引用了不存在的共享字符串 {idx}",
                            f"{ref} refers to missing shared string {idx}",
                        )
                    value = sst[idx]
            elif t == "str":
                value = _unescape(v) if v is not None else None
            elif t == "inlineStr":
                if is_buf is not None:
                    value = _unescape("".join(is_buf))
                else:
                    value = _unescape(v) if v is not None else None
            elif t == "b":
                if v is None or not v.strip():
                    value = None
                else:
                    flag = v.strip().lower()
                    if flag not in ("0", "1", "true", "false"):
                        raise _malformed(
                            f"单元格 {ref} 的逻辑值无效：{v[:20]!r}", f"bad boolean in {ref}"
                        )
                    value = flag in ("1", "true")
            elif t == "e":
                value = v.strip() if v is not None else None
            elif t == "d":
                value = _datetime(v) if v else None
            else:
                raise _malformed(
                    f"单元格 {ref} 的类型无效：{t[:20]!r}", f"unknown cell type {t[:20]!r}"
                )

            formula = ftype = fref = None
            si = None
            if f_attrs is not None:
                formula = "".join(f_buf or ())
                ftype = f_attrs.get("t", "normal")
                fref = f_attrs.get("ref")
                if ftype == "shared":
                    si = _int(f_attrs.get("si"), "si")
                    if formula:
                        masters.setdefault(si, (c_row, c_col, formula))
                    else:
                        pending.append(ref)
            cells[ref] = CellData(
                ref, value, formula, c_style, locked_of(c_style), t, ftype, fref, si, c_row, c_col
            )

        def fast(el: Element) -> bool:
            """Take a whole child element when its events can be done at once: a plain
            cell (only ``<v>``/``<f>`` children, each once, without children of their
            own), or a subtree holding no element any handler reacts to."""
            nonlocal elements, in_cell, v_buf, f_buf, f_attrs, dv
            if capture is not None or in_cell:
                return False
            tag = el.tag
            ln = tags.get(tag)
            if ln is None:
                ln = tags[tag] = _local(tag)
            if ln == "c":
                v_el = f_el = None
                for child in el:
                    ctag = child.tag
                    cl = tags.get(ctag)
                    if cl is None:
                        cl = tags[ctag] = _local(ctag)
                    if cl == "v" and v_el is None and not len(child):
                        v_el = child
                    elif cl == "f" and f_el is None and not len(child):
                        f_el = child
                    else:
                        return False
                elements += 1 + len(el)
                begin_cell(el.attrib)
                if f_el is not None:
                    f_attrs = f_el.attrib
                    text = f_el.text
                    f_buf = [text] if text else []
                if v_el is not None:
                    text = v_el.text
                    v_buf = [text] if text else []
                finish_cell()
                in_cell = False
                return True
            if ln == "dataValidation":
                # Its start, its formula1/formula2/sqref children (text only) and its end.
                parts = []
                for child in el:
                    ctag = child.tag
                    cl = tags.get(ctag)
                    if cl is None:
                        cl = tags[ctag] = _local(ctag)
                    if cl not in ("formula1", "formula2", "sqref") or len(child):
                        return False
                    parts.append((cl, child.text or ""))
                a = el.attrib
                item: dict[str, Any] = {
                    "attrs": a,
                    "formula1": None,
                    "formula2": None,
                    "sqref": a.get("sqref"),
                    "source": "x14" if "/2009/9/main}" in tag else "main",
                    "buf": None,
                }
                for cl, text in parts:
                    item[cl] = text
                elements += 1 + len(parts)
                validations.append(_validation(item))
                dv = None
                return True
            if ln in _SHEET_HANDLED:
                return False
            n = 0
            for sub in el.iter():
                stag = sub.tag
                sl = tags.get(stag)
                if sl is None:
                    sl = tags[stag] = _local(stag)
                if sl in _SHEET_HANDLED:
                    return False
                n += 1
            elements += n
            return True

        if root is None:
            _run_expat(self.open(name), name, start, end, chars)
        else:
            _replay(root, start, end, chars, fast)
        budget.elements = elements
        budget.cells = ncells

        for ref in pending:
            cell = cells[ref]
            master = masters.get(cell.shared_index)  # type: ignore[arg-type]
            if master is None:
                raise _malformed(
                    f"单元格 {ref} 的共享公式缺少主公式", f"shared formula of {ref} has no master"
                )
            m_row, m_col, text = master
            cells[ref] = replace(
                cell, formula=translate_formula(text, cell.row - m_row, cell.col - m_col)
            )

        prot_attrs = found["protection"]
        protection = (
            SheetProtection(
                True,
                _bool(prot_attrs.get("sheet")),
                bool(prot_attrs.get("password") or prot_attrs.get("hashValue")),
                prot_attrs,
            )
            if prot_attrs is not None
            else SheetProtection()
        )
        return {
            "cells": cells,
            "merges": tuple(merges),
            "protection": protection,
            "validations": tuple(validations),
            "protected_ranges": tuple(protected),
            "dimension": found["dimension"],
            "column_styles": tuple(cols),
            "row_styles": tuple(rows),
            "default_locked": locked_of(0),
        }


def _noop(*_args: Any) -> None:
    return None


def _validation(dv: dict[str, Any]) -> DataValidation:
    a = dv["attrs"]
    return DataValidation(
        sqref=dv["sqref"] or "",
        type=a.get("type"),
        operator=a.get("operator"),
        formula1=dv["formula1"],
        formula2=dv["formula2"],
        allow_blank=_bool(a.get("allowBlank")),
        show_error_message=_bool(a.get("showErrorMessage")),
        show_input_message=_bool(a.get("showInputMessage")),
        show_dropdown=_bool(a.get("showDropDown")),
        error_style=a.get("errorStyle"),
        error_title=a.get("errorTitle"),
        error=a.get("error"),
        prompt_title=a.get("promptTitle"),
        prompt=a.get("prompt"),
        source=dv["source"],
    )


_SHEET_KINDS = {
    "/worksheet": "worksheet",
    "/chartsheet": "chartsheet",
    "/dialogsheet": "dialogsheet",
    "/xlMacrosheet": "macrosheet",
    "/xlIntlMacrosheet": "macrosheet",
}


def _rel_of(rels: Iterable[_Rel], suffix: str) -> _Rel | None:
    for rel in rels:
        if rel.type.endswith(suffix):
            return rel
    return None


def _zip_kind(reader: _Reader) -> tuple[str, str]:
    names = reader.names
    if "word/document.xml" in names:
        return "Word 文档（.docx）", "a Word document"
    if "ppt/presentation.xml" in names:
        return "PowerPoint 演示文稿（.pptx）", "a PowerPoint presentation"
    if "xl/workbook.bin" in names:
        return "Excel 二进制工作簿（.xlsb），请另存为 .xlsx", "an .xlsb workbook"
    if "mimetype" in names:
        return "OpenDocument 文档", "an OpenDocument file"
    if any(n.endswith((".xlsx", ".xlsm", ".xls", ".et", ".ods")) for n in names):
        return (
            "装有表格文件的压缩包，请解压后提交其中的 .xlsx",
            "a zip archive holding spreadsheets",
        )
    return "普通压缩包或其他文件", "some other zip file"


def _read_zip(reader: _Reader, path: Path) -> Package:
    reader.check_entries()
    zf = reader.zf

    mimetype = reader.find("mimetype")
    if mimetype is not None and zf.getinfo(mimetype).file_size <= 256:
        kind = reader.read_small(mimetype).decode("ascii", "replace").strip()
        if kind == _ODS_MIMETYPE or kind.startswith(_ODS_MIMETYPE + "-"):
            raise _Refuse("R007")

    root_rels = reader.rels("")
    office = _rel_of(root_rels, "/officeDocument")
    wb_part = reader.find(office.part if office is not None else "xl/workbook.xml")
    if wb_part is None or not wb_part.lower().endswith(".xml"):
        zh, en = _zip_kind(reader)
        raise _Refuse("R008", kind_zh=zh, kind_en=en)

    wb = reader.workbook(wb_part)
    if wb["root"] != "workbook":
        zh, en = _zip_kind(reader)
        raise _Refuse("R008", kind_zh=zh, kind_en=en)

    defaults, overrides = reader.content_types()
    main_type = overrides.get(wb_part.lower())
    lower_names = reader.names
    has_macros = (
        any(n.endswith("vbaproject.bin") or n.startswith("xl/macrosheets/") for n in lower_names)
        or "macroenabled" in (main_type or "").lower()
    )

    wb_rels = {rel.id: rel for rel in reader.rels(wb_part)}
    styles_rel = _rel_of(wb_rels.values(), "/styles")
    styles_name = reader.find(styles_rel.part) if styles_rel else None
    cell_formats = reader.styles(styles_name) if styles_name else ()
    xf_locked = [f.locked for f in cell_formats]
    sst_rel = _rel_of(wb_rels.values(), "/sharedStrings")
    sst_name = reader.find(sst_rel.part) if sst_rel else None
    sst = reader.shared_strings(sst_name) if sst_name else []

    sheets: list[SheetData] = []
    seen: set[str] = set()
    for entry in wb["sheets"]:
        sheet_name = entry["name"] or ""
        if not sheet_name or sheet_name.casefold() in seen:
            raise _malformed(
                f"工作表名称为空或重复：{sheet_name!r}",
                f"empty or duplicate sheet name {sheet_name!r}",
            )
        seen.add(sheet_name.casefold())
        rel = wb_rels.get(entry["rid"] or "")
        part = reader.find(rel.part) if rel is not None else None
        if rel is None or part is None:
            raise _malformed(f"工作表“{sheet_name}”的内容缺失", f"sheet {sheet_name!r} has no part")
        kind = next(
            (k for suffix, k in _SHEET_KINDS.items() if rel.type.endswith(suffix)), "unknown"
        )
        if kind == "macrosheet":
            has_macros = True
        pieces = reader.sheet(part, sst, xf_locked)
        sheet_rels = reader.rels(part)
        has_comments = any(r.type.endswith(("/comments", "/threadedComment")) for r in sheet_rels)
        sheet_id = entry["sheetId"]
        sheets.append(
            SheetData(
                name=sheet_name,
                sheet_id=int(sheet_id) if sheet_id and sheet_id.isdigit() else None,
                state=entry["state"] or "visible",
                kind=kind,
                part=part,
                has_comments=has_comments,
                **pieces,
            )
        )

    external: list[str] = []
    for lower, name in sorted(lower_names.items()):
        if lower.startswith("xl/externallinks/") and lower.endswith(".xml"):
            targets = [r.target for r in reader.rels(name) if r.external]
            external.extend(targets or [name])
    embedded = tuple(
        name
        for lower, name in sorted(lower_names.items())
        if lower.startswith(("xl/embeddings/", "xl/activex/")) and not lower.endswith("/")
    )

    application = app_version = None
    app_rel = _rel_of(root_rels, "/extended-properties")
    app_name = reader.find(app_rel.part if app_rel else "docProps/app.xml")
    if app_name is not None:
        leaves = reader.text_leaves(app_name)
        application = leaves.get("Application")
        app_version = leaves.get("AppVersion")
    core_rel = _rel_of(root_rels, "/core-properties")
    core_name = reader.find(core_rel.part if core_rel else "docProps/core.xml")
    core = reader.text_leaves(core_name) if core_name is not None else {}
    custom_rel = _rel_of(root_rels, "/custom-properties")
    custom_name = reader.find(custom_rel.part if custom_rel else "docProps/custom.xml")
    custom = reader.custom_properties(custom_name) if custom_name is not None else {}

    calc = wb["calc"]
    return Package(
        path=path,
        sheets=tuple(sheets),
        defined_names=tuple(wb["names"]),
        custom_properties=custom,
        application=application,
        app_version=app_version,
        core_properties=core,
        has_macros=has_macros,
        external_links=tuple(external),
        embedded_objects=embedded,
        full_calc_on_load=_bool(calc.get("fullCalcOnLoad")),
        calc_properties=calc,
        date1904=wb["date1904"],
        workbook_protection=wb["protection"],
        cell_formats=cell_formats,
        workbook_part=wb_part,
        main_content_type=main_type,
    )


def _cannot_open(exc: OSError) -> _Refuse:
    if isinstance(exc, FileNotFoundError):
        zh = "文件不存在"
    elif isinstance(exc, IsADirectoryError):
        zh = "这是一个文件夹"
    elif isinstance(exc, PermissionError):
        zh = "没有读取权限"
    else:
        zh = "读取出错"
    return _Refuse("R001", **_detail(zh, exc.strerror or type(exc).__name__))


def _damaged(exc: BaseException) -> _Refuse:
    return _Refuse("R004", detail_en=f" ({type(exc).__name__}: {str(exc)[:100]})")


def _read(path: Path, budget: _Budget) -> Package:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, also on every refusal
    except OSError as exc:
        raise _cannot_open(exc) from exc
    with fh:
        try:
            head = fh.read(2048)
            size = os.fstat(fh.fileno()).st_size
        except OSError as exc:
            raise _cannot_open(exc) from exc
        if not head:
            raise _Refuse("R002")
        if head.startswith(CFB_MAGIC):
            names = _scan_cfb(fh, max(CFB_SCAN_LIMIT, budget.max_bytes))
            if names & {"EncryptionInfo", "EncryptedPackage"}:
                raise _Refuse("R005")
            if names & {"WordDocument", "PowerPoint Document"} and not names & {
                "Workbook",
                "Book",
            }:
                raise _Refuse(
                    "R003",
                    kind_zh="旧版 Word 或 PowerPoint 文档（.doc/.ppt）",
                    kind_en="a legacy Word or PowerPoint document",
                )
            raise _Refuse("R006")
        if not head.startswith(b"PK"):
            zh, en = _sniff(head)
            raise _Refuse("R003", kind_zh=zh, kind_en=en)
        try:
            _precheck_central_directory(fh, size)
            fh.seek(0)
            zf = zipfile.ZipFile(fh)
        except _Refuse:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error) as exc:
            raise _damaged(exc) from exc
        with zf:
            try:
                return _read_zip(_Reader(zf, budget), path)
            except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
                raise _damaged(exc) from exc
            except NotImplementedError as exc:  # e.g. an unsupported compression method
                raise _damaged(exc) from exc


def read_package(
    path: Path | str | os.PathLike[str],
    *,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
    max_ratio: float = DEFAULT_MAX_RATIO,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> Package:
    """Read an .xlsx package in one streaming pass per part.

    ``max_uncompressed`` caps the bytes decompressed (declared and actual),
    ``max_ratio`` the compression ratio of any entry over 1 MiB, ``max_cells`` the cells
    of the whole workbook (shared strings and cell formats are capped by it too).
    Raises :class:`UnreadableWorkbook` (and nothing else) for any file it cannot read.

    >>> pkg = read_package(Path("return.xlsx"))            # doctest: +SKIP
    >>> pkg.sheet("封面").cells["B2"].value                # doctest: +SKIP
    '某某县财政局'
    >>> pkg.custom_properties["form_id"].value             # doctest: +SKIP
    'ZP-2024-001'
    """
    p = Path(path)
    budget = _Budget(max_uncompressed, max_ratio, max_cells)
    try:
        return _read(p, budget)
    except _Refuse as r:
        raise UnreadableWorkbook.from_code(r.code, p, **r.context) from r.__cause__
    except RecursionError as exc:  # pragma: no cover - defensive
        raise UnreadableWorkbook.from_code("R099", p, detail_en=" (recursion)") from exc
    except Exception as exc:  # the contract: only UnreadableWorkbook escapes
        raise UnreadableWorkbook.from_code(
            "R099", p, detail_en=f" ({type(exc).__name__}: {str(exc)[:120]})"
        ) from exc
