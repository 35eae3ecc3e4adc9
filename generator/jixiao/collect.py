"""Collecting returns into the archive: verify each file, then store it with its findings.

>>> from jixiao.archive import Archive
>>> with Archive("sqlite:///new.sqlite") as archive:
...     results = collect_files(["returns/"], archive, jobs=2)
>>> [(r.stored.department_name, r.stored.version, r.stored.status) for r in results]
[('甲局', 1, '已通过'), ('乙局', 1, '待修改')]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .archive import Archive, StoredReturn, Submission
from .layout import DEPARTMENT_KEY
from .paths import TemplateSearchPath
from .signing import Keyring
from .templates import load_template
from .verify import Verification, verify_paths

#: Record fields that name the department, most specific first.
_CODE_KEYS = ("dept_code", "unit_code")
_NAME_KEYS = ("department", "unit", "dept_name", "project_dept")


@dataclass(frozen=True)
class Collected:
    """One file: its verification, and where it was stored (None: not filed)."""

    path: Path
    verification: Verification
    stored: StoredReturn | None

    @property
    def refused(self) -> bool:
        """Readable but not filed: its pre-fill contradicts the bureau's signature."""
        return self.stored is None and not self.verification.unreadable


def _department(v: Verification) -> tuple[str, str]:
    """(code, name) as the bureau pre-filled them, else from the record; else the file name.

    Only called for a pre-fill the signature does not refute (``v.prefill_trusted``).
    """
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
def _template_year(template_id: str, search: TemplateSearchPath | None) -> int:
    """The reporting year a template declares (read once per template, not per return)."""
    return int(load_template(template_id, search=search).template.params.get("year", 0) or 0)


def collect_files(paths: Iterable[str | Path], archive: Archive, *, year: int | None = None,
                  jobs: int | None = None, search: TemplateSearchPath | None = None,
                  keys: Keyring | None = None,
                  on_progress: Callable[[int, int], None] | None = None) -> list[Collected]:
    """Verify returns (files or folders, on ``jobs`` processes: see
    :func:`jixiao.verify.verify_paths`) and store each readable one (one transaction
    each); unreadable ones are reported, not stored. ``year`` defaults to the template's.

    ``keys`` are the bureau's (:mod:`jixiao.signing`): a return whose pre-fill contradicts
    their signature (V006, V007) is reported and never filed, under any department.
    """
    search = search or TemplateSearchPath.for_reading()  # the year too: never from ./templates
    out: list[Collected] = []
    for v in verify_paths(paths, jobs=jobs, search=search, keys=keys, on_progress=on_progress):
        path = v.path
        if v.unreadable or not v.prefill_trusted:
            out.append(Collected(path, v, None))
            continue
        code, name = _department(v)
        template_year = year or _template_year(v.template_id, search)
        stored = archive.store(Submission(
            file_bytes=Path(path).read_bytes(), filename=Path(path).name, department_code=code,
            department_name=name, year=template_year, template_id=v.template_id,
            template_version=str(v.template_version), record=v.record,
            findings=[f.to_dict() for f in v.findings]))
        out.append(Collected(path, v, stored))
    return out
