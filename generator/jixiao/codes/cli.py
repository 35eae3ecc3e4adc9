"""What the command line says, in Chinese for the bureau and in English with ``--lang en``.

Three kinds of entries, each a :class:`~jixiao.codes.Text` (Chinese, English):

* :data:`HELP`: the help of every command and option, keyed ``command`` (its
  description), ``command.option`` (an option of one command) or ``option`` (an option
  shared by several commands);
* :data:`METAVAR`: what an option's value is called in the help (``--year 年度``);
* the messages, headers and summaries the commands print (module constants).

A department never reads these: what it reads (findings) is Chinese only, from the
other code modules.
"""

from __future__ import annotations

from . import Text

T = Text

HELP: dict[str, Text] = {
    "jixiao": T("jixiao（绩效）：预算绩效自评表的生成、读取与核查。\n\n"
                "用 jixiao 命令 --help 查看每个命令的说明；加 --lang en 显示英文。",
                "jixiao: budget performance self-evaluation forms: build, read, verify.\n\n"
                "See jixiao COMMAND --help for each command; --lang zh shows Chinese."),
    # options shared by several commands
    "templates": T("自定义模板所在文件夹，先于 ./templates 和内置模板查找；可重复；也可用环境变量 JIXIAO_TEMPLATES",
                   "a folder of your own template variants, searched first; repeatable; also $JIXIAO_TEMPLATES"),
    "jobs": T("并行进程数，默认使用全部 CPU 核", "worker processes (default: every core)"),
    "db": T("归档库：文件路径（如 绩效档案.sqlite）或地址（postgresql://…），默认当前文件夹的 jixiao.sqlite",
            "the archive: a file path (e.g. archive.sqlite) or a URL (postgresql://…); default ./jixiao.sqlite"),
    "year": T("报表年度", "reporting year"),
    "lang": T("界面语言：zh 中文（默认），en 英文；也可由 LANG=en_* 选择英文",
              "language: zh Chinese (default) or en English; LANG=en_* also selects English"),
    "quiet": T("只输出汇总和需要处理的文件，不逐条列出问题", "print the summary and the files to act on only"),
    "verbose": T("逐条列出提示（默认只汇总提示条数）", "list every note (by default notes are counted)"),
    "force": T("覆盖已存在的文件", "overwrite an existing file"),
    "as_json": T("以 JSON 输出", "print as JSON"),
    "help": T("显示本帮助并退出", "show this help and exit"),
    "by": T("经办人姓名，记入归档库", "who does it (kept in the archive)"),
    # lint
    "lint": T("检查模板，每个问题一行：文件:行:列 代码 说明。\n\n退出码 0 无问题，1 有问题，2 路径不存在。",
              "check templates, one problem a line: file:line:col CODE message.\n\n"
              "Exit 0 clean, 1 problems, 2 no such path."),
    "lint.paths": T("模板文件或文件夹", "template files or folders"),
    # build
    "build": T("生成空白（或预填）的自评表；配合 --data 单位数据表为每个单位生成一份。\n\n"
               "--data 单位数据表（见 jixiao init-data）：每个无误的单位生成 文件夹/<编码>_<名称>.xlsx；"
               "有误的行按文件、行、列报告，其余照常生成。有失败时退出码 1。",
               "build blank (or pre-filled) workbooks; with --data a department table, one per department.\n\n"
               "Bad rows are reported by file, row and column; the others still build; exit 1 when anything failed."),
    "build.names": T("模板文件、模板 id 或文件夹", "template files, ids or folders"),
    "build.out_dir": T("输出文件夹", "output folder"),
    "build.data": T("单位数据表（.xlsx/.csv，每个单位生成一份）或记录文件（.json/.yaml，预填）",
                    "department data (.xlsx/.csv, one workbook each) or a record (.json/.yaml) to pre-fill"),
    "build.indicators": T("单独的指标表 .xlsx/.csv", "a separate indicator table"),
    "build.projects": T("单独的项目表 .xlsx/.csv", "a separate project table"),
    # init-data
    "init-data": T("生成空白的单位数据表（表头、数据验证、示例行），填好后用于 build --data。",
                   "write the empty department data workbook of a template, for build --data."),
    "build.year": T("按此年度生成（模板参数 year，如 2024），即 --param year=2024", "build for this year (the template's year parameter)"),
    "init-data.year": T("按此年度生成数据表（模板参数 year）", "for this year (the template's year parameter)"),
    "debug": T("内部错误时显示完整的调用栈", "show the traceback of an internal error"),
    "param": T("模板参数，如 region=黔南州，按模板中该参数的类型读取；可重复",
               "a template parameter, typed like the template's own; repeatable"),
    "init-data.template": T("模板文件或模板 id", "template file or id"),
    "init-data.out_file": T("输出的 .xlsx，默认 <模板id>-单位数据.xlsx", "output file (default <id>-单位数据.xlsx)"),
    # read
    "read": T("读出填报记录：按名称列出每个填报值。\n\nJSON/YAML 记录（docs/record.md）可用于 jixiao build --data 预填。",
              "print the record of a filled workbook.\n\nA JSON/YAML record pre-fills jixiao build --data."),
    "read.workbook": T("填好的自评表 .xlsx", "a filled workbook"),
    "read.as_json": T("以 JSON 输出记录", "print the record as JSON"),
    "read.as_yaml": T("以 YAML 输出记录", "print the record as YAML"),
    # verify
    "verify": T("核查收回的报表：重算每个数值、检查每条规则、发现篡改。\n\n"
                "先输出汇总，再逐份列出错误和警告；提示只汇总条数（--verbose 逐条列出）。\n"
                "退出码 0 全部无误，1 有错误，2 有文件格式错误。",
                "verify returns: recompute every value, check every rule, detect tampering.\n\n"
                "The summary comes first, then the errors and warnings of each return; notes are counted "
                "(--verbose lists them).\nExit 0 clean, 1 errors, 2 a file in the wrong format."),
    "verify.returns": T("收回的报表文件或文件夹", "returned workbooks or folders"),
    "verify.as_json": T("以 JSON 输出问题", "print findings as JSON"),
    "verify.report": T("把问题清单写入此 .xlsx", "write findings to this .xlsx"),
    "verify.annotate": T("在此文件夹写出本轮退回表格（第N轮/ 与 第N轮.zip）", "write this round's return packages here"),
    "verify.round_no": T("退回轮次，默认 1", "the round of returns (default 1)"),
    "verify.force": T("覆盖已有的问题清单", "overwrite an existing findings report"),
    # collect
    "collect": T("核查收回的报表并存入归档库；重新报送的是新版本，同一文件不重复保存。\n\n"
                 "同一单位同一批有多个文件时按填报日期、再按文件时间排序，最新的为准并给出提醒；"
                 "格式错误的文件也归档，该单位显示为 格式错误。",
                 "verify returns and archive them; a resubmission is a new version, the same file is kept once.\n\n"
                 "Several files of one department in one batch are ordered by 填报日期, then file time; "
                 "a file in the wrong format is archived too (status 格式错误)."),
    "collect.returns": T("收回的报表文件或文件夹", "returned workbooks or folders"),
    "collect.year": T("报表年度，默认取模板的年度", "reporting year (default: the template's)"),
    # status
    "status": T("收表情况：未交 / 格式错误 / 待修改 / 已通过。", "who has returned, who must resubmit."),
    "status.departments": T("单位名册：含 单位编码、单位名称 的 .xlsx/.csv，未报送的单位也列出",
                            "the roster (.xlsx/.csv with 单位编码, 单位名称): departments that sent nothing show 未交"),
    # export
    "export": T("导出每个单位最新一版报表的数据（每行一个单位），CSV 或 JSON。\n\n"
                "CSV 为带 BOM 的 UTF-8，Excel 和 WPS 可直接打开；时间为北京时间（或 JIXIAO_TZ）。",
                "export the latest return of every department as flat rows, CSV or JSON.\n\n"
                "The CSV is UTF-8 with a BOM; times are in the bureau's time zone."),
    "export.fmt": T("csv 或 json", "csv or json"),
    "export.out_file": T("写入此文件，默认打印", "write to this file (default: print)"),
    # summary
    "summary": T("生成年度汇总表：每个单位最新一版、图表、未解决的问题。\n\n文件已存在且未加 --force 时退出码 2。",
                 "write the year's summary workbook.\n\nExit 2 when the file exists and --force is not given."),
    "summary.out_path": T("汇总表文件", "summary workbook to write"),
    "summary.departments": T("单位名册（单位编码、单位名称），未报送的单位列为未交", "the roster: departments that sent nothing are listed as 未交"),
    "summary.compiled_by": T("封面上的编制单位", "the compiling bureau named on the cover"),
    # serve (the web portal, jixiao.serve)
    "serve": T("启动收表系统网页：财政局控制台和各单位的上传页面，见 docs/deploy.md。",
               "start the web portal: the bureau's console and the departments' upload pages (docs/deploy.md)."),
    "serve.host": T("监听地址；不是 127.0.0.1 时会提示风险", "address to listen on (a warning when not 127.0.0.1)"),
    "serve.port": T("端口", "the port to listen on"),
    # void
    "void": T("作废归档库中的版本（保留并标明作废人、时间和原因；不再算作最新版）。\n\n"
              "给出文件或文件夹：作废由这些文件归档的版本（如误收的空白表）；"
              "或用 --department 和 --version 指定一个版本。",
              "void archived versions (kept, marked with who, when and why; no longer the latest).\n\n"
              "Give files or folders to void the versions stored from them, or --department and --version."),
    "void.files": T("要作废的文件或文件夹（与归档时相同的文件）", "files or folders whose archived versions to void"),
    "void.reason": T("作废原因（必填）", "why (required)"),
    "void.department": T("单位编码", "department code"),
    "void.version": T("版本号", "version number"),
    "void.template": T("模板 id（单位报送了多种表时指定）", "template id (when the department sent several forms)"),
    # confirm
    "confirm": T("把一份报表的警告标记为 已核实（记录核实人和时间；不再算作未解决的问题）。",
                 "mark warnings of a return as checked (已核实): kept with who and when, no longer open."),
    "confirm.department": T("单位编码", "department code"),
    "confirm.code": T("警告代码，如 V311", "warning code, e.g. V311"),
    "confirm.cell": T("只核实此单元格的警告，如 C4", "only the warning at this cell, e.g. C4"),
    "confirm.template": T("模板 id（单位报送了多种表时指定）", "template id (when the department sent several forms)"),
    "confirm.note": T("核实说明", "a note on the check"),
    # the portal from the command line (docs/cli.md: console action -> command -> API route)
    "task": T("收表系统的填报任务：新建、单位表、生成预填表、收表情况（与 jixiao serve 使用同一数据库）。",
              "the portal's reporting tasks: create, roster, build forms, board (the database of jixiao serve)."),
    "task_id": T("填报任务编号（见 jixiao task list）", "the task number (see jixiao task list)"),
    "task new": T("新建填报任务：一个模板、一个年度、一个截止日期；打印任务编号。",
                  "create a reporting task (one template, one year, one deadline); prints its number."),
    "task new.name": T("任务名称，如 2024 年度部门整体支出绩效自评", "the task's name"),
    "task new.template": T("模板 id，如 guizhou-zhengti", "template id, e.g. guizhou-zhengti"),
    "task new.deadline": T("截止日期 年-月-日（链接在当天 24 时失效，北京时间）",
                           "deadline YYYY-MM-DD (links expire at its end, Beijing time)"),
    "task list": T("列出填报任务：编号、名称、年度、模板、截止日期、预填表生成情况。",
                   "list the reporting tasks."),
    "task roster": T("上传单位表（jixiao init-data 生成的表格，填好单位），作为任务的单位名单；逐行报告问题。",
                     "upload the department table (the init-data workbook) as the task's roster."),
    "task roster.roster": T("单位表 .xlsx 或 .csv", "the department table (.xlsx or .csv)"),
    "task build": T("为单位名单中的每个单位生成预填表（签名），等待完成；有失败时退出码 1。",
                    "build every department's pre-filled, signed form and wait; exit 1 when one failed."),
    "task forms": T("把任务的全部预填表写入一个 ZIP 文件。", "write every pre-filled form of the task into one ZIP."),
    "task forms.out_file": T("输出的 .zip 文件", "the .zip to write"),
    "task form": T("写出一个单位的预填表（与单位通过链接下载的相同），如需当面交给单位。",
                   "write one department's pre-filled form (what its link's page hands out)."),
    "task form.department": T("单位编码（须在任务的单位名单中）", "department code (on the task's roster)"),
    "task form.out_file": T("输出的 .xlsx 文件", "the .xlsx to write"),
    "task board": T("收表情况：每个单位 未交 / 格式错误 / 待修改 / 已通过，当前版本和报表编号。",
                    "the status board: each department's state, current version and return number."),
    "task receive": T("代单位提交一份报表（如通过邮件收到）：与单位通过链接上传相同的检查和归档；被拒收时退出码 1。",
                      "file a return for a department (e.g. received by e-mail): the same checks as its upload; "
                      "exit 1 when refused."),
    "task receive.department": T("单位编码（须在任务的单位名单中）", "department code (on the task's roster)"),
    "task receive.workbook": T("单位填好的 .xlsx 报表", "the department's filled workbook"),
    "links": T("单位填报链接：发放、列出、撤销（链接只在发放时显示一次）。",
               "the departments' upload links: issue, list, revoke (a link is shown once, when issued)."),
    "links issue": T("为单位名单中的单位（全部或 --department 指定的）发放新链接，旧链接随即失效；每个链接只显示这一次。",
                     "issue new links (all departments or --department); earlier ones stop working; "
                     "each link is shown this once."),
    "links issue.departments": T("只为此单位发放，可重复；默认全部单位", "only this department (repeatable); default all"),
    "links issue.base_url": T("收表系统对外的地址，用于拼出链接，默认 http://127.0.0.1:8000",
                              "the portal's address the departments open (default http://127.0.0.1:8000)"),
    "links issue.out_file": T("另存可打印的链接清单（.csv，Excel/WPS 可直接打开打印）",
                              "also write the printable list (.csv, opens in Excel or WPS)"),
    "links list": T("列出任务的全部链接：链接编号、单位、发放时间、到期时间、状态（有效 / 已撤销 / 已过期）。",
                    "list the task's links: number, department, issued, expires, state."),
    "links revoke": T("撤销链接（链接编号见 jixiao links list），单位随即无法再用它打开页面。",
                      "revoke links (numbers from jixiao links list)."),
    "links revoke.link_ids": T("链接编号，可多个", "link numbers"),
    "review": T("审核报表：查看、退回修改、作废版本、标记警告已核实（与收表系统页面上的按钮相同）。",
                "review returns: show, send back, void a version, mark a warning checked (the portal's buttons)."),
    "return_id": T("报表编号（见 jixiao task board）", "the return number (see jixiao task board)"),
    "review show": T("查看一份报表的版本、状态和问题（问题前的序号用于 review confirm --finding）。",
                     "show one return with its numbered findings (the number is for review confirm --finding)."),
    "review send-back": T("退回修改：单位页面显示 待修改 和退回意见。", "send a return back with a comment (待修改)."),
    "review send-back.comment": T("退回意见（必填），单位会看到", "the comment the department reads (required)"),
    "review void": T("作废误传的版本（保留不删除），上一版重新成为当前版本。",
                     "void a version uploaded by mistake (kept); the one before is current again."),
    "review void.comment": T("作废原因（必填）", "why (required)"),
    "review confirm": T("把一条警告标记为 已核实（记录核实人和时间）。", "mark a warning checked (已核实)."),
    "review confirm.finding": T("问题序号（见 jixiao review show）", "the finding's number (see jixiao review show)"),
    "review confirm.comment": T("核实说明", "a note on the check"),
    "review file": T("把一份报表的原文件（归档库中保存的原样）写出。", "write the archived original of a return."),
    "review file.out_file": T("输出的 .xlsx 文件", "the .xlsx to write"),
    "review annotated": T("写出一份报表的批注副本：首页“退回意见”列出全部问题，问题单元格标色。",
                          "write the annotated copy of a return (a 退回意见 sheet, marked cells)."),
    "review annotated.out_file": T("输出的 .xlsx 文件", "the .xlsx to write"),
    "account": T("收表系统的财政局账户。", "the portal's bureau account."),
    "account create": T("在服务器上直接建立财政局账户（代替首次启动时打印的一次性设置链接）；密码输入两次，不显示。",
                        "create the bureau's account on the server (instead of the one-time setup link); "
                        "the password is asked twice, not shown."),
    "account create.username": T("登录用户名", "the user name to log in with"),
    "audit": T("收表系统的操作日志，最新的在前。", "the portal's audit log, newest first."),
    "audit.limit": T("显示条数", "how many entries"),
    "review show.department": T("单位编码：该单位当前的报表（代替 --return）", "department code: its current return"),
    "review send-back.department": T("单位编码：该单位当前的报表（代替 --return）", "department code: its current return"),
    "review void.department": T("单位编码：该单位当前的报表（代替 --return）", "department code: its current return"),
    "review confirm.department": T("单位编码：该单位当前的报表（代替 --return）", "department code: its current return"),
    "review file.department": T("单位编码：该单位当前的报表（代替 --return）", "department code: its current return"),
    "review annotated.department": T("单位编码：该单位当前的报表（代替 --return）", "department code: its current return"),
}

