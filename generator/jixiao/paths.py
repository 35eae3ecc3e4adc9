"""Where the shipped templates and the rule library live.

In a checkout they are the top-level ``templates/`` and ``formulas/`` folders (where a
bureau edits them); an installed wheel carries copies under ``jixiao/_data/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def _data_dir(name: str) -> Path:
    for candidate in (_CHECKOUT / name, _PACKAGE / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"jixiao data folder {name!r} not found (broken install?)")


def templates_dir() -> Path:
    """The folder of shipped template variants.

    >>> templates_dir().name
    'templates'
    """
    return _data_dir("templates")


def formulas_dir() -> Path:
    """The folder holding the rule library (``rules.yaml``)."""
    return _data_dir("formulas")


#: Extra template folders (os.pathsep-separated), searched before ./templates and the
#: shipped ones: the default of ``jixiao --templates DIR``.
TEMPLATES_ENV = "JIXIAO_TEMPLATES"


@dataclass(frozen=True)
class TemplateSearchPath:
    """Where a template is looked for by id (and a return's template by id and version).

    Folders in order; each folder's ``archive/`` holds older versions. Frozen and
    hashable, so it can key a cache and travel to worker processes.

    >>> search = TemplateSearchPath.default()
    >>> search.folders[-1] == templates_dir()
    True
    """

    folders: tuple[Path, ...]

    @classmethod
    def default(cls, *extra: str | Path, working_folder: bool = True) -> TemplateSearchPath:
        """``extra`` folders, then ``$JIXIAO_TEMPLATES``, then ``./templates`` in the working
        folder (where a bureau keeps the variants it wrote; not with ``working_folder=False``),
        then the shipped folder.

        Raises :class:`NotADirectoryError` when an ``extra`` folder is not a folder.
        """
        for folder in extra:
            if not Path(folder).is_dir():
                raise NotADirectoryError(f"{folder}: 不是文件夹 (not a folder)")
        env = [Path(p) for p in os.environ.get(TEMPLATES_ENV, "").split(os.pathsep) if p.strip()]
        local = Path.cwd() / "templates"
        here = [local] if working_folder and local.is_dir() else []
        folders = [*map(Path, extra), *env, *here, templates_dir()]
        unique: list[Path] = []
        for folder in folders:
            resolved = folder.resolve()
            if resolved not in unique:
                unique.append(resolved)
        return cls(tuple(unique))

    @classmethod
    def for_reading(cls, *extra: str | Path) -> TemplateSearchPath:
        """Where a return's template is looked for: ``extra``, ``$JIXIAO_TEMPLATES`` and the
        shipped folder, never ``./templates``: returns are often checked in a folder someone
        else prepared, whose planted template would change the rules.

        >>> TemplateSearchPath.for_reading().folders == (templates_dir(),)
        True
        """
        return cls.default(*extra, working_folder=False)


def expand_paths(paths: Iterable[str | Path], pattern: str = "*", *, recursive: bool = False,
                 subfolders: Sequence[str] = ()) -> list[Path]:
    """Files as given, folders expanded to their files: the one place a folder becomes files.

    A folder gives its files matching ``pattern`` (sorted), then those of each of its
    ``subfolders``; with ``recursive`` every matching file below it. Hidden files and
    Office lock files (``~$name.xlsx``) are skipped. A path that does not exist is kept,
    so the caller reports it (verification gives R001).

    >>> [p.name for p in expand_paths([templates_dir()], "*.yaml")][:2]
    ['gansu-checklist.yaml', 'guizhou-zhengti-2022.yaml']
    >>> expand_paths([templates_dir()], "*.yaml", subfolders=["archive"])[-1].parent.name
    'archive'
    """
    out: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            out.append(path)
            continue
        for folder in (path, *(path / sub for sub in subfolders)):
            found = folder.rglob(pattern) if recursive else folder.glob(pattern)
            out.extend(sorted(f for f in found if f.is_file() and not f.name.startswith((".", "~$"))))
    return out
