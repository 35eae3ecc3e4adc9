"""``jixiao lint``: every problem in a template, each as ``file:line:col CODE message``.

Messages are Chinese with an English gloss; codes and wording are in :mod:`jixiao.codes.template`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from ..codes import Message
from ..codes import template as T
from ..layout import CellName, build_layout
from ..layout.checklist import factor_fits
from ..layout.cross_checks import resolve
from ..paths import TemplateSearchPath, expand_paths
from ..rules.library import Rule, RuleLibraryError, library
from . import model
from .load import LoadedTemplate, Problem, TemplateError, _locate, load_template
from .yamlload import Mark


def _problem(lt: LoadedTemplate, loc: tuple[Any, ...], message: Message, *, key: bool = False) -> Problem:
    source, mark = _locate(lt.chain, loc, key=key)
    return Problem.at(source, mark.line, mark.col, message)


def _fmt(x: float) -> str:
    return f"{x:g}"


def semantic_problems(lt: LoadedTemplate) -> list[Problem]:
    """Problems a valid-shaped template can still have (weights, rule ids, names)."""
    t = lt.template
    out = _scoring_problems(lt)
    try:
        lt.render_text(t.name)
    except jinja2.TemplateError as exc:
        out.append(_problem(lt, ("name",), T.T110.format(error=exc, key="name")))
    for si, sheet in enumerate(t.sheets):
        out.extend(_sheet_problems(lt, sheet, ("sheets", si)))
    return out


def _scoring_problems(lt: LoadedTemplate) -> list[Problem]:
    """Rule ids and parameters of the scoring section, and its qualitative tiers."""
    t = lt.template
    out: list[Problem] = []
    rules = library()
    scoring = t.scoring

    def check_rule(rule_id: str, loc: tuple[Any, ...], args: tuple[str, ...],
                   params: dict[str, Any] | None = None) -> None:
        if rule_id not in rules:
            guess = difflib.get_close_matches(rule_id, list(rules), n=1)
            out.append(_problem(lt, loc, T.T102_GUESS.format(rule=rule_id, guess=guess[0]) if guess
                                else T.T102.format(rule=rule_id)))
            return
        rule = rules[rule_id]
        if rule.kind != "score":
            out.append(_problem(lt, loc, T.T102_KIND.format(rule=rule_id, kind=rule.kind)))
        elif rule.arg_names != args:  # a score rule of another slot (EXEC_RATE as the positive rule)
            out.append(_problem(lt, loc, T.T102_ARGS.format(rule=rule_id, slot=loc[-2] if loc[-1] == "rule"
                                                            else loc[-1], args=", ".join(rule.arg_names),
                                                            wanted=", ".join(args))))
        for key in params or {}:
            if key not in rule.defaults:
                guess = difflib.get_close_matches(key, list(rule.defaults), n=1)
                source, mark = _chooser_mark(lt, loc, key)
                out.append(Problem.at(source, mark.line, mark.col,
                                      T.T103_GUESS.format(rule=rule_id, param=key, guess=guess[0]) if guess
                                      else T.T103.format(rule=rule_id, param=key)))
        out.extend(param_problems(lt, rule, params or {}, (*loc[:-1], "params")))

    for key, rule_id, param in _SCORING_PARAMS:
        out.extend(param_problems(lt, rules[rule_id], {param: getattr(scoring, key)}, ("scoring",), name=key))
    check_rule(scoring.execution_rate.rule, ("scoring", "execution_rate", "rule"), ("budget", "actual"),
               scoring.execution_rate.params)
    check_rule(scoring.execution_score.rule, ("scoring", "execution_score", "rule"), ("budget", "actual", "weight"),
               scoring.execution_score.params)
    for key in ("positive", "negative", "equal"):
        check_rule(getattr(scoring, key), ("scoring", key), ("target", "actual", "weight"))

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


def _chooser_mark(lt: LoadedTemplate, rule_loc: tuple[Any, ...], key: str) -> tuple[str, Mark]:
    """Where an unknown parameter ``key`` of the rule at ``rule_loc`` is to be looked for:
    in the file that chose the rule, the key itself, else that file's params (a child that
    switches the rule keeps its parent's params beside its own: the switch is the mistake)."""
    params = (*rule_loc[:-1], "params")
    for doc in lt.chain:
        if rule_loc in doc.marks:
            if (*params, key) in doc.key_marks:
                return doc.source, doc.key_marks[(*params, key)]
            return doc.source, doc.marks.get(params, doc.marks[rule_loc])
    return _locate(lt.chain, (*params, key), key=True)