#: What the value of an option is called in the help, by option (or ``command.option``).
METAVAR: dict[str, Text] = {
    "templates": T("文件夹", "DIR"), "jobs": T("个数", "N"), "db": T("归档库", "DB"), "year": T("年度", "YEAR"), "param": T("键=值", "KEY=VALUE"), "round_no": T("轮次", "N"),
    "compiled_by": T("单位", "NAME"),
    "lang": T("zh|en", "zh|en"), "out_dir": T("文件夹", "DIR"), "data": T("文件", "FILE"),
    "indicators": T("文件", "FILE"), "projects": T("文件", "FILE"), "out_file": T("文件", "FILE"),
    "report": T("文件", "FILE"), "annotate": T("文件夹", "DIR"), "departments": T("名册", "ROSTER"),
    "fmt": T("格式", "FORMAT"), "out_path": T("文件", "FILE"), "reason": T("原因", "REASON"),
    "by": T("姓名", "NAME"), "department": T("单位编码", "CODE"), "version": T("版本", "N"),
    "username": T("用户名", "NAME"),
    "template": T("模板", "TEMPLATE"), "code": T("代码", "CODE"), "cell": T("单元格", "CELL"),
    "note": T("说明", "NOTE"), "host": T("地址", "HOST"), "port": T("端口", "PORT"),
    "paths": T("模板", "TEMPLATE"), "names": T("模板", "TEMPLATE"), "workbook": T("报表", "WORKBOOK"),
    "returns": T("报表", "RETURN"), "files": T("文件", "FILE"),
    "task_id": T("编号", "N"), "name": T("名称", "NAME"), "deadline": T("日期", "DATE"), "roster": T("单位表", "FILE"),
    "links issue.departments": T("单位编码", "CODE"), "base_url": T("地址", "URL"), "link_ids": T("链接编号", "LINK"),
    "return_id": T("编号", "ID"), "comment": T("意见", "TEXT"), "finding": T("序号", "N"), "limit": T("条数", "N"),
}

