"""One pre-filled workbook per department, on all cores: the batch behind ``build --data``.

>>> run = build_from_data("guizhou-zhengti", "departments.csv", "out/")
>>> sorted(b.path.name for b in run.result.built), run.not_built, len(run.problems)
(['101001_甲局.xlsx', '101002_乙局.xlsx'], 0, 0)

or in two steps:

>>> from jixiao.template.load import load_template
>>> lt = load_template("guizhou-zhengti")
>>> data = read_dataset(DataSchema.for_template(lt), "departments.csv")
>>> result = build_departments(lt.path, data.buildable, "again/")
>>> len(result.built), result.skipped, result.failed
(2, [], [])
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..build import OutputExists, build_template
from ..paths import TemplateSearchPath
from ..pool import worker_pool
from ..signing import Keyring
from ..template.load import LoadedTemplate, load_template
from .tables import DataProblem, DataSchema, Department, read_dataset

#: Suffixes of department data tables (anything else given as data is a record file).
DATA_TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".xls", ".et", ".ods")

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_MAX_BYTES = 180  # ext4 and NTFS allow 255 bytes; leave room for a -2 suffix and .xlsx


def safe_filename(code: str, name: str, suffix: str = ".xlsx") -> str:
    """A file name from a department's code and name that is safe on Windows and Linux.

    Characters Windows forbids (and path separators) become ``_``; leading dots and
    trailing dots/spaces are dropped; reserved device names get a ``_`` prefix; the
    result is one path component, so it always stays inside the output folder.

    >>> safe_filename("101", "../x")
    '101_.._x.xlsx'
    >>> safe_filename("CON", "")
    '_CON.xlsx'
    >>> safe_filename("7", '财政局:"预算"科')
    '7_财政局__预算_科.xlsx'
    """
    stem = "_".join(p for p in (code.strip(), name.strip()) if p)
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", stem))
    stem = stem.lstrip(". ").rstrip(". ") or "_"
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    while len(stem.encode("utf-8")) > _MAX_BYTES:
        stem = stem[:-1]
    return stem + suffix


@dataclass
class Built:
    code: str
    path: Path


@dataclass
class BatchResult:
    """What a batch did: built files, existing files left alone, failures with reasons."""

    built: list[Built] = field(default_factory=list)
    skipped: list[tuple[str, Path]] = field(default_factory=list)  # (code, existing file)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (code, reason)


@functools.lru_cache(maxsize=8)
def _template(path: str, search: TemplateSearchPath | None, params: tuple[tuple[str, Any], ...]) -> LoadedTemplate:
    return load_template(path, search=search).with_params(dict(params))


def _build_one(template_path: str, out_dir: str, filename: str, prefill: dict, force: bool,
               search: TemplateSearchPath | None, params: tuple[tuple[str, Any], ...] = (),
               keys: Keyring | None = None) -> tuple[str, str]:
    """Worker: build one department's workbook. Returns (status, path or reason)."""
    try:
        path = build_template(_template(template_path, search, params), out_dir, force=force, prefill=prefill,
                              filename=filename, keys=keys)
        return "built", str(path)
    except OutputExists:
        return "skipped", str(Path(out_dir) / filename)
    except Exception as exc:  # noqa: BLE001 - one bad department must not stop the batch
        return "failed", f"{type(exc).__name__}: {exc}"


def plan_filenames(departments: list[Department]) -> list[str]:
    """Unique safe file names, in order; a name taken twice after cleaning gets -2, -3 ..."""
    seen: dict[str, int] = {}
    names = []
    for d in departments:
        name = safe_filename(d.code, d.name)
        key = name.casefold()  # Windows file names ignore case
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            name = name[: -len(".xlsx")] + f"-{seen[key]}.xlsx"
        names.append(name)
    return names


