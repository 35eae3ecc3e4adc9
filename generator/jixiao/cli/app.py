"""The ``jixiao`` app itself: the typer group, the options every command shares, who acts
(``--by``), and :func:`main`, the console entry that turns an unexpected exception into
exit 3. The commands are registered by the modules of :mod:`jixiao.cli`, one per job.
"""

from __future__ import annotations

import getpass
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..clihelp import Command, Group, set_lang
from ..codes import cli as C
from ..codes import read as R
from ..terminal import Session, session

if TYPE_CHECKING:
    from ..serve.service import Portal


def h(key: str) -> str:
    """The Chinese help of ``key`` (the help page picks the language from the same entry)."""
    return C.HELP[key].zh


def _typer(key: str) -> typer.Typer:
    return typer.Typer(cls=Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                       help=h(key), rich_markup_mode=None,  # help pages and usage errors: jixiao.clihelp
                       context_settings={"help_option_names": ["-h", "--help"]})


app = _typer("jixiao")


def group(name: str) -> typer.Typer:
    """A command group ``jixiao NAME ...`` (its commands are keyed ``NAME command`` in the catalogue)."""
    sub = _typer(name)
    app.add_typer(sub, name=name, help=h(name))
    return sub


def command(name: str | None = None, *, parent: typer.Typer | None = None,
            prefix: str = "") -> Callable[[Callable[..., Any]], Any]:
    """``@app.command`` (or a group's) with the localised help page and the catalogue's description;
    a command of a group is keyed ``group command`` (``prefix``) in :data:`jixiao.codes.cli.HELP`."""
    def register(func: Callable[..., Any]) -> Any:
        key = name or func.__name__.replace("_", "-")
        return (parent or app).command(key, cls=Command, help=h(f"{prefix}{key}"))(func)
    return register


TemplateDirs = Annotated[list[Path] | None, typer.Option("--templates", help=h("templates"))]
Jobs = Annotated[int | None, typer.Option("--jobs", help=h("jobs"))]
Db = Annotated[str | None, typer.Option("--db", help=h("db"))]
Year = Annotated[int, typer.Option("--year", help=h("year"))]
Lang = Annotated[str | None, typer.Option("--lang", is_eager=True, callback=set_lang, help=h("lang"))]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=h("quiet"))]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help=h("verbose"))]
Force = Annotated[bool, typer.Option("--force", help=h("force"))]
AsJson = Annotated[bool, typer.Option("--json", help=h("as_json"))]
By = Annotated[str | None, typer.Option("--by", help=h("by"))]
Params = Annotated[list[str] | None, typer.Option("--param", help=h("param"))]


def acting(s: Session, by: str | None) -> str:
    """Who acts: --by, else $JIXIAO_USER, else the login name."""
    who = (by or os.environ.get("JIXIAO_USER") or getpass.getuser() or "").strip()
    if not who:
        s.fail(s.t(C.NEED_BY))
    return who


#: Exit code of an error no command expected (0 clean, 1 findings, 2 unreadable or refused).
INTERNAL_EXIT = 3
def download(s: Session, db: str | None, path: Path, force: bool, fetch: Callable[[Portal], tuple[str, bytes]]) -> None:
    """Write a file the portal hands out (a ZIP of forms, a department's form, a stored
    return) to ``path``: an existing file is refused first (unless ``force``), then
    ``fetch(portal)`` gives (name, bytes), written whole or not at all
    (:func:`jixiao.atomic.atomic_output`), and where is said."""
    from ..atomic import atomic_output, refuse_overwrite
    from ..terminal import open_portal

    with s.refusals():
        refuse_overwrite(path, force=force)
    with open_portal(s, db) as p:
        _name, data = fetch(p)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    s.out.print(escape(s.t(C.WROTE, path=path)))


INTERNAL = R.R098


def no_returns(paths: list[Path]) -> str:
    """The R016 line for ``verify``/``collect`` given nothing to read."""
    shown = ", ".join(str(p) for p in paths)[:300]
    message = R.R016.format(**R.detail(shown, shown))
    return f"{message.code}: {message.zh} ({message.en})"


@app.callback()
def _options(ctx: typer.Context, templates: TemplateDirs = None, lang: Lang = None,
             debug: Annotated[bool, typer.Option("--debug", help=h("debug"))] = False) -> None:
    s = session(ctx)
    s.templates = list(templates or [])
    for folder in s.templates:
        if not folder.is_dir():
            s.fail(s.t(C.NOT_A_FOLDER, path=folder))


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