# -- the help page's own words
USAGE = T("用法", "Usage")
ARGUMENTS = T("参数", "Arguments")
OPTIONS = T("选项", "Options")
COMMANDS = T("命令", "Commands")
OPTION_WORD = T("选项", "OPTIONS")
COMMAND_WORD = T("命令", "COMMAND")
REQUIRED = T("（必填）", " (required)")
DEFAULT = T("（默认 {value}）", " (default {value})", ("value",))

# -- levels and statuses shown in tables
LEVELS: dict[str, Text] = {"error": T("错误", "error"), "warning": T("警告", "warning"), "note": T("提示", "note")}
STATUS_EN: dict[str, str] = {"未交": "not returned", "格式错误": "wrong format", "待修改": "needs fixing",
                             "已通过": "passed"}

# -- table headers
H_CODE = T("代码", "code")
H_LEVEL = T("级别", "level")
H_SHEET = T("工作表", "sheet")
H_CELL = T("单元格", "cell")
H_MESSAGE = T("说明", "message")
H_NAME = T("名称", "name")
H_VALUE = T("填报值", "value")
H_FILE = T("文件", "file")
H_DEPT_CODE = T("单位编码", "code")
H_DEPT_NAME = T("单位名称", "department")
H_VERSION = T("版本", "version")
H_STATUS = T("状态", "status")
H_ERRORS = T("错误", "errors")
H_WARNINGS = T("警告", "warnings")
H_RECEIVED = T("收到时间", "received")
H_COUNT = T("数量", "count")
H_SHEET_ROWS = T("行数", "rows")
H_BUDGET = T("全年预算数", "budget")
H_ACTUAL = T("全年执行数", "actual")
H_AVERAGE = T("平均总分", "average total")

