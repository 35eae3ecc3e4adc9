"""Collecting returns into the archive: verify each file, then store it with its findings.

>>> from jixiao.archive import Archive
>>> with Archive("sqlite:///new.sqlite") as archive:
...     run = collect_files(["returns/"], archive, jobs=2)
>>> [(r.stored.department_name, r.stored.version, r.stored.status) for r in run]
[('甲局', 1, '已通过'), ('乙局', 1, '待修改')]

The files of one department (and form) in one batch are stored in the order of their
填报日期, then of their modification time, then of their name, so the version numbers
follow the drafts; each such group is reported in :attr:`CollectRun.duplicates`. A file
that cannot be read is kept too (status 格式错误), under the department its file name
starts with (``101001_财政局.xls`` → 101001), so the department is not shown as 未交.

A return is filed only under a department its pre-fill may name: one whose pre-fill
contradicts the bureau's signature (V006, V007), or carries none where the bureau signs its
forms (V008: a stripped signature), is refused (:func:`refusal`), as the portal refuses it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..codes import verify as V
from ..layout import DEPARTMENT_KEY
from ..paths import TemplateSearchPath
from ..signing import Keyring
from ..template.load import load_template
from ..verify.findings import Finding
from ..verify.verification import Verification, verify_paths
from . import Archive, StoredReturn, Submission

#: Record fields that name the department, most specific first.
_CODE_KEYS = ("dept_code", "unit_code")
_NAME_KEYS = ("department", "unit", "dept_name", "project_dept")
#: The form field holding its 填报日期.
FILL_DATE_KEY = "fill_date"
# A built form is named <编码>_<名称>.xlsx; a department may rename it <编码>-<名称>.
_CODE_IN_NAME = re.compile(r"^([0-9A-Za-z]+)[_\-－—\s]")
#: Findings that mean the pre-fill cannot name the department: changed after the bureau
#: signed it (V006), signed with a key that is not the bureau's (V007), or not signed although
#: the bureau signs its forms (V008, found only when the bureau's keys are given: a stripped
#: signature looks exactly like this).
NOT_FILED = (V.V006.id, V.V007.id, V.V008.id)


@dataclass(frozen=True)
class Collected:
    """One file: its verification, and where it was stored (None: not filed)."""

    path: Path
    verification: Verification
    stored: StoredReturn | None

    @property
    def refusal(self) -> Finding | None:
        """Why it was not filed although it could be read (:func:`refusal`), or None."""
        return None if self.stored is not None else refusal(self.verification)

    @property
    def refused(self) -> bool:
        """Readable but not filed: its pre-fill cannot name its department (:attr:`refusal`)."""
        return self.refusal is not None


@dataclass(frozen=True)
class Duplicate:
    """Several files of one department and form in one batch; ``files`` oldest first, so
    the last one is the version that counts."""

    department_code: str
    template_id: str
    files: tuple[Path, ...]


@dataclass(frozen=True)
class CollectRun(Iterable[Collected]):
    """What :func:`collect_files` did: one :class:`Collected` per file, in the order given."""

    collected: list[Collected]
    duplicates: list[Duplicate] = field(default_factory=list)

    def __iter__(self) -> Iterator[Collected]:
        return iter(self.collected)

    def __len__(self) -> int:
        return len(self.collected)

    def __getitem__(self, i: int) -> Collected:
        return self.collected[i]

    @property
    def refused(self) -> list[Collected]:
        """The files not filed because their pre-fill cannot name their department."""
        return [c for c in self.collected if c.refused]


def refusal(v: Verification) -> Finding | None:
    """The finding that keeps a readable return from being filed, or None: its pre-fill was
    changed after the bureau signed it (V006), is signed with a key not the bureau's (V007),
    or is not signed although the bureau signs its forms (V008). A blank form, with nothing
    pre-filled, has nothing to sign and is filed.

    >>> v = Verification(Path("乙局.xlsx"), [Finding.of(V.V008.format())], prefill={"_department": {"code": "102"}})
    >>> refusal(v).code, refusal(Verification(Path("blank.xlsx"))) is None
    ('V008', True)
    """
    if v.unreadable:
        return None
    return next((f for f in v.findings if f.code in NOT_FILED), None)


def department_of(v: Verification) -> tuple[str, str]:
    """(code, name) as the bureau pre-filled them, else from the record; else the file name.

    ``collect_files`` files a return under it only when :func:`refusal` finds nothing.
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


