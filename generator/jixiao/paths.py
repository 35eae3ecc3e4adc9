"""Where the shipped templates and the rule library live.

In a checkout they are the top-level ``templates/`` and ``formulas/`` folders (where a
bureau edits them); an installed wheel carries copies under ``jixiao/_data/``.
"""

from __future__ import annotations

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
