"""Department data for pre-filled forms: the sheets a bureau fills, read into pre-fills.

A bureau knows, before it sends the forms, each department's code and name, its budget
figures, contacts, and the indicators and projects it declared at the start of the year.
It lists them in three tables (``jixiao init-data TEMPLATE`` writes an empty workbook with
the right headers):

* 单位 — one row per department: 单位编码, 单位名称, then the department-level inputs the
  template has (header fields, 资金 figures, 预期目标, contacts). Money headers end in
  ``（万元）`` or ``（元）``: 元 columns are converted to 万元 with two decimals, parts and
  totals balanced (舍位平衡, :mod:`jixiao.amounts`) and every adjustment reported.
* 指标 — one row per declared 三级指标: 单位编码, (项目名称), 一级指标, 二级指标, 三级指标,
  年度指标值 as text (``≥300份``, parsed by :mod:`jixiao.targets`), 分值.
* 项目 — one row per project: 单位编码, 项目名称, the project sheet's inputs.

The schema (which headers, which cells they fill) is derived from the template's layout,
so a new variant needs no code here. Reading never stops at a bad row: every problem is a
:class:`DataProblem` naming the file, sheet, row and column; a department with an error
in any of its rows is not built (nothing half-filled is sent), the others are.

>>> schema = DataSchema.for_template(load_template("guizhou-zhengti"))  # doctest: +SKIP
>>> data = read_dataset(schema, "departments.xlsx")                     # doctest: +SKIP
>>> [d.code for d in data.departments][:2], len(data.problems)          # doctest: +SKIP
(['101001', '101002'], 0)
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from . import model
from .amounts import InconsistentTotalError, balance_rounding, round_half_up
from .layout import COPIES_KEY, DEPARTMENT_KEY, INDICATORS_KEY, Cell, build_layout, sheet_copy_id
from .read.refs import column_letters
from .targets import parse_target
from .templates import LoadedTemplate

Kind = Literal["code", "name", "project", "text", "money", "date", "longtext", "level1", "level2",
               "indicator", "target", "weight", "unit", "direction"]
Severity = Literal["error", "warning"]
Table = Literal["单位", "指标", "项目"]

#: Header fields that carry the department's name (every sheet's copy is pre-filled).
NAME_KEYS = ("department", "unit", "dept_name")
#: Header field keys that make a self-evaluation sheet a project sheet (one copy per project).
PROJECT_KEY = "project"
_WAN = "万元"
_YUAN = "元"
_EXAMPLE_PREFIX = "示例"
_MONEY_DIGITS = 2


@dataclass(frozen=True)
class Column:
    """One column of an input table: its header and what it fills."""

    header: str
    kind: Kind
    key: str = ""  # the cell's key inside its sheet (``fund_basic_budget``); "" for identity columns
    sheet: str = ""  # the sheet id (``zt``), or the project sheet spec id (``xm``)
    required: bool = False
    max_length: int | None = None
    note: str = ""  # the input prompt init-data writes
    example: Any = None

    @property
    def money(self) -> bool:
        return self.kind == "money"


@dataclass(frozen=True)
class DataProblem:
    """A problem in the input data, located by file, sheet, row and column.

    ``str()`` is one line a finance officer can act on::

        departments.xlsx 单位!D17 D104 “基本支出 全年预算数” 应为数字，不是“待定” (not a number: '待定')
    """

    code: str
    severity: Severity
    message_zh: str
    message_en: str
    file: str = ""
    table: str = ""
    row: int = 0
    column: str = ""  # letter
    header: str = ""
    department: str = ""

    @property
    def where(self) -> str:
        loc = self.file or self.department
        if self.table:
            loc += f" {self.table}"
        if self.row:
            loc += f"!{self.column}{self.row}" if self.column else f" 第{self.row}行"
        return loc

    def __str__(self) -> str:
        return f"{self.where} {self.code} {self.message_zh} ({self.message_en})"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "file": self.file, "table": self.table,
                "row": self.row, "column": self.column, "header": self.header, "department": self.department,
                "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass
class Department:
    """One department's pre-fill, ready for ``build_template(..., prefill=d.prefill)``."""

    code: str
    name: str
    row: int
    prefill: dict[str, Any]
    ok: bool = True


@dataclass
class Dataset:
    """Everything read from the input tables."""

    departments: list[Department] = field(default_factory=list)
    problems: list[DataProblem] = field(default_factory=list)

    @property
    def buildable(self) -> list[Department]:
        return [d for d in self.departments if d.ok]

    @property
    def errors(self) -> list[DataProblem]:
        return [p for p in self.problems if p.severity == "error"]


