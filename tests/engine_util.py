"""Helpers shared by the real-engine tests (test_real_engine.py, test_differential.py).

Comparing what LibreOffice saved with what the Python references compute, "at the last
displayed digit": numbers agree when they agree at ``digits`` decimals (9, or 6 for
rates), or - for numbers so large that 15 significant digits end before that decimal -
at the 15th significant digit, which is all a spreadsheet keeps and shows. Blank cells
and formulas that show "" are both empty. Text is compared exactly.
"""

from __future__ import annotations

import html
import math
import re
import zipfile
from pathlib import Path
from typing import Any

from jixiao.rules.numbers import is_blank, is_number, same_at_digits

REPO = Path(__file__).resolve().parents[1]

_F = re.compile(r"<f(?:\s[^>]*)?>(.*?)</f>", re.S)
_CACHED = re.compile(r"(<f(?:\s[^>]*)?(?:/>|>.*?</f>))<v>[^<]*</v>", re.S)
_OTHER_FORMULAS = re.compile(r"<(formula|formula1|formula2)>(.*?)</\1>", re.S)


def written(value: Any) -> Any:
    """A Python value as a workbook holds it once xlsxwriter wrote it (``%.16g`` numbers).

    ``0.1 + 0.2`` is written as ``0.3000000000000000``: the engine never sees the 17th
    digit, so the Python reference must not either.
    """
    if is_number(value) and isinstance(value, float):
        return float(f"{value:.16g}")
    return value


def same_shown(a: Any, b: Any, digits: int = 9) -> bool:
    """Equal as a spreadsheet shows them (see the module docstring)."""
    if is_number(a) and is_number(b):
        if same_at_digits(a, b, digits):
            return True
        scale = max(abs(float(a)), abs(float(b)))
        return abs(float(a) - float(b)) <= 10 ** (math.floor(math.log10(scale)) - 14)
    if is_blank(a) and is_blank(b):
        return True
    return a == b


def is_error_value(value: Any, data_type: str = "n") -> bool:
    """An Excel error shown in a cell (#DIV/0!, #VALUE!, #NAME? ...)."""
    return data_type == "e" or (isinstance(value, str) and value.startswith("#"))


def package_formulas(path: Path) -> list[tuple[str, str]]:
    """Every formula text in the worksheets of an .xlsx: ``<f>`` cells, and the formulas
    of data validations and conditional formats, as ``(part, text)`` (XML unescaped)."""
    out: list[tuple[str, str]] = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            xml = z.read(name).decode("utf-8")
            out += [(name, html.unescape(m.group(1))) for m in _F.finditer(xml) if m.group(1)]
            out += [(name, html.unescape(m.group(2))) for m in _OTHER_FORMULAS.finditer(xml)]
    return out


def package_text(path: Path) -> str:
    """All XML parts of an .xlsx joined (to search for a forbidden marker such as _xlfn.)."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith(".xml") or n.endswith(".rels"))


def strip_cached_values(src: Path, dst: Path) -> Path:
    """Copy a workbook without the cached value of any formula cell (``<f>`` kept, ``<v>``
    dropped), so only a recalculation can put values there: an engine that silently did
    not recalculate then shows blanks, not our own reference results."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/") and item.filename.endswith(".xml"):
                data = _CACHED.sub(r"\1", data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return dst
