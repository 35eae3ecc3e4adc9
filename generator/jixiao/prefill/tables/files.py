"""Reading the bureau's files: every table of a .xlsx or .csv, which table each is, the roster."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...codes import data as D
from .core import EXAMPLE_PREFIX, DataProblem, Kind, Table, cell_text, norm


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


#: Cells of a data workbook: a province (2,000 departments, their indicators) is ~200,000.
MAX_DATA_CELLS = 500_000
#: Columns of one table: the widest template's 单位 table has a few dozen.
MAX_COLUMNS = 300


def _read_csv(path: Path) -> list[RawTable]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise DataFileError(DataProblem.of(D.D001_ENCODING.format(), str(path)))
    # The delimiter is read from the header line only: csv.Sniffer guesses the quoting from
    # the data and is fooled by a quoted cell such as "=HYPERLINK(""http://x"",""点击"")".
    header = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[Any]]] = []
    line = 1
    try:
        for cells in reader:
            if any("\n" in c and delimiter in c for c in cells):  # an unclosed quote swallowed rows
                raise DataFileError(DataProblem.of(D.D001_CSV_QUOTE.format(line=line), str(path), row=line))
            rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        message = D.D001_CSV.format(line=reader.line_num, limit=csv.field_size_limit(), error=str(exc))
        raise DataFileError(DataProblem.of(message, str(path), row=reader.line_num)) from None
    return [_table(str(path), "", rows)]


def _read_xlsx(path: Path) -> list[RawTable]:
    """Every sheet through jixiao's own reader (bounded, never a third-party exception).

    A formula cell reads as its text with ``=`` (what the department typed), so a money
    column holding a formula is reported as such (D104) rather than taken at its cached value.
    """
    from ...read import UnreadableWorkbook, read_package

    try:
        pkg = read_package(path, max_cells=MAX_DATA_CELLS)
    except UnreadableWorkbook as exc:
        message = D.D001_UNREADABLE.format(code=exc.code, reason=exc.message_zh, reason_en=exc.message_en)
        raise DataFileError(DataProblem.of(message, str(path))) from None
    tables = []
    for sheet in pkg.sheets:
        by_row: dict[int, dict[int, Any]] = {}
        for cell in sheet.cells.values():
            value = "=" + cell.formula if cell.formula else cell.value
            if value is not None and value != "":
                by_row.setdefault(cell.row, {})[cell.col] = value
        rows = [(n, [cols.get(c) for c in range(1, max(cols) + 1)]) for n, cols in sorted(by_row.items())]
        tables.append(_table(str(path), sheet.name, rows))
    return tables


def _table(file: str, name: str, rows: list[tuple[int, list[Any]]]) -> RawTable:
    """Find the header row (the first of the first 10 rows naming 单位编码) and the data below.

    A table wider than :data:`MAX_COLUMNS` or with more than :data:`MAX_DATA_CELLS` cells
    is refused (D001) before any of it is interpreted.
    """
    widest = max((len(cells) for _, cells in rows), default=0)
    if widest > MAX_COLUMNS or sum(len(cells) for _, cells in rows) > MAX_DATA_CELLS:
        message = D.D001_TOO_BIG.format(max_columns=MAX_COLUMNS, max_cells=MAX_DATA_CELLS)
        raise DataFileError(DataProblem.of(message, file, name))
    header_at = 0
    for idx, (_, cells) in enumerate(rows[:10]):
        if any(isinstance(c, str) and norm(c) in _CODE_ALIASES for c in cells):
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
        raise DataFileError(DataProblem.of(D.D001_NO_FILE.format(), str(path)))
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    code = D.D001_LEGACY_TYPE if suffix in (".xls", ".et", ".ods") else D.D001_FILE_TYPE
    raise DataFileError(DataProblem.of(code.format(suffix=suffix or D.NO_SUFFIX), str(path)))


_CODE_ALIASES = {"单位编码", "单位代码", "编码", "预算单位编码", "部门编码"}
ALIASES: dict[Kind, set[str]] = {
    "code": _CODE_ALIASES,
    "name": {"单位名称", "预算单位名称", "部门名称", "部门(单位)名称", "单位"},
    "project": {"项目名称", "项目"},
    "level1": {"一级指标"},
    "level2": {"二级指标"},
    "indicator": {"三级指标", "指标名称", "三级指标名称"},
    "target": {"年度指标值", "指标值", "年度目标值", "目标值"},
    "weight": {"分值", "权重", "指标分值"},
    "direction": {"方向", "指标方向"},
}


def classify(table: RawTable) -> Table | None:
    """Which table a sheet holds, from its name or, failing that, its headers."""
    name = norm(table.name)
    for which in ("指标", "项目", "单位"):
        if which in name:
            return which  # type: ignore[return-value]
    heads = {norm(h) for h in table.headers}
    if heads & ALIASES["indicator"]:
        return "指标"
    if heads & ALIASES["project"] and not heads & ALIASES["name"]:
        return "项目"
    if heads & _CODE_ALIASES:
        return "单位"
    return None



def read_roster(path: str | Path) -> list[tuple[str, str]]:
    """(单位编码, 单位名称) of every department row of a 单位 table, in file order.

    The roster ``jixiao status --departments`` compares the archive with; any template's
    department table (or a two-column list) will do. Rows without a code and init-data's
    example row are skipped; DataFileError when no table has a 单位编码 column.

    >>> read_roster("departments.csv")
    [('101001', '甲局'), ('101002', '乙局')]
    """
    for table in read_tables(path):
        if classify(table) != "单位":
            continue
        heads = [norm(h) for h in table.headers]
        code_at = next(i for i, h in enumerate(heads) if h in _CODE_ALIASES)
        name_at = next((i for i, h in enumerate(heads) if h in ALIASES["name"]), None)
        roster: list[tuple[str, str]] = []
        seen: set[str] = set()
        for _, cells in table.rows:
            code = cell_text(cells[code_at] if code_at < len(cells) else None)
            if not code or code.startswith(EXAMPLE_PREFIX) or code in seen:
                continue
            seen.add(code)
            name = cell_text(cells[name_at]) if name_at is not None and name_at < len(cells) else ""
            roster.append((code, name))
        return roster
    raise DataFileError(DataProblem.of(D.D002_NO_ROSTER.format(), str(path)))