# ---------------------------------------------------------------------------- the schema


def _norm(text: str) -> str:
    """Header text compared loosely: width, spaces, brackets, markers and case ignored."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = re.sub(r"\s+", "", t).replace("*", "").replace("：", ":").rstrip(":")
    return re.sub(r"\([ab]\)", "", t)  # 全年预算数(A) is 全年预算数


def _split_unit(header: str) -> tuple[str, str | None]:
    """``基本支出 全年预算数(A)（元）`` -> (``基本支出 全年预算数(A)``, ``元``)."""
    m = re.search(r"[(（]\s*(万元|元)\s*[)）]\s*$", header)
    if m:
        return header[: m.start()].rstrip(), m.group(1)
    return header, None


def _level_key(name: str) -> str:
    """一级/二级指标 names compared without spaces and a trailing 指标 (数量 = 数量指标)."""
    n = _norm(name)
    return n[:-2] if n.endswith("指标") and len(n) > 2 else n


@dataclass
class DataSchema:
    """The input tables' columns for one template, derived from its layout.

    >>> schema = DataSchema.for_template(load_template("guizhou-zhengti"))  # doctest: +SKIP
    >>> [c.header for c in schema.departments][:3]                         # doctest: +SKIP
    ['单位编码', '单位名称', '单位(盖章)']
    """

    template: LoadedTemplate
    departments: list[Column]
    indicators: list[Column]
    projects: list[Column]
    #: sheet id -> {(level1 key, level2 key): (level1 name, level2 name)}
    levels: dict[str, dict[tuple[str, str], tuple[str, str]]]
    #: sheet id that takes indicators without a 项目名称 (the department's own form)
    main_sheet: str | None
    project_spec: str | None  # the project sheet spec id (``xm``)
    project_count: int  # copies the template has (at least this many sheets are made)
    #: (sheet id or project spec id, total key, part keys) money groups balanced together
    sum_groups: list[tuple[str, str, list[str]]]
    name_targets: list[str]  # defined names filled with the department's name

    @classmethod
    def for_template(cls, lt: LoadedTemplate) -> DataSchema:
        t = lt.template
        layout = build_layout(lt)
        project_spec = next((s for s in t.sheets if isinstance(s, model.SelfEvaluationSheet)
                             and any(f.key == PROJECT_KEY for f in s.header)), None)
        project_sids: set[str] = set()
        first_project = None
        if project_spec is not None:
            project_sids = {sheet_copy_id(project_spec.id, n, project_spec.count)
                            for n in range(1, project_spec.count + 1)}
            first_project = sheet_copy_id(project_spec.id, 1, project_spec.count)

        dept_cols: list[Column] = [
            Column("单位编码", "code", required=True, note="单位编码，每个单位唯一；生成的表格以“编码_名称”命名。",
                   example=f"{_EXAMPLE_PREFIX}001"),
            Column("单位名称", "name", required=True, max_length=100, note="单位全称，填入各表的单位名称栏。",
                   example="某某县农业农村局"),
        ]
        proj_cols: list[Column] = [
            Column("单位编码", "code", required=True, note="项目所属单位的编码（与“单位”表一致）。",
                   example=f"{_EXAMPLE_PREFIX}001"),
            Column("项目名称", "project", required=True, max_length=200, note="每行一个项目，按顺序填入项目表1、2、3……",
                   example="农村人居环境整治项目"),
        ]
        name_targets: list[str] = []
        levels: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
        main_sheet = None
        for s in layout.sheets:
            if s.level2_names and s.id not in project_sids:
                main_sheet = main_sheet or s.id
            if s.level2_names and (s.id not in project_sids or s.id == first_project):
                sid = project_spec.id if s.id in project_sids and project_spec else s.id
                levels[sid] = {(_level_key(a), _level_key(b)): (a, b) for a, b in sorted(s.level2_names)}
            if s.id in project_sids and s.id != first_project:
                continue
            cols = proj_cols if s.id in project_sids else dept_cols
            for cell in s.cells:
                if cell.role != "input" or not cell.name:
                    continue
                key = cell.name[len(s.id) + 1:]
                column = _data_column(cell, key, s.id if s.id not in project_sids else project_spec.id,  # type: ignore[union-attr]
                                      project=s.id in project_sids)
                if column is None:
                    continue
                if column.kind == "name":
                    name_targets.append(cell.name)
                    continue
                cols.append(column)
        _qualify_duplicates(dept_cols, layout)
        _qualify_duplicates(proj_cols, layout)

        ind_cols = [
            Column("单位编码", "code", required=True, example=f"{_EXAMPLE_PREFIX}001",
                   note="指标所属单位的编码。"),
            Column("项目名称", "project", max_length=200, example="",
                   note="项目指标填项目名称（与“项目”表一致）；部门整体指标留空。"),
            Column("一级指标", "level1", required=True, example="产出指标", note="如 产出指标、效益指标、满意度指标。"),
            Column("二级指标", "level2", required=True, example="数量指标", note="如 数量指标、质量指标、时效指标。"),
            Column("三级指标", "indicator", required=True, max_length=200, example="培训人次",
                   note="指标名称。"),
            Column("年度指标值", "target", required=True, max_length=200, example="≥300人次",
                   note="按申报时的写法填写，如 ≥300份、不低于95%、≤50万元；无法识别为数值的按定性指标处理。"),
            Column("分值", "weight", required=True, example=5, note="该三级指标的分值（数字）。"),
        ]
        groups: list[tuple[str, str, list[str]]] = []
        for spec in t.sheets:
            if isinstance(spec, model.SelfEvaluationSheet):
                for check in spec.funds.sum_checks:
                    for col in check.columns:
                        groups.append((spec.id, f"fund_{check.total}_{col}",
                                       [f"fund_{p}_{col}" for p in check.parts]))
        return cls(lt, dept_cols, ind_cols, proj_cols if project_spec else [], levels, main_sheet,
                   project_spec.id if project_spec else None, project_spec.count if project_spec else 0,
                   groups, name_targets)

    def table(self, which: Table) -> list[Column]:
        return {"单位": self.departments, "指标": self.indicators, "项目": self.projects}[which]


def _data_column(cell: Cell, key: str, sheet: str, *, project: bool) -> Column | None:
    """The input-table column for a form input, or None when the bureau does not pre-fill it."""
    if key.startswith("ind") and key[3:4].isdigit():
        return None  # indicator rows come from the 指标 table
    if key in NAME_KEYS and not project:
        return Column(cell.label, "name", key, sheet)
    if key == PROJECT_KEY and project:
        return None  # the 项目名称 identity column
    if cell.value_type == "money":
        header = cell.label if _split_unit(cell.label)[1] else f"{cell.label}（{_WAN}）"
        return Column(header, "money", key, sheet,
                      note="金额；表头写“（万元）”时按万元填写，写“（元）”时按元填写并自动换算为万元（两位小数，舍位平衡）。",
                      example=None)
    if key == "goal_expected":
        return Column(cell.label, "longtext", key, sheet, max_length=cell.max_length, note="年初申报的年度绩效目标。")
    if cell.value_type == "text":
        return Column(cell.label, "text", key, sheet, max_length=cell.max_length)
    return None  # actuals, dates, scores, conclusions: the department fills those


def _qualify_duplicates(cols: list[Column], layout: Any) -> None:
    """Headers that repeat across sheets get the sheet's name in front (基础数据表·联系电话)."""
    keys = [_norm(_split_unit(c.header)[0]) for c in cols]
    names = {s.id: s.name for s in layout.sheets}
    for i, c in enumerate(cols):
        if c.sheet and keys.count(keys[i]) > 1:
            sheet_name = names.get(c.sheet) or names.get(f"{c.sheet}1", c.sheet)
            cols[i] = Column(f"{sheet_name}·{c.header}", c.kind, c.key, c.sheet, c.required, c.max_length,
                             c.note, c.example)