# -- summaries and messages
VERIFY_SUMMARY = T("共 {total} 份报表：{passed} 份通过（其中 {with_warnings} 份有警告），{needs_fix} 份待修改，"
                   "{unreadable} 份格式错误",
                   "{total} return(s): {passed} passed ({with_warnings} with warnings), {needs_fix} need fixing, "
                   "{unreadable} in the wrong format",
                   ("total", "passed", "with_warnings", "needs_fix", "unreadable"))
RETURN_LINE = T("{path} — {status}：{errors} 个错误，{warnings} 个警告", "{path} — {status}: {errors} error(s), "
                "{warnings} warning(s)", ("path", "status", "errors", "warnings"))
RETURN_CLEAN = T("✓ {path} — {status}（无问题）", "✓ {path} — {status} (no problems)", ("path", "status"))
NOTES_GROUPED = T("{count} 条提示：{brief}，见 --verbose", "{count} note(s): {brief}; see --verbose",
                  ("count", "brief"))
FINDINGS_WRITTEN = T("问题清单已写入 {path}", "findings written to {path}", ("path",))
PACKAGED = T("{count} 份退回表格（有错误或警告）在 {folder}，打包为 {archive}",
             "{count} return package(s) (errors or warnings) in {folder}, zipped as {archive}", ("count", "folder", "archive"))
