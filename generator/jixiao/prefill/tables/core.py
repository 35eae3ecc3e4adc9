"""What the input tables are made of: columns, problems, departments, and reading a cell's text or number."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ...codes import Message, Severity
from ...codes import data as D

Kind = Literal["code", "name", "project", "text", "money", "date", "longtext", "level1", "level2",
               "indicator", "target", "weight", "unit", "direction"]
Table = Literal["单位", "指标", "项目"]

#: Header fields that carry the department's name (every sheet's copy is pre-filled).
NAME_KEYS = ("department", "unit", "dept_name")
#: Header field keys that make a self-evaluation sheet a project sheet (one copy per project).
PROJECT_KEY = "project"
#: Projects one department may list (D206 beyond).
MAX_PROJECTS = 50
WAN = "万元"
YUAN = "元"
EXAMPLE_PREFIX = "示例"
MONEY_DIGITS = 2


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

    @classmethod
    def of(cls, message: Message, file: str = "", table: str = "", row: int = 0, column: str = "",
           header: str = "", department: str = "") -> DataProblem:
        """The problem a catalogue message describes, at its place."""
        return cls(message.code, message.severity, message.zh, message.en, file, table, row, column, header,
                   department)

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



def norm(text: str) -> str:
    """Header text compared loosely: width, spaces, brackets, markers and case ignored."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = re.sub(r"\s+", "", t).replace("*", "").replace("：", ":").rstrip(":")
    return re.sub(r"\([ab]\)", "", t)  # 全年预算数(A) is 全年预算数


def split_unit(header: str) -> tuple[str, str | None]:
    """``基本支出 全年预算数(A)（元）`` -> (``基本支出 全年预算数(A)``, ``元``)."""
    m = re.search(r"[(（]\s*(万元|元)\s*[)）]\s*$", header)
    if m:
        return header[: m.start()].rstrip(), m.group(1)
    return header, None


def level_key(name: str) -> str:
    """一级/二级指标 names compared without spaces and a trailing 指标 (数量 = 数量指标)."""
    n = norm(name)
    return n[:-2] if n.endswith("指标") and len(n) > 2 else n


class BadValue(Exception):
    """A cell whose value cannot be used, with its problem code and message."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message


def cell_text(value: Any) -> str:
    """A cell as text: stripped, NFC, a whole float without its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def cell_decimal(value: Any, what: str) -> Decimal | None:
    """A number cell: numbers, or text that is only a number (full-width and 1,234.5 allowed)."""
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bool):
        raise BadValue(D.D104_BOOL.format(what=what))
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadValue(D.D104_NOT_FINITE.format(what=what))
        return Decimal(str(value))
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    if text.startswith("="):
        raise BadValue(D.D104_FORMULA.format(what=what, value=value))
    if not _NUM.match(text):
        raise BadValue(D.D104_WITH_UNIT.format(what=what, value=value))
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise BadValue(D.D104.format(what=what, value=value)) from None