def _department_of_file(path: Path) -> tuple[str, str]:
    """(code, name) from a file name ``<编码>_<名称>``; else the whole stem for both."""
    m = _CODE_IN_NAME.match(path.stem)
    if m is None:
        return path.stem, path.stem
    return m.group(1), path.stem[m.end():].strip() or m.group(1)


def fill_date(v: Verification) -> dt.date | None:
    """The form's 填报日期, when it holds a date."""
    for cell_name, key in v.fields.items():
        if key == FILL_DATE_KEY and v.record.get(cell_name):
            try:
                return dt.date.fromisoformat(str(v.record[cell_name])[:10])
            except ValueError:
                return None
    return None


def _year_of(v: Verification, year: int | None, search: TemplateSearchPath | None) -> int:
    """The year a return is filed under: the one asked for, else the one its form was built
    with (its ``year`` parameter), else its template's."""
    return year or v.params.get("year") or _template_year(v.template_id, search)


@functools.lru_cache(maxsize=32)
def _template_year(template_id: str, search: TemplateSearchPath | None) -> int:
    """The reporting year a template declares (read once per template, not per return)."""
    return int(load_template(template_id, search=search).template.params.get("year", 0) or 0)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _order(results: list[Verification]) -> tuple[list[Verification], list[Duplicate]]:
    """The results in storing order (each department's drafts oldest first) and the groups
    of several files of one department and form."""
    def key(v: Verification) -> tuple:
        return (fill_date(v) or dt.date.min, _mtime(Path(v.path)), Path(v.path).name)

    groups: dict[tuple[str, str], list[Verification]] = {}
    for v in results:
        code = _department_of_file(Path(v.path))[0] if v.unreadable else department_of(v)[0]
        groups.setdefault((code, v.template_id), []).append(v)
    ordered = [v for group in groups.values() for v in sorted(group, key=key)]
    duplicates = [Duplicate(code, tid, tuple(Path(v.path) for v in sorted(group, key=key)))
                  for (code, tid), group in groups.items() if len(group) > 1]
    return ordered, duplicates


def collect_files(paths: Iterable[str | Path], archive: Archive, *, year: int | None = None,
                  jobs: int | None = None, search: TemplateSearchPath | None = None,
                  keys: Keyring | None = None,
                  on_progress: Callable[[int, int], None] | None = None) -> CollectRun:
    """Verify returns (files or folders, on ``jobs`` processes: see
    :func:`jixiao.verify.verification.verify_paths`) and store each one (one transaction each), in the
    order described in the module docstring. ``year`` defaults to the template's; a file
    that cannot be read goes to ``year``, else the year most returns of the batch have,
    and is left unstored (``stored`` None) only when there is no year to file it under.

    ``keys`` are the bureau's (:mod:`jixiao.signing`): a return whose pre-fill contradicts
    their signature (V006, V007) or is not signed (V008) is reported (:attr:`Collected.refusal`,
    :attr:`CollectRun.refused`) and never filed, under any department. Without ``keys`` a
    pre-fill cannot be checked (V004, V005) and names the department.
    """
    search = search or TemplateSearchPath.for_reading()  # the year too: never from ./templates
    results = verify_paths(paths, jobs=jobs, search=search, keys=keys, on_progress=on_progress)
    trusted = [v for v in results if refusal(v) is None]
    ordered, duplicates = _order(trusted)
    years = Counter(_year_of(v, year, search) for v in trusted if not v.unreadable)
    batch_year = year or (years.most_common(1)[0][0] if years else None)
    stored: dict[int, StoredReturn | None] = {id(v): None for v in results}
    for v in ordered:
        path = Path(v.path)
        if v.unreadable:
            if batch_year is None or not path.is_file():
                continue
            code, name = _department_of_file(path)
            sub = Submission(file_bytes=path.read_bytes(), filename=path.name, department_code=code,
                             department_name=name, year=batch_year, template_id=v.template_id,
                             template_version=str(v.template_version or ""),
                             findings=[f.to_dict() for f in v.findings], unreadable=True)
        else:
            code, name = department_of(v)
            sub = Submission(file_bytes=path.read_bytes(), filename=path.name, department_code=code,
                             department_name=name, year=_year_of(v, year, search),
                             template_id=v.template_id, template_version=str(v.template_version),
                             record=v.record, findings=[f.to_dict() for f in v.findings],
                             fill_date=fill_date(v))
        stored[id(v)] = archive.store(sub)
    return CollectRun([Collected(Path(v.path), v, stored[id(v)]) for v in results], duplicates)
