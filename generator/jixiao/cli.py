"""The ``jixiao`` command line. Each command calls the Python API of the same name.

    jixiao lint TEMPLATE...            check templates; file:line:col CODE message
    jixiao build TEMPLATE... --out DIR build blank (or pre-filled) workbooks
    jixiao build TEMPLATE --data departments.xlsx --out DIR   one workbook per department
    jixiao init-data TEMPLATE          the empty department data workbook (单位, 项目, 指标)
    jixiao read WORKBOOK [--json|--yaml]  extract the record of a filled workbook
    jixiao verify RETURN... [--json]   verify returns; exit 0 clean, 1 errors, 2 unreadable
    jixiao collect RETURN... [--db]    verify and archive returns (versions, never overwrites)
    jixiao status --year Y [--db]      未交 / 待修改 / 已通过 per department
    jixiao export --year Y [--db]      latest returns as CSV or JSON
    jixiao summary --year Y [--out]    summary workbook (汇总表) of the latest returns
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .build import OutputExists, build_template, template_paths
from .lint import lint_paths, lint_targets
from .reader import NotAForm, Record, open_return
from .templates import LoadedTemplate, TemplateError, load_template
from .verify import Verification, verify_file
from .xlsxpkg import UnreadableWorkbook

if TYPE_CHECKING:
    from .archive import Archive

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="jixiao (绩效): budget performance self-evaluation forms — build, read, verify.")
err = Console(stderr=True)
out = Console()


@app.callback()
def _options(
    templates: Annotated[Path | None, typer.Option(
        "--templates", help="A folder of your own variants (searched before ./templates and the shipped ones "
        "when reading returns; also $JIXIAO_TEMPLATES).")] = None,
) -> None:
    """jixiao (绩效): budget performance self-evaluation forms — build, read, verify."""
    if templates is not None:
        from .paths import TEMPLATES_ENV

        if not templates.is_dir():
            err.print(f"{templates}: 不是文件夹 (not a folder)")
            raise typer.Exit(2)
        os.environ[TEMPLATES_ENV] = os.pathsep.join(
            [str(templates.resolve()), *filter(None, os.environ.get(TEMPLATES_ENV, "").split(os.pathsep))])


@app.command()
def lint(paths: Annotated[list[Path], typer.Argument(help="Template files or folders.")]) -> None:
    """Check templates and print every problem as `file:line:col CODE message`.

    Exit 0 when clean, 1 when problems were found, 2 when a path does not exist.
    """
    missing = [p for p in paths if not p.exists()]
    if missing:
        for p in missing:
            err.print(f"{p}: 文件不存在 (no such file or folder)")
        raise typer.Exit(2)
    problems = lint_paths(paths)
    for p in problems:
        print(p)
    if problems:
        err.print(f"{len(problems)} problem(s)")
        raise typer.Exit(1)
    n = len(lint_targets(paths))
    err.print(f"{n} template(s) clean")


@app.command()
def build(
    templates: Annotated[list[Path], typer.Argument(help="Template files, ids or folders.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("dist"),
    data: Annotated[Path | None, typer.Option(
        "--data", help="Department data (.xlsx/.csv: one workbook per department) or a record (.json/.yaml).")] = None,
    indicators: Annotated[Path | None, typer.Option("--indicators", help="Indicator table (.xlsx/.csv).")] = None,
    projects: Annotated[Path | None, typer.Option("--projects", help="Project table (.xlsx/.csv).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", help="Worker processes (default: all cores).")] = None,
) -> None:
    """Build the workbook of each template, or one pre-filled workbook per department.

    With --data departments.xlsx (sheets 单位, 指标, 项目; see `jixiao init-data`), every good department row becomes DIR/<编码>_<名称>.xlsx; bad rows are reported by file, row and column and the others still build. Exit 1 when anything failed.
    """
    if data is not None and data.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".xls", ".et", ".ods"):
        if len(templates) != 1:
            err.print("--data 的单位表只能配合一个模板使用 (department data needs exactly one template)")
            raise typer.Exit(2)
        _build_batch(templates[0], data, indicators, projects, out_dir, force=force, jobs=jobs)
        return
    prefill = values = None
    if data is not None:
        try:
            record = Record.load(data)
        except (OSError, ValueError) as exc:
            err.print(f"{data}: 无法读取记录文件 (cannot read record): {exc}")
            raise typer.Exit(2) from None
        prefill, values = record.prefill, record.values
    paths = []
    for t in templates:
        paths.extend(template_paths([t]) if t.exists() else [t])
    failed = 0
    for t in paths:
        try:
            lt = load_template(t)
            path = build_template(lt, out_dir, force=force, prefill=prefill, values=values)
        except TemplateError as exc:
            failed += 1
            for p in exc.problems:
                err.print(str(p))
            continue
        except (OutputExists, FileNotFoundError) as exc:
            failed += 1
            err.print(f"{t}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - a template lint missed: say so, no traceback
            failed += 1
            err.print(f"{t}: 模板无法生成表格，请先运行 jixiao lint (cannot build): {type(exc).__name__}: {exc}")
            continue
        out.print(f"built {path}")
    if failed:
        raise typer.Exit(1)


def _load_template_or_exit(template: Path) -> LoadedTemplate:
    try:
        return load_template(template)
    except TemplateError as exc:
        for p in exc.problems:
            err.print(str(p))
        raise typer.Exit(2) from None
    except FileNotFoundError as exc:
        err.print(f"{template}: {exc}")
        raise typer.Exit(2) from None


def _build_batch(template: Path, data: Path, indicators: Path | None, projects: Path | None, out_dir: Path, *,
                 force: bool, jobs: int | None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from .batch import build_departments
    from .dataset import DataFileError, DataSchema, read_dataset

    lt = _load_template_or_exit(template)
    try:
        dataset = read_dataset(DataSchema.for_template(lt), data, indicators=indicators, projects=projects)
    except DataFileError as exc:
        err.print(str(exc.problem))
        raise typer.Exit(2) from None
    for problem in dataset.problems:
        err.print(("[red]" if problem.severity == "error" else "[yellow]") + escape(str(problem)), soft_wrap=True)
    todo = dataset.buildable
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=True, disable=len(todo) < 2) as progress:
        task = progress.add_task("生成 building", total=len(todo))
        result = build_departments(lt.path, todo, out_dir, force=force, jobs=jobs,
                                   advance=lambda: progress.advance(task))
    for code, reason in result.failed:
        err.print(f"[red]{escape(code)}: 生成失败 (failed): {escape(reason)}")
    # A department is not built when any of its rows has an error; rows without a usable
    # 单位编码 count on their own.
    not_built = len({p.department or f"{p.table}:{p.row}" for p in dataset.errors})
    table = Table("", "count", title=f"{lt.template.id} → {out_dir}")
    table.add_row("已生成 built", str(len(result.built)))
    table.add_row("已存在未覆盖 skipped (exists; --force to overwrite)", str(len(result.skipped)))
    table.add_row("数据有误未生成 not built (bad data)", str(not_built))
    table.add_row("生成失败 failed", str(len(result.failed)))
    table.add_row("数据提示 warnings", str(sum(p.severity == "warning" for p in dataset.problems)))
    out.print(table)
    if dataset.errors or result.failed:
        raise typer.Exit(1)


@app.command("init-data")
def init_data(
    template: Annotated[Path, typer.Argument(help="Template file or id.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Output .xlsx (default <id>-单位数据.xlsx).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the empty department data workbook for a template (headers, validation, an example)."""
    from .dataset import DataSchema
    from .init_data import write_input_workbook

    lt = _load_template_or_exit(template)
    path = out_file or Path(f"{lt.template.id}-单位数据.xlsx")
    if path.exists() and not force:
        err.print(f"{path}: 文件已存在，使用 --force 覆盖 (exists; use --force)")
        raise typer.Exit(2)
    write_input_workbook(DataSchema.for_template(lt), path)
    out.print(f"wrote {path}")


