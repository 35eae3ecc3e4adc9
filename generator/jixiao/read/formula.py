"""Translating a shared formula to the cell that uses it, as Excel copies a formula.

One translator, tested against openpyxl's ``Translator`` (tests/test_read_package.py);
it is kept rather than calling openpyxl because it follows Excel where openpyxl does
not: a reference pushed off the grid becomes ``#REF!`` (openpyxl raises), and ``XYZ1``
beyond column XFD is a name, not a reference (openpyxl moves it).
"""

from __future__ import annotations

import re

from ..layout.refs import column_letters
from .refs import MAX_COL, MAX_ROW, column_number

# String literals, quoted sheet names and
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
    return column_letters(col - 1) if 1 <= col <= MAX_COL else None


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
