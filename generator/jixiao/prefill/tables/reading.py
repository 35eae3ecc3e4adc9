"""Reading the data set: the tables bound to the schema, row by row, into departments' pre-fills."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ...codes import Message
from ...codes import data as D
from ...layout import COPIES_KEY, DEPARTMENT_KEY, INDICATORS_KEY, sheet_copy_id
from ...layout.refs import column_letters
from ..amounts import InconsistentTotalError, balance_rounding, round_half_up
from ..targets import parse_target
from .core import (
    EXAMPLE_PREFIX,
    MAX_PROJECTS,
    MONEY_DIGITS,
    PROJECT_KEY,
    WAN,
    YUAN,
    BadValue,
    Column,
    DataProblem,
    Dataset,
    Department,
    Kind,
    Table,
    cell_decimal,
    cell_text,
    level_key,
    norm,
    split_unit,
)
from .files import ALIASES, DataFileError, RawTable, classify, read_tables
from .schema import DataSchema
from .weights import gap_message, locked_weight_gaps


@dataclass
class _Bound:
    """A table's columns matched to its headers."""

    table: RawTable
    columns: dict[int, tuple[Column, str | None]]  # position -> (column, unit of a money header)

    def cell(self, cells: list[Any], kind: Kind) -> tuple[int, Any]:
        for i, (col, _) in self.columns.items():
            if col.kind == kind:
                return i, cells[i] if i < len(cells) else None
        return -1, None


def _bind(table: RawTable, columns: list[Column], which: Table, problems: list[DataProblem]) -> _Bound:
    by_header: dict[str, Column] = {}
    for c in columns:
        by_header[norm(split_unit(c.header)[0])] = c
        if c.key:
            by_header[norm(c.key)] = c
            by_header[norm(f"{c.sheet}_{c.key}")] = c
        for alias in ALIASES.get(c.kind, ()) if not c.key else ():
            by_header.setdefault(norm(alias), c)
    bound: dict[int, tuple[Column, str | None]] = {}
    seen: set[str] = set()
    known = [norm(split_unit(c.header)[0]) for c in columns]
    for i, header in enumerate(table.headers):
        if not header.strip():
            continue
        base, unit = split_unit(header)
        col = by_header.get(norm(base))
        letter = column_letters(i)
        if col is None:
            close = difflib.get_close_matches(norm(base), known, n=1) if len(base) <= 60 else []
            message = D.D003_GUESS.format(header=header, guess=close[0]) if close else D.D003.format(header=header)
            problems.append(DataProblem.of(message, table.file, table.name or which, table.header_row, letter, header))
            continue
        if col.header in seen:
            problems.append(DataProblem.of(D.D004.format(header=header), table.file, table.name or which,
                                           table.header_row, letter, header))
            continue
        seen.add(col.header)
        if unit is not None and not col.money:
            unit = None
        bound[i] = (col, unit or (WAN if col.money else None))
    missing = [c.header for c in columns if c.required and c.header not in seen]
    if missing:
        message = D.D002_COLUMNS.format(table=which, columns="、".join(missing), columns_en=", ".join(missing))
        raise DataFileError(DataProblem.of(message, table.file, table.name or which, table.header_row))
    return _Bound(table, bound)


def read_dataset(schema: DataSchema, path: str | Path, *, indicators: str | Path | None = None,
                 projects: str | Path | None = None) -> Dataset:
    """Read the department table (and indicator/project tables) into pre-fills.

    ``path`` is a .xlsx holding the 单位 sheet (and optionally 指标 and 项目 sheets) or a
    .csv of departments; ``indicators``/``projects`` name separate files for those tables.
    Raises :class:`DataFileError` only when a file as a whole cannot be used (an
    unexpected error too, as D099); every row problem is in ``Dataset.problems``.
    """
    try:
        return _read_dataset(schema, path, indicators, projects)
    except DataFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: a coded problem, never a traceback
        message = D.D099.format(error=f"{type(exc).__name__}: {str(exc)[:200]}")
        raise DataFileError(DataProblem.of(message, str(path))) from exc