def build_departments(template_path: str | Path, departments: list[Department], out_dir: str | Path, *,
                      force: bool = False, jobs: int | None = None, search: TemplateSearchPath | None = None,
                      on_progress: Callable[[int, int], None] | None = None,
                      params: Mapping[str, Any] | None = None, keys: Keyring | None = None) -> BatchResult:
    """Build every department's workbook into ``out_dir`` on ``jobs`` processes (all cores).

    An existing file is skipped unless ``force``; a failure is recorded and the rest
    still build. ``on_progress(done, total)`` is called before the first and after each
    department (a progress bar).
    Results are in the order of ``departments``. ``search`` finds the variant the
    template extends; ``params`` override the template's (``{"year": 2024}``); ``keys`` sign
    each department's pre-fill (:mod:`jixiao.signing`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = BatchResult()
    names = plan_filenames(departments)
    frozen = tuple(sorted((params or {}).items()))
    args = [(str(template_path), str(out), n, d.prefill, force, search, frozen, keys)
            for d, n in zip(departments, names, strict=True)]
    workers = max(1, jobs or os.cpu_count() or 1)
    if workers == 1 or len(args) < 4:
        outcomes = (_build_one(*a) for a in args)
        _collect(departments, outcomes, result, on_progress)
    else:
        with worker_pool(workers) as pool:
            outcomes = pool.map(_build_one, *zip(*args, strict=True), chunksize=8)
            _collect(departments, outcomes, result, on_progress)
    return result


def _collect(departments: list[Department], outcomes, result: BatchResult,
             on_progress: Callable[[int, int], None] | None) -> None:
    if on_progress:
        on_progress(0, len(departments))
    for done, (d, (status, detail)) in enumerate(zip(departments, outcomes, strict=True), 1):
        if status == "built":
            result.built.append(Built(d.code, Path(detail)))
        elif status == "skipped":
            result.skipped.append((d.code, Path(detail)))
        else:
            result.failed.append((d.code, detail))
        if on_progress:
            on_progress(done, len(departments))


@dataclass
class DataBuild:
    """What :func:`build_from_data` did: the data's problems, the batch, and how many
    departments were not built because of bad data."""

    template_id: str
    problems: list[DataProblem]
    result: BatchResult
    not_built: int

    @property
    def ok(self) -> bool:
        """No data error and no failed build (the CLI's exit 0)."""
        return not any(p.severity == "error" for p in self.problems) and not self.result.failed


def build_from_data(template: str | Path, data: str | Path, out_dir: str | Path, *,
                    indicators: str | Path | None = None, projects: str | Path | None = None,
                    force: bool = False, jobs: int | None = None, search: TemplateSearchPath | None = None,
                    on_progress: Callable[[int, int], None] | None = None,
                    params: Mapping[str, Any] | None = None, keys: Keyring | None = None) -> DataBuild:
    """Read the department data of a template and build one workbook per good department.

    ``params`` override the template's (``{"year": 2024}``). Raises
    :class:`jixiao.template.load.TemplateError` / :class:`FileNotFoundError` /
    :class:`jixiao.template.load.ParamError` for the template and :class:`jixiao.prefill.tables.DataFileError` when a data file as a whole cannot
    be read; bad rows are problems in the result and the other departments still build.
    ``keys`` sign each form's pre-fill (:mod:`jixiao.signing`; the CLI passes the bureau's).

    >>> run = build_from_data("guizhou-zhengti", "departments.csv", "out/", jobs=2)
    >>> run.ok, len(run.result.built)
    (True, 2)
    """
    lt = load_template(template, search=search).with_params(params)  # a bad parameter: before any data is read
    dataset = read_dataset(DataSchema.for_template(lt), data, indicators=indicators, projects=projects)
    result = build_departments(lt.path, dataset.buildable, out_dir, force=force, jobs=jobs, search=search,
                               on_progress=on_progress, params=params, keys=keys)
    # A department is not built when any of its rows has an error; rows without a usable
    # 单位编码 count on their own.
    not_built = len({p.department or f"{p.table}:{p.row}" for p in dataset.errors})
    return DataBuild(lt.template.id, dataset.problems, result, not_built)
