"""Commands on returns as files: ``jixiao read``, ``jixiao verify`` and ``jixiao collect``.

    jixiao read WORKBOOK [--json|--yaml]  jixiao.read.record.open_return
    jixiao verify RETURN... [--json]   jixiao.verify.verification.verify_paths (exit 0 clean, 1 errors, 2 unreadable)
    jixiao collect RETURN... [--db]    jixiao.archive.collect.collect_files
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..codes import cli as C
from ..terminal import open_archive, progress_bar, session
from .app import Db, Jobs, Lang, Quiet, TemplateDirs, Verbose, command, h, no_returns


@command()
def read(
    ctx: typer.Context,
    workbook: Annotated[Path, typer.Argument(help=h("read.workbook"))],
    as_json: Annotated[bool, typer.Option("--json", help=h("read.as_json"))] = False,
    as_yaml: Annotated[bool, typer.Option("--yaml", help=h("read.as_yaml"))] = False,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.read.record.open_return."""
    from ..read import UnreadableWorkbook
    from ..read.record import NotAForm, open_return

    s = session(ctx)
    try:
        ret = open_return(workbook, search=s.search(templates, reading=True))
    except (UnreadableWorkbook, NotAForm) as exc:
        s.fail(s.t(C.NOT_A_FORM, path=workbook, code=exc.code, reason=s.message(exc)))
    if as_json:
        print(ret.record.to_json())
        return
    if as_yaml:
        print(ret.record.to_yaml(), end="")
        return
    table = Table(s.t(C.H_NAME), s.t(C.H_CELL), s.t(C.H_VALUE), title=escape(
        f"{workbook} ({ret.record.template_id} v{ret.record.template_version})"))
    for cell in ret.layout.inputs():
        if cell.name in ret.record.values:
            table.add_row(cell.name, f"{cell.sheet}!{cell.address}", escape(str(ret.record.values[cell.name])))
    s.out.print(table)


@command()
def verify(
    ctx: typer.Context,
    returns: Annotated[list[Path], typer.Argument(help=h("verify.returns"))],
    as_json: Annotated[bool, typer.Option("--json", help=h("verify.as_json"))] = False,
    report: Annotated[Path | None, typer.Option("--report", help=h("verify.report"))] = None,
    annotate: Annotated[Path | None, typer.Option("--annotate", help=h("verify.annotate"))] = None,
    round_no: Annotated[int, typer.Option("--round", min=1, help=h("verify.round_no"))] = 1,
    force: Annotated[bool, typer.Option("--force", help=h("verify.force"))] = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    jobs: Jobs = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.verify.verification.verify_paths."""
    from ..cliviews import print_verifications
    from ..verify.verification import verify_paths

    s = session(ctx)
    search, keys = s.search(templates, reading=True), s.keys()
    if report is not None:  # refused before the work, not after it
        from ..atomic import refuse_overwrite

        with s.refusals():
            refuse_overwrite(report, force=force)
    with progress_bar(s.err, s.t(C.VERIFYING)) as progress:
        results = verify_paths(returns, jobs=jobs, search=search, keys=keys, on_progress=progress)
    if not results:
        s.fail(no_returns(returns))
    if as_json:
        print(json.dumps([{"path": str(r.path), "template_id": r.template_id, "status": r.status,
                           "errors": r.errors, "warnings": r.warnings,
                           "findings": [f.to_dict() for f in r.findings]} for r in results],
                         ensure_ascii=False, indent=2, default=str))
    else:
        print_verifications(s, results, quiet=quiet, verbose=verbose)
    if report is not None:
        from ..outputs.findings_report import write_findings_report

        write_findings_report(results, report, force=force)
        s.err.print(escape(s.t(C.FINDINGS_WRITTEN, path=report)))
    if annotate is not None:
        from ..outputs.return_package import write_return_packages

        done = write_return_packages(results, annotate, round_no=round_no)
        s.err.print(escape(s.t(C.PACKAGED, count=len(done.workbooks), folder=done.folder, archive=done.archive)))
    if any(r.unreadable for r in results):
        raise typer.Exit(2)
    if any(r.errors for r in results):
        raise typer.Exit(1)


@command()
def collect(
    ctx: typer.Context,
    returns: Annotated[list[Path], typer.Argument(help=h("collect.returns"))],
    db: Db = None,
    year: Annotated[int | None, typer.Option("--year", help=h("collect.year"))] = None,
    quiet: Quiet = False,
    jobs: Jobs = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.archive.collect.collect_files: a return whose pre-fill contradicts the bureau's signature
    (V006/V007, or a pre-fill without its signature V008) is not filed; exit 2 when a file cannot be read, 1 when one was not filed."""
    from ..archive.collect import collect_files
    from ..cliviews import print_collected

    s = session(ctx)
    search, keys = s.search(templates, reading=True), s.keys()
    with open_archive(s, db) as archive, progress_bar(s.err, s.t(C.COLLECTING)) as progress:
        run = collect_files(returns, archive, year=year, jobs=jobs, search=search, keys=keys, on_progress=progress)
    if not run:
        s.fail(no_returns(returns))
    print_collected(s, run, quiet=quiet)
    if any((r.stored is None and not r.refused) or r.verification.unreadable for r in run):
        raise typer.Exit(2)
    if any(r.refused for r in run):
        raise typer.Exit(1)
