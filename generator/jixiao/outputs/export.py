"""Exporting the latest returns of a year as flat rows (CSV or JSON): ``jixiao export``.

>>> with Archive("sqlite:///jixiao.sqlite") as archive:
...     exported = export_year(archive, 2023, fmt="csv", out=Path("2023.csv"))
>>> exported.rows, Path("2023.csv").read_bytes()[:3] == b"\\xef\\xbb\\xbf"  # UTF-8 with a BOM
(2, True)
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..archive import Archive
from ..atomic import atomic_output
from . import csv_safe

FORMATS = ("csv", "json")


@dataclass(frozen=True)
class Exported:
    """The exported text (what was written to ``out``, or is to be printed) and its rows."""

    text: str
    rows: int


def _natural(key: str) -> tuple[str, str]:
    """Digits padded so that ``row2`` sorts before ``row11``."""
    return re.sub(r"\d+", lambda m: m.group().zfill(6), key), key


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"--format 只能是 csv 或 json (unknown format {fmt!r})")


def render_rows(rows: list[dict[str, Any]], fmt: str = "csv") -> str:
    """Rows as CSV (the fixed columns first, then every ``record.*`` column of any row in
    natural order, CRLF lines; text a spreadsheet would read as a formula is neutralised,
    see :mod:`jixiao.outputs.csv_safe`) or as indented JSON.

    >>> render_rows([{"department_code": "101", "record.xm11_budget": 1, "record.xm2_budget": 2}])
    'department_code,record.xm2_budget,record.xm11_budget\\r\\n101,2,1\\r\\n'
    >>> render_rows([{"department_name": "=cmd|' /C calc'!A0", "total": -3}])
    "department_name,total\\r\\n'=cmd|' /C calc'!A0,-3\\r\\n"
    """
    _check(fmt)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"
    fixed = [k for k in (rows[0] if rows else {}) if not k.startswith("record.")]
    columns = fixed + sorted({k for row in rows for k in row} - set(fixed), key=_natural)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(csv_safe.row(row) for row in rows)
    return buffer.getvalue()


def export_year(archive: Archive, year: int, *, fmt: str = "csv", out: Path | None = None) -> Exported:
    """The latest return of every department of ``year`` (:meth:`Archive.export_rows`)
    rendered by :func:`render_rows`; written atomically to ``out`` when given.

    The CSV file is UTF-8 with a byte-order mark, so Excel and WPS open the Chinese
    correctly. Raises :class:`ValueError` for a format other than csv or json.
    """
    _check(fmt)  # before reading the archive
    rows = archive.export_rows(year)
    text = render_rows(rows, fmt)
    if out is not None:
        with atomic_output(out) as tmp:
            tmp.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
    return Exported(text, len(rows))
