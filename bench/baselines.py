"""The two baselines jixiao is measured against, on the same workbooks.

(a) Bare xlsxwriter writing exactly the cells, formats, formulas, cached results,
    merges, validations, conditional formats, defined names, page setup and protection
    jixiao writes. They are taken by running jixiao's writer once against a recording
    stand-in for ``xlsxwriter.Workbook`` (untimed); :meth:`Recording.replay` then makes
    the same calls on a real ``xlsxwriter.Workbook``: no template, no layout, no
    formula rendering, no evaluation, only the library. The replayed file is byte for
    byte the file jixiao wrote, which the bench checks.
(b) Bare openpyxl ``load_workbook(read_only=True)`` of the same return, touching every
    cell of every sheet (values only; read-only mode gives no formulas).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from jixiao.layout import Layout
from jixiao.write import write_workbook


@dataclass(frozen=True)
class _Ref:
    """An object made during the recorded run (a worksheet, a format), by index."""

    index: int


class _Stand:
    """Stands in for a workbook, worksheet or format: every method call is logged."""

    def __init__(self, rec: Recording, index: int) -> None:
        self._rec = rec
        self._index = index

    def __getattr__(self, method: str) -> Any:
        rec = self._rec

        def call(*args: Any, **kwargs: Any) -> Any:
            made = None
            if method in ("add_worksheet", "add_format"):
                made = _Stand(rec, len(rec.objects))
                rec.objects.append(method)
            args, kwargs = _refs(args), _refs(kwargs)
            # How the replay resolves references: none, top-level arguments only, or deep.
            if not _has_ref(args) and not _has_ref(kwargs):
                how = 0
            elif all(type(a) is _Ref or not _has_ref(a) for a in args) and not _has_ref(kwargs):
                how = 1
            else:
                how = 2
            rec.calls.append((self._index, method, args, kwargs, how, None if made is None else made._index))
            return made

        return call


def _refs(value: Any) -> Any:
    """The value with every stand-in replaced by its _Ref (containers copied)."""
    t = type(value)
    if t is _Stand:
        return _Ref(value._index)
    if t is tuple or t is list:
        return t(_refs(v) for v in value)
    if t is dict:
        return {k: _refs(v) for k, v in value.items()}
    return value


def _has_ref(value: Any) -> bool:
    t = type(value)
    if t is _Ref:
        return True
    if t is tuple or t is list:
        return any(_has_ref(v) for v in value)
    if t is dict:
        return any(_has_ref(v) for v in value.values())
    return False


def _resolve(value: Any, objects: list[Any]) -> Any:
    t = type(value)
    if t is _Ref:
        return objects[value.index]
    if t is dict:
        return {k: _resolve(v, objects) for k, v in value.items()}
    if t is list or t is tuple:
        return t(_resolve(v, objects) for v in value)
    return value


@dataclass
class Recording:
    """Every call jixiao's writer made on xlsxwriter for one workbook."""

    workbook_options: dict[str, Any] = field(default_factory=dict)
    objects: list[Any] = field(default_factory=list)  # what each _Ref index was made by
    calls: list[tuple[int, str, Any, Any, int, int | None]] = field(default_factory=list)

    @classmethod
    def of(cls, layout: Layout, values: dict[str, Any] | None, scratch: Path) -> Recording:
        """Run ``write_workbook(layout, ..., values=values)`` against the stand-in."""
        rec = cls()
        real = xlsxwriter.Workbook

        def workbook(filename: str, options: dict[str, Any] | None = None) -> _Stand:
            rec.workbook_options = dict(options or {})
            rec.objects.append("workbook")
            return _Stand(rec, 0)

        xlsxwriter.Workbook = workbook  # type: ignore[assignment,misc]
        try:
            write_workbook(layout, scratch, values=values)
        finally:
            xlsxwriter.Workbook = real  # type: ignore[misc]
            scratch.unlink(missing_ok=True)
        return rec

    def replay(self, path: Path, *, worksheet_class: type[Worksheet] | None = None) -> None:
        """Make the recorded calls on a real workbook written to ``path``.

        Worksheets are plain xlsxwriter ones (jixiao's own worksheet class is dropped)
        unless ``worksheet_class`` is given.
        """
        wb = xlsxwriter.Workbook(str(path), self.workbook_options)
        objects: list[Any] = [wb] * len(self.objects)
        for target, method, args, kwargs, how, made in self.calls:
            if method == "add_worksheet":
                kwargs = {**kwargs, "worksheet_class": worksheet_class}
            if how == 1:
                args = [objects[a.index] if type(a) is _Ref else a for a in args]
            elif how == 2:
                args, kwargs = _resolve(args, objects), _resolve(kwargs, objects)
            result = getattr(objects[target], method)(*args, **kwargs)
            if made is not None:
                objects[made] = result


def openpyxl_read(path: Path) -> int:
    """Baseline (b): open read-only and touch every cell of every sheet; the cell count."""
    wb = openpyxl.load_workbook(path, read_only=True)
    n = 0
    for ws in wb.worksheets:
        ws.reset_dimensions()
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
    return n


def same_bytes(a: Path, b: Path) -> bool:
    return os.path.getsize(a) == os.path.getsize(b) and a.read_bytes() == b.read_bytes()
