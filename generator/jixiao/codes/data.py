"""``D`` codes: problems in the department tables a bureau fills (docs/data.md, "Problems").

``D0…`` a file or table as a whole, ``D1…`` a 单位 row or a value, ``D2…`` an 指标 or 项目
row, ``D3…`` money converted or rounded (warnings), ``D4…`` a department not built.
"""

from __future__ import annotations

from . import Code, entries

# -- files and tables

D001_ENCODING = Code("D001", "error", "无法识别文件编码，请另存为 UTF-8 CSV", "unknown encoding")
D001_WORKBOOK = Code("D001", "error", "无法打开此 Excel 文件，请确认是 .xlsx 格式且未加密", "cannot open workbook: {error}",
                     ("error",))
D001_UNREADABLE = Code("D001", "error", "无法读取此 Excel 文件（{code}）：{reason}", "cannot read workbook ({code}): {reason_en}",
                       ("code", "reason", "reason_en"))
D001_CSV = Code("D001", "error", "CSV 文件第 {line} 行格式有误（引号不成对，或单元格超过 {limit} 个字符），请在 Excel/WPS 中"
                "打开后重新另存为 CSV", "malformed CSV at line {line} (unbalanced quote or a cell over {limit} characters): "
                "{error}", ("line", "limit", "error"))
D001_CSV_QUOTE = Code("D001", "error", "CSV 文件第 {line} 行的引号没有闭合，后面的行被并入了这一格，请检查该行的引号",
                      "unclosed quote at line {line}: the following rows were merged into one cell", ("line",))
D001_TOO_BIG = Code("D001", "error", "表格过大（超过 {max_columns} 列或 {max_cells} 个单元格），请删除多余的行列后重新保存",
                    "table over {max_columns} columns or {max_cells} cells", ("max_columns", "max_cells"))
D001_NO_FILE = Code("D001", "error", "文件不存在", "no such file")
D001_LEGACY_TYPE = Code("D001", "error", "不支持的文件类型 {suffix}，请在 Excel/WPS 中另存为 .xlsx 或 .csv",
                        "unsupported file type {suffix!r}: save as .xlsx or .csv", ("suffix",))
D001_FILE_TYPE = Code("D001", "error", "不支持的文件类型 {suffix}，只支持 .xlsx 和 .csv",
                      "unsupported file type {suffix!r}: save as .xlsx or .csv", ("suffix",))
#: How a file without an extension is named in D001.
NO_SUFFIX = "(无扩展名)"
D002_COLUMNS = Code("D002", "error", "{table}表缺少必需的列：{columns}（可用 jixiao init-data 生成带表头的空表）",
                    "{table} table lacks required column(s): {columns_en}", ("table", "columns", "columns_en"))
D002_NO_TABLE = Code("D002", "error", "找不到“单位”表（表头须有“单位编码”“单位名称”）",
                     "no department table (headers 单位编码, 单位名称)")
D002_NO_ROSTER = Code("D002", "error", "找不到“单位”表（表头须有“单位编码”）", "no department table (header 单位编码)")
D003 = Code("D003", "warning", "表头“{header}”不是此模板的列，已忽略", "unknown column {header!r} ignored", ("header",))
D003_GUESS = Code("D003", "warning", "表头“{header}”不是此模板的列，已忽略，是否应为“{guess}”？",
                  "unknown column {header!r} ignored; did you mean {guess!r}?", ("header", "guess"))
D004 = Code("D004", "error", "列“{header}”重复，只读取第一列", "column {header!r} appears twice; only the first is read",
            ("header",))
D005 = Code("D005", "warning", "此模板没有项目表，“项目”表已忽略", "the template has no project sheet; table ignored")

# -- department rows and values

D101 = Code("D101", "error", "缺少单位编码", "missing 单位编码")
D102 = Code("D102", "error", "单位编码 {code} 重复（另见第 {others} 行），无法确定用哪一行",
            "duplicate 单位编码 {code} (also row {others})", ("code", "others"))
D103 = Code("D103", "error", "缺少单位名称", "missing 单位名称")
D104_BOOL = Code("D104", "error", "“{what}”应为数字，不是逻辑值", "{what}: a boolean is not a number", ("what",))
D104_NOT_FINITE = Code("D104", "error", "“{what}”应为数字", "{what}: not a finite number", ("what",))
D104_FORMULA = Code("D104", "error", "“{what}”是公式“{value}”，请复制后“粘贴为数值”",
                    "{what}: a formula {value!r}; paste it as a value", ("what", "value"))
D104_WITH_UNIT = Code("D104", "error", "“{what}”应为数字，不是“{value}”（单位写在表头，不要写在单元格里）",
                      "{what}: not a number: {value!r}", ("what", "value"))
D104 = Code("D104", "error", "“{what}”应为数字", "{what}: not a number: {value!r}", ("what", "value"))
D105 = Code("D105", "error", "“{header}”不能为负数（{value}）", "{header}: negative amount {value}", ("header", "value"))
D106 = Code("D106", "error", "分值应为大于 0 的数字，不是“{value}”", "weight must be a number > 0, not {raw!r}",
            ("value", "raw"))
D107 = Code("D107", "error", "“{header}”超过 {max_length} 个字", "{header}: longer than {max_length}",
            ("header", "max_length"))
D108 = Code("D108", "warning", "“{header}”以“{first}”开头，像公式；已按纯文本写入表格",
            "{header}: {text!r} looks like a formula; written as plain text", ("header", "first", "text"))

# -- indicator and project rows

D201 = Code("D201", "error", "单位编码“{code}”不在“单位”表中", "单位编码 {code!r} is not in the department table",
            ("code",))
