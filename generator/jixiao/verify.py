"""Verifying a return: structure and tampering, saved values against recomputation, rules.

>>> report = verify_file("return.xlsx")      # doctest: +SKIP
>>> [f.code for f in report.findings]        # doctest: +SKIP
['ROW_SCORE_OVER_WEIGHT', 'V107']
>>> [r.status for r in verify_paths(["returns/"], jobs=2)]  # doctest: +SKIP
['已通过', '待修改']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .codes import Status
from .codes import read as R
from .codes import verify as V
from .findings import Finding, count
from .layout import ROW_FLAGS, Cell, Layout, evaluate
from .paths import TemplateSearchPath, expand_paths
from .read import SheetData, UnreadableWorkbook
from .read.record import NotAForm, Return, open_return
from .read.refs import covered
from .rules.numbers import excel_general, is_blank, is_number, same_at_digits
from .writer import gc_paused

_FLAG_TEXT = {rid: (row_msg, panel_msg) for rid, row_msg, _, panel_msg in ROW_FLAGS}
#: Panel checks whose failure is a warning (needs an explanation) rather than an error.
_WARNING_CHECKS = {"CHK_EXEC_OVER_100"}


@dataclass
class Verification:
    """The outcome for one return."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    template_id: str = ""
    template_version: int = 0
    record: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, Any] = field(default_factory=dict)
    prefill: dict[str, Any] = field(default_factory=dict)  # what the bureau pre-filled (department code ...)
    unreadable: bool = False
    #: The form's header and signature fields: cell name -> field key (``zt_unit`` -> ``unit``).
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return count(self.findings, "error")

    @property
    def warnings(self) -> int:
        return count(self.findings, "warning")

    @property
    def status(self) -> str:
        if self.unreadable:
            return Status.UNREADABLE
        return Status.NEEDS_FIX if self.errors else Status.PASSED


def _normal_formula(text: str | None) -> str:
    """Formula text as an engine may rewrite it: no '=', spaces, case, quotes, TRUE()."""
    if not text:
        return ""
    out, pos = [], 0
    for m in re.finditer(r'"(?:[^"]|"")*"', text):
        out.append(text[pos:m.start()].upper().replace(" ", ""))
        out.append(m.group(0))
        pos = m.end()
    out.append(text[pos:].upper().replace(" ", ""))
    s = "".join(out).lstrip("=")
    s = s.replace("TRUE()", "TRUE").replace("FALSE()", "FALSE").replace("_XLFN.", "")
    return re.sub(r"'([^'!]+)'!", r"\1!", s)


def _structure(ret: Return, out: list[Finding]) -> None:
    layout = ret.layout
    sheets = {s.name: s for s in ret.package.sheets}
    if ret.fingerprint and ret.fingerprint != layout.fingerprint():
        out.append(Finding.of(V.V003.format(found=ret.fingerprint, expected=layout.fingerprint())))
    if ret.package.missing_parts:
        out.append(Finding.of(V.V111.format(parts=", ".join(ret.package.missing_parts))))
    if ret.package.has_macros:
        out.append(Finding.of(V.V109.format()))
    if ret.package.external_links:
        out.append(Finding.of(V.V110.format(links=", ".join(ret.package.external_links))))
    for s in layout.sheets:
        sheet = sheets.get(s.name)
        if sheet is None:
            out.append(Finding.of(V.V101.format(sheet=s.name), s.name))
            continue
        if not sheet.protection.sheet:
            out.append(Finding.of(V.V102.format(sheet=s.name), s.name))
        validated = _validated_cells(sheet, [(c.row + 1, c.col + 1) for c in s.cells
                                             if c.role == "input" and _needs_validation(c)])
        found = sheet.cells
        shifted = 0
        for cell in s.cells:
            role = cell.role
            if role == "input" and not _needs_validation(cell):
                continue
            address = cell.address
            got = found.get(address)
            if role == "computed":
                formula = got.formula if got is not None else None
                expected = layout.formula(cell)
                if not formula:
                    out.append(Finding.of(V.V103.format(label=cell.label or address, address=address), s.name, address,
                                          cell.name or "", {"value": got.value if got is not None else None}))
                elif formula != expected[1:] and _normal_formula(formula) != _normal_formula(expected):
                    out.append(Finding.of(V.V104.format(label=cell.label or address, address=address), s.name, address,
                                          cell.name or "", {"formula": formula}))
            elif role in ("label", "constant") and isinstance(cell.value, str | int | float) and cell.value != "":
                value = got.value if got is not None else None
                if value != cell.value and not same_at_digits(value, cell.value) and str(value) != str(cell.value):
                    shifted += 1
                    if shifted <= 3:
                        found_text = value if value is not None else ""
                        out.append(Finding.of(V.V105.format(address=address, expected=cell.value, found=found_text),
                                              s.name, address, cell.name or "", {"expected": cell.value, "found": value}))
            elif role == "input" and (cell.row + 1, cell.col + 1) not in validated:
                out.append(Finding.of(V.V106.format(label=cell.label, address=address), s.name, address,
                                      cell.name or ""))


