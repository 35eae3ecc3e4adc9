"""Refusals of the reader: stable R codes with a Chinese message saying what to do.

:data:`CODES` is the catalogue; :class:`UnreadableWorkbook` is the only exception
:func:`jixiao.read.read_package` lets out; :class:`Refuse` is raised inside the reader
and turned into it at the top (the path is only known there).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MiB = 1024 * 1024

#: code -> (Chinese template, English template). Templates use ``{detail_zh}``,
#: ``{detail_en}`` (each already in brackets), ``{kind_zh}``, ``{kind_en}``, ``{max_cells}``;
#: a missing value formats as an empty string.
CODES: dict[str, tuple[str, str]] = {
    "R001": (
        "无法打开该文件{detail_zh}。请确认提交的是完整的 .xlsx 文件后重新上传。",
        "The file cannot be opened{detail_en}.",
    ),
    "R002": (
        "文件是空的（0 字节），可能在上传或复制时中断。请重新保存自评表后再提交。",
        "The file is empty (0 bytes).",
    ),
    "R003": (
        "该文件不是 Excel 工作簿，看起来是{kind_zh}。请用 Excel 或 WPS 打开下发的自评表，"
        "填写后保存为 .xlsx 文件再提交；网页、XML 或 CSV 格式的表格请打开后另存为 .xlsx。",
        "The file is not an Excel workbook; it looks like {kind_en}.",
    ),
    "R004": (
        "文件已损坏或不完整，可能在下载、复制或传输时被截断。"
        "请用 Excel 或 WPS 重新打开原表，另存为 .xlsx 后再提交。",
        "The zip package is damaged or truncated{detail_en}.",
    ),
    "R005": (
        "工作簿设置了打开密码（文件已加密），系统无法读取。请在 Excel 或 WPS 中取消"
        "文件的打开密码（工作表保护可以保留），重新保存为 .xlsx 后再提交。",
        "The workbook is encrypted (password to open); it cannot be read.",
    ),
    "R006": (
        "这是旧版 Excel（.xls）或 WPS 表格（.et）格式的文件，系统只接收 .xlsx。"
        "请用 Excel 或 WPS 打开后另存为 .xlsx（Excel 工作簿）再提交。",
        "This is a legacy .xls / WPS .et (OLE) file; save it as .xlsx.",
    ),
    "R007": (
        "这是 OpenDocument 表格（.ods）文件，系统只接收 .xlsx。"
        "请用 WPS、Excel 或 LibreOffice 打开后另存为 .xlsx（Excel 工作簿）再提交。",
        "This is an OpenDocument spreadsheet (.ods); save it as .xlsx.",
    ),
    "R008": (
        "该文件是压缩包，但不是 Excel 工作簿，看起来是{kind_zh}。请提交填写好的自评表 .xlsx 文件。",
        "The zip package is not an .xlsx workbook (it looks like {kind_en}).",
    ),
    "R009": (
        "文件解压后的体积或条目数异常{detail_zh}，可能是“压缩炸弹”，为安全起见已拒绝读取。"
        "请确认提交的是下发的自评表；如确有大量内容，请删除无关的工作表和数据后重新保存再提交。",
        "Decompression limits exceeded{detail_en}; refused as a possible zip bomb.",
    ),
    "R010": (
        "文件内部含有不允许的 XML 结构（DOCTYPE 或实体声明）{detail_zh}，"
        "可能被其他程序改写或存在安全风险，已拒绝读取。"
        "请用 Excel 或 WPS 打开后重新另存为 .xlsx 再提交。",
        "Forbidden XML construct (DOCTYPE / entity declaration){detail_en}; refused.",
    ),
    "R011": (
        "文件内部结构有误{detail_zh}，无法可靠读取。请用 Excel 或 WPS 打开该文件，"
        "确认内容无误后另存为 .xlsx 再提交。",
        "Malformed workbook package{detail_en}.",
    ),
    "R012": (
        "工作簿内容过多（单元格超过 {max_cells} 个，或行、格式等元素过多），已停止读取。"
        "请删除多余的工作表、行或列（例如整列填充的格式或公式）后重新保存再提交。",
        "The workbook exceeds the budget of {max_cells} cells (or of XML elements).",
    ),
    "R013": (
        "工作表中的数据有效性、条件格式或合并单元格区域过多（超过 {max_ranges} 个）{detail_zh}，"
        "已停止读取。请删除多余的数据有效性、条件格式或合并单元格后重新保存再提交。",
        "More than {max_ranges} validation, conditional-format or merge ranges{detail_en}.",
    ),
    "R014": (
        "无法打开该文件：这不是普通文件，而是{kind_zh}。请提交填写好的自评表 .xlsx 文件。",
        "Not a regular file: {kind_en}; refused without opening it.",
    ),
    "R099": (
        "读取文件时发生意外错误。请联系财政局技术支持并提供该文件。",
        "Unexpected error while reading the package{detail_en}.",
    ),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; nothing of it should be trusted.

    ``code`` is stable (see :data:`CODES`), ``message_zh`` says what happened and what
    the department should do, ``message_en`` is for logs.

    >>> err = UnreadableWorkbook("R002", "文件是空的", "The file is empty", Path("a.xlsx"))
    >>> str(err)
    'R002: 文件是空的 | The file is empty [a.xlsx]'
    """

    def __init__(
        self, code: str, message_zh: str, message_en: str, path: Path | None = None
    ) -> None:
        super().__init__(code, message_zh, message_en, path)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.path = path

    def __str__(self) -> str:
        where = f" [{self.path}]" if self.path is not None else ""
        return f"{self.code}: {self.message_zh} | {self.message_en}{where}"

    @classmethod
    def from_code(cls, code: str, path: Path | None = None, **context: Any) -> UnreadableWorkbook:
        """Build the error of ``code`` with its message templates filled from ``context``."""
        zh, en = CODES[code]
        ctx = _Blank(context)
        return cls(code, zh.format_map(ctx), en.format_map(ctx), path)


class Refuse(Exception):
    """Internal: raised deep inside the reader, turned into UnreadableWorkbook at the top."""

    def __init__(self, code: str, **context: Any) -> None:
        super().__init__(code, context)
        self.code = code
        self.context = context


def detail(zh: str, en: str) -> dict[str, str]:
    return {"detail_zh": f"（{zh}）", "detail_en": f" ({en})"}


def malformed(zh: str, en: str) -> Refuse:
    return Refuse("R011", **detail(zh, en))
