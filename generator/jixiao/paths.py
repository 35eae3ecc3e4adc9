"""Where the shipped templates and the rule library live.

In a checkout they are the top-level ``templates/`` and ``formulas/`` folders (where a
bureau edits them); an installed wheel carries copies under ``jixiao/_data/``.
"""

from __future__ import annotations

import os
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


#: Extra template folders (os.pathsep-separated), searched before the shipped ones; the
#: ``jixiao --templates DIR`` option sets it.
TEMPLATES_ENV = "JIXIAO_TEMPLATES"


def template_search_path() -> list[Path]:
    """Where a return's template is looked for, in order.

    ``$JIXIAO_TEMPLATES`` folders, then ``./templates`` in the working folder (where a
    bureau keeps the variants it wrote), then the shipped folder. Each folder's
    ``archive/`` holds older versions.

    >>> template_search_path()[-1] == templates_dir()
    True
    """
    folders = [Path(p) for p in os.environ.get(TEMPLATES_ENV, "").split(os.pathsep) if p.strip()]
    local = Path.cwd() / "templates"
    if local.is_dir():
        folders.append(local)
    folders.append(templates_dir())
    seen: list[Path] = []
    for folder in folders:
        resolved = folder.resolve()
        if resolved not in seen:
            seen.append(resolved)
    return seen
