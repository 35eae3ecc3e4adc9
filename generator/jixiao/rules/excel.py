"""The Excel functions jixiao may emit, and a checker for formula text.

Only functions that Excel 2010, WPS Office and LibreOffice Calc all compute without the
``_xlfn.`` prefix are allowed: no dynamic arrays, no IFS/SWITCH/TEXTJOIN, no macros.
"""

from __future__ import annotations

import re

ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    {
        "ABS", "AND", "AVERAGE", "COUNT", "COUNTA", "COUNTBLANK", "COUNTIF", "IF", "IFERROR",
        "INT", "ISBLANK", "ISNUMBER", "ISTEXT", "LEN", "MAX", "MIN", "NOT", "OR", "ROUND",
        "ROUNDDOWN", "ROUNDUP", "SUM", "SUMPRODUCT", "TEXT", "TRIM", "YEAR", "N", "VALUE",
    }
)  # fmt: skip

_STRING = re.compile(r'"(?:[^"]|"")*"')
_SHEET_QUOTED = re.compile(r"'(?:[^']|'')*'!")
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")


def functions_in(formula: str) -> set[str]:
    """The function names a formula calls (string literals and sheet names ignored).

    >>> sorted(functions_in('=IF(ISNUMBER(A1),ROUND(A1,2),"SUM(x)")'))
    ['IF', 'ISNUMBER', 'ROUND']
    """
    text = _SHEET_QUOTED.sub("S!", _STRING.sub('""', formula))
    return {m.group(1).upper() for m in _FUNCTION.finditer(text)}


def disallowed_functions(formula: str) -> set[str]:
    """Functions in ``formula`` outside :data:`ALLOWED_FUNCTIONS` (``_xlfn.`` ones included).

    >>> disallowed_functions("=_xlfn.IFS(A1>1,1,TRUE,0)")
    {'_XLFN.IFS'}
    """
    return {f for f in functions_in(formula) if f not in ALLOWED_FUNCTIONS}
