"""Recomputing a form in Python: every computed cell from the inputs, by the rule library."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..rules.library import library
from .model import Layout


def evaluate(layout: Layout, values: dict[str, Any]) -> dict[str, Any]:
    """Compute every computed cell from input and constant values, by the Python references.

    ``values`` maps defined names of inputs (and constants) to cell values (numbers as
    float, text as str, blank as None). Returns a dict of all cell values: the inputs
    given plus every computed cell.
    """
    rules = library()
    env: dict[str, Any] = {}
    get = values.get
    for name, c in layout.by_name.items():
        role = c.role
        if role == "input":
            value = get(name)
            # The record holds a date cell's date as ISO text; the sheet holds its serial.
            env[name] = _serial(value) if c.value_type == "date" and value is not None else value
        elif role == "constant":
            env[name] = get(name, c.value)
    by_name = layout.by_name
    lookup = env.get
    for name in layout.computed_order:
        c = by_name[name]
        args = {
            arg: [lookup(n) for n in target] if isinstance(target, list) else lookup(target)
            for arg, target in c.args.items()
        }
        env[name] = rules[c.rule].compute_merged(args, c.params)  # type: ignore[index]
    return env


def _serial(value: Any) -> Any:
    """A date (ISO text or a ``date``) as its serial number (1900 system); any other text
    stays text (a date typed as ``2024.2.20`` is text to the spreadsheet too), and numbers
    stay numbers."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return float((value - dt.date(1899, 12, 30)).days)
    return value
