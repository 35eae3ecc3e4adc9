"""Reading A1 references and ranges: cells as 1-based (row, column), ranges as boxes, never
cell by cell. Writing a reference is :func:`jixiao.layout.refs.a1`'s job alone.

A data validation may cover ``A1:XFD1048576`` (17 billion cells): ranges are kept as
``(first_row, first_col, last_row, last_col)`` boxes and a question like "which of these
cells are covered" is answered per box (:func:`covered`), never by listing a box's cells.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache

from ..layout.refs import a1

MAX_ROW = 1_048_576
MAX_COL = 16_384

#: (first_row, first_col, last_row, last_col), 1-based and inclusive.
Box = tuple[int, int, int, int]

_CELL_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


@lru_cache(maxsize=65_536)
def column_number(letters: str) -> int:
    """``"A"`` -> 1, ``"XFD"`` -> 16384 (no bounds check)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


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
def cell_key(ref: str) -> tuple[str, int, int]:
    """Canonical ref, row, column of a ``<c r>`` (cached: forms repeat their refs)."""
    row, col = split_ref(ref)
    return a1(row - 1, col - 1), row, col


def normal_ref(ref: str) -> str:
    return ref.replace("$", "").upper()


def parse_box(text: str) -> Box:
    """``"B2:D9"`` or ``"C3"`` (``$`` allowed) -> a box; ValueError for anything else.

    >>> parse_box("$A$1:XFD1048576")
    (1, 1, 1048576, 16384)
    """
    first, _, last = text.partition(":")
    r0, c0 = split_ref(first)
    r1, c1 = split_ref(last) if last else (r0, c0)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


@lru_cache(maxsize=1 << 14)
def sqref_boxes(sqref: str) -> tuple[Box, ...]:
    """The boxes of a space-separated ``sqref`` (cached: a template's returns repeat
    theirs); ValueError when one is no range."""
    return tuple(parse_box(text) for text in sqref.split())


def covered(boxes: Iterable[Box], cells: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The ``(row, col)`` of ``cells`` inside at least one box.

    Each box costs a binary search over the rows still uncovered plus the cells it
    covers, which are then dropped: a box covering the whole sheet costs no more than
    a one-cell box, and a million boxes cost a million binary searches.
    """
    todo: dict[int, set[int]] = {}
    for row, col in cells:
        todo.setdefault(row, set()).add(col)
    rows = sorted(todo)
    found: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in boxes:
        if not rows:
            break
        lo, hi = bisect_left(rows, r0), bisect_right(rows, r1)
        emptied = []
        for row in rows[lo:hi]:
            cols = todo[row]
            hit = {c for c in cols if c0 <= c <= c1}
            if hit:
                cols -= hit
                found.update((row, c) for c in hit)
                if not cols:
                    emptied.append(row)
        for row in emptied:
            del todo[row]
            rows.pop(bisect_left(rows, row))
    return found


_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_sub(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return m.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def unescape(text: str) -> str:
    """OOXML ``_xHHHH_`` escapes (``_x000D_`` is CR, ``_x005F_`` a literal ``_``)."""
    return _ESCAPE_RE.sub(_unescape_sub, text) if "_x" in text else text
