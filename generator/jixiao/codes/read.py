"""``R`` codes: a file that cannot be read as a workbook (docs/guide.zh-CN.md, 核查结果的代码).

Nothing of such a file is trusted, so every R code is an error. The Chinese says what
happened and what the department should do; the English is for logs. ``detail_zh`` and
``detail_en`` (each already in brackets, see :func:`detail`) are optional: a detail that
is not known formats as nothing.
"""

from __future__ import annotations

from . import Code, entries

R001 = Code(
    "R001", "error",
    "无法打开该文件{detail_zh}。请确认提交的是完整的 .xlsx 文件后重新上传。",
    "The file cannot be opened{detail_en}.",
    (), ("detail_zh", "detail_en"),
)
R002 = Code(
    "R002", "error",
    "文件是空的（0 字节），可能在上传或复制时中断。请重新保存自评表后再提交。",
    "The file is empty (0 bytes).",
)
R003 = Code(
    "R003", "error",
    "该文件不是 Excel 工作簿，看起来是{kind_zh}。请用 Excel 或 WPS 打开下发的自评表，"
    "填写后保存为 .xlsx 文件再提交；网页、XML 或 CSV 格式的表格请打开后另存为 .xlsx。",
    "The file is not an Excel workbook; it looks like {kind_en}.",
    ("kind_zh", "kind_en"),
)
R004 = Code(
    "R004", "error",
    "文件已损坏或不完整，可能在下载、复制或传输时被截断。"
    "请用 Excel 或 WPS 重新打开原表，另存为 .xlsx 后再提交。",
    "The zip package is damaged or truncated{detail_en}.",
    (), ("detail_en",),
)
R005 = Code(
    "R005", "error",
    "工作簿设置了打开密码（文件已加密），系统无法读取。请在 Excel 或 WPS 中取消"
    "文件的打开密码（工作表保护可以保留），重新保存为 .xlsx 后再提交。",
    "The workbook is encrypted (password to open); it cannot be read.",
)
R006 = Code(
    "R006", "error",
    "这是旧版 Excel（.xls）或 WPS 表格（.et）格式的文件，系统只接收 .xlsx。"
    "请用 Excel 或 WPS 打开后另存为 .xlsx（Excel 工作簿）再提交。",
    "This is a legacy .xls / WPS .et (OLE) file; save it as .xlsx.",
)
R007 = Code(
    "R007", "error",
    "这是 OpenDocument 表格（.ods）文件，系统只接收 .xlsx。"
    "请用 WPS、Excel 或 LibreOffice 打开后另存为 .xlsx（Excel 工作簿）再提交。",
    "This is an OpenDocument spreadsheet (.ods); save it as .xlsx.",
)
R008 = Code(
    "R008", "error",
    "该文件是压缩包，但不是 Excel 工作簿，看起来是{kind_zh}。请提交填写好的自评表 .xlsx 文件。",
    "The zip package is not an .xlsx workbook (it looks like {kind_en}).",
    ("kind_zh", "kind_en"),
)
R009 = Code(
    "R009", "error",
    "文件解压后的体积或条目数异常{detail_zh}，可能是“压缩炸弹”，为安全起见已拒绝读取。"
    "请确认提交的是下发的自评表；如确有大量内容，请删除无关的工作表和数据后重新保存再提交。",
    "Decompression limits exceeded{detail_en}; refused as a possible zip bomb.",
    (), ("detail_zh", "detail_en"),
)
R010 = Code(
    "R010", "error",
    "文件内部含有不允许的 XML 结构（DOCTYPE 或实体声明）{detail_zh}，"
    "可能被其他程序改写或存在安全风险，已拒绝读取。"
    "请用 Excel 或 WPS 打开后重新另存为 .xlsx 再提交。",
    "Forbidden XML construct (DOCTYPE / entity declaration){detail_en}; refused.",
    (), ("detail_zh", "detail_en"),
)
R011 = Code(
    "R011", "error",
    "文件内部结构有误{detail_zh}，无法可靠读取。请用 Excel 或 WPS 打开该文件，"
    "确认内容无误后另存为 .xlsx 再提交。",
    "Malformed workbook package{detail_en}.",
    (), ("detail_zh", "detail_en"),
)
R012 = Code(
    "R012", "error",
    "工作簿内容过多（单元格超过 {max_cells} 个，或行、格式等元素过多），已停止读取。"
    "请删除多余的工作表、行或列（例如整列填充的格式或公式）后重新保存再提交。",
    "The workbook exceeds the budget of {max_cells} cells (or of XML elements).",
    ("max_cells",),
)
R013 = Code(
    "R013", "error",
    "工作表中的数据有效性、条件格式或合并单元格区域过多（超过 {max_ranges} 个）{detail_zh}，"
    "已停止读取。请删除多余的数据有效性、条件格式或合并单元格后重新保存再提交。",
    "More than {max_ranges} validation, conditional-format or merge ranges{detail_en}.",
    ("max_ranges",), ("detail_zh", "detail_en"),
)
R014 = Code(
    "R014", "error",
    "无法打开该文件：这不是普通文件，而是{kind_zh}。请提交填写好的自评表 .xlsx 文件。",
    "Not a regular file: {kind_en}; refused without opening it.",
    ("kind_zh", "kind_en"),
)
R015 = Code(
    "R015", "error",
    "工作簿隐藏的元数据表中的预填数据无效{detail_zh}，可能被其他程序改写，系统不按它读取。"
    "请使用财政局下发的自评表重新填写后提交。",
    "The pre-fill in the hidden metadata sheet is refused{detail_en}.",
    (), ("detail_zh", "detail_en"),
)
R016 = Code(
    "R016", "error",
    "没有找到要读取的报表文件{detail_zh}。请给出 .xlsx 文件，或含有 .xlsx 文件的文件夹。",
    "No returns found{detail_en}.",
    (), ("detail_zh", "detail_en"),
)
R098 = Code(
    "R098", "error",
    "jixiao 内部错误：{error}。请加 --debug 重新运行以查看详细信息，并联系技术支持。",
    "internal error: {error} (run again with --debug for the traceback)",
    ("error",),
)
R099 = Code(
    "R099", "error",
    "读取文件时发生意外错误。请联系财政局技术支持并提供该文件。",
    "Unexpected error while reading the package{detail_en}.",
    (), ("detail_en",),
)

ALL = entries(globals())
#: code -> its entry (one message per R code).
CODES: dict[str, Code] = {c.id: c for c in ALL}


def detail(zh: str, en: str) -> dict[str, str]:
    """The optional ``detail_zh``/``detail_en`` values: ``（zh）`` and `` (en)``."""
    return {"detail_zh": f"（{zh}）", "detail_en": f" ({en})"}
