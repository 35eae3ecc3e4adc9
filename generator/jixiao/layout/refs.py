"""Cell names and A1 references: one convention for the layout, the writer and the reader.

Rows and columns are 0-based everywhere in the layout (as xlsxwriter counts them); this
module is the only place that turns them into the 1-based A1 text a workbook stores.

>>> a1(2, 1), a1(2, 1, absolute=True), column_letters(27)
('B3', '$B$3', 'AB')
>>> qualified("项目表'1", 0, 0)
"'项目表''1'!$A$1"
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeAlias

#: A cell's defined name in the workbook (``zt_ind3_actual``): how every part of jixiao
#: refers to a cell of the form. Built only by the layout, never taken apart.
CellName: TypeAlias = str


@lru_cache(maxsize=1024)
def column_letters(col: int) -> str:
    """The letters of a 0-based column: ``0`` -> ``"A"``, ``27`` -> ``"AB"``."""
    n, out = col + 1, ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int, *, absolute: bool = False) -> str:
    """The A1 reference of a 0-based (row, col): ``B3``, or ``$B$3`` when absolute."""
    if absolute:
        return f"${column_letters(col)}${row + 1}"
    return f"{column_letters(col)}{row + 1}"


def qualified(sheet: str, row: int, col: int) -> str:
    """An absolute reference on a named sheet: ``'Sheet'!$B$3`` (quotes doubled)."""
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{a1(row, col, absolute=True)}"
