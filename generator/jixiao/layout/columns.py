"""Where the self-evaluation sheet puts things: its column grid, panel and hidden flag columns.

The grid is the indicator table's columns (``Indicators.columns``), one sheet column
each; every other block (header fields, funds, goals, total, conclusion, notes) spans
columns of the same grid. The default columns give the layout of the regional forms:
A 一级 · B 二级 · C 三级 · D 方向 · E 指标值 · F 单位 · G 实际完成值 · H 定性档次 · I 分值 ·
J 定性得分 · K 得分 · L 原因, and M 本行校验 beside the printed form.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..template import model

A, B, C, D, E, F, G, H, I, J, K, L, M = range(13)
PANEL_LABEL, PANEL_VALUE = 14, 15  # O, P: the self-check panel beside the form
FLAG0 = 19  # T...: hidden per-row flags

#: Width (characters) of each indicator column unless the template gives one.
INDICATOR_WIDTHS = {"level1": 11, "level2": 11, "name": 26, "direction": 5, "target": 9, "unit": 6,
                    "actual": 13, "tier": 13, "weight": 6, "declared": 7, "score": 7, "reason": 22}
CHECK_WIDTH, SPACER_WIDTH = 20, 2
PANEL_WIDTHS = {PANEL_LABEL: 24, PANEL_VALUE: 40}


@dataclass(frozen=True)
class Grid:
    """The columns of one self-evaluation sheet."""

    col: dict[str, int]  # indicator column key -> sheet column
    funds: dict[str, tuple[int, int]]  # funds column key -> (first, last) sheet column
    width: int  # printed columns: 0 .. width - 1
    widths: dict[int, float]

    @property
    def last(self) -> int:
        return self.width - 1

    @property
    def check(self) -> int:
        """本行校验: the first column right of the printed form."""
        return self.width

    @property
    def label_span(self) -> int:
        """Columns of a block's label on the left (资金, 年度总体目标, 自评结论)."""
        first, last = self.funds["label"]
        return last - first + 1

    def has(self, key: str) -> bool:
        return key in self.col

    def field_spans(self, per_row: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """(label, input) column spans of ``per_row`` fields side by side."""
        chunk = self.width // per_row
        label = max(1, chunk // 3)
        out = []
        for i in range(per_row):
            start = i * chunk
            end = self.last if i == per_row - 1 else start + chunk - 1
            out.append(((start, start + label - 1), (start + label, end)))
        return out


def grid(spec: model.SelfEvaluationSheet) -> Grid:
    """The sheet's grid from its indicator and funds columns."""
    cols = spec.indicators.columns
    col = {c.key: i for i, c in enumerate(cols)}
    widths: dict[int, float] = {i: c.width or INDICATOR_WIDTHS[c.key] for i, c in enumerate(cols)}
    width = len(cols)
    widths[width] = CHECK_WIDTH
    widths[width + 1] = SPACER_WIDTH
    widths.update(PANEL_WIDTHS)
    funds: dict[str, tuple[int, int]] = {}
    at = 0
    for c in spec.funds.columns:
        funds[c.key] = (at, at + c.span - 1)
        at += c.span
    return Grid(col=col, funds=funds, width=width, widths=widths)