ANNOTATED = T("已在 {folder} 写出 {count} 份带批注的副本（有错误或警告的报表）",
              "{count} annotated copies (returns with errors or warnings) in {folder}", ("count", "folder"))
BUILT = T("已生成 {path}", "built {path}", ("path",))
WROTE = T("已写出 {path}", "wrote {path}", ("path",))
WROTE_ROWS = T("已写出 {path}：{rows} 行", "wrote {path}: {rows} row(s)", ("path", "rows"))
LINT_CLEAN = T("{count} 个模板无问题", "{count} template(s) clean", ("count",))
LINT_PROBLEMS = T("{count} 个问题", "{count} problem(s)", ("count",))
NO_SUCH_PATH = T("{path}：文件不存在", "{path}: no such file or folder", ("path",))
NOT_A_FOLDER = T("{path}：不是文件夹", "{path}: not a folder", ("path",))
BAD_RECORD = T("{path}：无法读取记录文件：{reason}", "{path}: cannot read the record: {reason}", ("path", "reason"))
ONE_TEMPLATE = T("--data 的单位表只能配合一个模板使用", "department data needs exactly one template")
BAD_FORMAT = T("--format 只能是 csv 或 json（不是 {fmt}）", "unknown format {fmt} (csv or json)", ("fmt",))
BAD_LANG = T("--lang 只能是 zh 或 en（不是 {lang}）", "unknown language {lang} (zh or en)", ("lang",))
NOT_A_FORM = T("{path}：{code} {reason}", "{path}: {code} {reason}", ("path", "code", "reason"))
OUTPUT_IS_FOLDER = T("{path}：是文件夹，请给出文件名", "{path}: is a folder; give a file name", ("path",))
OUTPUT_EXISTS = T("{path}：文件已存在，未覆盖；如需覆盖请加 --force", "{path}: file exists; use --force to overwrite",
                  ("path",))
