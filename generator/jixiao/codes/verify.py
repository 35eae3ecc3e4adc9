"""``V`` codes: what verifying a return finds (docs/guide.zh-CN.md, 核查结果的代码).

=====  ===================================================================
V001   not a jixiao form (no template identity in the file)
V002   unknown template id or version (not shipped with this jixiao)
V003   structure fingerprint differs from the template's (a form edited by hand)
V004   the pre-fill is not signed: its origin cannot be proved (a note)
V005   the pre-fill is signed but no bureau key is here to check it
V006   the pre-fill was changed after the bureau signed it (forged or altered)
V007   the pre-fill is signed with a key that is not the bureau's
V008   the pre-fill is not signed although this bureau signs its forms (a warning)
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
V111   an input cell holds a formula (its value is computed, not typed)
V311   a figure the bureau pre-filled was changed (a warning: say why)
=====  ===================================================================

What the form itself checks (required fields, dates, results, text in number cells, an
untouched form, plausibility) is no V code: those are rule findings, so the form's panel
and verify say the same. Rule findings are coded by their rule id in formulas/rules.yaml (``ROW_SCORE_OVER_WEIGHT``,
``CHK_FUNDS_SUM`` ...); their Chinese is the text the form itself shows (the layout's
flags and check panel), and the :class:`Text` entries below frame it.
"""

from __future__ import annotations

from . import Code, Text, entries

# -- identity: is it one of our forms

V001 = Code("V001", "error", "此文件不是财政局下发的绩效自评表格（缺少表格标识），请使用财政局下发的表格填报",
            "not a jixiao form: no template identity")
V002 = Code("V002", "error", "表格模板 {template} 第 {version} 版不在本系统中，请向财政局索取现行版本的表格重新填报",
            "unknown template {template} version {version}", ("template", "version"))
V003 = Code("V003", "error", "表格结构与模板不一致（可能被修改过结构），请使用下发的原表格重新填报",
            "structure fingerprint {found} != template's {expected}", ("found", "expected"))

# -- the bureau's signature over its pre-fill (jixiao.signing)

V004 = Code("V004", "note", "预填内容没有财政局签名，无法证明表格来自财政局",
            "pre-fill not signed: its origin cannot be proved")
V008 = Code("V008", "warning", "预填内容没有财政局签名（本局下发的表格都有签名），无法证明表格来自财政局，请核实报送单位",
            "pre-fill not signed although this bureau signs its forms: check who sent it")
V005 = Code("V005", "warning", "预填内容有签名，但本机没有财政局密钥，无法核对（请设置 JIXIAO_KEY）",
            "pre-fill signed, but no bureau key here to check it (set JIXIAO_KEY)")
V006 = Code("V006", "error", "预填内容（单位、预算、指标或表样版本）与财政局签名不符，表格被改动过，未按表中单位归档；"
            "请使用财政局下发的原表格重新填报",
            "pre-fill altered after signing (forged department, budget, indicator or version): not filed")
V007 = Code("V007", "error", "预填内容的签名不是本局密钥（编号 {key_id}）所签，未按表中单位归档",
            "pre-fill signed with unknown key {key_id}: not filed", ("key_id",))

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
V111 = Code("V111", "error", "{label}（{address}）填的是公式“={formula}”，不是数值；请直接填写数值本身（不要用公式）",
            "{label} ({address}) holds the formula ={formula}: type the value itself", ("label", "address", "formula"))

# -- pre-filled figures

V112 = Code("V112", "error", "{label}（{address}）有 {length} 个字，超过 {max_length} 个字的上限，请精简后再提交",
            "{label} ({address}): {length} characters, over the limit of {max_length}",
            ("label", "address", "length", "max_length"))
V113 = Code("V113", "error", "工作簿缺少或改写了必需的部分（{parts}），Excel 或 WPS 可能无法正常打开，"
            "请用 Excel 或 WPS 打开后重新另存为 .xlsx 再提交", "required package parts missing or altered: {parts}",
            ("parts",))
V311 = Code("V311", "warning", "{label}由财政局预填为“{sent}”，现为“{now}”，请说明修改原因",
            "{label}: pre-filled {sent_raw!r}, now {now_raw!r}", ("label", "sent", "now", "sent_raw", "now_raw"))

# -- rule findings (coded by rule id)

#: A row flag raised on a named row: ``text`` is the flag's Chinese, ``text_en`` from ROW_FLAG_EN.
ROW_FLAG = Text("第 {row} 行「{name}」：{text}", "row {row} {name}: {text_en}", ("row", "name", "text", "text_en"))
#: A row flag raised on a row without a name (the execution-rate row of some forms).
ROW_FLAG_UNNAMED = Text("第 {row} 行：{text}", "row {row}: {text_en}", ("row", "text", "text_en"))
#: A failed check of a sheet's check panel: ``value`` is what the panel cell shows.
PANEL_CHECK = Text("{label}：{value}", "{label}: {rule} failed", ("label", "value", "rule"))
#: What a text in a number cell seems to mean (added to the form's own text, which quotes it).
NUMBER_HINT = Text("（应填 {number}）", " (type {number})", ("number",))
#: What a text in a number cell holds, and what it seems to mean, added to a flag's fixed
#: text (forms of layout generation 1, whose flags have no message cell).
TYPED_NOW = Text("（现为“{typed}”）", " (now {typed!r})", ("typed",))
TYPED_HINT = Text("（现为“{typed}”，应填 {number}）", " (now {typed!r}: type {number})", ("typed", "number"))
PERCENT_HINT = Text("（{value} 是否应为 {value}%？）", " ({value}: meant {value}%?)", ("value",))
TYPED_CELL = Text("{label}（{address}）“{typed}”", "{label} ({address}) {typed!r}", ("label", "address", "typed"))
#: The same, when the text holds a number it seems to mean (``280人次``).
TYPED_CELL_NUMBER = Text("{label}（{address}）“{typed}”，应填 {number}", "{label} ({address}) {typed!r}: type {number}",
                         ("label", "address", "typed", "number"))
#: The English of each row flag (the Chinese is the form's own text).
ROW_FLAG_EN: dict[str, str] = {
    "ROW_WEIGHT_MISSING": "third-level indicator without a weight (or weight 0)",
    "ROW_TARGET_NOT_NUMBER": "quantitative target is not a number",
    "ROW_SCORE_OVER_WEIGHT": "score exceeds its weight",
    "ROW_QUAL_OUT_OF_BAND": "qualitative score outside its tier's band (or no tier chosen)",
    "ROW_REASON_MISSING": "deviation reason missing",
    "ROW_DECLARED_DIFFERS": "declared score differs from the computed score without a reason",
    "ROW_RESULT_MISSING": "named indicator without its result (or direction)",
    "ROW_ACTUAL_NOT_NUMBER": "actual is text, not a number",
    "ROW_PERCENT_SCALE": "percentage row with a value above 150% (typed 85 for 85%?)",
    "ROW_ACTUAL_FAR_OVER": "actual more than 10 times its target",
}

ALL = entries(globals())