# ---------------------------------------------------------------------------- reading tables


@dataclass
class RawTable:
    """Rows of one table as read: cell values by 1-based column index, with row numbers."""

    file: str
    name: str  # the sheet name ("" for CSV)
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]


class DataFileError(Exception):
    """The input file as a whole cannot be read (its problem says why)."""

    def __init__(self, problem: DataProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _read_csv(path: Path) -> list[RawTable]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise DataFileError(DataProblem("D001", "error", "无法识别文件编码，请另存为 UTF-8 CSV", "unknown encoding",
                                        str(path)))
    # The delimiter is read from the header line only: csv.Sniffer guesses the quoting from
    # the data and is fooled by a quoted cell such as "=HYPERLINK(""http://x"",""点击"")".
    header = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=header.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return [_table(str(path), "", [(i + 1, r) for i, r in enumerate(rows)])]


def _read_xlsx(path: Path) -> list[RawTable]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DataFileError(DataProblem("D001", "error", "无法打开此 Excel 文件，请确认是 .xlsx 格式且未加密",
                                        f"cannot open workbook: {exc}", str(path))) from None
    try:
        tables = []
        for ws in wb.worksheets:
            rows = [(i + 1, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True))]
            tables.append(_table(str(path), ws.title, rows))
        return tables
    finally:
        wb.close()


