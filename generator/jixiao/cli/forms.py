"""Commands that make forms: ``jixiao lint``, ``jixiao build`` (blank, pre-filled from a
record, or one per department from a data table) and ``jixiao init-data``.

    jixiao lint TEMPLATE...            jixiao.template.lint.lint_paths
    jixiao build TEMPLATE... --out DIR jixiao.build.build_templates
    jixiao build TEMPLATE --data departments.xlsx --out DIR   jixiao.prefill.batch.build_from_data
    jixiao init-data TEMPLATE          jixiao.prefill.init_data.init_data

``build`` and ``init-data`` take ``--year Y`` and ``--param key=value`` (repeatable), passed
down as ``params=`` (the API types each value like the template's own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..codes import cli as C
from ..paths import TemplateSearchPath
from ..terminal import Session, progress_bar, session
from .app import Force, Jobs, Lang, Params, Quiet, TemplateDirs, Verbose, command, h


@command()
def lint(ctx: typer.Context, paths: Annotated[list[Path], typer.Argument(help=h("lint.paths"))],
         templates: TemplateDirs = None, lang: Lang = None) -> None:
    """jixiao.template.lint.lint_paths."""
    from ..template.lint import lint_paths, lint_targets

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


@command()
def build(
    ctx: typer.Context,
    names: Annotated[list[Path], typer.Argument(help=h("build.names"))],
    out_dir: Annotated[Path, typer.Option("--out", help=h("build.out_dir"))] = Path("dist"),
    data: Annotated[Path | None, typer.Option("--data", help=h("build.data"))] = None,
    indicators: Annotated[Path | None, typer.Option("--indicators", help=h("build.indicators"))] = None,
    projects: Annotated[Path | None, typer.Option("--projects", help=h("build.projects"))] = None,
    force: Force = False,
    jobs: Jobs = None,
    year: Annotated[str | None, typer.Option("--year", help=h("build.year"))] = None,
    param: Params = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.build.build_templates, or jixiao.prefill.batch.build_from_data with a department table."""
    from ..prefill.batch import DATA_TABLE_SUFFIXES

    s = session(ctx)
    search = s.search(templates)
    params = s.params(year, param)  # --year is text: the API types it like the template's own
    if data is not None and data.suffix.lower() in DATA_TABLE_SUFFIXES:
        if len(names) != 1:
            s.fail(s.t(C.ONE_TEMPLATE))
        _build_batch(s, names[0], data, indicators, projects, out_dir, force=force, jobs=jobs, search=search,
                     params=params, quiet=quiet, verbose=verbose)
        return
    from ..build import build_templates
    from ..read.record import Record

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
    from ..cliviews import grouped_notes
    from ..prefill.batch import build_from_data

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


@command("init-data")
def init_data(
    ctx: typer.Context,
    template: Annotated[Path, typer.Argument(help=h("init-data.template"))],
    out_file: Annotated[Path | None, typer.Option("--out", help=h("init-data.out_file"))] = None,
    force: Force = False,
    year: Annotated[str | None, typer.Option("--year", help=h("init-data.year"))] = None,
    param: Params = None,
    templates: TemplateDirs = None,
    lang: Lang = None,
) -> None:
    """jixiao.prefill.init_data.init_data."""
    from ..prefill.init_data import init_data as write

    s = session(ctx)
    params = s.params(year, param)
    with s.refusals():
        path = write(template, out_file, force=force, search=s.search(templates), params=params)
    s.out.print(escape(s.t(C.WROTE, path=path)))
