"""Text written to CSV files that a bureau opens in Excel, WPS or LibreOffice.

Department-controlled text (names, messages, reasons) can start with a character that a
spreadsheet's CSV import reads as the start of a formula — ``=HYPERLINK(...)``, the DDE
shape ``=cmd|' /C calc'!A0``, ``+``/``-``/``@`` and a leading tab or carriage return. OWASP's
guidance for CSV injection: prefix such a cell with a single quote, which every one of
those programs shows as text and does not evaluate. Numbers are written as numbers and are
left alone, so a negative amount stays ``-12.5``.

>>> cell("=HYPERLINK(A1)")
"'=HYPERLINK(A1)"
>>> cell("-12.5"), cell(-12.5), cell("甲局")
('-12.5', -12.5, '甲局')
>>> cell("-1+1")
"'-1+1"
"""

from __future__ import annotations

import re
from typing import Any

#: First characters a spreadsheet may read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def cell(value: Any) -> Any:
    """``value`` made safe to write into a CSV cell (non-text values pass unchanged)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value  # "-12.5" is a number to every importer, not a formula
    return "'" + value


def row(values: dict[str, Any]) -> dict[str, Any]:
    """Every cell of a CSV row made safe (see :func:`cell`).

    >>> row({"单位名称": "@SUM(1+1)*cmd|' /C calc'!A0", "总分": 95})
    {'单位名称': "'@SUM(1+1)*cmd|' /C calc'!A0", '总分': 95}
    """
    return {k: cell(v) for k, v in values.items()}