def _read_dataset(schema: DataSchema, path: str | Path, indicators: str | Path | None,
                  projects: str | Path | None) -> Dataset:
    tables: dict[Table, RawTable] = {}
    problems: list[DataProblem] = []
    for source, wanted in ((path, None), (indicators, "指标"), (projects, "项目")):
        if source is None:
            continue
        for t in read_tables(source):
            which = wanted or classify(t)
            if which is None or which in tables and wanted is None:
                continue
            if which == "项目" and not schema.projects:
                problems.append(DataProblem.of(D.D005.format(), t.file, t.name))
                continue
            tables[which] = t
    if "单位" not in tables:
        raise DataFileError(DataProblem.of(D.D002_NO_TABLE.format(), str(path)))
    reader = _Reader(schema, problems)
    reader.departments(_bind(tables["单位"], schema.departments, "单位", problems))
    if "项目" in tables:
        reader.projects(_bind(tables["项目"], schema.projects, "项目", problems))
    if "指标" in tables:
        reader.indicators(_bind(tables["指标"], schema.indicators, "指标", problems))
    return reader.finish()


def _row_of(row: int | None) -> str:
    """Where a pre-filled indicator came from, as D401 and D402 name it."""
    return D.ROW_OF_TABLE.format(table="指标", row=row) if row else ""


#: What a 方向 cell may say (after width folding), and the symbol each means.
_DIRECTIONS = {"≥": "≥", ">=": "≥", "≧": "≥", "≤": "≤", "<=": "≤", "≦": "≤", "=": "=", "定性": "定性"}
_BARE = {"≥": ">=", "≤": "<=", "=": "="}
_SYMBOLS = {">=": "≥", "<=": "≤", "=": "="}

