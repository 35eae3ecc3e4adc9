"""Reading what people type into number cells: ``5219.46万元``, ``92.93%``, ``１２３．４``.

A value that is not a clean number is converted where its meaning is clear, and the
conversion is reported; placeholders (``—``, ``-``, ``无``, blanks) read as empty.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .codes import verify as V

_EMPTY = {"", "—", "——", "-", "--", "－", "/", "无", "空", "n/a", "N/A", "……", "..."}
_UNITS = ("万元", "元", "分", "%", "％", "人次", "人", "次", "个", "份", "册", "天")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class Coerced:
    """A converted value, and a note (Chinese, English) when the typed text had to be interpreted."""

    value: Any
    note: tuple[str, str] | None = None
    ok: bool = True


def coerce_number(raw: Any) -> Coerced:
    """A number cell's value as typed, converted to ``float`` (or ``None`` for empty).

    >>> coerce_number("5219.46万元").value, coerce_number("92.93%").value
    (5219.46, 0.9293)
    >>> coerce_number("１２３．４").value, coerce_number("1,234.5").value, coerce_number("—").value
    (123.4, 1234.5, None)
    >>> coerce_number("很好").ok
    False
    """
    if raw is None:
        return Coerced(None)
    if isinstance(raw, bool):
        return Coerced(None, V.TYPED_BOOL.format(), ok=False)
    if isinstance(raw, int | float):
        return Coerced(float(raw))
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if text in _EMPTY:
        return Coerced(None, V.TYPED_BLANK.format(typed=raw) if text else None)
    body = text.replace(",", "").replace(" ", "")
    percent = False
    for unit in _UNITS:
        if body.endswith(unit):
            percent = unit in ("%", "％")
            body = body[: -len(unit)]
            break
    if _NUMBER.match(body):
        value = float(body)
        if percent:
            value = round(value / 100, 12)
        return Coerced(value, V.TYPED_NUMBER.format(typed=raw, number=f"{value:g}"))
    return Coerced(raw, V.TYPED_TEXT.format(typed=raw), ok=False)