ARCHIVE_SHOWN = T("归档库：{url}", "archive: {url}", ("url",))
NO_ARCHIVE_HERE = T("没有归档库 {url}，请用 --db 指定", "no archive at {url}: give --db", ("url",))
CANNOT_OPEN_ARCHIVE = T("无法打开归档库 {url}：{reason}", "cannot open the archive {url}: {reason}", ("url", "reason"))
BAD_TZ = T("未知的时区 {tz}", "unknown time zone {tz}", ("tz",))
BUILDING = T("生成", "building")
VERIFYING = T("核查", "verifying")
COLLECTING = T("归档", "collecting")
# build --data
BATCH_BUILT = T("已生成", "built")
BATCH_SKIPPED = T("已存在未覆盖（--force 覆盖）", "skipped (exists; --force to overwrite)")
BATCH_NOT_BUILT = T("数据有误未生成", "not built (bad data)")
BATCH_FAILED = T("生成失败", "failed")
BATCH_WARNINGS = T("数据警告", "data warnings")
BATCH_NOTES = T("数据提示", "data notes")
BUILD_FAILED = T("{code}：生成失败：{reason}", "{code}: failed: {reason}", ("code", "reason"))
# collect
COLLECT_SUMMARY = T("共 {total} 个文件：归档 {stored} 份新版本，{again} 份已归档过，{unreadable} 份格式错误，"
                    "{skipped} 份未归档",
                    "{total} file(s): {stored} new version(s), {again} kept already, {unreadable} in the wrong format, "
                    "{skipped} not archived", ("total", "stored", "again", "unreadable", "skipped"))
STATE_KEPT_ALREADY = T("{status}（同一文件已归档，未重复保存）", "{status} (the same file is kept already)", ("status",))
STATE_NOT_STORED = T("未归档（无法确定年度）", "not archived (no year: give --year)")
STATE_REFUSED = T("未归档（预填内容与财政局签名不符）", "not archived (the pre-fill contradicts the bureau's signature)")
STATE_UNSIGNED = T("未归档（预填内容没有财政局签名）", "not archived (the pre-fill is not signed by the bureau)")
REFUSED_LINE = T("{path}：未归档，{code} {message}", "{path}: not archived, {code} {message}", ("path", "code", "message"))
TWO_FILES = T("单位 {department} 同一批有 {count} 个文件（{files}），按填报日期和文件时间以 {latest} 为最新版本",
              "department {department} sent {count} files in this batch ({files}); by 填报日期 and file time "
              "{latest} is the latest", ("department", "count", "files", "latest"))
