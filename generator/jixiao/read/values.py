"""Attribute and property text to Python values, as the OOXML schema reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import malformed


def as_int(text: str | None, what: str) -> int:
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise malformed(f"{what} 不是整数：{text!r}", f"{what} is not an integer: {text!r}") from None


def as_bool(text: str | None, default: bool = False) -> bool:
    """An ``xsd:boolean`` attribute; ``default`` when absent or unreadable."""
    if text is None:
        return default
    t = text.strip().lower()
    if t in ("1", "true", "on"):
        return True
    if t in ("0", "false", "off", ""):
        return False
    return default


_VT_INT = {"i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"}
_VT_FLOAT = {"r4", "r8", "decimal"}
_VT_STR = {"lpwstr", "lpstr", "bstr"}
_VT_DATE = {"filetime", "date"}


def vt_value(vt: str, text: str) -> Any:
    """A custom property's ``<vt:*>`` text typed by its element; the raw text when the
    type is unknown or the text does not parse."""
    try:
        if vt in _VT_STR:
            return text
        if vt in _VT_INT:
            return int(text.strip())
        if vt in _VT_FLOAT:
            return float(text.strip())
        if vt == "bool":
            t = text.strip().lower()
            if t in ("true", "1"):
                return True
            if t in ("false", "0"):
                return False
            return text
        if vt in _VT_DATE:
            return datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return text
