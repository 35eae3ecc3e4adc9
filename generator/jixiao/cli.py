"""The ``jixiao`` command line: each command parses its options, calls one documented API
function, and prints.

    jixiao lint TEMPLATE...            jixiao.template.lint.lint_paths
    jixiao build TEMPLATE... --out DIR jixiao.build.build_templates
    jixiao build TEMPLATE --data departments.xlsx --out DIR   jixiao.prefill.batch.build_from_data
    jixiao init-data TEMPLATE          jixiao.prefill.init_data.init_data
    jixiao read WORKBOOK [--json|--yaml]  jixiao.read.record.open_return
    jixiao verify RETURN... [--json]   jixiao.verify.verification.verify_paths (exit 0 clean, 1 errors, 2 unreadable)
    jixiao collect RETURN... [--db]    jixiao.archive.collect.collect_files
    jixiao status --year Y [--db]      jixiao.archive.Archive.status
    jixiao export --year Y [--db]      jixiao.outputs.export.export_year
    jixiao summary --year Y [--out]    jixiao.outputs.summary.write_summary
    jixiao void FILE... --reason R     jixiao.archive.housekeeping.void_files / Archive.void
    jixiao confirm --department D --code V311   jixiao.archive.Archive.mark_checked
    jixiao serve [--db] [--host] [--port]  jixiao.serve.run.run (the web portal)

Every command that reads templates takes ``--templates DIR`` (before or after the command
name; also ``$JIXIAO_TEMPLATES``), passed down as a :class:`TemplateSearchPath`. Every
command speaks Chinese, English with ``--lang en`` (before or after the command name) or
``LANG=en_*``: its help pages (:mod:`jixiao.clihelp`) and what it prints come from
:mod:`jixiao.codes.cli`; how results are printed is in :mod:`jixiao.cliviews`. ``build``
and ``init-data`` take ``--year Y`` and ``--param key=value`` (repeatable), passed down as
``params=`` (the API types each value like the template's own).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .clihelp import Command, Group, set_lang
from .codes import cli as C
from .codes import read as R
from .paths import TemplateSearchPath
from .terminal import Session, open_archive, progress_bar, session

app = typer.Typer(cls=Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=C.HELP["jixiao"].zh,
                  rich_markup_mode=None,  # help pages and usage errors: jixiao.clihelp
                  context_settings={"help_option_names": ["-h", "--help"]})


def _h(key: str) -> str:
    """The Chinese help of ``key`` (the help page picks the language from the same entry)."""
    return C.HELP[key].zh


def _command(name: str | None = None):  # noqa: ANN202 - a decorator
    """``@app.command`` with the localised help page and the catalogue's description."""
    def register(func):  # noqa: ANN001, ANN202
        key = name or func.__name__.replace("_", "-")
        return app.command(key, cls=Command, help=_h(key))(func)
    return register


TemplateDirs = Annotated[list[Path] | None, typer.Option("--templates", help=_h("templates"))]
Jobs = Annotated[int | None, typer.Option("--jobs", help=_h("jobs"))]
Db = Annotated[str | None, typer.Option("--db", help=_h("db"))]
Year = Annotated[int, typer.Option("--year", help=_h("year"))]
Lang = Annotated[str | None, typer.Option("--lang", is_eager=True, callback=set_lang, help=_h("lang"))]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=_h("quiet"))]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help=_h("verbose"))]
Force = Annotated[bool, typer.Option("--force", help=_h("force"))]
AsJson = Annotated[bool, typer.Option("--json", help=_h("as_json"))]
By = Annotated[str | None, typer.Option("--by", help=_h("by"))]
Params = Annotated[list[str] | None, typer.Option("--param", help=_h("param"))]


def _by(s: Session, by: str | None) -> str:
    """Who acts: --by, else $JIXIAO_USER, else the login name."""
    who = (by or os.environ.get("JIXIAO_USER") or getpass.getuser() or "").strip()
    if not who:
        s.fail(s.t(C.NEED_BY))
    return who


#: Exit code of an error no command expected (0 clean, 1 findings, 2 unreadable or refused).
INTERNAL_EXIT = 3
INTERNAL = R.R098


