"""``T`` codes: problems ``jixiao lint`` finds in a template (docs/templates.md, "Lint codes").

Every T problem is an error; lint prints ``file:line:col CODE 中文 (English)``.

======  ===============================================================
T001    malformed YAML (or not UTF-8)
T002    duplicate key in a mapping
T003    a mapping key that is not a scalar
T004    the file is not a mapping
T005    ``extends`` is not a template id
T006    ``extends`` forms a cycle
T007    ``extends`` names an unknown template (or the file does not exist)
T008    ``id`` (and ``version``) do not match the file name (``<id>.yaml``, ``archive/<id>@<version>.yaml``)
T009    an archived version's params differ from the current file of the same version
T014    a child's ``remove``/``replace`` names a list item its parent does not have
T010    unknown key (with a did-you-mean)
T011    a required key is missing
T012    a value of the wrong type or out of range
T013    unknown sheet kind
T101    first-level weights plus the execution weight do not make the total
T102    unknown rule id (or a rule of the wrong kind, or a broken rule library)
T103    a rule parameter that the rule does not have, or of the wrong type
T104    third-level weights do not add up to their first-level weight
T105    a duplicate name or key
T106    qualitative tiers overlap, leave gaps or are inverted
T107    a sum check names an unknown funds row
T108    checklist weights do not make the total
T110    display text does not render (unknown ``{{ param }}``)
T111    a checklist names an unknown project sheet (or none for a computed item)
T112    a cross-sheet check names an unknown cell
T120    the template passes every check above but still cannot be laid out
======  ===============================================================
"""

from __future__ import annotations

from . import Code, Text, entries

# -- the file: YAML and extends

T001_MALFORMED = Code("T001", "error", "YAML 格式错误", "malformed YAML: {problem}", ("problem",))
T001_TOO_MANY_NODES = Code("T001", "error", "YAML 展开后超过 {limit} 个节点（别名过多？）",
                           "YAML expands to more than {limit} nodes (aliases?)", ("limit",))
T001_NOT_UTF8 = Code("T001", "error", "文件不是 UTF-8 编码", "not UTF-8: {error}", ("error",))
T002 = Code("T002", "error", "键 {key!r} 重复", "duplicate key", ("key",))
T003 = Code("T003", "error", "键必须是标量", "mapping key must be a scalar")
T004 = Code("T004", "error", "模板必须是映射", "template must be a mapping")
T005 = Code("T005", "error", "extends 必须是模板 id", "extends must be a template id")
T006 = Code("T006", "error", "extends 形成循环 {cycle}", "extends cycle", ("cycle",))
T007_UNKNOWN_PARENT = Code("T007", "error", "extends 的模板 {parent!r} 不存在，已有：{known}",
                           "unknown parent; the known ids are listed", ("parent", "known"))
T007_GUESS = Code("T007", "error", "extends 的模板 {parent!r} 不存在，是否应为 {guess!r}？已有：{known}",
                  "unknown parent; did you mean {guess!r}? the known ids are listed", ("parent", "guess", "known"))
T008 = Code("T008", "error", "模板 id {id!r} 与文件名 {file} 不符，应命名为 {expected}（否则无法找到此模板读取报回的表格）",
            "id does not match the file name (returns could not be read)", ("id", "file", "expected"))
T009 = Code("T009", "error", "第 {version} 版的参数 {key} 已存档为 {archived!r}，现为 {current!r}；改参数请升级 version "
                             "并存档旧版本", "params of version {version} changed without a new version (archived in {archive})",
            ("version", "key", "archived", "current", "archive"))
T007_NO_FILE = Code("T007", "error", "文件不存在", "file not found: {error}", ("error",))
T014 = Code("T014", "error", "父模板中没有 {key} 为 {value!r} 的项，无法{action}",
            "{marker}: the parent has no item with {key} {value!r}", ("key", "value", "action", "marker"))
T007_UNREADABLE = Code("T007", "error", "文件无法读取（{error}）", "cannot read the file: {error}", ("error",))

# -- the shape: keys and values (pydantic's errors)

T010 = Code("T010", "error", "未知的键 {key!r}", "unknown key {where}", ("key", "where"))
T010_GUESS = Code("T010", "error", "未知的键 {key!r}，是否应为 {guess!r}?", "unknown key {where}; did you mean {guess!r}?",
                  ("key", "where", "guess"))
T011 = Code("T011", "error", "缺少必填键 {key!r}", "missing required key {where}", ("key", "where"))
T012 = Code("T012", "error", "取值无效 {where}: {value!r}", "{reason}", ("where", "value", "reason"))
T012_WEIGHT = Code("T012", "error", "分值必须大于 0", "{where}: weight must be > 0, got {value!r}", ("where", "value"))
T012_TARGET = Code("T012", "error", "定量指标 {name!r} 的年度指标值必须是数字", "quantitative target must be a number",
                   ("name",))
T013 = Code("T013", "error", "未知的工作表类型 {kind!r}，应为 self_evaluation、basic_data 或 checklist",
            "unknown sheet kind", ("kind",))

# -- the meaning: weights, rules, names

T101 = Code("T101", "error", "一级指标分值合计 {parts} + 预算执行率 {execution} = {total}，应为 {expected}",
            "weights total {total} != {expected}", ("parts", "execution", "total", "expected"))
