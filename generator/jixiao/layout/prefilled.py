"""A pre-filled layout as its structure plus values, so that forms sharing a structure
share one laid-out copy of it.

A pre-fill shapes a layout only through its :data:`STRUCTURE_KEYS` (declared indicators,
project copies); every other key is a value by defined name, which the builder reads in
one place only (``SheetBuilder.input``: the value of an input or a locked constant).
So the layout of a pre-fill is the layout of its structure with those values put into
their cells: :func:`with_values`. Reading returns, a worker lays out a structure once
(the departments of a roster without declared indicators all share one) and gives each
return a light copy: new cells where a value was pre-filled, every other cell, formula
and the fingerprint shared.

>>> from jixiao.layout import build_layout
>>> from jixiao.template.load import load_template
>>> lt = load_template("guizhou-zhengti")
>>> prefill = {"zt_department": "某某局", "_copies": {}}
>>> skeleton = build_layout(lt, structure_of(prefill))
>>> with_values(skeleton, prefill).cell("zt_department").value, skeleton.cell("zt_department").value
('某某局', None)
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .model import COPIES_KEY, INDICATORS_KEY, Cell, Layout

#: The pre-fill keys that shape a layout (rows, sheets); the others are values by name.
STRUCTURE_KEYS = (INDICATORS_KEY, COPIES_KEY)


def structure_of(prefill: dict[str, Any]) -> dict[str, Any]:
    """The part of a pre-fill that shapes its layout (see :data:`STRUCTURE_KEYS`).

    >>> structure_of({"zt_department": "某某局", "_copies": {"xm": 2}, "_department": {"code": "1"}})
    {'_copies': {'xm': 2}}
    """
    return {k: prefill[k] for k in STRUCTURE_KEYS if k in prefill}


def with_values(skeleton: Layout, prefill: dict[str, Any]) -> Layout:
    """The layout ``build_layout(lt, prefill)`` gives, from ``skeleton`` (the layout of
    ``structure_of(prefill)``): each input and constant named in ``prefill`` holds its
    value there. ``skeleton`` is left as it was; what did not change is shared with it,
    so neither may be changed afterwards (layouts are read, never edited).
    """
    by_name = skeleton.by_name
    replaced: dict[int, Cell] = {}
    for name, value in prefill.items():
        cell = by_name.get(name)
        if cell is not None and cell.role in ("input", "constant") and cell.value is not value:
            replaced[id(cell)] = dataclasses.replace(cell, value=value)
    if not replaced:
        return dataclasses.replace(skeleton, prefill=prefill)
    sheets = [s if not any(id(c) in replaced for c in s.cells)
              else dataclasses.replace(s, cells=[replaced.get(id(c), c) for c in s.cells])
              for s in skeleton.sheets]
    new_by_name = dict(by_name)
    for cell in replaced.values():
        new_by_name[cell.name] = cell  # type: ignore[index]
    return dataclasses.replace(skeleton, sheets=sheets, prefill=prefill, by_name=new_by_name)


__all__ = ["STRUCTURE_KEYS", "structure_of", "with_values"]