def no_returns(paths: list[Path]) -> str:
    """The R016 line for ``verify``/``collect`` given nothing to read."""
    shown = ", ".join(str(p) for p in paths)[:300]
    message = R.R016.format(**R.detail(shown, shown))
    return f"{message.code}: {message.zh} ({message.en})"


@app.callback()
def _options(ctx: typer.Context, templates: TemplateDirs = None, lang: Lang = None,
             debug: Annotated[bool, typer.Option("--debug", help=_h("debug"))] = False) -> None:
    s = session(ctx)
    s.templates = list(templates or [])
    for folder in s.templates:
        if not folder.is_dir():
            s.fail(s.t(C.NOT_A_FOLDER, path=folder))


@_command()
def lint(ctx: typer.Context, paths: Annotated[list[Path], typer.Argument(help=_h("lint.paths"))],
         templates: TemplateDirs = None, lang: Lang = None) -> None:
    """jixiao.template.lint.lint_paths."""
    from .template.lint import lint_paths, lint_targets

    s = session(ctx)
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        s.err.print(escape(s.t(C.NO_SUCH_PATH, path=p)))
    if missing:
        raise typer.Exit(2)
    problems = lint_paths(paths, s.search(templates))
    for p in problems:
        print(p)
    if problems:
        s.fail(s.t(C.LINT_PROBLEMS, count=len(problems)), 1)
    s.err.print(escape(s.t(C.LINT_CLEAN, count=len(lint_targets(paths)))))


