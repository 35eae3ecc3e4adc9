"""Verifying a return: structure and tampering, saved values against recomputation, rules.

>>> report = verify_file("returns/101002_乙局.xlsx")
>>> sorted({f.code for f in report.findings if f.severity == "error"})
['ROW_QUAL_OUT_OF_BAND', 'ROW_SCORE_OVER_WEIGHT']
>>> [str(r.status) for r in verify_paths(["returns/"], jobs=2)]
['已通过', '待修改']
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import signing
from ..codes import Status
from ..codes import read as R
from ..codes import verify as V
from ..coerce import number_in_text
from ..layout import ROW_FLAGS, WARNING_FLAGS, Cell, Layout, evaluate
from ..paths import TemplateSearchPath, expand_paths
from ..pool import worker_pool
from ..read import SheetData, UnreadableWorkbook
from ..read.record import NotAForm, Return, open_return
from ..read.refs import covered
from ..rules.numbers import excel_general, is_blank, is_number, same_at_digits, shown
from ..signing import Keyring
from .findings import Finding, count

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
    #: The template parameters the form was built with (its year ...), read from the form.
    params: dict[str, Any] = field(default_factory=dict)
    #: What the bureau's signature says of ``prefill`` (:mod:`jixiao.signing`: SIGNED, UNSIGNED ...).
    origin: str = ""

    @property
    def prefill_trusted(self) -> bool:
        """Whether ``prefill`` may name the department: signed by us, or not refuted by a
        signature (forms built without a key, or no key here to check with)."""
        return self.origin not in (signing.FORGED, signing.UNKNOWN_KEY)

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
    # A form from before the parameters were part of the identity carries none, nor in its fingerprint.
    expected = layout.fingerprint(with_params=ret.params is not None)
    if ret.fingerprint and ret.fingerprint != expected:
        out.append(Finding.of(V.V003.format(found=ret.fingerprint, expected=expected)))
    if ret.package.missing_parts:
        out.append(Finding.of(V.V113.format(parts=", ".join(ret.package.missing_parts))))
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


#: How much of a formula V111 quotes: enough to recognise it, not a page of hostile text.
_FORMULA_SHOWN = 60


def _input_formulas(ret: Return, out: list[Finding]) -> None:
    """An input cell holding a formula (V111), whatever its saved value: the value read is
    the one last saved, while the spreadsheet may show another (``NOW()``, links, edits)."""
    sheets = {s.name: s for s in ret.package.sheets}
    for cell in ret.layout.inputs():
        sheet = sheets.get(cell.sheet)
        got = sheet.cells.get(cell.address) if sheet is not None else None
        if got is None or not got.formula:
            continue
        text = got.formula if len(got.formula) <= _FORMULA_SHOWN else got.formula[:_FORMULA_SHOWN] + "…"
        out.append(Finding.of(V.V111.format(label=cell.label or cell.address, address=cell.address, formula=text),
                              cell.sheet, cell.address, cell.name or "", {"formula": got.formula, "saved": got.value}))


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
    mismatches = 0
    for c, value in saved:
        expected = computed.get(c.name)  # type: ignore[arg-type]
        if c.value_type == "flag":
            continue  # row flags are reported through their own findings
        digits = 9 if c.value_type != "rate" else 6
        if not same_at_digits(_blank(value), _blank(expected), digits):
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
    """The form's own checks, as the recalculated form shows them: each raised row flag
    and each panel line that is not ✓ (a 提示 line, or a warning flag, is a warning)."""
    layout = ret.layout
    sc = ret.template.template.scoring
    for s in layout.sheets:
        for check in s.row_checks:
            if computed.get(check.flag) != 1:
                continue
            cell = layout.cell(check.flag)
            rule = cell.rule or ""
            target = layout.cell(check.target)  # the cell the flag marks red in the form
            row_msg = _row_message(rule, computed.get(check.text) if check.text else None,
                                   computed.get(target.name or ""), check.text is None)
            values = _values_read(cell, computed)
            en = V.ROW_FLAG_EN.get(rule, rule) + _values_en(values)
            name = (computed.get(check.row_name) if check.row_name else None) or check.label
            zh, en = (V.ROW_FLAG.format(row=cell.row + 1, name=name, text=row_msg, text_en=en) if name
                      else V.ROW_FLAG_UNNAMED.format(row=cell.row + 1, text=row_msg, text_en=en))
            severity = "warning" if rule in WARNING_FLAGS else "error"
            out.append(Finding(rule, severity, zh, en, cell.sheet, target.address, target.name or "", values))
        for pname in s.panel:
            cell = layout.cell(pname)
            value = computed.get(pname)
            if value in (None, "", "✓") or cell.rule == "CHK_ROWS":
                continue  # a CHK_ROWS line counts rows that are findings of their own
            severity = "warning" if cell.rule in _WARNING_CHECKS or str(value).startswith("提示") else "error"
            if cell.rule == "CHK_LEVEL1_WEIGHTS" and sc.level1_check == "warning":
                severity = "warning"
            if cell.rule == "CHK_TEXT_IN_NUMBERS":
                value = f"{value}：{_text_cells(layout, cell, computed)}"
            zh, en = V.PANEL_CHECK.format(label=cell.label, value=value, rule=cell.rule)
            out.append(Finding(cell.rule or "", severity, zh, en, cell.sheet, cell.address, pname,
                               {**_values_read(cell, computed), "message": value}))


def _values_read(cell: Cell, computed: dict[str, Any]) -> dict[str, Any]:
    """What a check cell reads, by argument (a row flag's score and weight, a panel line's
    申报总分 and 计算总分 ...): the values a finding carries beside its text."""
    return {k: computed.get(v) for k, v in cell.args.items() if isinstance(v, str)}


#: How much of a text value an English row finding quotes.
_TEXT_SHOWN = 20


def _values_en(values: dict[str, Any]) -> str:
    """The values a row flag read, for its English text (the Chinese is the form's own
    message, which names them): `` (score 5, weight 3)``; blanks and long text left out."""
    parts = [f"{k} {shown(v)}" if is_number(v) else f"{k} {v!r}"
             for k, v in values.items() if not is_blank(v) and (is_number(v) or len(str(v)) <= _TEXT_SHOWN)]
    return f" ({', '.join(parts)})" if parts else ""


def _row_message(rule: str, text: Any, value: Any, fixed: bool) -> str:
    """A raised flag's message: the form's own, with the row's values (its message cell's
    ``text``); a flag without a message cell (``fixed``: forms of layout generation 1) has
    its rule's fixed text, with what the marked cell holds where the text needs it."""
    if fixed:
        return _FLAG_TEXT.get(rule, (rule, ""))[0] + _row_detail(rule, value)
    own = text.removesuffix("；") if isinstance(text, str) and text else _FLAG_TEXT.get(rule, (rule, ""))[0]
    return own + _row_hint(rule, value)


