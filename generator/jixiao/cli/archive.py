"""Commands on the archive: ``jixiao status``, ``export``, ``summary`` and the housekeeping
``void`` and ``confirm``.

    jixiao status --year Y [--db]      jixiao.archive.Archive.status
    jixiao export --year Y [--db]      jixiao.outputs.export.export_year
    jixiao summary --year Y [--out]    jixiao.outputs.summary.write_summary
    jixiao void FILE... --reason R     jixiao.archive.housekeeping.void_files / Archive.void
    jixiao confirm --department D --code V311   jixiao.archive.Archive.mark_checked
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..codes import cli as C
from ..terminal import open_archive, session
from .app import AsJson, By, Db, Force, Lang, Quiet, TemplateDirs, Year, acting, command, h


@command()
def status(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    departments: Annotated[Path | None, typer.Option("--departments", help=h("status.departments"))] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
    lang: Lang = None,
) -> None:
    """jixiao.archive.Archive.status."""
    from ..cliviews import print_status
    from ..prefill.tables import read_roster

    s = session(ctx)
    roster = None
    if departments is not None:
        with s.refusals():
            roster = read_roster(departments)
    with open_archive(s, db, existing=True) as archive:
        rows = archive.status(year, roster)
        local = archive.local_text
    if as_json:
        print(json.dumps([{"department_code": r.department_code, "department_name": r.department_name,
                           "status": r.status, "version": r.version, "errors": r.error_count,
                           "warnings": r.warning_count, "received_at": local(r.received_at) if r.received_at else None}
                          for r in rows], ensure_ascii=False, indent=2))
        return
    print_status(s, year, rows, local, quiet=quiet)


@command()
def export(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    fmt: Annotated[str, typer.Option("--format", help=h("export.fmt"))] = "csv",
    out_file: Annotated[Path | None, typer.Option("--out", help=h("export.out_file"))] = None,
    lang: Lang = None,
) -> None:
    """jixiao.outputs.export.export_year."""
    from ..outputs.export import FORMATS, export_year

    s = session(ctx)
    if fmt not in FORMATS:
        s.fail(s.t(C.BAD_FORMAT, fmt=fmt))
    with open_archive(s, db, existing=True) as archive:
        exported = export_year(archive, year, fmt=fmt, out=out_file)
    if out_file is None:
        sys.stdout.write(exported.text)
    else:
        s.err.print(escape(s.t(C.WROTE_ROWS, path=out_file, rows=exported.rows)))


@command()
def summary(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    out_path: Annotated[Path, typer.Option("--out", help=h("summary.out_path"))] = Path("汇总表.xlsx"),
    force: Force = False,
    departments: Annotated[Path | None, typer.Option("--departments", help=h("summary.departments"))] = None,
    compiled_by: Annotated[str, typer.Option("--compiled-by", help=h("summary.compiled_by"))] = "",
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.outputs.summary.write_summary."""
    from ..outputs.summary import write_summary

    s = session(ctx)
    search = s.search(templates, reading=True)
    from ..prefill.tables import read_roster

    with s.refusals(), open_archive(s, db, existing=True) as archive:
        roster = read_roster(departments) if departments is not None else None
        stats = write_summary(archive, year, out_path, force=force, search=search, roster=roster,
                              compiled_by=compiled_by)
    s.out.print(escape(s.t(C.SUMMARY_WROTE, path=out_path, returns=stats.returns, findings=stats.findings)))
    table = Table(s.t(C.H_SHEET), s.t(C.H_SHEET_ROWS), s.t(C.H_BUDGET), s.t(C.H_ACTUAL), s.t(C.H_AVERAGE),
                  s.status("待修改"), title=escape(s.t(C.SUMMARY_TITLE, year=year)))
    for v in stats.variants:
        table.add_row(escape(v.sheet), str(v.departments), f"{v.budget_total:.2f}", f"{v.actual_total:.2f}",
                      "" if v.average_total is None else f"{v.average_total:.2f}", str(v.needs_fix))
    s.out.print(table)
    if not stats.returns:
        s.err.print(escape(s.t(C.SUMMARY_EMPTY, year=year)))
    for item in stats.not_recomputed:
        s.err.print(escape(s.t(C.NOT_RECOMPUTED, item=item)))


@command()
def void(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help=h("void.files"))] = None,
    reason: Annotated[str, typer.Option("--reason", help=h("void.reason"))] = "",
    by: By = None,
    year: Annotated[int | None, typer.Option("--year", help=h("year"))] = None,
    department: Annotated[str | None, typer.Option("--department", help=h("void.department"))] = None,
    version: Annotated[int | None, typer.Option("--version", help=h("void.version"))] = None,
    template: Annotated[str | None, typer.Option("--template", help=h("void.template"))] = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.archive.housekeeping.void_files, or Archive.void of one version."""
    from ..archive.housekeeping import AmbiguousTemplate, version_of, void_files

    s = session(ctx)
    if not reason.strip():
        s.fail(s.t(C.NEED_REASON))
    who = acting(s, by)
    by_version = department is not None and version is not None and year is not None
    if not files and not by_version:
        s.fail(s.t(C.VOID_WHICH))
    with open_archive(s, db, existing=True) as archive:
        if by_version:
            try:
                done = [(None, [archive.void(version_of(archive, department, year, version, template).id,
                                             reason=reason, by=who)])]
            except AmbiguousTemplate as exc:
                s.fail(s.t(C.SEVERAL_TEMPLATES, department=department, templates="、".join(exc.templates)))
            except LookupError:
                s.fail(s.t(C.NO_SUCH_VERSION, year=year, department=department, version=version))
        else:
            done = void_files(archive, files or [], reason=reason, by=who, year=year)
    for path, voided in done:
        if not voided:
            s.err.print("[yellow]" + escape(s.t(C.VOID_NOTHING, path=path)))
        for r in voided:
            s.out.print(escape(s.t(C.VOIDED, department=r.department_code, template=r.template_id,
                                   version=r.version, filename=r.filename, reason=r.void_reason)))
    if not any(voided for _, voided in done):
        raise typer.Exit(1)


@command()
def confirm(
    ctx: typer.Context,
    year: Year,
    department: Annotated[str, typer.Option("--department", help=h("confirm.department"))],
    code: Annotated[str, typer.Option("--code", help=h("confirm.code"))],
    cell: Annotated[str | None, typer.Option("--cell", help=h("confirm.cell"))] = None,
    template: Annotated[str | None, typer.Option("--template", help=h("confirm.template"))] = None,
    note: Annotated[str, typer.Option("--note", help=h("confirm.note"))] = "",
    by: By = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.archive.Archive.mark_checked on the department's latest return."""
    from ..archive.housekeeping import AmbiguousTemplate, current_return

    s = session(ctx)
    who = acting(s, by)
    with open_archive(s, db, existing=True) as archive:
        try:
            target = current_return(archive, department, year, template)
        except AmbiguousTemplate as exc:
            s.fail(s.t(C.SEVERAL_TEMPLATES, department=department, templates="、".join(exc.templates)))
        except LookupError:
            s.fail(s.t(C.NO_RETURN, year=year, department=department))
        try:
            checked = archive.mark_checked(target.id, code, by=who, cell=cell, note=note)
        except LookupError:
            s.fail(s.t(C.NO_SUCH_WARNING, department=department, version=target.version, code=code,
                       cell=f" {cell}" if cell else ""))
    count = sum(1 for f in checked.findings if f.get("code") == code and "checked" in f)
    s.out.print(escape(s.t(C.CONFIRMED, department=department, version=checked.version, code=code, count=count,
                           open=checked.warning_count)))