def _table(file: str, name: str, rows: list[tuple[int, list[Any]]]) -> RawTable:
    """Find the header row (the first of the first 10 rows naming 单位编码) and the data below."""
    header_at = 0
    for idx, (_, cells) in enumerate(rows[:10]):
        if any(isinstance(c, str) and _norm(c) in _CODE_ALIASES for c in cells):
            header_at = idx
            break
    headers = ["" if c is None else str(c) for c in rows[header_at][1]] if rows else []
    data = [(n, cells) for n, cells in rows[header_at + 1:]
            if any(c is not None and str(c).strip() for c in cells)]
    return RawTable(file, name, rows[header_at][0] if rows else 1, headers, data)


def read_tables(path: str | Path) -> list[RawTable]:
    """Every table in a .xlsx (one per sheet) or .csv file; DataFileError when unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise DataFileError(DataProblem("D001", "error", "文件不存在", "no such file", str(path)))
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    hint = "请在 Excel/WPS 中另存为 .xlsx 或 .csv" if suffix in (".xls", ".et", ".ods") else "只支持 .xlsx 和 .csv"
    raise DataFileError(DataProblem("D001", "error", f"不支持的文件类型 {suffix or '(无扩展名)'}，{hint}",
                                    f"unsupported file type {suffix!r}: save as .xlsx or .csv", str(path)))


_CODE_ALIASES = {"单位编码", "单位代码", "编码", "预算单位编码", "部门编码"}
_ALIASES: dict[Kind, set[str]] = {
    "code": _CODE_ALIASES,
    "name": {"单位名称", "预算单位名称", "部门名称", "部门(单位)名称", "单位"},
    "project": {"项目名称", "项目"},
    "level1": {"一级指标"},
    "level2": {"二级指标"},
    "indicator": {"三级指标", "指标名称", "三级指标名称"},
    "target": {"年度指标值", "指标值", "年度目标值", "目标值"},
    "weight": {"分值", "权重", "指标分值"},
}


def _classify(table: RawTable) -> Table | None:
    """Which table a sheet holds, from its name or, failing that, its headers."""
    name = _norm(table.name)
    for which in ("指标", "项目", "单位"):
        if which in name:
            return which  # type: ignore[return-value]
    heads = {_norm(h) for h in table.headers}
    if heads & _ALIASES["indicator"]:
        return "指标"
    if heads & _ALIASES["project"] and not heads & _ALIASES["name"]:
        return "项目"
    if heads & _CODE_ALIASES:
        return "单位"
    return None


# ---------------------------------------------------------------------------- values


class _Bad(Exception):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _decimal(value: Any, what: str) -> Decimal | None:
    """A number cell: numbers, or text that is only a number (full-width and 1,234.5 allowed)."""
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bool):
        raise _Bad("D104", f"“{what}”应为数字，不是逻辑值", f"{what}: a boolean is not a number")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Bad("D104", f"“{what}”应为数字", f"{what}: not a finite number")
        return Decimal(str(value))
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    if text.startswith("="):
        raise _Bad("D104", f"“{what}”是公式“{value}”，请复制后“粘贴为数值”",
                   f"{what}: a formula {value!r}; paste it as a value")
    if not _NUM.match(text):
        raise _Bad("D104", f"“{what}”应为数字，不是“{value}”（单位写在表头，不要写在单元格里）",
                   f"{what}: not a number: {value!r}")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise _Bad("D104", f"“{what}”应为数字", f"{what}: not a number: {value!r}") from None


# ---------------------------------------------------------------------------- reading the data set


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
        by_header[_norm(_split_unit(c.header)[0])] = c
        if c.key:
            by_header[_norm(c.key)] = c
            by_header[_norm(f"{c.sheet}_{c.key}")] = c
        for alias in _ALIASES.get(c.kind, ()) if not c.key else ():
            by_header.setdefault(_norm(alias), c)
    bound: dict[int, tuple[Column, str | None]] = {}
    seen: set[str] = set()
    for i, header in enumerate(table.headers):
        if not header.strip():
            continue
        base, unit = _split_unit(header)
        col = by_header.get(_norm(base))
        letter = column_letters(i + 1)
        if col is None:
            close = difflib.get_close_matches(_norm(base), [_norm(_split_unit(c.header)[0]) for c in columns], n=1)
            hint = f"，是否应为“{close[0]}”？" if close else ""
            problems.append(DataProblem("D003", "warning", f"表头“{header}”不是此模板的列，已忽略{hint}",
                                        f"unknown column {header!r} ignored", table.file, table.name or which,
                                        table.header_row, letter, header))
            continue
        if col.header in seen:
            problems.append(DataProblem("D004", "error", f"列“{header}”重复，只读取第一列",
                                        f"column {header!r} appears twice; only the first is read",
                                        table.file, table.name or which, table.header_row, letter, header))
            continue
        seen.add(col.header)
        if unit is not None and not col.money:
            unit = None
        bound[i] = (col, unit or (_WAN if col.money else None))
    missing = [c.header for c in columns if c.required and c.header not in seen]
    if missing:
        raise DataFileError(DataProblem(
            "D002", "error", f"{which}表缺少必需的列：{'、'.join(missing)}（可用 jixiao init-data 生成带表头的空表）",
            f"{which} table lacks required column(s): {', '.join(missing)}", table.file, table.name or which,
            table.header_row))
    return _Bound(table, bound)


def read_dataset(schema: DataSchema, path: str | Path, *, indicators: str | Path | None = None,
                 projects: str | Path | None = None) -> Dataset:
    """Read the department table (and indicator/project tables) into pre-fills.

    ``path`` is a .xlsx holding the 单位 sheet (and optionally 指标 and 项目 sheets) or a
    .csv of departments; ``indicators``/``projects`` name separate files for those tables.
    Raises :class:`DataFileError` only when a file as a whole cannot be used; every row
    problem is in ``Dataset.problems``.
    """
    tables: dict[Table, RawTable] = {}
    problems: list[DataProblem] = []
    for source, wanted in ((path, None), (indicators, "指标"), (projects, "项目")):
        if source is None:
            continue
        for t in read_tables(source):
            which = wanted or _classify(t)
            if which is None or which in tables and wanted is None:
                continue
            if which == "项目" and not schema.projects:
                problems.append(DataProblem("D005", "warning", "此模板没有项目表，“项目”表已忽略",
                                            "the template has no project sheet; table ignored", t.file, t.name))
                continue
            tables[which] = t
    if "单位" not in tables:
        raise DataFileError(DataProblem("D002", "error", "找不到“单位”表（表头须有“单位编码”“单位名称”）",
                                        "no department table (headers 单位编码, 单位名称)", str(path)))
    reader = _Reader(schema, problems)
    reader.departments(_bind(tables["单位"], schema.departments, "单位", problems))
    if "项目" in tables:
        reader.projects(_bind(tables["项目"], schema.projects, "项目", problems))
    if "指标" in tables:
        reader.indicators(_bind(tables["指标"], schema.indicators, "指标", problems))
    return reader.finish()


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

    def problem(self, bound: _Bound, row: int, pos: int, code: str, severity: Severity, zh: str, en: str,
                department: str = "") -> None:
        t = bound.table
        header = t.headers[pos] if 0 <= pos < len(t.headers) else ""
        self.problems.append(DataProblem(code, severity, zh, en, t.file, t.name or "", row,
                                         column_letters(pos + 1) if pos >= 0 else "", header, department))

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
                    amount = _decimal(raw, header)
                    if amount is None:
                        continue
                    if amount < 0:
                        raise _Bad("D105", f"“{header}”不能为负数（{raw}）", f"{header}: negative amount {raw}")
                    money[name] = (pos, amount, unit or _WAN)
                else:
                    text = _text(raw)
                    if not text:
                        continue
                    self._check_text(bound, n, pos, col, text, code)
                    out[name] = text
            except _Bad as bad:
                ok = False
                self.problem(bound, n, pos, bad.code, "error", bad.zh, bad.en, code)
        out.update(self._money(bound, n, money, sheet_of, code))
        return out if ok else None

    def _check_text(self, bound: _Bound, n: int, pos: int, col: Column, text: str, code: str) -> None:
        header = bound.table.headers[pos]
        if col.max_length and len(text) > col.max_length:
            raise _Bad("D107", f"“{header}”超过 {col.max_length} 个字", f"{header}: longer than {col.max_length}")
        if text[:1] in ("=", "+", "@") or text[:1] == "-" and len(text) > 1 and not text[1:2].isdigit():
            self.problem(bound, n, pos, "D108", "warning",
                         f"“{header}”以“{text[:1]}”开头，像公式；已按纯文本写入表格",
                         f"{header}: {text!r} looks like a formula; written as plain text", code)

    def _money(self, bound: _Bound, n: int, money: dict[str, tuple[int, Decimal, str]], sheet_of: Any,
               code: str) -> dict[str, float]:
        """万元 values: 元 columns converted, balanced within each sum group, adjustments reported."""
        out: dict[str, Decimal] = {}
        done: set[str] = set()
        for sheet, total, parts in self.schema.sum_groups:
            sid = sheet_of(sheet)
            names = [f"{sid}_{total}", *(f"{sid}_{p}" for p in parts)]
            if not all(x in money and money[x][2] == _YUAN for x in names) or any(x in done for x in names[1:]):
                continue
            amounts = [money[x][1] for x in names]
            try:
                result = balance_rounding(amounts[1:], amounts[0])
            except InconsistentTotalError as exc:
                pos = money[names[0]][0]
                self.problem(bound, n, pos, "D302", "warning",
                             f"各分项合计 {exc.parts_sum} 元与总额 {exc.total} 元不一致（差 {exc.difference} 元），"
                             "按各自金额换算，表格自检会提示", f"parts add up to {exc.parts_sum}, total is {exc.total}",
                             code)
                done.update(names)  # reported once, in 元
                continue
            out[names[0]] = result.total
            for i, value in enumerate(result.parts):
                out[names[i + 1]] = value
            for adj in result.adjustments:
                part = names[adj.index + 1]
                pos = money[part][0]
                self.problem(bound, n, pos, "D301", "warning",
                             f"舍位平衡：{bound.table.headers[pos]} 换算为 {adj.after} 万元（四舍五入为 {adj.before}），"
                             "使各分项之和等于合计", f"balanced rounding: {adj.before} -> {adj.after} 万元", code)
            done.update(names)
        for name, (pos, amount, unit) in money.items():
            if name in out:
                continue
            wan = amount / Decimal(10000) if unit == _YUAN else amount
            rounded = round_half_up(wan, _MONEY_DIGITS)
            if unit == _WAN and rounded != wan:
                self.problem(bound, n, pos, "D303", "warning",
                             f"“{bound.table.headers[pos]}”{amount} 超过两位小数，已四舍五入为 {rounded} 万元",
                             f"{amount} rounded to {rounded} 万元", code)
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
                self.problem(bound, n, pos, "D302", "warning",
                             f"分项合计 {out[names[0]] + gap} 万元与“{bound.table.headers[pos]}”{out[names[0]]} 万元不一致"
                             f"（差 {gap}），表格自检会提示", f"parts add up to {out[names[0]] + gap}, "
                             f"total is {out[names[0]]} (difference {gap})", code)
        return {k: float(v) for k, v in out.items()}

    # -- the three tables

    def departments(self, bound: _Bound) -> None:
        codes: dict[str, list[int]] = {}
        rows: list[tuple[int, list[Any], str]] = []
        for n, cells in bound.table.rows:
            pos, raw = bound.cell(cells, "code")
            code = _text(raw)
            if code.startswith(_EXAMPLE_PREFIX):
                continue  # init-data's example row
            if not code:
                self.problem(bound, n, pos, "D101", "error", "缺少单位编码", "missing 单位编码")
                continue
            codes.setdefault(code, []).append(n)
            rows.append((n, cells, code))
        for n, cells, code in rows:
            pos, _ = bound.cell(cells, "code")
            if len(codes[code]) > 1:
                others = "、".join(str(r) for r in codes[code] if r != n)
                self.problem(bound, n, pos, "D102", "error", f"单位编码 {code} 重复（另见第 {others} 行），无法确定用哪一行",
                             f"duplicate 单位编码 {code} (also row {others})", code)
                continue
            npos, raw_name = bound.cell(cells, "name")
            name = _text(raw_name)
            ok = True
            if not name:
                self.problem(bound, n, npos, "D103", "error", "缺少单位名称", "missing 单位名称", code)
                ok = False
            else:
                try:
                    self._check_text(bound, n, npos, bound.columns[npos][0], name, code)
                except _Bad as bad:  # D107: longer than the column's max_length
                    self.problem(bound, n, npos, bad.code, "error", bad.zh, bad.en, code)
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
        code = _text(raw)
        if code.startswith(_EXAMPLE_PREFIX):
            return None
        dept = self.by_code.get(code)
        if dept is None:
            if code in self.known_codes:  # the department row itself is bad: already reported
                return None
            self.problem(bound, n, pos, "D201", "error",
                         f"单位编码“{code}”不在“单位”表中" if code else "缺少单位编码",
                         f"单位编码 {code!r} is not in the department table", code)
            return None
        return dept

    def _fail(self, dept: Department, where: str) -> None:
        dept.ok = False
        self.failed_rows.setdefault(dept.code, []).append(where)

    def projects(self, bound: _Bound) -> None:
        assert self.schema.project_spec is not None
        # Count first: whether project 1 is sheet "xm" or "xm1" depends on how many there are.
        for _, cells in bound.table.rows:
            code, title = _text(bound.cell(cells, "code")[1]), _text(bound.cell(cells, "project")[1])
            if code in self.by_code and title:
                self.project_total[code] = self.project_total.get(code, 0) + 1
        for n, cells in bound.table.rows:
            dept = self._owner(bound, n, cells)
            if dept is None:
                continue
            pos, raw = bound.cell(cells, "project")
            title = _text(raw)
            mine = self.projects_of.setdefault(dept.code, [])
            if not title:
                self.problem(bound, n, pos, "D204", "error", "缺少项目名称", "missing 项目名称", dept.code)
                self._fail(dept, f"项目表第 {n} 行")
                continue
            if title in mine:
                self.problem(bound, n, pos, "D206", "error", f"项目“{title}”重复", f"duplicate project {title!r}",
                             dept.code)
                self._fail(dept, f"项目表第 {n} 行")
                continue
            if len(mine) >= 50:
                self.problem(bound, n, pos, "D206", "error", "一个单位最多 50 个项目", "at most 50 projects", dept.code)
                self._fail(dept, f"项目表第 {n} 行")
                continue
            mine.append(title)
            index = len(mine)
            sid = self._project_sid(index, dept.code)
            values = self._values(bound, n, cells, lambda _spec, sid=sid: sid, dept.code)
            if values is None:
                self._fail(dept, f"项目表第 {n} 行")
                continue
            dept.prefill[f"{sid}_{PROJECT_KEY}"] = title
            dept.prefill.update(values)

    def _project_sid(self, index: int, code: str) -> str:
        """Sheet id of the department's ``index``-th project: the layout's own naming rule."""
        count = max(self.schema.project_count, self.project_total.get(code, 0))
        return sheet_copy_id(self.schema.project_spec or "", index, count)

    def indicators(self, bound: _Bound) -> None:
        for n, cells in bound.table.rows:
            dept = self._owner(bound, n, cells)
            if dept is None:
                continue
            if not self._indicator(bound, n, cells, dept):
                self._fail(dept, f"指标表第 {n} 行")

    def _indicator(self, bound: _Bound, n: int, cells: list[Any], dept: Department) -> bool:
        ppos, raw_project = bound.cell(cells, "project")
        project = _text(raw_project)
        if project:
            titles = self.projects_of.get(dept.code, [])
            if project not in titles:
                self.problem(bound, n, ppos, "D207", "error", f"项目“{project}”不在该单位的“项目”表中",
                             f"project {project!r} is not in the project table", dept.code)
                return False
            sheet_key, sid = self.schema.project_spec, self._project_sid(titles.index(project) + 1, dept.code)
        else:
            if self.schema.main_sheet is None:
                self.problem(bound, n, ppos, "D207", "error", "此模板只有项目表，请填写项目名称",
                             "this template has only project sheets: give 项目名称", dept.code)
                return False
            sheet_key = sid = self.schema.main_sheet
        levels = self.schema.levels.get(sheet_key or "", {})
        p1, l1 = bound.cell(cells, "level1")
        p2, l2 = bound.cell(cells, "level2")
        found = levels.get((_level_key(_text(l1)), _level_key(_text(l2))))
        if found is None:
            choices = "、".join(f"{a}/{b}" for a, b in levels.values())
            self.problem(bound, n, p2 if any(k[0] == _level_key(_text(l1)) for k in levels) else p1, "D202", "error",
                         f"“{_text(l1)}/{_text(l2)}”不是表格中的一级/二级指标（可选：{choices}）",
                         f"unknown level1/level2 {_text(l1)}/{_text(l2)}", dept.code)
            return False
        pn, raw_name = bound.cell(cells, "indicator")
        name = _text(raw_name)
        if not name:
            self.problem(bound, n, pn, "D204", "error", "缺少三级指标名称", "missing 三级指标", dept.code)
            return False
        pw, raw_weight = bound.cell(cells, "weight")
        try:
            weight = _decimal(raw_weight, "分值")
        except _Bad:
            weight = None
        if weight is None or weight <= 0 or weight > 100:
            self.problem(bound, n, pw, "D106", "error", f"分值应为大于 0 的数字，不是“{_text(raw_weight)}”",
                         f"weight must be a number > 0, not {raw_weight!r}", dept.code)
            return False
        pt, raw_target = bound.cell(cells, "target")
        entry: dict[str, Any] = {"level1": found[0], "level2": found[1], "name": name, "weight": float(weight)}
        entry.update(self._target(bound, n, pt, raw_target, found[1], dept.code))
        dept.prefill.setdefault(INDICATORS_KEY, {}).setdefault(sid, []).append(entry)
        return True

    def _target(self, bound: _Bound, n: int, pos: int, raw: Any, level2: str, code: str) -> dict[str, Any]:
        """direction, target and unit of a declared target; qualitative when it is not one number."""
        bare = "<=" if "成本" in level2 else ">="
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return {"direction": "≤" if bare == "<=" else "≥", "target": float(raw), "unit": ""}
        text = _text(raw)
        if not text:
            return {"direction": "定性", "target": None, "unit": ""}
        t = parse_target(text, bare_direction=bare)
        if not t.is_quantitative:
            self.problem(bound, n, pos, "D203", "warning",
                         f"年度指标值“{text}”按定性指标处理：{_REASONS_ZH.get(t.kind, '无法识别为单一数值')}",
                         f"target {text!r} is qualitative: {t.reason}", code)
            return {"direction": "定性", "target": text, "unit": ""}
        direction = {">=": "≥", "<=": "≤", "=": "="}[t.direction]
        value = t.value / 100 if t.percent else t.value  # type: ignore[operator]
        return {"direction": direction, "target": float(value), "unit": "%" if t.percent else t.unit}

    def finish(self) -> Dataset:
        for dept in self.order:
            copies = len(self.projects_of.get(dept.code, []))
            if copies > self.schema.project_count and self.schema.project_spec:
                dept.prefill[COPIES_KEY] = {self.schema.project_spec: copies}
            if not dept.ok:
                where = "、".join(self.failed_rows.get(dept.code, []))
                self.problems.append(DataProblem(
                    "D401", "error", f"{dept.code} {dept.name}：{where}有错误，未生成表格",
                    f"{dept.code}: not built because of errors in {where}", department=dept.code))
        return Dataset(self.order, self.problems)


def read_roster(path: str | Path) -> list[tuple[str, str]]:
    """(单位编码, 单位名称) of every department row of a 单位 table, in file order.

    The roster ``jixiao status --departments`` compares the archive with; any template's
    department table (or a two-column list) will do. Rows without a code and init-data's
    example row are skipped; DataFileError when no table has a 单位编码 column.

    >>> read_roster("单位数据.xlsx")[:1]  # doctest: +SKIP
    [('520001', '某某局')]
    """
    for table in read_tables(path):
        if _classify(table) != "单位":
            continue
        heads = [_norm(h) for h in table.headers]
        code_at = next(i for i, h in enumerate(heads) if h in _CODE_ALIASES)
        name_at = next((i for i, h in enumerate(heads) if h in _ALIASES["name"]), None)
        roster: list[tuple[str, str]] = []
        seen: set[str] = set()
        for _, cells in table.rows:
            code = _text(cells[code_at] if code_at < len(cells) else None)
            if not code or code.startswith(_EXAMPLE_PREFIX) or code in seen:
                continue
            seen.add(code)
            name = _text(cells[name_at]) if name_at is not None and name_at < len(cells) else ""
            roster.append((code, name))
        return roster
    raise DataFileError(DataProblem("D002", "error", "找不到“单位”表（表头须有“单位编码”）",
                                    "no department table (header 单位编码)", str(path)))


_REASONS_ZH = {
    "empty": "未填写",
    "text": "没有数值",
    "date": "是日期或期限，不是数量",
    "multiple": "一个单元格里有多个数值或多项内容，计分公式只能用一个指标值",
    "approximate": "是约数（约、左右、余、多），没有确切的指标值",
    "conflict": "数值前后的方向（如 ≥ 与 以下）相互矛盾",
    "unclear": "有数值，但不是“方向+数值+单位”的写法",
}


def iter_columns(schema: DataSchema) -> Iterator[tuple[Table, list[Column]]]:
    """The tables init-data writes, in order (项目 only when the template has project sheets)."""
    yield "单位", schema.departments
    if schema.projects:
        yield "项目", schema.projects
    yield "指标", schema.indicators