def _needs_validation(cell: Cell) -> bool:
    return cell.validation is not None or cell.value_type in ("money", "choice", "weight", "score")


def _validated_cells(sheet: SheetData, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The ``(row, col)`` of ``cells`` covered by a data validation: range by range, never
    cell by cell (a validation may cover the whole sheet)."""
    return covered((box for v in sheet.validations for box in v.boxes), cells)


def _saved_values(ret: Return, computed: dict[str, Any], out: list[Finding]) -> None:
    layout = ret.layout
    sheets = {s.name: s for s in ret.package.sheets}
    cells = [c for c in layout.computed()]
    saved = []
    for c in cells:
        sheet = sheets.get(c.sheet)
        got = sheet.cells.get(c.address) if sheet else None
        if got is not None and got.formula:
            saved.append((c, got.value))
    if saved and all(v is None for _, v in saved):
        out.append(Finding.of(V.V108.format()))
        return
    # A value typed as text ("25.8万元") is read as its number, but the spreadsheet computed
    # with the text: a saved value that matches the text's result is not stale (V201 says it).
    typed = {f.name: f.values.get("typed") for f in ret.findings if f.code == V.V201.id and f.name}
    as_typed = evaluate(layout, {**ret.record.values, **typed}) if typed else {}
    mismatches = 0
    for c, value in saved:
        expected = computed.get(c.name)  # type: ignore[arg-type]
        if c.value_type == "flag":
            continue  # row flags are reported through their own findings
        digits = 9 if c.value_type != "rate" else 6
        if not same_at_digits(_blank(value), _blank(expected), digits) and not (
                as_typed and same_at_digits(_blank(value), _blank(as_typed.get(c.name)), digits)):
            mismatches += 1
            if mismatches <= 10:
                out.append(Finding.of(V.V107.format(label=c.label or c.address, address=c.address, saved=_show(value),
                                                    recomputed=_show(expected), saved_raw=value,
                                                    recomputed_raw=expected),
                                      c.sheet, c.address, c.name or "", {"saved": value, "recomputed": expected}))


def _blank(v: Any) -> Any:
    return None if is_blank(v) else v


def _show(v: Any) -> str:
    if v is None or v == "":
        return "空"
    return excel_general(v) if is_number(v) else str(v)


def _rules(ret: Return, computed: dict[str, Any], out: list[Finding]) -> None:
    layout = ret.layout
    sc = ret.template.template.scoring
    for s in layout.sheets:
        for check in s.row_checks:
            if computed.get(check.flag) != 1:
                continue
            cell = layout.cell(check.flag)
            row_msg, _ = _FLAG_TEXT.get(cell.rule or "", (cell.rule, ""))
            en = V.ROW_FLAG_EN.get(cell.rule or "", cell.rule or "")
            name = (computed.get(check.row_name) if check.row_name else None) or check.label
            target = layout.cell(check.target)  # the cell the flag marks red in the form
            zh, en = (V.ROW_FLAG.format(row=cell.row + 1, name=name, text=row_msg, text_en=en) if name
                      else V.ROW_FLAG_UNNAMED.format(row=cell.row + 1, text=row_msg, text_en=en))
            out.append(Finding(cell.rule or "", "error", zh, en, cell.sheet, target.address, target.name or "",
                               {k: computed.get(v) for k, v in cell.args.items() if isinstance(v, str)}))
        for pname in s.panel:
            cell = layout.cell(pname)
            value = computed.get(pname)
            if value in (None, "", "✓"):
                continue
            severity = "warning" if cell.rule in _WARNING_CHECKS or str(value).startswith("提示") else "error"
            if cell.rule == "CHK_LEVEL1_WEIGHTS" and sc.level1_check == "warning":
                severity = "warning"
            if cell.rule == "CHK_ROWS":
                continue  # each offending row is its own finding
            zh, en = V.PANEL_CHECK.format(label=cell.label, value=value, rule=cell.rule)
            out.append(Finding(cell.rule or "", severity, zh, en, cell.sheet, cell.address, pname, {"message": value}))


def _used_sheets(layout: Layout, values: dict[str, Any]) -> set[str]:
    """Names of the sheets a department uses: any input filled, or indicators declared for it.

    A project sheet nobody needed (the form has three, the department one project) stays
    empty and is not asked for anything.
    """
    used = {layout.cell(n).sheet for n in values if n in layout.by_name}
    return used | {s.name for s in layout.sheets if any(row.locked for row in s.indicator_rows)}


def _fields(ret: Return, used_sheets: set[str], out: list[Finding]) -> None:
    """Required header and signature fields left empty (V301), dates outside the year (V302),
    text over its cell's length limit (V112)."""
    year = ret.template.template.params.get("year")
    values = ret.record.values
    for s in ret.layout.sheets:
        for f in s.fields:
            cell = ret.layout.cell(f.name)
            value = values.get(f.name)
            if value is None:
                if f.required and s.name in used_sheets:
                    out.append(Finding.of(V.V301.format(label=cell.label), cell.sheet, cell.address, f.name))
            elif f.kind == "date" and isinstance(year, int):
                _date_in_year(cell, value, year, out)
    for cell in ret.layout.inputs():
        value = values.get(cell.name or "")
        if cell.max_length and isinstance(value, str) and len(value) > cell.max_length:
            out.append(Finding.of(V.V112.format(label=cell.label or cell.address, address=cell.address,
                                                length=len(value), max_length=cell.max_length),
                                  cell.sheet, cell.address, cell.name or ""))


def _date_in_year(cell: Cell, value: Any, year: int, out: list[Finding]) -> None:
    try:
        d = dt.date.fromisoformat(str(value))
    except ValueError:
        return
    if not (dt.date(year, 1, 1) <= d <= dt.date(year + 1, 12, 31)):
        out.append(Finding.of(V.V302.format(label=cell.label, date=d.isoformat(), year=year), cell.sheet,
                              cell.address, cell.name or "", {"date": d.isoformat()}))


def _completeness(ret: Return, computed: dict[str, Any], used_sheets: set[str], out: list[Finding]) -> None:
    """What a form cannot be accepted without: results on named rows, A and B, anything at all."""
    layout, values = ret.layout, ret.record.values
    if not values:
        out.append(Finding.of(V.V305.format()))
        return
    declared_mode = ret.template.template.scoring.mode == "declared"
    for s in layout.sheets:
        if s.name not in used_sheets:
            continue
        for row in s.indicator_rows:
            label = computed.get(row.name)
            if is_blank(label):
                continue
            if declared_mode or computed.get(row.direction) == "定性":
                need, what = row.declared, V.V303_DECLARED if declared_mode else V.V303_QUALITATIVE
            else:
                need, what = row.actual, V.V303_ACTUAL
            if is_blank(computed.get(need)):
                target = layout.cell(need)
                out.append(Finding.of(what.format(row=target.row + 1, name=label, cell=need), target.sheet,
                                      target.address, need))
    for s in layout.sheets:
        if s.name not in used_sheets or s.execution is None:
            continue
        for name in (s.execution.budget, s.execution.actual):
            source = layout.cell(name)
            if is_blank(computed.get(name)):
                out.append(Finding.of(V.V304.format(label=source.label), source.sheet, source.address, name))


def _prefill_changes(ret: Return, out: list[Finding]) -> None:
    """Figures the bureau pre-filled that the department changed: a warning asking why."""
    layout = ret.layout
    sheet_order = {s.name: i for i, s in enumerate(layout.sheets)}
    named = [(k, v) for k, v in ret.record.prefill.items() if not k.startswith("_") and k in layout.by_name]
    for name, sent in sorted(named, key=lambda kv: (sheet_order.get(layout.cell(kv[0]).sheet, 0),
                                                    layout.cell(kv[0]).row, layout.cell(kv[0]).col)):
        now = ret.record.values.get(name)
        if now == sent or is_number(now) and is_number(sent) and same_at_digits(now, sent, 9):
            continue
        cell = ret.layout.cell(name)
        out.append(Finding.of(V.V311.format(label=cell.label, sent=_show(sent), now=_show(now), sent_raw=sent,
                                            now_raw=now), cell.sheet, cell.address, name,
                              {"prefilled": sent, "now": now}))


def verify_return(ret: Return) -> Verification:
    """Verify an opened return: every finding, plus the recomputed values."""
    computed = evaluate(ret.layout, ret.record.values)
    findings: list[Finding] = list(ret.findings)
    _structure(ret, findings)
    _saved_values(ret, computed, findings)
    _rules(ret, computed, findings)
    used_sheets = _used_sheets(ret.layout, ret.record.values)
    _fields(ret, used_sheets, findings)
    _completeness(ret, computed, used_sheets, findings)
    _prefill_changes(ret, findings)
    return Verification(ret.path, findings, ret.template.template.id, ret.template.template.version,
                        dict(ret.record.values), computed, prefill=dict(ret.record.prefill),
                        fields={f.name: f.key for s in ret.layout.sheets for f in s.fields})


def verify_file(path: str | Path, *, search: TemplateSearchPath | None = None) -> Verification:
    """Verify one file; unreadable files give a single finding instead of an exception.

    ``search``: where the return's template is looked for (see :func:`open_return`).
    """
    path = Path(path)
    with gc_paused():
        try:
            return verify_return(open_return(path, search=search))
        except (UnreadableWorkbook, NotAForm) as exc:
            return Verification(path, [Finding(exc.code, "error", exc.message_zh, exc.message_en)], unreadable=True)
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the batch: R099 for this file
            message = R.R099.format(detail_en=f" ({type(exc).__name__}: {str(exc)[:200]})")
            return Verification(path, [Finding(message.code, "error", message.zh, message.en)], unreadable=True)


def verify_paths(paths: Iterable[str | Path], *, jobs: int | None = None,
                 search: TemplateSearchPath | None = None,
                 on_progress: Callable[[int, int], None] | None = None) -> list[Verification]:
    """Verify files and folders (every file below a folder) on ``jobs`` processes.

    ``jobs`` defaults to every core; a handful of files is verified in this process (a
    pool costs more than it saves). Results are in the order of the expanded paths; a
    missing file gives its R001 result. ``on_progress(done, total)`` is called before the
    first file and after each (a progress bar).

    >>> results = verify_paths(["returns/"], jobs=2)  # doctest: +SKIP
    >>> sum(r.unreadable for r in results), sum(bool(r.errors) for r in results)  # doctest: +SKIP
    (0, 3)
    """
    files = expand_paths(paths, recursive=True)
    search = search or TemplateSearchPath.default()
    verify = functools.partial(verify_file, search=search)
    results: list[Verification] = []
    if on_progress:
        on_progress(0, len(files))
    workers = max(1, jobs or os.cpu_count() or 1)
    with contextlib.ExitStack() as stack:
        if workers > 1 and len(files) >= 4:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers))
            outcomes: Iterable[Verification] = pool.map(verify, files, chunksize=4)
        else:
            outcomes = map(verify, files)
        for result in outcomes:
            results.append(result)
            if on_progress:
                on_progress(len(results), len(files))
    return results
