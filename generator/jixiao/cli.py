"""The ``jixiao`` command line. Each command calls the Python API of the same name.

    jixiao lint TEMPLATE...            check templates; file:line:col CODE message
    jixiao build TEMPLATE... --out DIR build blank (or pre-filled) workbooks
    jixiao read WORKBOOK [--json]      extract the record of a filled workbook
    jixiao verify RETURN... [--json]   verify returns; exit 0 clean, 1 errors, 2 unreadable
    jixiao collect RETURN... [--db]    verify and archive returns (versions, never overwrites)
    jixiao status --year Y [--db]      未交 / 待修改 / 已通过 per department
    jixiao export --year Y [--db]      latest returns as CSV or JSON
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .build import OutputExists, build_template, template_paths
from .lint import lint_paths
from .reader import NotAForm, Record, open_return
from .templates import TemplateError, load_template
from .verify import Verification, verify_file
from .xlsxpkg import UnreadableWorkbook

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="jixiao (绩效): budget performance self-evaluation forms — build, read, verify.")
err = Console(stderr=True)
out = Console()


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
    n = len(template_paths(paths))
    err.print(f"{n} template(s) clean")


@app.command()
def build(
    templates: Annotated[list[Path], typer.Argument(help="Template files, ids or folders.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("dist"),
    data: Annotated[Path | None, typer.Option("--data", help="A record (.json) to pre-fill.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Build the workbook of each template into the output folder."""
    prefill = None
    if data is not None:
        try:
            prefill = Record.from_dict(json.loads(data.read_text(encoding="utf-8"))).values
        except (OSError, ValueError, KeyError) as exc:
            err.print(f"{data}: 无法读取记录文件 (cannot read record): {exc}")
            raise typer.Exit(2) from None
    paths = []
    for t in templates:
        paths.extend(template_paths([t]) if t.exists() else [t])
    failed = 0
    for t in paths:
        try:
            lt = load_template(t)
            path = build_template(lt, out_dir, force=force, prefill=prefill)
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


@app.command()
def read(
    workbook: Path,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Extract the record (every input by its defined name) from a filled workbook."""
    try:
        ret = open_return(workbook)
    except (UnreadableWorkbook, NotAForm) as exc:
        err.print(f"{workbook}: {exc}")
        raise typer.Exit(2) from None
    if as_json:
        print(ret.record.to_json())
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
    from concurrent.futures import ProcessPoolExecutor

    from rich.progress import Progress

    results: list[Verification | None] = [None] * len(files)
    existing = [(i, p) for i, p in enumerate(files) if p.exists()]
    for i, p in enumerate(files):
        if not p.exists():
            err.print(f"{p}: 文件不存在 (no such file)")
            results[i] = Verification(p, [], unreadable=True)
    workers = jobs or os.cpu_count() or 1
    with Progress(console=err, transient=True, disable=len(existing) < 2) as progress:
        task = progress.add_task("核查 verifying", total=len(existing))
        if workers == 1 or len(existing) < 4:
            for i, p in existing:
                results[i] = verify_file(p)
                progress.advance(task)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
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
            table = Table("code", "severity", "sheet", "cell", "message", title=f"{r.path} — {r.status}")
            for f in r.findings:
                table.add_row(f.code, f.severity, f.sheet, f.cell, f.message_zh)
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
        err.print(f"{len(copies)} annotated copies in {annotate}")
    if any(r.unreadable for r in results):
        raise typer.Exit(2)
    if any(r.errors for r in results):
        raise typer.Exit(1)


@app.command()
def collect(
    returns: Annotated[list[Path], typer.Argument(help="Returned workbooks or folders.")],
    db: Annotated[str | None, typer.Option("--db", help="Archive URL (default sqlite:///jixiao.sqlite).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Reporting year (default: the template's).")] = None,
) -> None:
    """Verify returns and store them in the archive (a resubmission is a new version)."""
    from .archive import Archive
    from .collect import collect_files

    files = _returns(returns)
    with Archive(db) as archive:
        results = collect_files(files, archive, year=year)
    table = Table("file", "department", "version", "status", "errors", "warnings")
    for r in results:
        s = r.stored
        table.add_row(str(r.path), s.department_code if s else "", str(s.version) if s else "",
                      r.verification.status if s else "未归档（无法读取）", str(r.verification.errors),
                      str(r.verification.warnings))
    out.print(table)
    if any(r.stored is None for r in results):
        raise typer.Exit(2)


@app.command()
def status(
    year: Annotated[int, typer.Option("--year", help="Reporting year.")],
    db: Annotated[str | None, typer.Option("--db", help="Archive URL.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Who has returned, who has not, who must resubmit (未交 / 待修改 / 已通过)."""
    from .archive import Archive

    with Archive(db) as archive:
        rows = archive.status(year)
    if as_json:
        print(json.dumps([{"department_code": r.department_code, "department_name": r.department_name,
                           "status": r.status, "version": r.version, "errors": r.error_count,
                           "warnings": r.warning_count} for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table("code", "name", "status", "version", "errors", "warnings", title=f"{year} 收表情况")
    for r in rows:
        table.add_row(r.department_code, r.department_name, r.status, str(r.version or ""),
                      str(r.error_count), str(r.warning_count))
    out.print(table)


@app.command()
def export(
    year: Annotated[int, typer.Option("--year", help="Reporting year.")],
    db: Annotated[str | None, typer.Option("--db", help="Archive URL.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
) -> None:
    """Export the latest return of every department (flat rows) as CSV or JSON."""
    import csv

    from .archive import Archive

    with Archive(db) as archive:
        rows = archive.export_rows(year)
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    columns = sorted({k for row in rows for k in row})
    writer = csv.DictWriter(sys.stdout, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)


def main() -> None:  # pragma: no cover - console entry
    app(prog_name="jixiao")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