#: Scoring keys the layout passes to a rule as a parameter: (key, rule id, parameter).
_SCORING_PARAMS = (
    ("reason_over_ratio", "ROW_REASON_MISSING", "over_ratio"),
    ("execution_weight", "CHK_EXEC_WEIGHT", "expected"),
    ("total_weight", "CHK_WEIGHTS_TOTAL", "total"),
)


def param_problems(lt: LoadedTemplate, rule: Rule, params: dict[str, Any], loc: tuple[Any, ...],
                   name: str | None = None) -> list[Problem]:
    """T103 at every value outside its parameter's declared type and range (formulas/rules.yaml);
    ``name`` is the template's key when it differs from the parameter's (reason_over_ratio)."""
    out: list[Problem] = []
    for key, value in params.items():
        t = rule.types.get(key)
        if t is not None and t.problem(value) is not None:
            where = name or key
            out.append(_problem(lt, (*loc, where), T.T103_VALUE.format(
                param=where, expected=t.zh, value=value, rule_param=key, rule=rule.id, expected_en=t.en)))
    return out


def _text_problems(lt: LoadedTemplate, sheet: model.Sheet, base: tuple[Any, ...]) -> list[Problem]:
    """T110 for each display text the layout renders that does not render."""
    texts = [((*base, k), getattr(sheet, k)) for k in ("title", "subtitle", "name") if hasattr(sheet, k)]
    texts += [((*base, k, i), x) for k in ("notes", "cost_columns") for i, x in enumerate(getattr(sheet, k, []))]
    out: list[Problem] = []
    for loc, text in texts:
        try:  # as the layout renders it: only a sheet's name knows its copy number n
            lt.render_text(text, **({"n": 1} if loc[-1] == "name" else {}))
        except jinja2.TemplateError as exc:
            key = next(x for x in reversed(loc) if isinstance(x, str))
            out.append(_problem(lt, loc, T.T110.format(error=exc, key=key)))
    return out


def _sheet_problems(lt: LoadedTemplate, sheet: model.Sheet, base: tuple[Any, ...]) -> list[Problem]:
    """Display text, field keys and the kind's own checks of one sheet."""
    scoring = lt.template.scoring
    out = _text_problems(lt, sheet, base)
    # Header and signature fields share one namespace of cell names (zt_<key>).
    fields = [((fkey, i), f.key) for fkey in ("header", "signatures") for i, f in enumerate(getattr(sheet, fkey, []))]
    keys = [k for _, k in fields]
    for n, ((fkey, i), k) in enumerate(fields):
        if keys.index(k) != n:
            out.append(_problem(lt, (*base, fkey, i, "key"), T.T105_FIELD.format(key=k)))
    if isinstance(sheet, model.SelfEvaluationSheet):
        out.extend(_self_evaluation_problems(lt, sheet, base))
    elif isinstance(sheet, model.ChecklistSheet):
        total = sum(item.weight for sec in sheet.sections for item in sec.items)
        if abs(total - scoring.total_weight) > 1e-9:
            out.append(_problem(lt, (*base, "sections"),
                                T.T108.format(total=_fmt(total), expected=_fmt(scoring.total_weight))))
        # The self_evaluation sheet whose copies (xm1, xm2 ...) are averaged, by its own id.
        projects = {s.id for s in lt.template.sheets if isinstance(s, model.SelfEvaluationSheet)}
        if sheet.project_sheet and sheet.project_sheet not in projects:
            out.append(_problem(lt, (*base, "project_sheet"), T.T111.format(sheet=sheet.project_sheet)))
        elif not sheet.project_sheet:
            out.extend(_problem(lt, (*base, "sections", si, "items", ii, "computed"), T.T111_MISSING.format(item=item.name))
                       for si, sec in enumerate(sheet.sections) for ii, item in enumerate(sec.items) if item.computed)
        out.extend(_factor_problems(lt, sheet, base))
        items = [((si, ii), item.key) for si, sec in enumerate(sheet.sections) for ii, item in enumerate(sec.items)]
        keys = [k for _, k in items]
        for n, ((si, ii), k) in enumerate(items):
            if keys.index(k) != n:
                out.append(_problem(lt, (*base, "sections", si, "items", ii, "key"), T.T105_ITEM.format(key=k)))
    elif isinstance(sheet, model.BasicDataSheet):
        out.extend(_cost_row_problems(lt, sheet, base))
    return out


