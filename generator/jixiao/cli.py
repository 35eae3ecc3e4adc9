"""The ``jixiao`` command line: each command parses its options, calls one documented API
function, and prints.

    jixiao lint TEMPLATE...            jixiao.lint.lint_paths
    jixiao build TEMPLATE... --out DIR jixiao.build.build_templates
    jixiao build TEMPLATE --data departments.xlsx --out DIR   jixiao.batch.build_from_data
    jixiao init-data TEMPLATE          jixiao.init_data.init_data
    jixiao read WORKBOOK [--json|--yaml]  jixiao.read.record.open_return
    jixiao verify RETURN... [--json]   jixiao.verify.verify_paths (exit 0 clean, 1 errors, 2 unreadable)
    jixiao collect RETURN... [--db]    jixiao.collect.collect_files
    jixiao status --year Y [--db]      jixiao.archive.Archive.status
    jixiao export --year Y [--db]      jixiao.export.export_year
    jixiao summary --year Y [--out]    jixiao.summary.write_summary

Every command that reads templates takes ``--templates DIR`` (before or after the command
name; also ``$JIXIAO_TEMPLATES``), passed down as a :class:`TemplateSearchPath`.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .codes import read as R
from .paths import TemplateSearchPath
from .terminal import Session, open_archive, progress_bar, session

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="jixiao（绩效）：预算绩效自评表的生成、读取与核查 (budget performance self-evaluation "
                       "forms: build, read, verify).")


TemplateDirs = Annotated[list[Path] | None, typer.Option(
    "--templates", metavar="DIR", help="自定义模板所在文件夹，先于 ./templates 和内置模板查找；可重复 "
    "(a folder of your own variants, searched first; repeatable; also $JIXIAO_TEMPLATES).")]
Jobs = Annotated[int | None, typer.Option("--jobs", help="并行进程数，默认使用全部 CPU 核 (worker processes).")]
Db = Annotated[str | None, typer.Option(
    "--db", help="归档库地址，默认 sqlite:///jixiao.sqlite，也可为 postgresql://… (archive URL).")]
Year = Annotated[int, typer.Option("--year", help="报表年度 (reporting year).")]


#: Exit code of an error no command expected (0 clean, 1 findings, 2 unreadable or refused).
INTERNAL_EXIT = 3
INTERNAL = R.R098


def no_returns(paths: list[Path]) -> str:
    """The R016 line for ``verify``/``collect`` given nothing to read."""
    shown = ", ".join(str(p) for p in paths)[:300]
    message = R.R016.format(**R.detail(shown, shown))
    return f"{message.code}: {message.zh} ({message.en})"


@app.callback()
def _options(ctx: typer.Context, templates: TemplateDirs = None,
             debug: Annotated[bool, typer.Option("--debug", help="内部错误时显示完整的调用栈 "
                                                 "(show the traceback of an internal error).")] = False) -> None:
    """jixiao（绩效）：预算绩效自评表的生成、读取与核查 (build, read, verify)."""
    s = session(ctx)
    s.templates = list(templates or [])
    for folder in s.templates:
        if not folder.is_dir():
            s.fail(f"{folder}: 不是文件夹 (not a folder)")


@app.command()
def lint(ctx: typer.Context,
         paths: Annotated[list[Path], typer.Argument(help="模板文件或文件夹 (template files or folders).")],
         templates: TemplateDirs = None) -> None:
    """检查模板，每个问题一行：文件:行:列 代码 说明 (check templates: file:line:col CODE message).

    退出码 0 无问题，1 有问题，2 路径不存在 (exit 0 clean, 1 problems, 2 no such path).
    """
    from .lint import lint_paths, lint_targets

    s = session(ctx)
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        s.err.print(escape(f"{p}: 文件不存在 (no such file or folder)"))
    if missing:
        raise typer.Exit(2)
    problems = lint_paths(paths, s.search(templates))
    for p in problems:
        print(p)
    if problems:
        s.fail(f"{len(problems)} problem(s)", 1)
    s.err.print(f"{len(lint_targets(paths))} template(s) clean")


@app.command()
def build(
    ctx: typer.Context,
    names: Annotated[list[Path], typer.Argument(
        metavar="TEMPLATES...", help="模板文件、模板 id 或文件夹 (template files, ids or folders).")],
    out_dir: Annotated[Path, typer.Option("--out", help="输出文件夹 (output folder).")] = Path("dist"),
    data: Annotated[Path | None, typer.Option(
        "--data", help="单位数据表（.xlsx/.csv，每个单位生成一份）或记录文件（.json/.yaml，预填）"
        " (department data, or a record to pre-fill).")] = None,
    indicators: Annotated[Path | None, typer.Option(
        "--indicators", help="单独的指标表 .xlsx/.csv (indicator table).")] = None,
    projects: Annotated[Path | None, typer.Option(
        "--projects", help="单独的项目表 .xlsx/.csv (project table).")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件 (overwrite existing files).")] = False,
    jobs: Jobs = None,
    templates: TemplateDirs = None,
) -> None:
    """生成空白（或预填）的自评表；配合 --data 单位数据表为每个单位生成一份 (build workbooks).

    --data departments.xlsx（单位、指标、项目表，见 jixiao init-data）：每个无误的单位生成
    DIR/<编码>_<名称>.xlsx；有误的行按文件、行、列报告，其余照常生成。有失败时退出码 1
    (bad rows are reported by file, row and column; the others still build; exit 1 when anything failed).
    """
    from .batch import DATA_TABLE_SUFFIXES

    s = session(ctx)
    search = s.search(templates)
    if data is not None and data.suffix.lower() in DATA_TABLE_SUFFIXES:
        if len(names) != 1:
            s.fail("--data 的单位表只能配合一个模板使用 (department data needs exactly one template)")
        _build_batch(s, names[0], data, indicators, projects, out_dir, force=force, jobs=jobs, search=search)
        return
    from .build import build_templates
    from .read.record import Record

    prefill = values = None
    if data is not None:
        try:
            record = Record.load(data)
        except (OSError, ValueError) as exc:
            s.fail(f"{data}: 无法读取记录文件 (cannot read record): {exc}")
        prefill, values = record.prefill, record.values
    outcomes = build_templates(names, out_dir, force=force, prefill=prefill, values=values, search=search)
    for o in outcomes:
        if o.path is not None:
            s.out.print(escape(f"built {o.path}"))
        for line in o.problems:
            s.err.print(escape(line))
    if any(o.path is None for o in outcomes):
        raise typer.Exit(1)


def _build_batch(s: Session, template: Path, data: Path, indicators: Path | None, projects: Path | None,
                 out_dir: Path, *, force: bool, jobs: int | None, search: TemplateSearchPath) -> None:
    from .batch import build_from_data

    with s.refusals(), progress_bar(s.err, "生成 building") as progress:
        run = build_from_data(template, data, out_dir, indicators=indicators, projects=projects, force=force,
                              jobs=jobs, search=search, on_progress=progress)
    for problem in run.problems:
        s.err.print(("[red]" if problem.severity == "error" else "[yellow]") + escape(str(problem)))
    for code, reason in run.result.failed:
        s.err.print(f"[red]{escape(code)}: 生成失败 (failed): {escape(reason)}")
    table = Table("", "count", title=escape(f"{run.template_id} → {out_dir}"))
    table.add_row("已生成 built", str(len(run.result.built)))
    table.add_row("已存在未覆盖 skipped (exists; --force to overwrite)", str(len(run.result.skipped)))
    table.add_row("数据有误未生成 not built (bad data)", str(run.not_built))
    table.add_row("生成失败 failed", str(len(run.result.failed)))
    table.add_row("数据提示 warnings", str(sum(p.severity == "warning" for p in run.problems)))
    s.out.print(table)
    if not run.ok:
        raise typer.Exit(1)


@app.command("init-data")
def init_data(
    ctx: typer.Context,
    template: Annotated[Path, typer.Argument(help="模板文件或模板 id (template file or id).")],
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="输出的 .xlsx，默认 <id>-单位数据.xlsx (output file).")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件 (overwrite an existing file).")] = False,
    templates: TemplateDirs = None,
) -> None:
    """生成空白的单位数据表（表头、数据验证、示例行），填好后用于 build --data
    (write the empty department data workbook of a template)."""
    from .init_data import init_data as write

    s = session(ctx)
    with s.refusals():
        path = write(template, out_file, force=force, search=s.search(templates))
    s.out.print(escape(f"wrote {path}"))


@app.command()
def read(
    ctx: typer.Context,
    workbook: Annotated[Path, typer.Argument(help="填好的自评表 .xlsx (a filled workbook).")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出记录 (print the record as JSON).")] = False,
    as_yaml: Annotated[bool, typer.Option("--yaml", help="以 YAML 输出记录 (print the record as YAML).")] = False,
    templates: TemplateDirs = None,
) -> None:
    """读出填报记录：按定义名列出每个填报值 (extract the record of a filled workbook).

    JSON/YAML 记录（docs/record.md）可用于 jixiao build --data record.json 预填
    (the record pre-fills `jixiao build --data record.json`).
    """
    from .read import UnreadableWorkbook
    from .read.record import NotAForm, open_return

    s = session(ctx)
    try:
        ret = open_return(workbook, search=s.search(templates))
    except (UnreadableWorkbook, NotAForm) as exc:
        s.fail(f"{workbook}: {exc}")
    if as_json:
        print(ret.record.to_json())
        return
    if as_yaml:
        print(ret.record.to_yaml(), end="")
        return
    table = Table("name", "cell", "value", title=escape(
        f"{workbook} ({ret.record.template_id} v{ret.record.template_version})"))
    for cell in ret.layout.inputs():
        if cell.name in ret.record.values:
            table.add_row(cell.name, f"{cell.sheet}!{cell.address}", escape(str(ret.record.values[cell.name])))
    s.out.print(table)


@app.command()
def verify(
    ctx: typer.Context,
    returns: Annotated[list[Path], typer.Argument(help="收回的报表文件或文件夹 (returned workbooks or folders).")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出问题 (print findings as JSON).")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="把问题清单写入此 .xlsx (write findings to this .xlsx).")] = None,
    annotate: Annotated[Path | None, typer.Option(
        "--annotate", help="在此文件夹写出带批注的副本 (write commented copies here).")] = None,
    jobs: Jobs = None,
    templates: TemplateDirs = None,
) -> None:
    """核查收回的报表：重算每个数值、检查每条规则、发现篡改 (verify returns).

    退出码 0 全部无误，1 有错误，2 有文件无法读取 (exit 0 clean, 1 errors, 2 unreadable).
    """
    from .verify import verify_paths

    s = session(ctx)
    search = s.search(templates)
    with progress_bar(s.err, "核查 verifying") as progress:
        results = verify_paths(returns, jobs=jobs, search=search, on_progress=progress)
    if not results:
        s.fail(no_returns(returns))
    if as_json:
        print(json.dumps([{"path": str(r.path), "template_id": r.template_id, "status": r.status,
                           "errors": r.errors, "warnings": r.warnings,
                           "findings": [f.to_dict() for f in r.findings]} for r in results],
                         ensure_ascii=False, indent=2, default=str))
    else:
        for r in results:
            if not r.findings:
                s.out.print(f"✓ {escape(str(r.path))} — {r.status}（无问题）")
                continue
            table = Table("code", "severity", "sheet", "cell", "message", title=f"{escape(str(r.path))} — {r.status}")
            for column in table.columns:
                column.overflow = "fold"  # wrap, never cut
            table.columns[2].max_width = 12
            table.columns[4].ratio = 1  # the message takes the room that is left
            for f in r.findings:
                table.add_row(f.code, f.severity, escape(f.sheet or ""), f.cell or "", escape(f.message_zh))
            s.out.print(table)
        s.out.print(f"{len(results)} return(s): {sum(not r.errors and not r.unreadable for r in results)} clean, "
                    f"{sum(bool(r.errors) and not r.unreadable for r in results)} with errors, "
                    f"{sum(r.unreadable for r in results)} unreadable")
    if report is not None:
        from .reports import write_findings_report

        write_findings_report(results, report)
        s.err.print(escape(f"findings written to {report}"))
    if annotate is not None:
        from .reports import annotate_copies

        failed: list[tuple[Path, str]] = []
        copies = annotate_copies(results, annotate, failed)
        s.err.print(escape(f"{len(copies)} annotated copies (returns with errors or warnings) in {annotate}"))
        for path, reason in failed:
            s.err.print(escape(f"{path}: 无法生成带批注的副本 (no annotated copy): {reason}"))
    if any(r.unreadable for r in results):
        raise typer.Exit(2)
    if any(r.errors for r in results):
        raise typer.Exit(1)


@app.command()
def collect(
    ctx: typer.Context,
    returns: Annotated[list[Path], typer.Argument(help="收回的报表文件或文件夹 (returned workbooks or folders).")],
    db: Db = None,
    year: Annotated[int | None, typer.Option(
        "--year", help="报表年度，默认取模板的年度 (reporting year; default: the template's).")] = None,
    jobs: Jobs = None,
    templates: TemplateDirs = None,
) -> None:
    """核查收回的报表并存入归档库；重新报送的是新版本，同一文件不重复保存
    (verify returns and archive them; a resubmission is a new version)."""
    from .collect import collect_files

    s = session(ctx)
    search = s.search(templates)
    with open_archive(s, db) as archive, progress_bar(s.err, "归档 collecting") as progress:
        results = collect_files(returns, archive, year=year, jobs=jobs, search=search, on_progress=progress)
    if not results:
        s.fail(no_returns(returns))
    table = Table("file", "department", "version", "status", "errors", "warnings")
    for column in table.columns:
        column.overflow = "fold"  # wrap, never cut: the file name and status must be readable
    for r in results:
        stored = r.stored
        if stored is None:
            state = "未归档（无法读取）"
        elif not stored.created:
            state = f"{r.verification.status}（同一文件已归档，未重复保存）"
        else:
            state = r.verification.status
        table.add_row(escape(str(r.path)), escape(stored.department_code) if stored else "",
                      str(stored.version) if stored else "", state,
                      str(r.verification.errors), str(r.verification.warnings))
    s.out.print(table)
    if any(r.stored is None for r in results):
        raise typer.Exit(2)


@app.command()
def status(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    departments: Annotated[Path | None, typer.Option(
        "--departments", help="单位名册：含 单位编码、单位名称 的 .xlsx/.csv，未报送的单位也列出 "
        "(the roster; departments that sent nothing are listed as 未交).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 (print as JSON).")] = False,
) -> None:
    """收表情况：未交 / 待修改 / 已通过 (who has returned, who must resubmit)."""
    from .dataset import read_roster

    s = session(ctx)
    roster = None
    if departments is not None:
        with s.refusals():
            roster = read_roster(departments)
    with open_archive(s, db, existing=True) as archive:
        rows = archive.status(year, roster)
    if as_json:
        print(json.dumps([{"department_code": r.department_code, "department_name": r.department_name,
                           "status": r.status, "version": r.version, "errors": r.error_count,
                           "warnings": r.warning_count} for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table("code", "name", "status", "version", "errors", "warnings", title=f"{year} 收表情况")
    for column in table.columns:
        column.overflow = "fold"
    for r in rows:
        sent = r.version is not None  # 未交: no counts to show
        table.add_row(escape(r.department_code), escape(r.department_name), r.status, str(r.version or ""),
                      str(r.error_count) if sent else "", str(r.warning_count) if sent else "")
    s.out.print(table)


@app.command()
def export(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    fmt: Annotated[str, typer.Option("--format", help="csv 或 json (csv or json).")] = "csv",
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="写入此文件，默认打印 (write to this file; default: print).")] = None,
) -> None:
    """导出每个单位最新一版报表的数据（每行一个单位），CSV 或 JSON
    (export the latest return of every department as flat rows).

    CSV 为带 BOM 的 UTF-8，Excel 和 WPS 可直接打开；先是固定列（单位、状态、版本…），
    再是按名称排序的 record.* 列 (fixed columns first, then record.* sorted).
    """
    from .export import FORMATS, export_year

    s = session(ctx)
    if fmt not in FORMATS:
        s.fail(f"--format 只能是 csv 或 json (unknown format {fmt!r})")
    with open_archive(s, db, existing=True) as archive:
        exported = export_year(archive, year, fmt=fmt, out=out_file)
    if out_file is None:
        sys.stdout.write(exported.text)
    else:
        s.err.print(escape(f"wrote {out_file}: {exported.rows} row(s)"))


@app.command()
def summary(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    out_path: Annotated[Path, typer.Option("--out", help="汇总表文件 (summary workbook to write).")] = Path(
        "汇总表.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件 (overwrite an existing file).")] = False,
    templates: TemplateDirs = None,
) -> None:
    """生成年度汇总表：每个单位最新一版、图表、未解决的问题 (write the year's summary workbook).

    文件已存在且未加 --force 时退出码 2 (exit 2 when the output exists and --force is not given).
    """
    from .summary import write_summary

    s = session(ctx)
    search = s.search(templates)
    with s.refusals(), open_archive(s, db, existing=True) as archive:
        stats = write_summary(archive, year, out_path, force=force, search=search)
    table = Table("sheet", "rows", "A", "B", "average total", "待修改", title=f"{year} 汇总表")
    for v in stats.variants:
        table.add_row(escape(v.sheet), str(v.departments), f"{v.budget_total:.2f}", f"{v.actual_total:.2f}",
                      "" if v.average_total is None else f"{v.average_total:.2f}", str(v.needs_fix))
    s.out.print(table)
    if not stats.returns:
        s.err.print(f"{year} 年度没有已归档的报表 (no returns archived for {year})")
    for item in stats.not_recomputed:
        s.err.print(f"{escape(item)}: 无法重新计算，已在备注中说明 (could not be recomputed)")
    s.out.print(escape(f"wrote {out_path}: {stats.returns} return(s), {stats.findings} open finding(s)"))


def main() -> int:
    """The console entry: an exception no command expected is exit 3 with one line
    (the traceback only with ``--debug``), never confused with 1 (findings) or 2 (unreadable)."""
    debug = "--debug" in sys.argv[1:]
    if debug:
        sys.argv.remove("--debug")
    try:
        app(prog_name="jixiao")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc()
        message = INTERNAL.format(error=f"{type(exc).__name__}: {str(exc)[:300]}")
        print(f"jixiao: {message.zh} ({message.en})".replace("\n", " "), file=sys.stderr)
        return INTERNAL_EXIT
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
