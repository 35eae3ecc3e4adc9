"""``jixiao lint``: every problem in a template, each as ``file:line:col CODE message``.

Messages are Chinese with an English gloss; codes and wording are in :mod:`jixiao.codes.template`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from . import model
from .codes import Message
from .codes import template as T
from .layout import CellName, build_layout
from .layout.cross_checks import resolve
from .paths import TemplateSearchPath, expand_paths
from .rules.library import RuleLibraryError, library
from .templates import LoadedTemplate, Problem, TemplateError, _locate, load_template


def _problem(lt: LoadedTemplate, loc: tuple[Any, ...], message: Message) -> Problem:
    source, mark = _locate(lt.chain, loc)
    return Problem.at(source, mark.line, mark.col, message)


def _fmt(x: float) -> str:
    return f"{x:g}"


def semantic_problems(lt: LoadedTemplate) -> list[Problem]:
    """Problems a valid-shaped template can still have (weights, rule ids, names)."""
    t = lt.template
    out = _scoring_problems(lt)
    sheet_ids = {s.id for s in t.sheets}
    # Repeated sheets (count > 1) are laid out as xm1, xm2 ...: names may use those ids.
    sheet_ids |= {f"{s.id}{n}" for s in t.sheets if getattr(s, "count", 1) > 1
                  for n in range(1, s.count + 1)}
    for si, sheet in enumerate(t.sheets):
        out.extend(_sheet_problems(lt, sheet, ("sheets", si), sheet_ids))
    return out


def _scoring_problems(lt: LoadedTemplate) -> list[Problem]:
    """Rule ids and parameters of the scoring section, and its qualitative tiers."""
    t = lt.template
    out: list[Problem] = []
    rules = library()
    scoring = t.scoring

    def check_rule(rule_id: str, loc: tuple[Any, ...], params: dict[str, Any] | None = None,
                   kinds: Iterable[str] = ("score",)) -> None:
        if rule_id not in rules:
            guess = difflib.get_close_matches(rule_id, list(rules), n=1)
            out.append(_problem(lt, loc, T.T102_GUESS.format(rule=rule_id, guess=guess[0]) if guess
                                else T.T102.format(rule=rule_id)))
            return
        rule = rules[rule_id]
        if rule.kind not in kinds:
            out.append(_problem(lt, loc, T.T102_KIND.format(rule=rule_id, kind=rule.kind)))
        for key, value in (params or {}).items():
            at = (*loc[:-1], "params", key)
            if key not in rule.defaults:
                guess = difflib.get_close_matches(key, list(rule.defaults), n=1)
                out.append(_problem(lt, at, T.T103_GUESS.format(rule=rule_id, param=key, guess=guess[0]) if guess
                                    else T.T103.format(rule=rule_id, param=key)))
            elif key == "mode" and value not in ("round", "cut"):
                out.append(_problem(lt, at, T.T103_MODE.format(value=value)))
            elif key == "digits" and not (isinstance(value, int) and 0 <= value <= 6):
                out.append(_problem(lt, at, T.T103_DIGITS.format(value=value)))

    check_rule(scoring.execution_rate.rule, ("scoring", "execution_rate", "rule"),
               scoring.execution_rate.params)
    check_rule(scoring.execution_score.rule, ("scoring", "execution_score", "rule"),
               scoring.execution_score.params)
    for key in ("positive", "negative", "equal"):
        check_rule(getattr(scoring, key), ("scoring", key))

    # Qualitative tiers must tile [0, 1] without gaps or overlaps.
    tiers = sorted(scoring.tiers, key=lambda x: x.low)
    edges_ok = bool(tiers) and tiers[0].low == 0 and tiers[-1].high == 1 and all(
        a.high == b.low for a, b in zip(tiers, tiers[1:], strict=False)
    ) and all(x.low < x.high for x in tiers)
    if not edges_ok:
        bands = ", ".join(f"{x.label} [{_fmt(x.low)}, {_fmt(x.high)})" for x in scoring.tiers)
        out.append(_problem(lt, ("scoring", "tiers"), T.T106.format(bands=bands)))
    labels = [x.label for x in scoring.tiers]
    for i, label in enumerate(labels):
        if labels.index(label) != i:
            out.append(_problem(lt, ("scoring", "tiers", i, "label"), T.T105_TIER.format(label=label)))
    return out


def _sheet_problems(lt: LoadedTemplate, sheet: model.Sheet, base: tuple[Any, ...], sheet_ids: set[str]) -> list[Problem]:
    """Display text, field keys and the kind's own checks of one sheet."""
    scoring = lt.template.scoring
    out: list[Problem] = []
    for text_key in ("title", "subtitle", "name"):
        text = getattr(sheet, text_key, "")
        try:
            lt.render_text(text, n=1, department="")
        except jinja2.TemplateError as exc:
            out.append(_problem(lt, (*base, text_key), T.T110.format(error=exc, key=text_key)))
    for fkey in ("header", "signatures"):
        keys = [f.key for f in getattr(sheet, fkey, [])]
        for i, k in enumerate(keys):
            if keys.index(k) != i:
                out.append(_problem(lt, (*base, fkey, i, "key"), T.T105_FIELD.format(key=k)))
    if isinstance(sheet, model.SelfEvaluationSheet):
        out.extend(_self_evaluation_problems(lt, sheet, base))
    elif isinstance(sheet, model.ChecklistSheet):
        total = sum(item.weight for sec in sheet.sections for item in sec.items)
        if abs(total - scoring.total_weight) > 1e-9:
            out.append(_problem(lt, (*base, "sections"),
                                T.T108.format(total=_fmt(total), expected=_fmt(scoring.total_weight))))
        if sheet.project_sheet and sheet.project_sheet not in sheet_ids:
            out.append(_problem(lt, (*base, "project_sheet"), T.T111.format(sheet=sheet.project_sheet)))
        keys = [item.key for sec in sheet.sections for item in sec.items]
        for k in {k for k in keys if keys.count(k) > 1}:
            out.append(_problem(lt, (*base, "sections"), T.T105_ITEM.format(key=k)))
    elif isinstance(sheet, model.BasicDataSheet):
        keys = [r.key for r in sheet.cost_rows]
        for i, row in enumerate(sheet.cost_rows):
            if keys.index(row.key) != i:
                out.append(_problem(lt, (*base, "cost_rows", i, "key"), T.T105_ROW.format(key=row.key)))
            for j, part in enumerate(row.sum_of):
                if part not in keys:
                    out.append(_problem(lt, (*base, "cost_rows", i, "sum_of", j), T.T107_SUM_OF.format(row=part)))
    return out