class _Reader:
    def __init__(self, schema: DataSchema, problems: list[DataProblem]) -> None:
        self.schema = schema
        self.problems = problems
        self.by_code: dict[str, Department] = {}
        self.order: list[Department] = []
        self.projects_of: dict[str, list[str]] = {}
        self.failed_rows: dict[str, list[str]] = {}  # code -> "指标表第 7 行" where its errors are
        self.project_total: dict[str, int] = {}
        self.known_codes: set[str] = set()
        self.indicator_file: tuple[str, str] | None = None  # (file, sheet) of the 指标 table, once read
        self.entry_rows: dict[int, int] = {}  # id of a pre-filled indicator entry -> its 指标表 row

    def problem(self, bound: _Bound, row: int, pos: int, message: Message, department: str = "") -> None:
        t = bound.table
        header = t.headers[pos] if 0 <= pos < len(t.headers) else ""
        self.problems.append(DataProblem.of(message, t.file, t.name or "", row,
                                            column_letters(pos) if pos >= 0 else "", header, department))

    def _values(self, bound: _Bound, n: int, cells: list[Any], sheet_of: Any, code: str) -> dict[str, Any] | None:
        """Typed values of one row's form columns by defined name; None when the row has an error."""
        ok = True
        money: dict[str, tuple[int, Decimal, str]] = {}  # name -> (pos, amount as given, unit)
        out: dict[str, Any] = {}
        for pos, (col, unit) in bound.columns.items():
            if not col.key:
                continue
            raw = cells[pos] if pos < len(cells) else None
            name = f"{sheet_of(col.sheet)}_{col.key}"
            header = bound.table.headers[pos]
            try:
                if col.money:
                    amount = cell_decimal(raw, header)
                    if amount is None:
                        continue
                    if amount < 0:
                        raise BadValue(D.D105.format(header=header, value=raw))
                    money[name] = (pos, amount, unit or WAN)
                else:
                    text = cell_text(raw)
                    if not text:
                        continue
                    self._check_text(bound, n, pos, col, text, code)
                    out[name] = text
            except BadValue as bad:
                ok = False
                self.problem(bound, n, pos, bad.message, code)
        out.update(self._money(bound, n, money, sheet_of, code))
        return out if ok else None

    def _check_text(self, bound: _Bound, n: int, pos: int, col: Column, text: str, code: str) -> None:
        header = bound.table.headers[pos]
        if col.max_length and len(text) > col.max_length:
            raise BadValue(D.D107.format(header=header, max_length=col.max_length))
        if text[:1] in ("=", "+", "@") or text[:1] == "-" and len(text) > 1 and not text[1:2].isdigit():
            self.problem(bound, n, pos, D.D108.format(header=header, first=text[:1], text=text), code)

    def _money(self, bound: _Bound, n: int, money: dict[str, tuple[int, Decimal, str]], sheet_of: Any,
               code: str) -> dict[str, float]:
        """万元 values: 元 columns converted, balanced within each sum group, adjustments reported."""
        out: dict[str, Decimal] = {}
        done: set[str] = set()
        for sheet, total, parts in self.schema.sum_groups:
            sid = sheet_of(sheet)
            names = [f"{sid}_{total}", *(f"{sid}_{p}" for p in parts)]
            if not all(x in money and money[x][2] == YUAN for x in names) or any(x in done for x in names[1:]):
                continue
            amounts = [money[x][1] for x in names]
            try:
                result = balance_rounding(amounts[1:], amounts[0])
            except InconsistentTotalError as exc:
                pos = money[names[0]][0]
                self.problem(bound, n, pos, D.D302_YUAN.format(parts=exc.parts_sum, total=exc.total,
                                                               difference=exc.difference), code)
                done.update(names)  # reported once, in 元
                continue
            out[names[0]] = result.total
            for i, value in enumerate(result.parts):
                out[names[i + 1]] = value
            for adj in result.adjustments:
                part = names[adj.index + 1]
                pos = money[part][0]
                self.problem(bound, n, pos, D.D301.format(header=bound.table.headers[pos], after=adj.after,
                                                          before=adj.before), code)
            done.update(names)
        for name, (pos, amount, unit) in money.items():
            if name in out:
                continue
            wan = amount / Decimal(10000) if unit == YUAN else amount
            rounded = round_half_up(wan, MONEY_DIGITS)
            if unit == WAN and rounded != wan:
                self.problem(bound, n, pos, D.D303.format(header=bound.table.headers[pos], amount=amount,
                                                          rounded=rounded), code)
            out[name] = rounded
        # 万元 figures (or mixed units) that do not add up: the form's self-check would be red
        # the day it arrives, so the bureau hears it first.
        for sheet, total, parts in self.schema.sum_groups:
            sid = sheet_of(sheet)
            names = [f"{sid}_{total}", *(f"{sid}_{p}" for p in parts)]
            if names[0] in done or not all(x in out for x in names):
                continue
            gap = sum((out[x] for x in names[1:]), Decimal(0)) - out[names[0]]
            if gap:
                pos = money[names[0]][0]
                self.problem(bound, n, pos, D.D302.format(parts=out[names[0]] + gap, header=bound.table.headers[pos],
                                                          total=out[names[0]], difference=gap), code)
        return {k: float(v) for k, v in out.items()}

    # -- the three tables

    def departments(self, bound: _Bound) -> None:
        codes: dict[str, list[int]] = {}
        rows: list[tuple[int, list[Any], str]] = []
        for n, cells in bound.table.rows:
            pos, raw = bound.cell(cells, "code")
            code = cell_text(raw)
            if code.startswith(EXAMPLE_PREFIX):
                continue  # init-data's example row
            if not code:
                self.problem(bound, n, pos, D.D101.format())
                continue
            codes.setdefault(code, []).append(n)
            rows.append((n, cells, code))
        for n, cells, code in rows:
            pos, _ = bound.cell(cells, "code")
            if len(codes[code]) > 1:
                others = "、".join(str(r) for r in codes[code] if r != n)
                self.problem(bound, n, pos, D.D102.format(code=code, others=others), code)
                continue
            npos, raw_name = bound.cell(cells, "name")
            name = cell_text(raw_name)
            ok = True
            if not name:
                self.problem(bound, n, npos, D.D103.format(), code)
                ok = False
            else:
                try:
                    self._check_text(bound, n, npos, bound.columns[npos][0], name, code)
                except BadValue as bad:  # D107: longer than the column's max_length
                    self.problem(bound, n, npos, bad.message, code)
                    ok = False
            values = self._values(bound, n, cells, lambda sid: sid, code)
            if values is None or not ok:
                continue
            prefill: dict[str, Any] = {DEPARTMENT_KEY: {"code": code, "name": name}}
            prefill.update({target: name for target in self.schema.name_targets})
            prefill.update(values)
            dept = Department(code, name, n, prefill)
            self.by_code[code] = dept
            self.order.append(dept)
        self.known_codes = set(codes)

    def _owner(self, bound: _Bound, n: int, cells: list[Any]) -> Department | None:
        pos, raw = bound.cell(cells, "code")
        code = cell_text(raw)
        if code.startswith(EXAMPLE_PREFIX):
            return None
        dept = self.by_code.get(code)
        if dept is None:
            if code in self.known_codes:  # the department row itself is bad: already reported
                return None
            self.problem(bound, n, pos, D.D201.format(code=code) if code else D.D201_NO_CODE.format(), code)
            return None
        return dept

    def _fail(self, dept: Department, table: Table, row: int) -> None:
        dept.ok = False
        self.failed_rows.setdefault(dept.code, []).append(D.ROW_OF_TABLE.format(table=table, row=row))

    def projects(self, bound: _Bound) -> None:
        assert self.schema.project_spec is not None
        # Count first: whether project 1 is sheet "xm" or "xm1" depends on how many there are.
        for _, cells in bound.table.rows:
            code, title = cell_text(bound.cell(cells, "code")[1]), cell_text(bound.cell(cells, "project")[1])
            if code in self.by_code and title:
                self.project_total[code] = self.project_total.get(code, 0) + 1
        for n, cells in bound.table.rows:
            dept = self._owner(bound, n, cells)
            if dept is None:
                continue
            pos, raw = bound.cell(cells, "project")
            title = cell_text(raw)
            mine = self.projects_of.setdefault(dept.code, [])
            if not title:
                self.problem(bound, n, pos, D.D204_PROJECT.format(), dept.code)
                self._fail(dept, "项目", n)
                continue
            if title in mine:
                self.problem(bound, n, pos, D.D206.format(title=title), dept.code)
                self._fail(dept, "项目", n)
                continue
            if len(mine) >= MAX_PROJECTS:
                self.problem(bound, n, pos, D.D206_TOO_MANY.format(limit=MAX_PROJECTS), dept.code)
                self._fail(dept, "项目", n)
                continue
            mine.append(title)
            index = len(mine)
            sid = self._project_sid(index, dept.code)
            values = self._values(bound, n, cells, lambda _spec, sid=sid: sid, dept.code)
            if values is None:
                self._fail(dept, "项目", n)
                continue
            dept.prefill[f"{sid}_{PROJECT_KEY}"] = title
            dept.prefill.update(values)

    def _project_sid(self, index: int, code: str) -> str:
        """Sheet id of the department's ``index``-th project: the layout's own naming rule."""
        count = max(self.schema.project_count, self.project_total.get(code, 0))
        return sheet_copy_id(self.schema.project_spec or "", index, count)

    def indicators(self, bound: _Bound) -> None:
        self.indicator_file = (bound.table.file, bound.table.name or "指标")
        for n, cells in bound.table.rows:
            dept = self._owner(bound, n, cells)
            if dept is None:
                continue
            if not self._indicator(bound, n, cells, dept):
                self._fail(dept, "指标", n)

    def _indicator(self, bound: _Bound, n: int, cells: list[Any], dept: Department) -> bool:
        ppos, raw_project = bound.cell(cells, "project")
        project = cell_text(raw_project)
        if project:
            titles = self.projects_of.get(dept.code, [])
            if project not in titles:
                self.problem(bound, n, ppos, D.D207.format(project=project), dept.code)
                return False
            sheet_key, sid = self.schema.project_spec, self._project_sid(titles.index(project) + 1, dept.code)
        else:
            if self.schema.main_sheet is None:
                self.problem(bound, n, ppos, D.D207_NEEDED.format(), dept.code)
                return False
            sheet_key = sid = self.schema.main_sheet
        levels = self.schema.levels.get(sheet_key or "", {})
        p1, l1 = bound.cell(cells, "level1")
        p2, l2 = bound.cell(cells, "level2")
        found = levels.get((level_key(cell_text(l1)), level_key(cell_text(l2))))
        if found is None:
            choices = "、".join(f"{a}/{b}" for a, b in levels.values())
            self.problem(bound, n, p2 if any(k[0] == level_key(cell_text(l1)) for k in levels) else p1,
                         D.D202.format(level1=cell_text(l1), level2=cell_text(l2), choices=choices), dept.code)
            return False
        pn, raw_name = bound.cell(cells, "indicator")
        name = cell_text(raw_name)
        if not name:
            self.problem(bound, n, pn, D.D204_INDICATOR.format(), dept.code)
            return False
        pw, raw_weight = bound.cell(cells, "weight")
        try:
            weight = cell_decimal(raw_weight, "分值")
        except BadValue:
            weight = None
        if weight is None or weight <= 0 or weight > 100:
            self.problem(bound, n, pw, D.D106.format(value=cell_text(raw_weight), raw=raw_weight), dept.code)
            return False
        pd, raw_direction = bound.cell(cells, "direction")
        direction = _DIRECTIONS.get(norm(cell_text(raw_direction)).replace(" ", ""))
        if cell_text(raw_direction) and direction is None:
            self.problem(bound, n, pd, D.D205.format(value=cell_text(raw_direction)), dept.code)
            return False
        pt, raw_target = bound.cell(cells, "target")
        entry: dict[str, Any] = {"level1": found[0], "level2": found[1], "name": name, "weight": float(weight)}
        target = self._target(bound, n, pt, raw_target, found[1], dept.code, direction)
        if target is None:
            return False
        entry.update(target)
        dept.prefill.setdefault(INDICATORS_KEY, {}).setdefault(sid, []).append(entry)
        self.entry_rows[id(entry)] = n
        return True

    def _target(self, bound: _Bound, n: int, pos: int, raw: Any, level2: str, code: str,
                declared: str | None = None) -> dict[str, Any] | None:
        """direction, target and unit of a declared target; qualitative when it is not one number.

        ``declared`` is the row's 方向 (None: not given): a bare quantity takes it, 定性
        keeps the text as it is; an operator in the text that contradicts it is D205."""
        text = cell_text(raw)
        if declared == "定性":
            return {"direction": "定性", "target": text or None, "unit": ""}
        bare = _BARE[declared] if declared else ("<=" if "成本" in level2 else ">=")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return {"direction": _SYMBOLS[bare], "target": float(raw), "unit": ""}
        if not text:
            return {"direction": "定性", "target": None, "unit": ""}
        t = parse_target(text, bare_direction=bare)
        if not t.is_quantitative:
            self.problem(bound, n, pos, D.D203.format(text=text, reason_zh=t.reason_zh, reason=t.reason), code)
            return {"direction": "定性", "target": text, "unit": ""}
        direction = _SYMBOLS[t.direction]
        if declared and direction != declared:
            self.problem(bound, n, pos, D.D205_CONFLICT.format(direction=declared, text=text), code)
            return None
        value = t.value / 100 if t.percent else t.value  # type: ignore[operator]
        return {"direction": direction, "target": float(value), "unit": "%" if t.percent else t.unit}

    def _complete(self, dept: Department) -> None:
        """Checks of a department's whole pre-fill, once every indicator row is read."""
        file, table = self.indicator_file or ("", "")
        if self.indicator_file and not dept.prefill.get(INDICATORS_KEY):
            self.problems.append(DataProblem.of(D.D403.format(code=dept.code, name=dept.name), file, table,
                                                department=dept.code))
        for gap in locked_weight_gaps(self.schema.template.template, dept.prefill):
            rows = [self.entry_rows[id(e)] for e in gap.entries if id(e) in self.entry_rows]
            message = gap_message(gap, dept.prefill, lambda e: _row_of(self.entry_rows.get(id(e))))
            self.problems.append(DataProblem.of(message, file, table, row=rows[0] if len(rows) == 1 else 0,
                                                department=dept.code))
            dept.ok = False
            self.failed_rows.setdefault(dept.code, []).extend(_row_of(r) for r in rows)

    def finish(self) -> Dataset:
        for dept in self.order:
            copies = len(self.projects_of.get(dept.code, []))
            if copies > self.schema.project_count and self.schema.project_spec:
                dept.prefill[COPIES_KEY] = {self.schema.project_spec: copies}
            if dept.ok:
                self._complete(dept)
            if not dept.ok:
                where = "、".join(self.failed_rows.get(dept.code, [])) or D.PREFILLED_WEIGHTS
                self.problems.append(DataProblem.of(D.D401.format(code=dept.code, name=dept.name, where=where),
                                                    department=dept.code))
        return Dataset(self.order, self.problems)