def _cost_row_problems(lt: LoadedTemplate, sheet: model.BasicDataSheet, base: tuple[Any, ...]) -> list[Problem]:
    """Cost rows: unique keys; each ``sum_of`` part a row with amounts, and no row summing itself."""
    out: list[Problem] = []
    rows = {r.key: r for r in sheet.cost_rows}
    keys = [r.key for r in sheet.cost_rows]
    for i, row in enumerate(sheet.cost_rows):
        if keys.index(row.key) != i:
            out.append(_problem(lt, (*base, "cost_rows", i, "key"), T.T105_ROW.format(key=row.key)))
        for j, part in enumerate(row.sum_of):
            at = (*base, "cost_rows", i, "sum_of", j)
            if part not in rows:
                out.append(_problem(lt, at, T.T107_SUM_OF.format(row=part)))
            elif rows[part].text_only:
                out.append(_problem(lt, at, T.T107_TEXT_ONLY.format(row=part)))
            elif row.key in _summed(rows, part):
                out.append(_problem(lt, at, T.T107_LOOP.format(row=row.key, part=part)))
    return out


def _summed(rows: dict[str, model.CostRow], key: str) -> set[str]:
    """Every row ``key`` adds up, directly or through the rows it sums."""
    seen: set[str] = set()
    todo = [key]
    while todo:
        for part in rows[todo.pop()].sum_of:
            if part in rows and part not in seen:
                seen.add(part)
                todo.append(part)
    return seen


def _factor_problems(lt: LoadedTemplate, sheet: model.ChecklistSheet, base: tuple[Any, ...]) -> list[Problem]:
    """project_factor: its type, and that it turns a full project total into the averaged
    item's weight (else the item scores above its weight, or never reaches it). A factor
    the template does not write (the default) is reported at the item it fails."""
    rule = library()["AVERAGE_TIMES"]
    out = param_problems(lt, rule, {"factor": sheet.project_factor}, base, name="project_factor")
    if out or not sheet.project_sheet:
        return out
    written = any((*base, "project_factor") in doc.marks for doc in lt.chain)
    total = lt.template.scoring.total_weight
    for si, sec in enumerate(sheet.sections):
        for ii, item in enumerate(sec.items):
            if item.computed == "project_average" and not factor_fits(sheet.project_factor, total, item.weight):
                loc = (*base, "project_factor") if written else (*base, "sections", si, "items", ii, "computed")
                out.append(_problem(lt, loc, T.T103_FACTOR.format(
                    factor=_fmt(sheet.project_factor), total=_fmt(total),
                    product=_fmt(sheet.project_factor * total), item=item.name, weight=_fmt(item.weight))))
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
        at = (*base, "funds", "sum_checks", ci)
        for loc, name in [((*at, "total"), check.total), *(((*at, "parts", j), p) for j, p in enumerate(check.parts))]:
            if name not in keys:
                out.append(_problem(lt, loc, T.T107_FUNDS.format(row=name)))
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
    problems = [*identity_problems(lt, search), *problems]
    if not problems:
        problems = layout_problems(lt)
    return problems


def identity_problems(lt: LoadedTemplate, search: TemplateSearchPath | None = None) -> list[Problem]:
    """The id (and an archived version's version) against the file name: returns are read
    with the template found by the id and version they carry (T008); and a version that is
    archived must not have changed its params since (T009). ``search`` finds the variant an
    archived file extends."""
    t, path = lt.template, lt.path
    archived = path.parent.name == ARCHIVE and "@" in path.stem
    expected = f"{t.id}@{t.version}.yaml" if archived else f"{t.id}.yaml"
    if path.name != expected:
        loc = ("version",) if archived and path.stem.split("@")[0] == t.id else ("id",)
        return [_problem(lt, loc, T.T008.format(id=t.id, file=path.name, expected=expected))]
    archive = path.parent / ARCHIVE / f"{t.id}@{t.version}.yaml"
    if archived or not archive.exists():
        return []
    try:
        old = load_template(archive, search=search).template.params
    except TemplateError:
        return []  # the archived file is linted on its own
    out: list[Problem] = []
    for key in sorted(set(old) | set(t.params)):
        if old.get(key) != t.params.get(key):
            loc = ("params", key) if key in t.params else ("params",)
            out.append(_problem(lt, loc, T.T009.format(version=t.version, key=key, archived=old.get(key),
                                                       current=t.params.get(key), archive=archive.name)))
    return out


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


#: The folder beside the current templates where older versions are kept (``<id>@<version>.yaml``).
ARCHIVE = "archive"


def lint_targets(paths: Iterable[Path]) -> list[Path]:
    """The files ``lint_paths`` checks: a folder's ``*.yaml`` and ``archive/*.yaml``
    (archived versions are not built any more, but returns are still read with them, so
    they must stay valid)."""
    return expand_paths(paths, "*.yaml", subfolders=[ARCHIVE])
