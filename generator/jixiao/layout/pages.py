"""Where the printed pages of a sheet break, decided by the layout, not by the printer.

A sheet is printed one page wide at a fixed scale (from its column widths and the paper)
and broken into pages at rows chosen here: never inside a merged cell, never inside a
group the sheet asks to keep together (a 一级指标 with its subtotal; failing that a 二级指标),
and never so that the last page holds only the signature block. Heights are the layout's
own row heights (``row_heights``; other rows have the default height), so the writer can
store the breaks and the scale and every spreadsheet prints the same pages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .model import SheetLayout

#: Points per inch; paper sizes in points (portrait width, height).
_PT = 72.0
_PAPER = {"A4": (595.28, 841.89), "A3": (841.89, 1190.55)}
#: Height of a row without its own height (xlsxwriter's and Excel's default), in points.
DEFAULT_ROW_HEIGHT = 15.0
#: Share of the page kept free: spreadsheet programs measure columns and rows a little
#: differently (fonts), and a page that is a hair too full gets an extra break of its own.
_SLACK = 0.96


def page_margins(margins_cm: float) -> tuple[float, float, float, float]:
    """Left, right, top and bottom margins in inches (the bottom one holds the page footer)."""
    m = margins_cm / 2.54
    return m, m, m, m + 0.2


def column_points(width: float) -> float:
    """A column's printed width in points, from its width in characters (Excel's rule for
    the default 11-point font: 7 pixels a character plus 5 pixels of padding)."""
    pixels = int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)
    return pixels * 0.75


def _printable(s: SheetLayout) -> tuple[float, float]:
    """Width and height of the printable area of one page, in points."""
    w, h = _PAPER[s.print.paper]
    if s.print.orientation == "landscape":
        w, h = h, w
    left, right, top, bottom = page_margins(s.print.margins_cm)
    return w - (left + right) * _PT, h - (top + bottom) * _PT


def print_scale(s: SheetLayout) -> int:
    """The print scale (percent) that fits the print area's columns on one page wide."""
    width, _ = _printable(s)
    total = sum(column_points(s.col_widths.get(c, 8.43)) for c in range(s.print_cols[0], s.print_cols[1] + 1))
    return max(10, min(100, math.floor(100 * width * _SLACK / total)))


def page_height(s: SheetLayout) -> float:
    """The rows' height one page holds at the sheet's print scale, in points."""
    _, height = _printable(s)
    return height * _SLACK * 100 / print_scale(s)


def row_height(s: SheetLayout, row: int) -> float:
    return s.row_heights.get(row, DEFAULT_ROW_HEIGHT)


def _inside(spans: Iterable[tuple[int, int]]) -> set[int]:
    """Rows a page may not start with: every row of a span but its first."""
    return {r for first, last in spans for r in range(first + 1, last + 1)}


def paginate(s: SheetLayout) -> None:
    """Set ``s.print_scale`` and ``s.row_breaks`` (the first row of every page but the first)."""
    s.print_scale = print_scale(s)
    page = page_height(s)
    first, last = s.print_rows
    merges = [(r0, r1) for r0, _c0, r1, _c1 in s.merges if r1 > r0 and r0 >= first]
    strict = _inside([*s.keep_together, *s.never_split, *merges])
    loose = _inside([*s.never_split, *(m for m in merges if m not in s.keep_together)])
    head = sum(row_height(s, r) for r in range(s.repeat_rows[0], s.repeat_rows[1] + 1)) if s.repeat_rows else 0.0
    breaks: list[int] = []
    start, used, r = first, 0.0, first
    while r <= last:
        h = row_height(s, r)
        if used + h > page and r > start:
            b = _break_before(r, start, strict, loose)
            breaks.append(b)
            start, r = b, b
            used = head if s.repeat_rows and b > s.repeat_rows[1] else 0.0
            continue
        used += h
        r += 1
    s.row_breaks = breaks
    _split_merges(s)


def _split_merges(s: SheetLayout) -> None:
    """A merged cell a page break had to cross (a 一级指标 taller than a page) becomes one
    merge per page, the later ones labelled "…（续）", so no page starts with a blank label."""
    cells = {(c.row, c.col): c for c in s.cells}
    merges: list[tuple[int, int, int, int]] = []
    for r0, c0, r1, c1 in s.merges:
        cuts = [b for b in s.row_breaks if r0 < b <= r1]
        starts = [r0, *cuts]
        for first, nxt in zip(starts, [*cuts, r1 + 1], strict=True):
            if (first, c0, nxt - 1, c1) != (first, c0, first, c0):
                merges.append((first, c0, nxt - 1, c1))
            if first != r0:
                title = s.continued.get(r0) or cells[r0, c0].value
                cells[first, c0].value = f"{title}（续）" if title else None
    s.merges = merges


def _break_before(r: int, start: int, strict: set[int], loose: set[int]) -> int:
    """The last row in (start, r] a page may start with: outside every group if possible,
    else outside every merge and second-level group, else ``r`` itself."""
    for forbidden in (strict, loose):
        for b in range(r, start, -1):
            if b not in forbidden:
                return b
    return r
