"""Building workbooks from templates: the operation behind ``jixiao build``.

>>> build_template("guizhou-zhengti", "dist", force=True)  # doctest: +SKIP
PosixPath('dist/guizhou-zhengti.xlsx')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .layout import build_layout
from .templates import LoadedTemplate, load_template
from .write import write_workbook


class OutputExists(FileExistsError):
    """The output file exists and ``force`` was not given."""


def build_template(template: str | Path | LoadedTemplate, out_dir: str | Path, *, force: bool = False,
                   values: dict[str, Any] | None = None, prefill: dict[str, Any] | None = None,
                   filename: str | None = None) -> Path:
    """Build one workbook into ``out_dir``; never overwrites without ``force``.

    ``prefill`` values become part of the form the bureau sends (kept in its metadata so
    the reader rebuilds the same layout); ``values`` are inputs as if typed by a
    department.
    """
    lt = template if isinstance(template, LoadedTemplate) else load_template(template)
    out = Path(out_dir) / (filename or f"{lt.template.id}.xlsx")
    if out.exists() and not force:
        raise OutputExists(f"{out} exists (use --force to overwrite)")
    layout = build_layout(lt, prefill)
    return write_workbook(layout, out, values=values)


def template_paths(paths: list[Path]) -> list[Path]:
    """Expand folders to their ``*.yaml`` files (sorted), keep files as given.

    Only the folder's own files: older versions in ``archive/`` (``<id>@<version>.yaml``,
    kept to read returns made from them) are not built, so ``dist/`` holds one workbook
    per id, the current version.
    """
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    return out