def _self_evaluation_problems(lt: LoadedTemplate, sheet: model.SelfEvaluationSheet,
                              base: tuple[Any, ...]) -> list[Problem]:
    t = lt.template
    out: list[Problem] = []
    level1 = sheet.indicators.level1
    total = sum(x.weight for x in level1) + t.scoring.execution_weight
    if abs(total - t.scoring.total_weight) > 1e-9:
        parts = " + ".join(f"{x.name} {_fmt(x.weight)}" for x in level1)
        out.append(_problem(lt, (*base, "indicators", "level1"),
                            T.T101.format(parts=parts, execution=_fmt(t.scoring.execution_weight), total=_fmt(total),
                                          expected=_fmt(t.scoring.total_weight))))
    names = [x.name for x in level1]
    for i, l1 in enumerate(level1):
        if names.index(l1.name) != i:
            out.append(_problem(lt, (*base, "indicators", "level1", i, "name"), T.T105_LEVEL1.format(name=l1.name)))
        l2_names = [x.name for x in l1.level2]
        declared = [ind for l2 in l1.level2 for ind in l2.indicators]
        for j, l2 in enumerate(l1.level2):
            if l2_names.index(l2.name) != j:
                out.append(_problem(lt, (*base, "indicators", "level1", i, "level2", j, "name"),
                                    T.T105_LEVEL2.format(name=l2.name)))
            for k, ind in enumerate(l2.indicators):
                if ind.direction != "定性" and not isinstance(ind.target, int | float):
                    out.append(_problem(
                        lt, (*base, "indicators", "level1", i, "level2", j, "indicators", k, "target"),
                        T.T012_TARGET.format(name=ind.name)))
        if declared:
            s = sum(ind.weight for ind in declared)
            if abs(s - l1.weight) > 1e-9:
                out.append(_problem(lt, (*base, "indicators", "level1", i, "weight"),
                                    T.T104.format(total=_fmt(s), level1=l1.name, weight=_fmt(l1.weight))))
    keys = [r.key for r in sheet.funds.rows]
    for i, row in enumerate(sheet.funds.rows):
        if keys.index(row.key) != i:
            out.append(_problem(lt, (*base, "funds", "rows", i, "key"), T.T105_FUNDS_ROW.format(key=row.key)))
    for ci, check in enumerate(sheet.funds.sum_checks):
        for name in [check.total, *check.parts]:
            if name not in keys:
                out.append(_problem(lt, (*base, "funds", "sum_checks", ci), T.T107_FUNDS.format(row=name)))
    return out


