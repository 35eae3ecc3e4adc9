"""``V`` codes: what verifying a return finds (docs/guide.zh-CN.md, 核查结果的代码).

=====  ===================================================================
V001   not a jixiao form (no template identity in the file)
V002   unknown template id or version (not shipped with this jixiao)
V003   structure fingerprint differs from the template's (a form edited by hand)
V101   a sheet is missing or renamed
V102   sheet protection removed
V103   a computed cell's formula was replaced by a constant
V104   a computed cell's formula was changed
V105   a fixed (locked) cell was changed, or rows inserted or deleted
V106   an input's data validation was removed
V107   a computed cell's saved value differs from the recomputed value
V108   the file was never recalculated by a spreadsheet (no saved values)
V109   the file contains macros (not run)
V110   the file links to other workbooks (not followed)
V201   a typed value was converted (e.g. "5219.46万元" read as 5219.46)
V202   text where a number belongs
V301   a required field is empty (contacts, dates)
V302   a date outside the reporting year
V303   an indicator row with a name but no result (实际完成值, or the score of a 定性 row)
V304   a form in use without its scored funds row's 全年预算数(A) or 全年执行数(B)
V305   nothing filled in at all
V311   a figure the bureau pre-filled was changed (a warning: say why)
=====  ===================================================================

Rule findings are coded by their rule id in formulas/rules.yaml (``ROW_SCORE_OVER_WEIGHT``,
``CHK_FUNDS_SUM`` ...); their Chinese is the text the form itself shows (the layout's
flags and check panel), and the :class:`Text` entries below frame it.
"""

from __future__ import annotations

from . import Code, Text, entries

# -- identity: is it one of our forms

V001 = Code("V001", "error", "此文件不是 jixiao 生成的表格（缺少模板标识），请使用财政局下发的表格填报",
            "not a jixiao form: no template identity")
V002 = Code("V002", "error", "表格模板 {template} 第 {version} 版不在本系统中，请向财政局索取现行版本的表格重新填报",
            "unknown template {template} version {version}", ("template", "version"))
V003 = Code("V003", "error", "表格结构与模板不一致（可能被修改过结构），请使用下发的原表格重新填报",
            "structure fingerprint {found} != template's {expected}", ("found", "expected"))

# -- tampering

V101 = Code("V101", "error", "缺少工作表「{sheet}」（被删除或改名），请使用下发的原表格", "sheet {sheet!r} missing or renamed",
            ("sheet",))
V102 = Code("V102", "error", "工作表「{sheet}」的保护被取消，计算公式可能被改动，请使用下发的原表格",
            "sheet protection removed on {sheet!r}", ("sheet",))
V103 = Code("V103", "error", "{label}（{address}）的计算公式被替换为固定值", "formula at {address} replaced by a constant",
            ("label", "address"))
V104 = Code("V104", "error", "{label}（{address}）的计算公式被修改", "formula at {address} changed", ("label", "address"))
V105 = Code("V105", "error", "锁定单元格 {address} 应为“{expected}”，现为“{found}”（可能插入或删除了行），请使用下发的原表格",
            "locked cell {address} changed (rows inserted or deleted?)", ("address", "expected", "found"))
V106 = Code("V106", "warning", "{label}（{address}）的数据有效性被删除", "data validation removed at {address}",
            ("label", "address"))
V107 = Code("V107", "error", "{label}（{address}）显示“{saved}”，按填报内容计算应为“{recomputed}”（数值未重新计算或被改动）",
            "saved value at {address} {saved_raw!r} != recomputed {recomputed_raw!r} (stale or tampered)",
            ("label", "address", "saved", "recomputed", "saved_raw", "recomputed_raw"))
V108 = Code("V108", "note", "文件未经电子表格软件计算保存，已按填报内容重新计算核对",
            "no saved values (never recalculated): verified from inputs")
V109 = Code("V109", "warning", "文件含有宏（未运行），请另存为不含宏的 .xlsx", "the file contains macros (not run)")
V110 = Code("V110", "warning", "文件引用了其他工作簿（未读取），请删除外部链接后重新保存", "external links: {links}",
            ("links",))

# -- values read: what the department typed

