"""``jixiao lint``: every problem in a template, each as ``file:line:col CODE message``.

Messages are Chinese with an English gloss. Codes are stable:

======  ===============================================================
T001    malformed YAML (or not UTF-8)
T002    duplicate key in a mapping
T003    a mapping key that is not a scalar
T004    the file is not a mapping
T005    ``extends`` is not a template id
T006    ``extends`` forms a cycle
T007    ``extends`` names an unknown template
T010    unknown key (with a did-you-mean)
T011    a required key is missing
T012    a value of the wrong type or out of range
T013    unknown sheet kind
T101    first-level weights plus the execution weight do not make the total
T102    unknown rule id
T103    a rule parameter that the rule does not have, or of the wrong type
T104    third-level weights do not add up to their first-level weight
T105    a duplicate name or key
T106    qualitative tiers overlap, leave gaps or are inverted
T107    a sum check names an unknown funds row
T108    checklist weights do not make the total
T110    display text does not render (unknown ``{{ param }}``)
T111    a checklist names an unknown project sheet
T112    a cross-sheet check names an unknown cell
T120    the template passes every check above but still cannot be laid out
======  ===============================================================
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from . import model
from .layout import CellName, build_layout
from .layout.cross_checks import resolve
from .rules.library import RuleLibraryError, library
from .templates import LoadedTemplate, Problem, TemplateError, _locate, load_template


def _problem(lt: LoadedTemplate, loc: tuple[Any, ...], code: str, message: str) -> Problem:
    source, mark = _locate(lt.chain, loc)
    return Problem(source, mark.line, mark.col, code, message)


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
            hint = f"，是否应为 {guess[0]}? (did you mean {guess[0]}?)" if guess else ""
            out.append(_problem(lt, loc, "T102", f"未知的规则 {rule_id!r}{hint} (unknown rule id)"))
            return
        rule = rules[rule_id]
        if rule.kind not in kinds:
            out.append(_problem(lt, loc, "T102", f"规则 {rule_id} 不能用于此处 (rule of kind {rule.kind})"))
        for key, value in (params or {}).items():
            if key not in rule.defaults:
                guess = difflib.get_close_matches(key, list(rule.defaults), n=1)
                hint = f"，是否应为 {guess[0]!r}? (did you mean {guess[0]!r}?)" if guess else ""
                out.append(_problem(lt, (*loc[:-1], "params", key), "T103",
                                    f"规则 {rule_id} 没有参数 {key!r}{hint} (unknown rule parameter)"))
            elif key == "mode" and value not in ("round", "cut"):
                out.append(_problem(lt, (*loc[:-1], "params", key), "T103",
                                    f"mode 应为 round 或 cut，而不是 {value!r} (invalid rounding mode)"))
            elif key == "digits" and not (isinstance(value, int) and 0 <= value <= 6):
                out.append(_problem(lt, (*loc[:-1], "params", key), "T103",
                                    f"digits 应为 0 到 6 的整数，而不是 {value!r} (invalid digits)"))

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
        out.append(_problem(lt, ("scoring", "tiers"), "T106",
                            f"定性档次区间必须无缝覆盖 0 到 1：{bands} (tiers must tile [0, 1])"))
    labels = [x.label for x in scoring.tiers]
    for i, label in enumerate(labels):
        if labels.index(label) != i:
            out.append(_problem(lt, ("scoring", "tiers", i, "label"), "T105",
                                f"定性档次 {label!r} 重复 (duplicate tier)"))
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
            out.append(_problem(lt, (*base, text_key), "T110",
                                f"文本无法渲染：{exc} (cannot render {text_key})"))
    for fkey in ("header", "signatures"):
        keys = [f.key for f in getattr(sheet, fkey, [])]
        for i, k in enumerate(keys):
            if keys.index(k) != i:
                out.append(_problem(lt, (*base, fkey, i, "key"), "T105",
                                    f"字段 {k!r} 重复 (duplicate field key)"))
    if isinstance(sheet, model.SelfEvaluationSheet):
        out.extend(_self_evaluation_problems(lt, sheet, base))
    elif isinstance(sheet, model.ChecklistSheet):
        total = sum(item.weight for sec in sheet.sections for item in sec.items)
        if abs(total - scoring.total_weight) > 1e-9:
            out.append(_problem(lt, (*base, "sections"), "T108",
                                f"考核内容分值合计 {_fmt(total)}，应为 {_fmt(scoring.total_weight)} "
                                f"(checklist weights {_fmt(total)} != {_fmt(scoring.total_weight)})"))
        if sheet.project_sheet and sheet.project_sheet not in sheet_ids:
            out.append(_problem(lt, (*base, "project_sheet"), "T111",
                                f"项目表 {sheet.project_sheet!r} 不存在 (unknown project sheet)"))
        keys = [item.key for sec in sheet.sections for item in sec.items]
        for k in {k for k in keys if keys.count(k) > 1}:
            out.append(_problem(lt, (*base, "sections"), "T105", f"考核内容 key {k!r} 重复 (duplicate item key)"))
    elif isinstance(sheet, model.BasicDataSheet):
        keys = [r.key for r in sheet.cost_rows]
        for i, row in enumerate(sheet.cost_rows):
            if keys.index(row.key) != i:
                out.append(_problem(lt, (*base, "cost_rows", i, "key"), "T105",
                                    f"行 key {row.key!r} 重复 (duplicate row key)"))
            for j, part in enumerate(row.sum_of):
                if part not in keys:
                    out.append(_problem(lt, (*base, "cost_rows", i, "sum_of", j), "T107",
                                        f"sum_of 引用了不存在的行 {part!r} (unknown row)"))
    return out


def _self_evaluation_problems(lt: LoadedTemplate, sheet: model.SelfEvaluationSheet,
                              base: tuple[Any, ...]) -> list[Problem]:
    t = lt.template
    out: list[Problem] = []
    level1 = sheet.indicators.level1
    total = sum(x.weight for x in level1) + t.scoring.execution_weight
    if abs(total - t.scoring.total_weight) > 1e-9:
        parts = " + ".join(f"{x.name} {_fmt(x.weight)}" for x in level1)
        out.append(_problem(lt, (*base, "indicators", "level1"), "T101",
                            f"一级指标分值合计 {parts} + 预算执行率 {_fmt(t.scoring.execution_weight)} = "
                            f"{_fmt(total)}，应为 {_fmt(t.scoring.total_weight)} "
                            f"(weights total {_fmt(total)} != {_fmt(t.scoring.total_weight)})"))
    names = [x.name for x in level1]
    for i, l1 in enumerate(level1):
        if names.index(l1.name) != i:
            out.append(_problem(lt, (*base, "indicators", "level1", i, "name"), "T105",
                                f"一级指标 {l1.name!r} 重复 (duplicate first-level name)"))
        l2_names = [x.name for x in l1.level2]
        declared = [ind for l2 in l1.level2 for ind in l2.indicators]
        for j, l2 in enumerate(l1.level2):
            if l2_names.index(l2.name) != j:
                out.append(_problem(lt, (*base, "indicators", "level1", i, "level2", j, "name"), "T105",
                                    f"二级指标 {l2.name!r} 重复 (duplicate second-level name)"))
            for k, ind in enumerate(l2.indicators):
                if ind.direction != "定性" and not isinstance(ind.target, int | float):
                    out.append(_problem(
                        lt, (*base, "indicators", "level1", i, "level2", j, "indicators", k, "target"),
                        "T012", f"定量指标 {ind.name!r} 的年度指标值必须是数字 (quantitative target must be a number)"))
        if declared:
            s = sum(ind.weight for ind in declared)
            if abs(s - l1.weight) > 1e-9:
                out.append(_problem(lt, (*base, "indicators", "level1", i, "weight"), "T104",
                                    f"三级指标分值合计 {_fmt(s)} ≠ {l1.name} 分值 {_fmt(l1.weight)} "
                                    f"(third-level weights {_fmt(s)} != first-level weight {_fmt(l1.weight)})"))
    keys = [r.key for r in sheet.funds.rows]
    for i, row in enumerate(sheet.funds.rows):
        if keys.index(row.key) != i:
            out.append(_problem(lt, (*base, "funds", "rows", i, "key"), "T105",
                                f"资金行 key {row.key!r} 重复 (duplicate funds row key)"))
    for ci, check in enumerate(sheet.funds.sum_checks):
        for name in [check.total, *check.parts]:
            if name not in keys:
                out.append(_problem(lt, (*base, "funds", "sum_checks", ci), "T107",
                                    f"资金校验引用了不存在的行 {name!r} (unknown funds row)"))
    return out


def lint_file(path: Path) -> list[Problem]:
    """All problems of one template file (empty when clean)."""
    try:
        lt = load_template(path)
    except TemplateError as exc:
        return exc.problems
    except FileNotFoundError as exc:
        return [Problem(str(path), 1, 1, "T007", f"文件不存在 (file not found): {exc}")]
    try:
        problems = semantic_problems(lt)
    except RuleLibraryError as exc:  # a broken library is a developer error; still no traceback
        return [Problem(str(path), 1, 1, "T102", f"规则库错误 (rule library error): {exc}")]
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
        return [Problem(str(lt.path), 1, 1, "T120",
                        f"模板无法生成表格：{type(exc).__name__}: {exc} (template cannot be laid out)")]
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
                out.append(_problem(lt, loc, "T112", f"跨表校验引用了未知单元格 {name!r} (unknown cell name)"))
    return out


def lint_paths(paths: Iterable[Path]) -> list[Problem]:
    """Lint files and folders, problems sorted by file and line.

    A folder means its ``*.yaml`` and its ``archive/*.yaml``: archived versions are not
    built any more, but returns are still read with them, so they must stay valid.
    """
    problems: list[Problem] = []
    for f in lint_targets(paths):
        problems.extend(lint_file(f))
    return sorted(problems, key=lambda p: (p.path, p.line, p.col, p.code))


def lint_targets(paths: Iterable[Path]) -> list[Path]:
    """The files ``lint_paths`` checks: a folder's ``*.yaml`` and ``archive/*.yaml``."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) + sorted((path / "archive").glob("*.yaml"))
                     if path.is_dir() else [path])
    return files