# status
STATUS_TITLE = T("{year} 年度收表情况", "{year} returns", ("year",))
STATUS_COUNTS = T("{total} 个单位：{counts}", "{total} department(s): {counts}", ("total", "counts"))
# summary
SUMMARY_TITLE = T("{year} 年度汇总表", "{year} summary", ("year",))
SUMMARY_EMPTY = T("{year} 年度没有已归档的报表", "no returns archived for {year}", ("year",))
NOT_RECOMPUTED = T("{item}：无法重新计算，已在备注中说明", "{item}: could not be recomputed (see the note)", ("item",))
SUMMARY_WROTE = T("已写出 {path}：{returns} 份报表，{findings} 个未解决的问题",
                  "wrote {path}: {returns} return(s), {findings} open finding(s)", ("path", "returns", "findings"))
# void / confirm
VOIDED = T("已作废 单位 {department} {template} 第 {version} 版（{filename}）：{reason}",
           "voided department {department} {template} version {version} ({filename}): {reason}",
           ("department", "template", "version", "filename", "reason"))
VOID_NOTHING = T("{path}：归档库中没有由此文件归档的版本", "{path}: no archived version of this file", ("path",))
VOID_WHICH = T("请给出文件，或同时给出 --department 和 --version", "give files, or --department and --version")
NO_SUCH_VERSION = T("{year} 年度没有单位 {department} 的第 {version} 版", "no version {version} of {department} in {year}",
                    ("year", "department", "version"))
NO_RETURN = T("{year} 年度没有单位 {department} 的有效报表", "no current return of {department} in {year}",
              ("year", "department"))
SEVERAL_TEMPLATES = T("单位 {department} 报送了多种表（{templates}），请用 --template 指定",
                      "{department} sent several forms ({templates}): give --template", ("department", "templates"))
NO_SUCH_WARNING = T("单位 {department} 第 {version} 版没有警告 {code}{cell}",
                    "version {version} of {department} has no warning {code}{cell}",
                    ("department", "version", "code", "cell"))
CONFIRMED = T("已核实 单位 {department} 第 {version} 版的警告 {code}（{count} 条），未解决的警告还有 {open} 条",
              "checked warning {code} of {department} version {version} ({count}); {open} warning(s) still open",
              ("department", "version", "code", "count", "open"))
NEED_BY = T("请用 --by 给出经办人姓名", "give --by NAME")
NEED_REASON = T("请用 --reason 给出作废原因", "give --reason")

#: Short descriptions of notes, for the grouped line (a note whose message has no values
#: is described by the message itself).
NOTE_BRIEFS: dict[str, Text] = {
    "D203": T("年度指标值按定性指标处理", "targets read as qualitative"),
    "V108": T("文件未经电子表格软件计算保存，已按填报内容重新计算核对",
              "no saved values: verified from the inputs"),
}

# -- mistakes on the command line (click's usage errors, in the invocation's language)
ERR_LINE = T("错误：{message}。用 {command} --help 查看说明。", "Error: {message}. See {command} --help.",
             ("message", "command"))
ERR_MISSING_OPTION = T("缺少选项 {name}", "missing option {name}", ("name",))
ERR_MISSING_ARGUMENT = T("缺少{name}", "missing {name}", ("name",))
ERR_NO_SUCH_OPTION = T("没有选项 {name}{hint}", "no such option {name}{hint}", ("name", "hint"))
ERR_DID_YOU_MEAN = T("（是否想用 {names}）", " (did you mean {names})", ("names",))
ERR_BAD_VALUE = T("{name} 的值不对：{detail}", "bad value for {name}: {detail}", ("name", "detail"))
ERR_NOT_A_NUMBER = T("应为整数", "must be a whole number")
ERR_NO_SUCH_COMMAND = T("没有命令 {name}", "no such command {name}", ("name",))