V111 = Code("V111", "error", "工作簿缺少或改写了必需的部分（{parts}），Excel 或 WPS 可能无法正常打开，"
            "请用 Excel 或 WPS 打开后重新另存为 .xlsx 再提交", "required package parts missing or altered: {parts}",
            ("parts",))
V112 = Code("V112", "error", "{label}（{address}）有 {length} 个字，超过 {max_length} 个字的上限，请精简后再提交",
            "{label} ({address}): {length} characters, over the limit of {max_length}",
            ("label", "address", "length", "max_length"))
V201 = Code("V201", "warning", "{label}（{address}）：{note}", "{label} ({address}): typed {note_en}",
            ("label", "address", "note", "note_en"))
V202 = Code("V202", "error", "{label}（{address}）：{note}，请填写数字", "{label} ({address}): typed {note_en}",
            ("label", "address", "note", "note_en"))
#: The notes of V201 and V202: how a number cell's typed text was read (:mod:`jixiao.coerce`).
TYPED_NUMBER = Text("“{typed}”按数字 {number} 读取", "{typed!r} read as {number}", ("typed", "number"))
TYPED_BLANK = Text("“{typed}”按空白处理", "{typed!r} read as empty", ("typed",))
TYPED_TEXT = Text("“{typed}”不是数字", "{typed!r} is not a number", ("typed",))
TYPED_BOOL = Text("逻辑值不是数字", "a boolean is not a number")

# -- completeness, dates, pre-filled figures

V301 = Code("V301", "warning", "{label}未填写", "{label} is empty", ("label",))
V302 = Code("V302", "warning", "{label} {date} 不在 {year} 年度填报期内", "{label} {date} outside the reporting period",
            ("label", "date", "year"))
V303_ACTUAL = Code("V303", "error", "第 {row} 行「{name}」未填写实际完成值", "row {row} {name}: no result ({cell})",
                   ("row", "name", "cell"))
V303_DECLARED = Code("V303", "error", "第 {row} 行「{name}」未填写自评得分", "row {row} {name}: no result ({cell})",
                     ("row", "name", "cell"))
V303_QUALITATIVE = Code("V303", "error", "第 {row} 行「{name}」未填写定性得分（并选择定性档次）",
                        "row {row} {name}: no result ({cell})", ("row", "name", "cell"))
V304 = Code("V304", "error", "{label}未填写，无法计算预算执行率", "{label} is empty: no execution rate", ("label",))
V305 = Code("V305", "error", "表格未填写任何内容，请填写后再报送", "nothing filled in")
V311 = Code("V311", "warning", "{label}由财政局预填为“{sent}”，现为“{now}”，请说明修改原因",
            "{label}: pre-filled {sent_raw!r}, now {now_raw!r}", ("label", "sent", "now", "sent_raw", "now_raw"))

# -- rule findings (coded by rule id)

#: A row flag raised on a named row: ``text`` is the flag's Chinese, ``text_en`` from ROW_FLAG_EN.
ROW_FLAG = Text("第 {row} 行「{name}」：{text}", "row {row} {name}: {text_en}", ("row", "name", "text", "text_en"))
#: A row flag raised on a row without a name (the execution-rate row of some forms).
ROW_FLAG_UNNAMED = Text("第 {row} 行：{text}", "row {row}: {text_en}", ("row", "text", "text_en"))
#: A failed check of a sheet's check panel: ``value`` is what the panel cell shows.
PANEL_CHECK = Text("{label}：{value}", "{label}: {rule} failed", ("label", "value", "rule"))
#: The English of each row flag (the Chinese is the form's own text).
ROW_FLAG_EN: dict[str, str] = {
    "ROW_WEIGHT_MISSING": "third-level indicator without a weight (or weight 0)",
    "ROW_TARGET_NOT_NUMBER": "quantitative target is not a number",
    "ROW_SCORE_OVER_WEIGHT": "score exceeds its weight",
    "ROW_QUAL_OUT_OF_BAND": "qualitative score outside its tier's band (or no tier chosen)",
    "ROW_REASON_MISSING": "deviation reason missing",
    "ROW_DECLARED_DIFFERS": "declared score differs from the computed score without a reason",
}

ALL = entries(globals())