def _row_detail(rule: str, value: Any) -> str:
    """What the marked cell holds, where a fixed text needs it: the text typed into a number
    cell (and the number it seems to mean), the percentage typed as a number."""
    if rule == "ROW_ACTUAL_NOT_NUMBER":
        number = number_in_text(value)
        if number is None:
            return V.TYPED_NOW.format(typed=value)[0]
        return V.TYPED_HINT.format(typed=value, number=excel_general(number))[0]
    if rule == "ROW_PERCENT_SCALE" and is_number(value):
        return V.PERCENT_HINT.format(value=excel_general(value))[0]
    return ""


def _row_hint(rule: str, value: Any) -> str:
    """What verify adds to the form's text: the number a text typed into a number cell
    seems to mean (``280人次``: 应填 280), which no spreadsheet formula can tell."""
    if rule == "ROW_ACTUAL_NOT_NUMBER":
        number = number_in_text(value)
        if number is not None:
            return V.NUMBER_HINT.format(number=excel_general(number))[0]
    return ""


def _text_cells(layout: Layout, panel_cell: Cell, computed: dict[str, Any]) -> str:
    """The number cells holding text that a CHK_TEXT_IN_NUMBERS line counts."""
    parts = []
    for name in panel_cell.args["cells"]:
        value = computed.get(name)
        if isinstance(value, str) and value.strip(" "):
            c = layout.cell(name)
            number = number_in_text(value)
            parts.append(V.TYPED_CELL.format(label=c.label, address=c.address, typed=value)[0] if number is None
                         else V.TYPED_CELL_NUMBER.format(label=c.label, address=c.address, typed=value,
                                                         number=excel_general(number))[0])
    return "；".join(parts)


def _lengths(ret: Return, out: list[Finding]) -> None:
    """Text over its cell's length limit (V112): the form's validation stops typing, not pasting."""
    for cell in ret.layout.inputs():
        value = ret.record.values.get(cell.name or "")
        if cell.max_length and isinstance(value, str) and len(value) > cell.max_length:
            out.append(Finding.of(V.V112.format(label=cell.label or cell.address, address=cell.address,
                                                length=len(value), max_length=cell.max_length),
                                  cell.sheet, cell.address, cell.name or ""))


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