@app.command()
def read(
    workbook: Path,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
    as_yaml: Annotated[bool, typer.Option("--yaml", help="Print the record as YAML.")] = False,
) -> None:
    """Extract the record (every input by its defined name) from a filled workbook.

    The JSON/YAML record (docs/record.md) pre-fills `jixiao build --data record.json`.
    """
    try:
        ret = open_return(workbook)
    except (UnreadableWorkbook, NotAForm) as exc:
        err.print(f"{workbook}: {exc}")
        raise typer.Exit(2) from None
    if as_json:
        print(ret.record.to_json())
        return
    if as_yaml:
        print(ret.record.to_yaml(), end="")
        return
    table = Table("name", "cell", "value", title=f"{workbook} ({ret.record.template_id} v{ret.record.template_version})")
    for cell in ret.layout.inputs():
        if cell.name in ret.record.values:
            table.add_row(cell.name, f"{cell.sheet}!{cell.address}", str(ret.record.values[cell.name]))
    out.print(table)


def _returns(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(x for x in p.rglob("*") if x.is_file() and not x.name.startswith((".", "~$"))))
        else:
            files.append(p)
    return files


def verify_many(files: list[Path], *, jobs: int | None = None) -> list[Verification]:
    """Verify files on all cores with a progress bar; results in the order given."""
    from rich.progress import Progress

    from .pool import worker_pool

    results: list[Verification | None] = [None] * len(files)
    existing = [(i, p) for i, p in enumerate(files) if p.exists()]
    for i, p in enumerate(files):
        if not p.exists():
            results[i] = verify_file(p)  # R001: the file does not exist
    workers = jobs or os.cpu_count() or 1
    with Progress(console=err, transient=True, disable=len(existing) < 2) as progress:
        task = progress.add_task("核查 verifying", total=len(existing))
        if workers == 1 or len(existing) < 4:
            for i, p in existing:
                results[i] = verify_file(p)
                progress.advance(task)
        else:
            with worker_pool(workers) as pool:
                for (i, _), result in zip(existing, pool.map(verify_file, [p for _, p in existing],
                                                              chunksize=4), strict=True):
                    results[i] = result
                    progress.advance(task)
    return [r for r in results if r is not None]