T102 = Code("T102", "error", "未知的规则 {rule!r}", "unknown rule id", ("rule",))
T102_GUESS = Code("T102", "error", "未知的规则 {rule!r}，是否应为 {guess}?", "unknown rule id; did you mean {guess}?",
                  ("rule", "guess"))
T102_KIND = Code("T102", "error", "规则 {rule} 不能用于此处", "rule of kind {kind}", ("rule", "kind"))
T102_ARGS = Code("T102", "error", "规则 {rule}（参数 {args}）不能用于 {slot}，此处需要 {wanted} 的规则",
                 "rule {rule} takes ({args}); {slot} needs a rule of ({wanted})", ("rule", "slot", "args", "wanted"))
T102_LIBRARY = Code("T102", "error", "规则库错误", "rule library error: {error}", ("error",))
T103 = Code("T103", "error", "规则 {rule} 没有参数 {param!r}", "unknown rule parameter", ("rule", "param"))
T103_GUESS = Code("T103", "error", "规则 {rule} 没有参数 {param!r}，是否应为 {guess!r}?",
                  "unknown rule parameter; did you mean {guess!r}?", ("rule", "param", "guess"))
T103_VALUE = Code("T103", "error", "{param} 应为 {expected}，而不是 {value!r}",
                  "{param} (parameter {rule_param} of {rule}) must be {expected_en}",
                  ("param", "expected", "value", "rule_param", "rule", "expected_en"))
T103_FACTOR = Code("T103", "error", "project_factor {factor} × 项目表满分 {total} = {product}，应等于「{item}」的分值 {weight}",
                   "project_factor × the project form's total must be the item's weight",
                   ("factor", "total", "product", "item", "weight"))
T104 = Code("T104", "error", "三级指标分值合计 {total} ≠ {level1} 分值 {weight}",
            "third-level weights {total} != first-level weight {weight}", ("total", "level1", "weight"))
T105_TIER = Code("T105", "error", "定性档次 {label!r} 重复", "duplicate tier", ("label",))
T105_FIELD = Code("T105", "error", "字段 {key!r} 重复", "duplicate field key", ("key",))
T105_ITEM = Code("T105", "error", "考核内容 key {key!r} 重复", "duplicate item key", ("key",))
T105_ROW = Code("T105", "error", "行 key {key!r} 重复", "duplicate row key", ("key",))
T105_LEVEL1 = Code("T105", "error", "一级指标 {name!r} 重复", "duplicate first-level name", ("name",))
T105_LEVEL2 = Code("T105", "error", "二级指标 {name!r} 重复", "duplicate second-level name", ("name",))
T105_SHEET = Code("T105", "error", "工作表 id {id!r} 重复", "duplicate sheet id", ("id",))
T105_FUNDS_ROW = Code("T105", "error", "资金行 key {key!r} 重复", "duplicate funds row key", ("key",))
T106 = Code("T106", "error", "定性档次区间必须无缝覆盖 0 到 1：{bands}", "tiers must tile [0, 1]", ("bands",))
T107_SUM_OF = Code("T107", "error", "sum_of 引用了不存在的行 {row!r}", "unknown row", ("row",))
T107_TEXT_ONLY = Code("T107", "error", "sum_of 引用了只有文字的行 {row!r}（text_only，没有金额）", "a text_only row",
                      ("row",))
T107_LOOP = Code("T107", "error", "行 {row!r} 经 {part!r} 加总到自身（sum_of 循环）", "sum_of loop", ("row", "part"))
T107_FUNDS = Code("T107", "error", "资金校验引用了不存在的行 {row!r}", "unknown funds row", ("row",))
T108 = Code("T108", "error", "考核内容分值合计 {total}，应为 {expected}", "checklist weights {total} != {expected}",
            ("total", "expected"))
T110 = Code("T110", "error", "文本无法渲染：{error}", "cannot render {key}", ("error", "key"))
T111 = Code("T111", "error", "项目表 {sheet!r} 不存在（应为 self_evaluation 工作表的 id）", "unknown project sheet",
            ("sheet",))
T111_MISSING = Code("T111", "error", "「{item}」按项目表平均计算，但未指定 project_sheet", "project_average without project_sheet",
                    ("item",))
T112 = Code("T112", "error", "跨表校验引用了未知单元格 {name!r}", "unknown cell name", ("name",))
T120 = Code("T120", "error", "模板无法生成表格：{error}", "template cannot be laid out", ("error",))
T099 = Code("T099", "error", "检查模板时发生意外错误：{error}，请联系技术支持", "unexpected error while linting: {error}",
            ("error",))

# -- build parameters (jixiao build/init-data --year, --param key=value): not lint codes

PARAM_UNKNOWN = Text("模板 {template} 没有参数 {key}（已有：{known}）", "template {template} has no parameter {key!r}",
                     ("template", "key", "known"))
PARAM_TYPE = Text("参数 {key} 应为{expected}，而不是 {value!r}", "parameter {key} must be {expected_en}",
                  ("key", "expected", "value", "expected_en"))
PARAM_SYNTAX = Text("参数应写作 名称=值（如 year=2024），而不是 {text!r}", "a parameter is key=value, e.g. year=2024",
                    ("text",))

ALL = entries(globals())
