"""Reading returned .xlsx files: safely, in one pass per part.

``read_package(source)`` takes a path, bytes or a binary file object and returns a
frozen :class:`Package` (cells with cached value and formula, locking, protection,
merges, validations as ranges, defined names, properties), or raises
:class:`UnreadableWorkbook` with a stable R code (:data:`CODES`). The record of a
jixiao form is read by :func:`jixiao.read.record.open_return`.

Modules: ``intake`` (what was handed in: type, magic bytes, zip directory),
``zipparts`` (budgets, capped decompression), ``xml`` (the one defusedxml parser),
``workbook`` and ``sheet`` (the parts), ``package`` (the result), ``refs`` and
``formula`` (A1 references, shared formulas), ``record`` (a form's record).

Example::

    from jixiao.read import read_package, UnreadableWorkbook

    try:
        pkg = read_package(Path("return.xlsx"))
    except UnreadableWorkbook as exc:
        print(exc.code, exc.message_zh)
    else:
        cell = pkg.sheet("自评表").cells["D5"]
        cell.value, cell.formula, cell.locked      # (12.5, 'SUM(D2:D4)', True)
"""

from .errors import CODES, UnreadableWorkbook
from .package import (
    CellData,
    CellFormat,
    CustomProperty,
    DataValidation,
    DefinedName,
    Package,
    SheetData,
    SheetProtection,
    StyledSpan,
)
from .reading import read_package

__all__ = [
    "CODES",
    "CellData",
    "CellFormat",
    "CustomProperty",
    "DataValidation",
    "DefinedName",
    "Package",
    "SheetData",
    "SheetProtection",
    "StyledSpan",
    "UnreadableWorkbook",
    "read_package",
]