def lint_file(path: Path, search: TemplateSearchPath | None = None) -> list[Problem]:
    """All problems of one template file (empty when clean); ``search`` finds the variant
    it extends. Never raises: a file that cannot be read is T007, a bug T099."""
    try:
        return _lint_file(path, search)
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the others
        return [Problem.at(path, 1, 1, T.T099.format(error=f"{type(exc).__name__}: {str(exc)[:200]}"))]


def _lint_file(path: Path, search: TemplateSearchPath | None) -> list[Problem]:
    try:
        lt = load_template(path, search=search)
    except TemplateError as exc:
        return exc.problems
    except FileNotFoundError as exc:
        return [Problem.at(path, 1, 1, T.T007_NO_FILE.format(error=exc))]
    except OSError as exc:  # a folder named *.yaml, no permission, a name too long
        return [Problem.at(path, 1, 1, T.T007_UNREADABLE.format(error=f"{type(exc).__name__}: {exc.strerror}"))]
    try:
        problems = semantic_problems(lt)
    except RuleLibraryError as exc:  # a broken library is a developer error; still no traceback
        return [Problem.at(path, 1, 1, T.T102_LIBRARY.format(error=exc))]
    if not problems:
        problems = layout_problems(lt)
    return problems


def layout_problems(lt: LoadedTemplate) -> list[Problem]:
    """Lay the template out: cross-checks naming cells the form does not have (T112), then
    every formula rendered: what the checks above miss (a name two fields share, a rule in
    the wrong slot) surfaces here as T120, never as a crash."""
    try:
        sheets_only = LoadedTemplate(lt.template.model_copy(update={"cross_checks": []}), lt.path, lt.chain)
        unknown = cross_check_problems(lt, build_layout(sheets_only).by_name)
        if unknown:
            return unknown
        layout = build_layout(lt)
        for cell in layout.computed():
            layout.formula(cell)
    except Exception as exc:  # noqa: BLE001 - any failure here is a template problem to report
        return [Problem.at(lt.path, 1, 1, T.T120.format(error=f"{type(exc).__name__}: {exc}"))]
    return []


def cross_check_problems(lt: LoadedTemplate, names: Iterable[CellName]) -> list[Problem]:
    """T112 for every cross-check cell that is not one of ``names`` (the laid-out cells);
    a pattern with ``*`` must match at least one."""
    known = set(names)
    out: list[Problem] = []
    for ci, check in enumerate(lt.template.cross_checks):
        wanted = [(("cross_checks", ci, "total"), check.total),
                  *((("cross_checks", ci, "parts", j), part) for j, part in enumerate(check.parts))]
        for loc, name in wanted:
            found = resolve(name, known)
            if not found or not known.issuperset(found):
                out.append(_problem(lt, loc, T.T112.format(name=name)))
    return out


def lint_paths(paths: Iterable[Path], search: TemplateSearchPath | None = None) -> list[Problem]:
    """Lint files and folders, problems sorted by file and line.

    A folder means its ``*.yaml`` and its ``archive/*.yaml`` (:func:`lint_targets`).

    >>> from jixiao.paths import templates_dir
    >>> lint_paths([templates_dir()])
    []
    """
    problems: list[Problem] = []
    for f in lint_targets(paths):
        problems.extend(lint_file(f, search))
    return sorted(problems, key=lambda p: (p.path, p.line, p.col, p.code))


def lint_targets(paths: Iterable[Path]) -> list[Path]:
    """The files ``lint_paths`` checks: a folder's ``*.yaml`` and ``archive/*.yaml``
    (archived versions are not built any more, but returns are still read with them, so
    they must stay valid)."""
    return expand_paths(paths, "*.yaml", subfolders=["archive"])