# -- the portal from the command line (jixiao task / links / review / audit)
PORTAL_REFUSED = T("未执行：{message}{code}", "refused: {message}{code}", ("message", "code"))
H_TASK = T("编号", "task")
H_YEAR = T("年度", "year")
H_TEMPLATE = T("模板", "template")
H_DEADLINE = T("截止日期", "deadline")
H_FORMS = T("预填表", "forms")
H_RETURN = T("报表编号", "return")
H_COMMENT = T("退回意见", "comment")
H_LINK = T("链接编号", "link")
H_LINK_URL = T("填报链接", "link")
H_ISSUED = T("发放时间", "issued")
H_EXPIRES = T("到期时间", "expires")
TASK_CREATED = T("已新建填报任务 {task}：{name}（{year} 年度，模板 {template}，截止 {deadline}）",
                 "created task {task}: {name} ({year}, template {template}, deadline {deadline})",
                 ("task", "name", "year", "template", "deadline"))
ROSTER_PROBLEM = T("第 {row} 行 {column}：{code} {message}", "row {row} {column}: {code} {message}",
                   ("row", "column", "code", "message"))
ROSTER_SAVED = T("任务 {task} 的单位表已保存：{count} 个单位，其中 {buildable} 个可生成预填表；{problems} 个问题",
                 "task {task} roster saved: {count} department(s), {buildable} buildable; {problems} problem(s)",
                 ("task", "count", "buildable", "problems"))
TASK_BUILT = T("任务 {task}：已生成 {count} 份预填表", "task {task}: built {count} form(s)", ("task", "count"))
TASK_BUILD_FAILED = T("任务 {task}：预填表生成失败：{reason}", "task {task}: building failed: {reason}", ("task", "reason"))
RECEIVED = T("已收到单位 {department} 的报表：第 {version} 版，{state}，{errors} 个错误，{warnings} 个警告{again}",
             "received {department}'s return: version {version}, {state}, {errors} error(s), {warnings} warning(s){again}",
             ("department", "version", "state", "errors", "warnings", "again"))
RECEIVED_AGAIN = T("（与已收到的文件完全相同，未重复保存）", " (the same file as before: not stored twice)")
RECEIVE_REFUSED = T("单位 {department} 的报表未被接收：{state}", "{department}'s return was refused: {state}",
                    ("department", "state"))
LINKS_ISSUED = T("已发放 {count} 个链接，截止 {deadline}；链接只显示这一次，请现在保存或打印",
                 "issued {count} link(s), deadline {deadline}; shown this once: save or print them now",
                 ("count", "deadline"))
LINKS_WRITTEN = T("链接清单已写入 {path}（{count} 个单位）", "links written to {path} ({count})", ("path", "count"))
LINK_LIVE = T("有效", "live")
LINK_REVOKED = T("已撤销", "revoked")
LINK_EXPIRED = T("已过期", "expired")
LINK_REVOKED_NOW = T("已撤销任务 {task} 的链接 {link}", "revoked link {link} of task {task}", ("task", "link"))
REVIEW_WHICH = T("请用 --return 给出报表编号，或用 --department 给出单位编码", "give --return or --department")
NO_CURRENT_RETURN = T("任务 {task} 中单位 {department} 没有当前报表", "no current return of {department} in task {task}",
                      ("task", "department"))
REVIEWED: dict[str, Text] = {
    "send_back": T("已退回 单位 {department} 第 {version} 版：{comment}", "sent back {department} version {version}: {comment}",
                   ("department", "version", "comment")),
    "void": T("已作废 单位 {department} 第 {version} 版：{comment}", "voided {department} version {version}: {comment}",
              ("department", "version", "comment")),
    "verified": T("已核实 单位 {department} 第 {version} 版的问题 [{finding}]",
                  "checked finding [{finding}] of {department} version {version}", ("department", "version", "finding")),
}
RETURN_SHOWN = T("单位 {department} {name} 第 {version} 版（报表编号 {id}）：{status}，收到于 {received}",
                 "{department} {name} version {version} (return {id}): {status}, received {received}",
                 ("department", "name", "version", "id", "status", "received"))
PASSWORD_PROMPT = T("密码（至少 {count} 个字符）", "password (at least {count} characters)", ("count",))
PASSWORD_AGAIN = T("再输入一次密码", "the password again")
ACCOUNT_CREATED = T("已建立财政局账户 {user}；用 jixiao serve 启动后以此账户登录", "created the bureau account {user}; "
                    "log in with it once jixiao serve runs", ("user",))
RETURN_VOIDED = T("此版本已作废", "this version is voided")
RETURN_SENT_BACK = T("已退回修改：{comment}", "sent back: {comment}", ("comment",))