@app.command()
def verify(
    returns: Annotated[list[Path], typer.Argument(help="Returned workbooks or folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Write findings to this .xlsx.")] = None,
    annotate: Annotated[Path | None, typer.Option("--annotate", help="Write commented copies here.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", help="Worker processes (default: all cores).")] = None,
) -> None:
    """Verify returns: recompute every value, check every rule, detect tampering.

    Exit 0 when every return is clean, 1 when any has an error, 2 when a file could not be read.
    """
    results = verify_many(_returns(returns), jobs=jobs)
    if as_json:
        print(json.dumps([{"path": str(r.path), "template_id": r.template_id, "status": r.status,
                           "errors": r.errors, "warnings": r.warnings,
                           "findings": [f.to_dict() for f in r.findings]} for r in results],
                         ensure_ascii=False, indent=2, default=str))
    else:
        for r in results:
            if not r.findings:
                out.print(f"✓ {escape(str(r.path))} — {r.status}（无问题）")
                continue
            table = Table("code", "severity", "sheet", "cell", "message", title=f"{escape(str(r.path))} — {r.status}")
            for column in table.columns:
                column.overflow = "fold"  # wrap, never cut
            table.columns[2].max_width = 12
            table.columns[4].ratio = 1  # the message takes the room that is left
            for f in r.findings:
                table.add_row(f.code, f.severity, escape(f.sheet or ""), f.cell or "", escape(f.message_zh))
            out.print(table)
        out.print(f"{len(results)} return(s): {sum(not r.errors and not r.unreadable for r in results)} clean, "
                  f"{sum(bool(r.errors) and not r.unreadable for r in results)} with errors, "
                  f"{sum(r.unreadable for r in results)} unreadable")
    if report is not None:
        from .reports import write_findings_report

        write_findings_report(results, report)
        err.print(f"findings written to {report}")
    if annotate is not None:
        from .reports import annotate_copies

        copies = annotate_copies(results, annotate)
        err.print(f"{len(copies)} annotated copies (returns with errors or warnings) in {annotate}")
    if any(r.unreadable for r in results):
        raise typer.Exit(2)
    if any(r.errors for r in results):
        raise typer.Exit(1)


@contextlib.contextmanager
def open_archive(db: str | None, *, existing: bool = False) -> Iterator[Archive]:
    """The archive for a command; one clear line (exit 2) instead of a database traceback.

    ``existing``: the command only reads, so the default SQLite file must already be there
    (a forgotten --db would otherwise create an empty archive and report nothing).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .archive import Archive
    from .archive.store import DEFAULT_URL

    url = db or DEFAULT_URL
    shown = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
    if existing and db is None and not Path(DEFAULT_URL.removeprefix("sqlite:///")).exists():
        err.print(f"当前文件夹没有归档库 {shown}，请用 --db 指定 (no archive here: give --db URL)")
        raise typer.Exit(2)
    try:
        archive = Archive(db)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        err.print(f"无法打开归档库 {shown} (cannot open archive): {reason}")
        raise typer.Exit(2) from None
    err.print(f"归档库 archive: {shown}")
    with archive:
        yield archive


@app.command()
def collect(
    returns: Annotated[list[Path], typer.Argument(help="Returned workbooks or folders.")],
    db: Annotated[str | None, typer.Option("--db", help="Archive URL (default sqlite:///jixiao.sqlite).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Reporting year (default: the template's).")] = None,
) -> None:
    """Verify returns and store them in the archive (a resubmission is a new version)."""
    from .collect import collect_files

    files = _returns(returns)
    with open_archive(db) as archive:
        results = collect_files(files, archive, year=year)
    table = Table("file", "department", "version", "status", "errors", "warnings")
    for column in table.columns:
        column.overflow = "fold"  # wrap, never cut: the file name and status must be readable
    for r in results:
        s = r.stored
        if s is None:
            state = "未归档（无法读取）"
        elif not s.created:
            state = f"{r.verification.status}（同一文件已归档，未重复保存）"
        else:
            state = r.verification.status
        table.add_row(str(r.path), s.department_code if s else "", str(s.version) if s else "", state,
                      str(r.verification.errors), str(r.verification.warnings))
    out.print(table)
    if any(r.stored is None for r in results):
        raise typer.Exit(2)


@app.command()
def status(
    year: Annotated[int, typer.Option("--year", help="Reporting year.")],
    db: Annotated[str | None, typer.Option("--db", help="Archive URL.")] = None,
    departments: Annotated[Path | None, typer.Option(
        "--departments", help="The roster: a 单位 table (.xlsx/.csv with 单位编码, 单位名称).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Who has returned, who has not, who must resubmit (未交 / 待修改 / 已通过).

    With --departments every department of the roster is listed, 未交 when nothing came in.
    """
    from .dataset import DataFileError, read_roster

    roster = None
    if departments is not None:
        try:
            roster = read_roster(departments)
        except DataFileError as exc:
            err.print(str(exc.problem))
            raise typer.Exit(2) from None
    with open_archive(db, existing=True) as archive:
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
        table.add_row(r.department_code, r.department_name, r.status, str(r.version or ""),
                      str(r.error_count) if sent else "", str(r.warning_count) if sent else "")
    out.print(table)


