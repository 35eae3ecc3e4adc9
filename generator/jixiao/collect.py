"""Collecting returns into the archive: verify each file, then store it with its findings.

>>> from jixiao.archive import Archive
>>> results = collect_files([Path("return.xlsx")], Archive("sqlite:///jixiao.sqlite"))  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .archive import Archive, StoredReturn, Submission
from .layout import DEPARTMENT_KEY
from .templates import load_template
from .verify import Verification, verify_file

#: Record fields that name the department, most specific first.
_CODE_KEYS = ("dept_code", "unit_code")
_NAME_KEYS = ("department", "unit", "dept_name", "project_dept")


@dataclass(frozen=True)
class Collected:
    path: Path
    verification: Verification
    stored: StoredReturn | None


def _department(v: Verification) -> tuple[str, str]:
    """(code, name) as the bureau pre-filled them, else from the record; else the file name."""
    department = v.prefill.get(DEPARTMENT_KEY) or {}
    if isinstance(department, dict) and department.get("code"):
        return str(department["code"]), str(department.get("name") or department["code"])
    code = name = ""
    for cell_name, key in sorted(v.fields.items()):
        value = v.record.get(cell_name)
        if not code and key in _CODE_KEYS and value:
            code = str(value)
        if not name and key in _NAME_KEYS and value:
            name = str(value)
    return code or name or v.path.stem, name or v.path.stem


@functools.lru_cache(maxsize=32)
def _template_year(template_id: str) -> int:
    """The reporting year a template declares (read once per template, not per return)."""
    return int(load_template(template_id).template.params.get("year", 0) or 0)


def collect_files(paths: Iterable[Path], archive: Archive, *, year: int | None = None) -> list[Collected]:
    """Verify and store each readable return (one transaction each); unreadable ones are
    reported, not stored."""
    out: list[Collected] = []
    for path in paths:
        v = verify_file(path)
        if v.unreadable:
            out.append(Collected(path, v, None))
            continue
        code, name = _department(v)
        template_year = year or _template_year(v.template_id)
        stored = archive.store(Submission(
            file_bytes=Path(path).read_bytes(), filename=Path(path).name, department_code=code,
            department_name=name, year=template_year, template_id=v.template_id,
            template_version=str(v.template_version), record=v.record,
            findings=[f.to_dict() for f in v.findings]))
        out.append(Collected(path, v, stored))
    return out