@_command()
def build(
    ctx: typer.Context,
    names: Annotated[list[Path], typer.Argument(help=_h("build.names"))],
    out_dir: Annotated[Path, typer.Option("--out", help=_h("build.out_dir"))] = Path("dist"),
    data: Annotated[Path | None, typer.Option("--data", help=_h("build.data"))] = None,
    indicators: Annotated[Path | None, typer.Option("--indicators", help=_h("build.indicators"))] = None,
    projects: Annotated[Path | None, typer.Option("--projects", help=_h("build.projects"))] = None,
    force: Force = False,
    jobs: Jobs = None,
    year: Annotated[str | None, typer.Option("--year", help=_h("build.year"))] = None,
    param: Params = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.build.build_templates, or jixiao.prefill.batch.build_from_data with a department table."""
    from .prefill.batch import DATA_TABLE_SUFFIXES

    s = session(ctx)
    search = s.search(templates)
    params = s.params(year, param)  # --year is text: the API types it like the template's own
    if data is not None and data.suffix.lower() in DATA_TABLE_SUFFIXES:
        if len(names) != 1:
            s.fail(s.t(C.ONE_TEMPLATE))
        _build_batch(s, names[0], data, indicators, projects, out_dir, force=force, jobs=jobs, search=search,
                     params=params, quiet=quiet, verbose=verbose)
        return
    from .build import build_templates
    from .read.record import Record

    prefill = values = None
    if data is not None:
        try:
            record = Record.load(data)
        except (OSError, ValueError) as exc:
            s.fail(s.t(C.BAD_RECORD, path=data, reason=exc))
        prefill, values = record.prefill, record.values
    keys = s.keys(create=True) if prefill else None  # a pre-filled form is signed; a blank one needs not
    outcomes = build_templates(names, out_dir, force=force, prefill=prefill, values=values, search=search,
                               params=params, keys=keys)
    for o in outcomes:
        if o.path is not None and not quiet:
            s.out.print(escape(s.t(C.BUILT, path=o.path)))
        for line in o.problems:
            s.err.print(escape(line))
    if any(o.path is None for o in outcomes):
        raise typer.Exit(1)


def _build_batch(s: Session, template: Path, data: Path, indicators: Path | None, projects: Path | None,
                 out_dir: Path, *, force: bool, jobs: int | None, search: TemplateSearchPath,
                 params: dict[str, str], quiet: bool, verbose: bool) -> None:
    from .cliviews import grouped_notes
    from .prefill.batch import build_from_data

    keys = s.keys(create=True)
    with s.refusals(), progress_bar(s.err, s.t(C.BUILDING)) as progress:
        run = build_from_data(template, data, out_dir, indicators=indicators, projects=projects, force=force,
                              jobs=jobs, search=search, on_progress=progress, params=params, keys=keys)
    table = Table("", s.t(C.H_COUNT), title=escape(f"{run.template_id} → {out_dir}"))
    table.add_row(s.t(C.BATCH_BUILT), str(len(run.result.built)))
    table.add_row(s.t(C.BATCH_SKIPPED), str(len(run.result.skipped)))
    table.add_row(s.t(C.BATCH_NOT_BUILT), str(run.not_built))
    table.add_row(s.t(C.BATCH_FAILED), str(len(run.result.failed)))
    table.add_row(s.t(C.BATCH_WARNINGS), str(sum(p.severity == "warning" for p in run.problems)))
    table.add_row(s.t(C.BATCH_NOTES), str(sum(p.severity == "note" for p in run.problems)))
    s.out.print(table)  # the summary first
    shown = [p for p in run.problems if p.severity == "error" or (not quiet and (verbose or p.severity != "note"))]
    if not verbose and not quiet:
        for line in grouped_notes(s, (p for p in run.problems if p.severity == "note")):
            s.err.print(escape(line))
    for problem in shown:
        s.err.print(("[red]" if problem.severity == "error" else "[yellow]")
                    + escape(f"{problem.where} {s.level(problem.severity)} {problem.code} {s.message(problem)}"))
    for code, reason in run.result.failed:
        s.err.print("[red]" + escape(s.t(C.BUILD_FAILED, code=code, reason=reason)))
    if not run.ok:
        raise typer.Exit(1)


@_command("init-data")
def init_data(
    ctx: typer.Context,
    template: Annotated[Path, typer.Argument(help=_h("init-data.template"))],
    out_file: Annotated[Path | None, typer.Option("--out", help=_h("init-data.out_file"))] = None,
    force: Force = False,
    year: Annotated[str | None, typer.Option("--year", help=_h("init-data.year"))] = None,
    param: Params = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.prefill.init_data.init_data."""
    from .prefill.init_data import init_data as write

    s = session(ctx)
    params = s.params(year, param)
    with s.refusals():
        path = write(template, out_file, force=force, search=s.search(templates), params=params)
    s.out.print(escape(s.t(C.WROTE, path=path)))


@_command()
def read(
    ctx: typer.Context,
    workbook: Annotated[Path, typer.Argument(help=_h("read.workbook"))],
    as_json: Annotated[bool, typer.Option("--json", help=_h("read.as_json"))] = False,
    as_yaml: Annotated[bool, typer.Option("--yaml", help=_h("read.as_yaml"))] = False,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.read.record.open_return."""
    from .read import UnreadableWorkbook
    from .read.record import NotAForm, open_return

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


@_command()
def verify(
    ctx: typer.Context,
    returns: Annotated[list[Path], typer.Argument(help=_h("verify.returns"))],
    as_json: Annotated[bool, typer.Option("--json", help=_h("verify.as_json"))] = False,
    report: Annotated[Path | None, typer.Option("--report", help=_h("verify.report"))] = None,
    annotate: Annotated[Path | None, typer.Option("--annotate", help=_h("verify.annotate"))] = None,
    round_no: Annotated[int, typer.Option("--round", min=1, help=_h("verify.round_no"))] = 1,
    force: Annotated[bool, typer.Option("--force", help=_h("verify.force"))] = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    jobs: Jobs = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.verify.verification.verify_paths."""
    from .cliviews import print_verifications
    from .verify.verification import verify_paths

    s = session(ctx)
    search, keys = s.search(templates, reading=True), s.keys()
    if report is not None:  # refused before the work, not after it
        from .atomic import refuse_overwrite

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
        from .outputs.findings_report import write_findings_report

        write_findings_report(results, report, force=force)
        s.err.print(escape(s.t(C.FINDINGS_WRITTEN, path=report)))
    if annotate is not None:
        from .outputs.return_package import write_return_packages

        done = write_return_packages(results, annotate, round_no=round_no)
        s.err.print(escape(s.t(C.PACKAGED, count=len(done.workbooks), folder=done.folder, archive=done.archive)))
    if any(r.unreadable for r in results):
        raise typer.Exit(2)
    if any(r.errors for r in results):
        raise typer.Exit(1)


@_command()
def collect(
    ctx: typer.Context,
    returns: Annotated[list[Path], typer.Argument(help=_h("collect.returns"))],
    db: Db = None,
    year: Annotated[int | None, typer.Option("--year", help=_h("collect.year"))] = None,
    quiet: Quiet = False,
    jobs: Jobs = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.archive.collect.collect_files: a return whose pre-fill contradicts the bureau's signature
    (V006/V007) is not filed; exit 2 when a file cannot be read, 1 when one was not filed."""
    from .archive.collect import collect_files
    from .cliviews import print_collected

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


@_command()
def status(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    departments: Annotated[Path | None, typer.Option("--departments", help=_h("status.departments"))] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
    lang: Lang = None,
) -> None:
    """jixiao.archive.Archive.status."""
    from .cliviews import print_status
    from .prefill.tables import read_roster

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


@_command()
def export(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    fmt: Annotated[str, typer.Option("--format", help=_h("export.fmt"))] = "csv",
    out_file: Annotated[Path | None, typer.Option("--out", help=_h("export.out_file"))] = None,
    lang: Lang = None,
) -> None:
    """jixiao.outputs.export.export_year."""
    from .outputs.export import FORMATS, export_year

    s = session(ctx)
    if fmt not in FORMATS:
        s.fail(s.t(C.BAD_FORMAT, fmt=fmt))
    with open_archive(s, db, existing=True) as archive:
        exported = export_year(archive, year, fmt=fmt, out=out_file)
    if out_file is None:
        sys.stdout.write(exported.text)
    else:
        s.err.print(escape(s.t(C.WROTE_ROWS, path=out_file, rows=exported.rows)))


@_command()
def summary(
    ctx: typer.Context,
    year: Year,
    db: Db = None,
    out_path: Annotated[Path, typer.Option("--out", help=_h("summary.out_path"))] = Path("汇总表.xlsx"),
    force: Force = False,
    departments: Annotated[Path | None, typer.Option("--departments", help=_h("summary.departments"))] = None,
    compiled_by: Annotated[str, typer.Option("--compiled-by", help=_h("summary.compiled_by"))] = "",
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.outputs.summary.write_summary."""
    from .outputs.summary import write_summary

    s = session(ctx)
    search = s.search(templates, reading=True)
    from .prefill.tables import read_roster

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


@_command()
def void(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help=_h("void.files"))] = None,
    reason: Annotated[str, typer.Option("--reason", help=_h("void.reason"))] = "",
    by: By = None,
    year: Annotated[int | None, typer.Option("--year", help=_h("year"))] = None,
    department: Annotated[str | None, typer.Option("--department", help=_h("void.department"))] = None,
    version: Annotated[int | None, typer.Option("--version", help=_h("void.version"))] = None,
    template: Annotated[str | None, typer.Option("--template", help=_h("void.template"))] = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.archive.housekeeping.void_files, or Archive.void of one version."""
    from .archive.housekeeping import AmbiguousTemplate, version_of, void_files

    s = session(ctx)
    if not reason.strip():
        s.fail(s.t(C.NEED_REASON))
    who = _by(s, by)
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


@_command()
def confirm(
    ctx: typer.Context,
    year: Year,
    department: Annotated[str, typer.Option("--department", help=_h("confirm.department"))],
    code: Annotated[str, typer.Option("--code", help=_h("confirm.code"))],
    cell: Annotated[str | None, typer.Option("--cell", help=_h("confirm.cell"))] = None,
    template: Annotated[str | None, typer.Option("--template", help=_h("confirm.template"))] = None,
    note: Annotated[str, typer.Option("--note", help=_h("confirm.note"))] = "",
    by: By = None,
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.archive.Archive.mark_checked on the department's latest return."""
    from .archive.housekeeping import AmbiguousTemplate, current_return

    s = session(ctx)
    who = _by(s, by)
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


@_command()
def serve(
    ctx: typer.Context,
    db: Db = None,
    host: Annotated[str, typer.Option("--host", help=_h("serve.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=_h("serve.port"))] = 8000,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.run.run."""
    from .serve.run import run

    run(db, host, port, session(ctx).search(templates, reading=True))


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