def _origin(ret: Return, keys: Keyring | None, out: list[Finding]) -> str:
    """Check the bureau's signature over the pre-fill; a finding unless it is ours and intact."""
    record = ret.record
    if ret.signature is None:
        if record.prefill:  # a blank form has nothing whose origin matters
            out.append(Finding.of((V.V008 if keys else V.V004).format()))
        return signing.UNSIGNED
    if keys is None:
        out.append(Finding.of(V.V005.format()))
        return signing.UNCHECKED
    origin = keys.check(ret.signature, record.template_id, record.template_version, ret.fingerprint or "",
                        record.prefill)
    if origin == signing.FORGED:
        out.append(Finding.of(V.V006.format()))
    elif origin == signing.UNKNOWN_KEY:
        out.append(Finding.of(V.V007.format(key_id=ret.signature.key_id[:16])))
    return origin


def verify_return(ret: Return, *, keys: Keyring | None = None) -> Verification:
    """Verify an opened return: every finding, plus the recomputed values.

    ``keys``: the bureau's (:mod:`jixiao.signing`), to check the signature over the
    pre-fill; without them a signed form gets V005 (cannot check).
    """
    computed = evaluate(ret.layout, ret.record.values)
    findings: list[Finding] = list(ret.findings)
    origin = _origin(ret, keys, findings)
    _structure(ret, findings)
    _input_formulas(ret, findings)
    _lengths(ret, findings)
    _saved_values(ret, computed, findings)
    _rules(ret, computed, findings)
    _prefill_changes(ret, findings)
    return Verification(ret.path, findings, ret.template.template.id, ret.template.template.version,
                        dict(ret.record.values), computed, prefill=dict(ret.record.prefill),
                        fields={f.name: f.key for s in ret.layout.sheets for f in s.fields},
                        params=dict(ret.template.template.params), origin=origin)


def verify_file(path: str | Path, *, search: TemplateSearchPath | None = None,
                keys: Keyring | None = None) -> Verification:
    """Verify one file; unreadable files give a single finding instead of an exception.

    ``search``: where the return's template is looked for (see :func:`open_return`);
    ``keys``: the bureau's, to check the pre-fill's signature (:func:`verify_return`).
    """
    path = Path(path)
    try:
        return verify_return(open_return(path, search=search), keys=keys)
    except (UnreadableWorkbook, NotAForm) as exc:
        return Verification(path, [Finding(exc.code, "error", exc.message_zh, exc.message_en)], unreadable=True)
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the batch: R099 for this file
        message = R.R099.format(detail_en=f" ({type(exc).__name__}: {str(exc)[:200]})")
        return Verification(path, [Finding(message.code, "error", message.zh, message.en)], unreadable=True)


def verify_paths(paths: Iterable[str | Path], *, jobs: int | None = None,
                 search: TemplateSearchPath | None = None, keys: Keyring | None = None,
                 on_progress: Callable[[int, int], None] | None = None) -> list[Verification]:
    """Verify files and folders (every file below a folder) on ``jobs`` processes.

    ``jobs`` defaults to every core; a handful of files is verified in this process (a
    pool costs more than it saves). Results are in the order of the expanded paths; a
    missing file gives its R001 result. ``on_progress(done, total)`` is called before the
    first file and after each (a progress bar). ``keys`` check the pre-fill's signature.

    >>> results = verify_paths(["returns/", "missing.xlsx"], jobs=2)
    >>> sum(r.unreadable for r in results), sum(bool(r.errors) for r in results)
    (1, 2)
    """
    files = expand_paths(paths, recursive=True)
    search = search or TemplateSearchPath.for_reading()
    verify = functools.partial(verify_file, search=search, keys=keys)
    results: list[Verification] = []
    if on_progress:
        on_progress(0, len(files))
    workers = max(1, jobs or os.cpu_count() or 1)
    with contextlib.ExitStack() as stack:
        if workers > 1 and len(files) >= 4:
            pool = stack.enter_context(worker_pool(workers))
            outcomes: Iterable[Verification] = pool.map(verify, files, chunksize=4)
        else:
            outcomes = map(verify, files)
        for result in outcomes:
            results.append(result)
            if on_progress:
                on_progress(len(results), len(files))
    return results