D201_NO_CODE = Code("D201", "error", "缺少单位编码", "missing 单位编码")
D202 = Code("D202", "error", "“{level1}/{level2}”不是表格中的一级/二级指标（可选：{choices}）",
            "unknown level1/level2 {level1}/{level2}", ("level1", "level2", "choices"))
D203 = Code("D203", "note", "年度指标值“{text}”按定性指标处理：{reason_zh}", "target {text!r} is qualitative: {reason}",
            ("text", "reason_zh", "reason"))
D205 = Code("D205", "error", "方向“{value}”无效，应为 ≥、≤、= 或 定性", "direction {value!r} is not ≥, ≤, = or 定性",
            ("value",))
D205_CONFLICT = Code("D205", "error", "方向“{direction}”与年度指标值“{text}”的写法不一致",
                     "direction {direction} contradicts target {text!r}", ("direction", "text"))
D204_PROJECT = Code("D204", "error", "缺少项目名称", "missing 项目名称")
D204_INDICATOR = Code("D204", "error", "缺少三级指标名称", "missing 三级指标")
D206 = Code("D206", "error", "项目“{title}”重复", "duplicate project {title!r}", ("title",))
D206_TOO_MANY = Code("D206", "error", "一个单位最多 {limit} 个项目", "at most {limit} projects", ("limit",))
D207 = Code("D207", "error", "项目“{project}”不在该单位的“项目”表中", "project {project!r} is not in the project table",
            ("project",))
D207_NEEDED = Code("D207", "error", "此模板只有项目表，请填写项目名称", "this template has only project sheets: give 项目名称")

# -- money

D301 = Code("D301", "warning", "舍位平衡：{header} 换算为 {after} 万元（四舍五入为 {before}），使各分项之和等于合计",
            "balanced rounding: {before} -> {after} 万元", ("header", "after", "before"))
D302_YUAN = Code("D302", "warning", "各分项合计 {parts} 元与总额 {total} 元不一致（差 {difference} 元），按各自金额换算，表格自检会提示",
                 "parts add up to {parts}, total is {total}", ("parts", "total", "difference"))
D302 = Code("D302", "warning", "分项合计 {parts} 万元与“{header}”{total} 万元不一致（差 {difference}），表格自检会提示",
            "parts add up to {parts}, total is {total} (difference {difference})",
            ("parts", "header", "total", "difference"))
D303 = Code("D303", "warning", "“{header}”{amount} 超过两位小数，已四舍五入为 {rounded} 万元",
            "{amount} rounded to {rounded} 万元", ("header", "amount", "rounded"))

# -- departments

D401 = Code("D401", "error", "{code} {name}：{where}有错误，未生成表格", "{code}: not built because of errors in {where}",
            ("code", "name", "where"))
D402_OVER = Code("D402", "error",
                 "{code} {name}：{sheet}预填的{level1}三级指标分值合计 {total} ≠ {level1} {expected}（{rows}），"
                 "预填的分值锁定在表格中、单位无法改小，表格永远无法通过校验；请更正指标表的分值",
                 "{code}: pre-filled {level1} weights add up to {total}, not {expected} ({rows}): locked, can never pass",
                 ("code", "name", "sheet", "level1", "total", "expected", "rows"))
D402_SHORT = Code("D402", "error",
                  "{code} {name}：{sheet}预填的{level1}三级指标分值合计 {total} ≠ {level1} {expected}（{rows}），"
                  "表格中没有空行可补足，表格永远无法通过校验；请补齐指标表的指标或分值",
                  "{code}: pre-filled {level1} weights add up to {total}, not {expected} ({rows}), no blank row to "
                  "add to: can never pass", ("code", "name", "sheet", "level1", "total", "expected", "rows"))
D402_TOTAL = Code("D402", "error",
                  "{code} {name}：{sheet}预填的三级指标分值与预算执行率分值合计 {total} ≠ {expected}（{rows}），"
                  "预填的分值锁定在表格中，表格永远无法通过校验；请更正指标表的分值",
                  "{code}: pre-filled weights with the execution rate add up to {total}, not {expected} ({rows}): "
                  "can never pass", ("code", "name", "sheet", "total", "expected", "rows"))
D403 = Code("D403", "warning", "{code} {name}：指标表中没有该单位的指标，表格中的绩效指标由单位自行填写",
            "{code}: no indicators in the indicator table; the department fills in its own", ("code", "name"))
#: Where a department's failed row is, as D401 lists it: ``指标表第 7 行``.
ROW_OF_TABLE = "{table}表第 {row} 行"
#: Where D401 says a department failed when D402 has no table row to name (template rows only).
PREFILLED_WEIGHTS = "预填指标的分值"

#: Why a declared target (年度指标值) is read as qualitative, by :class:`jixiao.prefill.targets.Target`
#: kind: (Chinese for D203, English for ``Target.reason``).
TARGET_REASONS: dict[str, tuple[str, str]] = {
    "quantity": ("", ""),
    "empty": ("未填写", "empty or a placeholder (—, ……)"),
    "text": ("没有数值", "no number: a qualitative target"),
    "date": ("是日期或期限，不是数量", "a date or deadline, not a quantity"),
    "multiple": ("一个单元格里有多个数值或多项内容，计分公式只能用一个指标值",
                 "more than one number or clause: one cell holds one target"),
    "approximate": ("是约数（约、左右、余、多），没有确切的指标值",
                    "an approximate number (约, 左右, 余, 多) has no exact value"),
    "conflict": ("数值前后的方向（如 ≥ 与 以下）相互矛盾", "the operators before and after the number disagree"),
    "unclear": ("有数值，但不是“方向+数值+单位”的写法", "a number, but not written as a target quantity"),
}

D099 = Code("D099", "error", "读取数据表时发生意外错误（{error}），请联系技术支持", "unexpected error while reading: {error}",
            ("error",))

ALL = entries(globals())