@app.command()
def export(
    year: Annotated[int, typer.Option("--year", help="Reporting year.")],
    db: Annotated[str | None, typer.Option("--db", help="Archive URL.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: print).")] = None,
) -> None:
    """Export the latest return of every department (flat rows) as CSV or JSON.

    CSV is UTF-8 with a byte-order mark, so Excel and WPS open the Chinese correctly;
    the fixed columns (department, status, version ...) come first, then record.* sorted.
    """
    import csv
    import io

    if fmt not in ("csv", "json"):
        err.print(f"--format 只能是 csv 或 json (unknown format {fmt!r})")
        raise typer.Exit(2)
    with open_archive(db, existing=True) as archive:
        rows = archive.export_rows(year)
    if fmt == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"
    else:
        fixed = [k for k in (rows[0] if rows else {}) if not k.startswith("record.")]
        natural = [(re.sub(r"\d+", lambda m: m.group().zfill(6), k), k) for k in {k for row in rows for k in row}]
        columns = fixed + [k for _, k in sorted(natural) if k not in fixed]  # zt_ind2 before zt_ind11
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    if out_file is None:
        sys.stdout.write(text)
        return
    from .atomic import atomic_output

    with atomic_output(out_file) as tmp:
        Path(tmp).write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
    err.print(f"wrote {out_file}: {len(rows)} row(s)")


@app.command()
def summary(
    year: Annotated[int, typer.Option("--year", help="Reporting year.")],
    db: Annotated[str | None, typer.Option("--db", help="Archive URL (default sqlite:///jixiao.sqlite).")] = None,
    out_path: Annotated[Path, typer.Option("--out", help="Summary workbook to write.")] = Path("汇总表.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")] = False,
) -> None:
    """Write the year's summary workbook (汇总表): latest return per department, charts, open findings.

    Exit 2 when the output exists and --force is not given.
    """
    from rich.markup import escape

    from .summary import write_summary

    if out_path.is_dir():
        err.print(f"{escape(str(out_path))}: 是文件夹，请给出 .xlsx 文件名 (is a folder; give a file name)")
        raise typer.Exit(2)
    if out_path.exists() and not force:
        err.print(f"{escape(str(out_path))}: 文件已存在，未覆盖；如需覆盖请加 --force (file exists; use --force to overwrite)")
        raise typer.Exit(2)
    with open_archive(db, existing=True) as archive:
        stats = write_summary(archive, year, out_path)
    table = Table("sheet", "rows", "A", "B", "average total", "待修改", title=f"{year} 汇总表")
    for v in stats.variants:
        table.add_row(escape(v.sheet), str(v.departments), f"{v.budget_total:.2f}", f"{v.actual_total:.2f}",
                      "" if v.average_total is None else f"{v.average_total:.2f}", str(v.needs_fix))
    out.print(table)
    if not stats.returns:
        err.print(f"{year} 年度没有已归档的报表 (no returns archived for {year})")
    for item in stats.not_recomputed:
        err.print(f"{escape(item)}: 无法重新计算，已在备注中说明 (could not be recomputed)")
    out.print(f"wrote {escape(str(out_path))}: {stats.returns} return(s), {stats.findings} open finding(s)")


def main() -> None:  # pragma: no cover - console entry
    app(prog_name="jixiao")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
