"""Verifying a return: structure and tampering, saved values against recomputation, rules.

>>> report = verify_file("return.xlsx")      # doctest: +SKIP
>>> [f.code for f in report.findings]        # doctest: +SKIP
['ROW_SCORE_OVER_WEIGHT', 'V107']
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .findings import Finding, count
from .layout import ROW_FLAGS, Cell, evaluate
from .reader import NotAForm, Return, open_return
from .rules.numbers import excel_general, is_blank, is_number, same_at_digits
from .xlsxpkg import SheetData, UnreadableWorkbook, make_ref, split_ref

_FLAG_TEXT = {rid: (row_msg, panel_msg) for rid, row_msg, _, panel_msg in ROW_FLAGS}
_FLAG_EN = {
    "ROW_WEIGHT_MISSING": "third-level indicator without a weight (or weight 0)",
    "ROW_TARGET_NOT_NUMBER": "quantitative target is not a number",
    "ROW_SCORE_OVER_WEIGHT": "score exceeds its weight",
    "ROW_QUAL_OUT_OF_BAND": "qualitative score outside its tier's band (or no tier chosen)",
    "ROW_REASON_MISSING": "deviation reason missing",
    "ROW_DECLARED_DIFFERS": "declared score differs from the computed score without a reason",
}
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

    @property
    def errors(self) -> int:
        return count(self.findings, "error")

    @property
    def warnings(self) -> int:
        return count(self.findings, "warning")

    @property
    def status(self) -> str:
        if self.unreadable:
            return "无法读取"
        return "待修改" if self.errors else "已通过"


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


def _label(cell: Cell, row_name: str = "") -> str:
    where = f"第 {cell.row + 1} 行" + (f"「{row_name}」" if row_name else "")
    return where


def _structure(ret: Return, out: list[Finding]) -> None:
    layout = ret.layout
    sheets = {s.name: s for s in ret.package.sheets}
    if ret.fingerprint and ret.fingerprint != layout.fingerprint():
        out.append(Finding("V003", "error", "表格结构与模板不一致（可能被修改过结构），请使用下发的原表格重新填报",
                           f"structure fingerprint {ret.fingerprint} != template's {layout.fingerprint()}"))
    if ret.package.has_macros:
        out.append(Finding("V109", "warning", "文件含有宏（未运行），请另存为不含宏的 .xlsx",
                           "the file contains macros (not run)"))
    if ret.package.external_links:
        out.append(Finding("V110", "warning", "文件引用了其他工作簿（未读取），请删除外部链接后重新保存",
                           f"external links: {', '.join(ret.package.external_links)}"))
    for s in layout.sheets:
        sheet = sheets.get(s.name)
        if sheet is None:
            out.append(Finding("V101", "error", f"缺少工作表「{s.name}」（被删除或改名），请使用下发的原表格",
                               f"sheet {s.name!r} missing or renamed", s.name))
            continue
        if not sheet.protection.sheet:
            out.append(Finding("V102", "error", f"工作表「{s.name}」的保护被取消，计算公式可能被改动，请使用下发的原表格",
                               f"sheet protection removed on {s.name!r}", s.name))
        validated = _validated_cells(sheet)
        found = sheet.cells
        shifted = 0
        for cell in s.cells:
            role = cell.role
            if role == "input" and not _needs_validation(cell):
                continue
            address = make_ref(cell.row + 1, cell.col + 1)
            got = found.get(address)
            if role == "computed":
                formula = got.formula if got is not None else None
                expected = layout.formula(cell)
                if not formula:
                    out.append(Finding("V103", "error", f"{cell.label or address}（{address}）的计算公式被替换为固定值",
                                       f"formula at {address} replaced by a constant", s.name, address,
                                       cell.name or "", {"value": got.value if got is not None else None}))
                elif formula != expected[1:] and _normal_formula(formula) != _normal_formula(expected):
                    out.append(Finding("V104", "error", f"{cell.label or address}（{address}）的计算公式被修改",
                                       f"formula at {address} changed", s.name, address, cell.name or "",
                                       {"formula": formula}))
            elif role in ("label", "constant") and isinstance(cell.value, str | int | float) and cell.value != "":
                value = got.value if got is not None else None
                if value != cell.value and not same_at_digits(value, cell.value) and str(value) != str(cell.value):
                    shifted += 1
                    if shifted <= 3:
                        out.append(Finding("V105", "error",
                                           f"锁定单元格 {address} 应为“{cell.value}”，现为“{value if value is not None else ''}”"
                                           "（可能插入或删除了行），请使用下发的原表格",
                                           f"locked cell {address} changed (rows inserted or deleted?)",
                                           s.name, address, cell.name or "", {"expected": cell.value, "found": value}))
            elif role == "input" and address not in validated:
                out.append(Finding("V106", "warning", f"{cell.label}（{address}）的数据有效性被删除",
                                   f"data validation removed at {address}", s.name, address, cell.name or ""))


def _needs_validation(cell: Cell) -> bool:
    return cell.validation is not None or cell.value_type in ("money", "choice", "weight", "score")


def _validated_cells(sheet: SheetData) -> set[str]:
    """Every cell covered by a data validation (``sqref`` is space-separated ranges)."""
    cells: set[str] = set()
    for v in sheet.validations:
        for part in v.sqref.split():
            first, _, last = part.replace("$", "").partition(":")
            if not last:
                cells.add(_canonical(first))
                continue
            r0, c0 = split_ref(first)
            r1, c1 = split_ref(last)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    cells.add(make_ref(r, c))
    return cells


@functools.lru_cache(maxsize=1 << 16)
def _canonical(ref: str) -> str:
    """``make_ref(*split_ref(ref))``, memoized (forms repeat their references)."""
    return make_ref(*split_ref(ref))


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
        out.append(Finding("V108", "note", "文件未经电子表格软件计算保存，已按填报内容重新计算核对",
                           "no saved values (never recalculated): verified from inputs"))
        return
    # A value typed as text ("25.8万元") is read as its number, but the spreadsheet computed
    # with the text: a saved value that matches the text's result is not stale (V201 says it).
    typed = {f.name: f.values.get("typed") for f in ret.findings if f.code == "V201" and f.name}
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
                out.append(Finding("V107", "error",
                                   f"{c.label or c.address}（{c.address}）显示“{_show(value)}”，按填报内容计算应为“{_show(expected)}”"
                                   "（数值未重新计算或被改动）",
                                   f"saved value at {c.address} {value!r} != recomputed {expected!r} (stale or tampered)",
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
        # The cell a flag marks red in the form is the cell its finding names.
        marked = {m.flag: layout.cell(m.target) for m in s.marks if m.when == "flag"}
        for cell in s.cells:
            if cell.role != "computed" or cell.value_type != "flag" or computed.get(cell.name) != 1:  # type: ignore[arg-type]
                continue
            row_msg, _ = _FLAG_TEXT.get(cell.rule or "", (cell.rule, ""))
            en = _FLAG_EN.get(cell.rule or "", cell.rule or "")
            prefix = cell.name.rsplit("_chk_", 1)[0]  # type: ignore[union-attr]
            name = computed.get(prefix + "_name") or (cell.label if prefix.endswith("exec") else "")
            target = marked.get(cell.name, cell)  # type: ignore[arg-type]
            out.append(Finding(cell.rule or "", "error",
                               f"{_label(cell, str(name))}：{row_msg}", f"row {cell.row + 1} {name}: {en}",
                               cell.sheet, target.address, target.name or "",
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
            out.append(Finding(cell.rule or "", severity, f"{cell.label}：{value}", f"{cell.label}: {cell.rule} failed",
                               cell.sheet, cell.address, pname, {"message": value}))


def _fields(ret: Return, out: list[Finding]) -> None:
    year = ret.template.template.params.get("year")
    for cell in ret.layout.inputs():
        if cell.validation and cell.validation.get("kind") == "date":
            value = ret.record.values.get(cell.name)  # type: ignore[arg-type]
            if value is None:
                out.append(Finding("V301", "warning", f"{cell.label}未填写", f"{cell.label} is empty",
                                   cell.sheet, cell.address, cell.name or ""))
            elif isinstance(year, int):
                try:
                    d = dt.date.fromisoformat(str(value))
                except ValueError:
                    continue
                if not (dt.date(year, 1, 1) <= d <= dt.date(year + 1, 12, 31)):
                    out.append(Finding("V302", "warning", f"{cell.label} {d.isoformat()} 不在 {year} 年度填报期内",
                                       f"{cell.label} {d} outside the reporting period", cell.sheet, cell.address,
                                       cell.name or "", {"date": d.isoformat()}))
        elif cell.label in ("联系人", "联系电话", "填表人", "填报人") and cell.name not in ret.record.values:
            out.append(Finding("V301", "warning", f"{cell.label}未填写", f"{cell.label} is empty",
                               cell.sheet, cell.address, cell.name or ""))


_INDICATOR_NAME = re.compile(r"^(?P<row>.+_ind\d+)_name$")


def _completeness(ret: Return, computed: dict[str, Any], out: list[Finding]) -> None:
    """What a form cannot be accepted without: results on named rows, A and B, anything at all."""
    layout, values = ret.layout, ret.record.values
    if not values:
        out.append(Finding("V305", "error", "表格未填写任何内容，请填写后再报送", "nothing filled in"))
        return
    declared_mode = ret.template.template.scoring.mode == "declared"
    used_sheets = {layout.cell(n).sheet for n in values if n in layout.by_name}
    used_sheets |= {c.sheet for c in layout.by_name.values() if c.role == "constant" and c.name
                    and _INDICATOR_NAME.match(c.name)}
    for name, cell in layout.by_name.items():
        m = _INDICATOR_NAME.match(name)
        if m is None or cell.sheet not in used_sheets or is_blank(computed.get(name)):
            continue
        row = m.group("row")
        qualitative = computed.get(f"{row}_direction") == "定性"
        if declared_mode or qualitative:
            need, what = f"{row}_declared", "自评得分" if declared_mode else "定性得分（并选择定性档次）"
        else:
            need, what = f"{row}_actual", "实际完成值"
        if need in layout.by_name and is_blank(computed.get(need)):
            target = layout.cell(need)
            label = computed.get(name)
            out.append(Finding("V303", "error", f"第 {target.row + 1} 行「{label}」未填写{what}",
                               f"row {target.row + 1} {label}: no result ({need})", target.sheet, target.address,
                               need))
    for s in layout.sheets:
        if s.name not in used_sheets:
            continue
        for cell in s.cells:
            if cell.role == "computed" and cell.value_type == "rate" and {"budget", "actual"} <= set(cell.args):
                for arg in ("budget", "actual"):
                    source = layout.cell(cell.args[arg])  # type: ignore[arg-type]
                    if is_blank(computed.get(source.name)):  # type: ignore[arg-type]
                        out.append(Finding("V304", "error", f"{source.label}未填写，无法计算预算执行率",
                                           f"{source.label} is empty: no execution rate", source.sheet,
                                           source.address, source.name or ""))


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
        out.append(Finding("V311", "warning",
                           f"{cell.label}由财政局预填为“{_show(sent)}”，现为“{_show(now)}”，请说明修改原因",
                           f"{cell.label}: pre-filled {sent!r}, now {now!r}", cell.sheet, cell.address, name,
                           {"prefilled": sent, "now": now}))


def verify_return(ret: Return) -> Verification:
    """Verify an opened return: every finding, plus the recomputed values."""
    computed = evaluate(ret.layout, ret.record.values)
    findings: list[Finding] = list(ret.findings)
    _structure(ret, findings)
    _saved_values(ret, computed, findings)
    _rules(ret, computed, findings)
    _fields(ret, findings)
    _completeness(ret, computed, findings)
    _prefill_changes(ret, findings)
    return Verification(ret.path, findings, ret.template.template.id, ret.template.template.version,
                        dict(ret.record.values), computed, prefill=dict(ret.record.prefill))


def verify_file(path: str | Path) -> Verification:
    """Verify one file; unreadable files give a single finding instead of an exception."""
    path = Path(path)
    try:
        ret = open_return(path)
    except UnreadableWorkbook as exc:
        return Verification(path, [Finding(exc.code, "error", exc.message_zh, exc.message_en)], unreadable=True)
    except NotAForm as exc:
        return Verification(path, [Finding(exc.code, "error", exc.message_zh, exc.message_en)], unreadable=True)
    return verify_return(ret)
