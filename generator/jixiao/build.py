"""Building workbooks from templates: the operation behind ``jixiao build``.

>>> build_template("guizhou-zhengti", "out")
PosixPath('out/guizhou-zhengti.xlsx')
>>> Path("out/guizhou-zhengti.xlsx").read_bytes() == Path("dist/guizhou-zhengti.xlsx").read_bytes()
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import OutputExists, refuse_overwrite
from .codes import Message
from .layout import build_layout
from .paths import TemplateSearchPath, expand_paths
from .prefill.tables.weights import gap_message, locked_weight_gaps
from .signing import Keyring
from .template.load import LoadedTemplate, ParamError, TemplateError, load_template
from .write import write_workbook

__all__ = ["BuildOutcome", "OutputExists", "PrefillRefused", "build_template", "build_templates", "template_paths"]


class PrefillRefused(ValueError):
    """A pre-fill whose locked weights can never pass the form's weight check (D402)."""

    def __init__(self, messages: list[Message]) -> None:
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = messages


def _refuse_unpassable(lt: LoadedTemplate, prefill: dict[str, Any] | None) -> None:
    """A record's pre-fill whose locked weights can never pass is not built (D402), as a
    department's from the data tables is not (:mod:`jixiao.prefill.tables.weights`). Only the
    ``build`` operation refuses: :func:`build_template` rebuilds any record it is given."""
    gaps = locked_weight_gaps(lt.template, prefill) if prefill else []
    if gaps:
        raise PrefillRefused([gap_message(g, prefill or {}, lambda _entry: "") for g in gaps])


def build_template(template: str | Path | LoadedTemplate, out_dir: str | Path, *, force: bool = False,
                   values: dict[str, Any] | None = None, prefill: dict[str, Any] | None = None,
                   filename: str | None = None, search: TemplateSearchPath | None = None,
                   params: Mapping[str, Any] | None = None, keys: Keyring | None = None) -> Path:
    """Build one workbook into ``out_dir``; never overwrites without ``force``
    (:class:`OutputExists`).

    ``prefill`` values become part of the form the bureau sends (kept in its metadata so
    the reader rebuilds the same layout); ``values`` are inputs as if typed by a
    department. ``search`` finds a template given by id. ``params`` override the
    template's (``{"year": 2024}``; text is typed like the template's own value,
    :class:`jixiao.template.load.ParamError` otherwise); the form carries them in its identity.
    With ``keys`` the pre-fill is signed (:mod:`jixiao.signing`): a form sent to a
    department should be.
    """
    lt = template if isinstance(template, LoadedTemplate) else load_template(template, search=search)
    lt = lt.with_params(params)
    out = Path(out_dir) / (filename or f"{lt.template.id}.xlsx")
    refuse_overwrite(out, force=force)
    layout = build_layout(lt, prefill)
    return write_workbook(layout, out, values=values, keys=keys)


@dataclass(frozen=True)
class BuildOutcome:
    """One template of :func:`build_templates`: the workbook written, or why not."""

    template: Path
    path: Path | None = None
    problems: tuple[str, ...] = ()  # each a line for the user (lint's file:line:col lines)


def build_templates(templates: Iterable[str | Path], out_dir: str | Path, *, force: bool = False,
                    values: dict[str, Any] | None = None, prefill: dict[str, Any] | None = None,
                    search: TemplateSearchPath | None = None,
                    params: Mapping[str, Any] | None = None, keys: Keyring | None = None) -> list[BuildOutcome]:
    """Build every template (files, ids, folders of ``*.yaml``) into ``out_dir``, each
    with ``params`` over its own (``{"year": 2024}``: next year's forms).

    A template that cannot be built does not stop the others: its outcome carries the
    problems (a template error, a missing template or parameter, an output that exists).

    >>> outcomes = build_templates(["guizhou-zhengti", "no-such-id"], "out")
    >>> [bool(o.path) for o in outcomes]
    [True, False]
    """
    outcomes = []
    for t in template_paths([Path(t) for t in templates]):
        try:
            lt = load_template(t, search=search)
            _refuse_unpassable(lt, prefill)
            path = build_template(lt, out_dir, force=force, prefill=prefill, values=values, params=params, keys=keys)
        except TemplateError as exc:
            outcomes.append(BuildOutcome(t, problems=tuple(str(p) for p in exc.problems)))
        except ParamError as exc:
            outcomes.append(BuildOutcome(t, problems=(f"{t}: {exc}",)))
        except PrefillRefused as exc:
            outcomes.append(BuildOutcome(t, problems=tuple(f"{t}: {m.code} {m}" for m in exc.messages)))
        except OutputExists as exc:
            outcomes.append(BuildOutcome(t, problems=(
                f"{exc.path}: 文件已存在，未覆盖；如需覆盖请加 --force (exists; use --force to overwrite)",)))
        except FileNotFoundError as exc:
            outcomes.append(BuildOutcome(t, problems=(f"{t}: {exc}",)))
        except Exception as exc:  # noqa: BLE001 - a template lint missed: say so, no traceback
            outcomes.append(BuildOutcome(t, problems=(
                f"{t}: 模板无法生成表格，请先运行 jixiao lint (cannot build): {type(exc).__name__}: {exc}",)))
        else:
            outcomes.append(BuildOutcome(t, path))
    return outcomes


def template_paths(paths: list[Path]) -> list[Path]:
    """Expand folders to their ``*.yaml`` files (sorted), keep files (and ids) as given.

    Only the folder's own files: older versions in ``archive/`` (``<id>@<version>.yaml``,
    kept to read returns made from them) are not built, so ``dist/`` holds one workbook
    per id, the current version.
    """
    return expand_paths(paths, "*.yaml")
