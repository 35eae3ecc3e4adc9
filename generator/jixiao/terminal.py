"""What the commands of :mod:`jixiao.cli` share: consoles made per invocation, the
invocation's language, API errors mapped to one line and an exit code, progress bars, and
opening the archive (and the portal's tables beside it).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from zoneinfo import ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.markup import escape

from .atomic import OutputExists, OutputIsFolder
from .clihelp import lang_of, pick
from .codes import Text
from .codes import cli as C
from .paths import TemplateSearchPath
from .signing import Keyring, existing_keys, user_key_path
from .template.load import ParamError, TemplateError, parse_param_args

if TYPE_CHECKING:
    from .archive import Archive
    from .serve.service import Portal


def _console(stderr: bool) -> Console:
    """A console for this invocation (the terminal's width now, not at import).

    Piped or captured output never wraps a message mid-line (a file name or a message
    stays whole for grep and for tests): lines are not wrapped and tables are as wide as
    their widest cell needs.
    """
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, soft_wrap=True, width=_PIPE_WIDTH)


#: Width of piped output: wider than any line jixiao prints, so nothing folds.
_PIPE_WIDTH = 4000


@dataclass
class Session:
    """One invocation: its consoles and the template folders given before the command."""

    out: Console = field(default_factory=lambda: _console(False))
    err: Console = field(default_factory=lambda: _console(True))
    templates: list[Path] = field(default_factory=list)
    #: ``zh`` or ``en`` (``--lang``, else the locale): what the bureau reads.
    lang: str = "zh"

    def t(self, text: Text, **values: object) -> str:
        """A catalogue text (:mod:`jixiao.codes.cli`) in this invocation's language."""
        return pick(text, self.lang, **values)

    def message(self, finding: object) -> str:
        """A finding's (or data problem's) message in this invocation's language."""
        return str(getattr(finding, "message_en" if self.lang == "en" else "message_zh"))

    def level(self, severity: str) -> str:
        """错误 / 警告 / 提示 (error / warning / note)."""
        return self.t(C.LEVELS[severity]) if severity in C.LEVELS else severity

    def status(self, status: str) -> str:
        """A status as the bureau reads it (the Chinese value; English with --lang en)."""
        return C.STATUS_EN.get(status, status) if self.lang == "en" else status

    def fail(self, message: str, code: int = 2) -> NoReturn:
        self.err.print(escape(message))
        raise typer.Exit(code)

    def search(self, more: list[Path] | None = None, *, reading: bool = False) -> TemplateSearchPath:
        """The command's --templates folders, then the global ones, then the defaults;
        ``reading`` returns: never ./templates (:meth:`TemplateSearchPath.for_reading`)."""
        try:
            return TemplateSearchPath.default(*(more or []), *self.templates, working_folder=not reading)
        except NotADirectoryError as exc:
            self.fail(str(exc))

    def params(self, year: str | None, args: list[str] | None) -> dict[str, str]:
        """``--year Y`` and ``--param key=value`` (repeatable) as one mapping for the API,
        which types each value like the template's own; one line and exit 2 when malformed."""
        try:
            params = parse_param_args(args or [])
        except ParamError as exc:
            self.fail(str(exc))
        if year is not None:
            if params.get("year", year).strip() != year.strip():
                self.fail(f"--year {year} 与 --param year={params['year']} 不一致 (two different years)")
            params["year"] = year
        return params

    def keys(self, *, create: bool = False) -> Keyring | None:
        """The bureau's keys (``$JIXIAO_KEY`` or the user's config folder): made on first use
        when ``create`` (building forms to send), else None when there are none yet."""
        path = user_key_path()
        try:
            keys = Keyring.load_or_create(path) if create else existing_keys(path)
        except (OSError, ValueError) as exc:
            self.fail(f"无法读取财政局密钥 (cannot read the bureau key): {exc}")
        if create:
            self.err.print(escape(f"财政局密钥 bureau key: {path} ({keys.key_id})"))
        return keys

    @contextlib.contextmanager
    def refusals(self) -> Iterator[None]:
        """API errors about inputs and outputs as one line each and exit 2, no traceback."""
        from .prefill.tables import DataFileError

        try:
            yield
        except TemplateError as exc:
            for p in exc.problems:
                self.err.print(escape(str(p)))
            raise typer.Exit(2) from None
        except ParamError as exc:
            self.fail(str(exc))
        except OutputIsFolder as exc:
            self.fail(self.t(C.OUTPUT_IS_FOLDER, path=exc.path))
        except OutputExists as exc:
            self.fail(self.t(C.OUTPUT_EXISTS, path=exc.path))
        except DataFileError as exc:
            self.fail(f"{exc.problem.where} {exc.problem.code} {self.message(exc.problem)}")
        except FileNotFoundError as exc:
            self.fail(str(exc))


def session(ctx: typer.Context) -> Session:
    """The invocation's session (made by the first caller: the app's callback), in the
    language ``--lang`` (before or after the command name) or the locale asks for."""
    s = ctx.ensure_object(Session)
    s.lang = lang_of(ctx)
    return s


@contextlib.contextmanager
def progress_bar(err: Console, description: str) -> Iterator[Callable[[int, int], None]]:
    """An ``on_progress(done, total)`` callback drawing a transient bar (from 2 items on)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as progress:
        task: list = []

        def update(done: int, total: int) -> None:
            if total < 2:
                return
            if not task:
                task.append(progress.add_task(description, total=total))
            progress.update(task[0], completed=done)

        yield update


@contextlib.contextmanager
def open_archive(s: Session, db: str | None, *, existing: bool = False) -> Iterator[Archive]:
    """The archive for a command; one clear line (exit 2) instead of a database traceback.

    ``existing``: the command only reads, so the default SQLite file must already be there
    (a forgotten --db would otherwise create an empty archive and report nothing).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .archive import Archive, sqlite_file
    from .archive.store import DEFAULT_URL

    url = db or DEFAULT_URL
    shown = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
    try:
        file = sqlite_file(url)
        if existing and file is not None and not file.exists():
            s.fail(s.t(C.NO_ARCHIVE_HERE, url=shown))
        archive = Archive(db)
    except ZoneInfoNotFoundError as exc:
        s.fail(s.t(C.BAD_TZ, tz=str(exc.args[0] if exc.args else "")))
    except (SQLAlchemyError, OSError, ValueError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        s.fail(s.t(C.CANNOT_OPEN_ARCHIVE, url=shown, reason=reason))
    s.err.print(escape(s.t(C.ARCHIVE_SHOWN, url=shown)))
    with archive:
        yield archive


@contextlib.contextmanager
def open_portal(s: Session, db: str | None, search: TemplateSearchPath | None = None, *,
                existing: bool = True) -> Iterator[Portal]:
    """The portal's tables beside the archive, as ``jixiao serve`` opens them (the same key
    signs the forms and checks the uploads); what the portal refuses is one line, exit 2.

    ``existing``: the default SQLite file must be there already (only ``task new`` may
    start a database, as ``jixiao serve`` does)."""
    from .archive.store import DEFAULT_URL
    from .serve.errors import PortalError
    from .serve.service import Portal
    from .serve.store import PortalStore
    from .signing import archive_key_path

    with open_archive(s, db, existing=existing) as archive:
        try:
            keys = Keyring.load_or_create(archive_key_path(db or DEFAULT_URL))
        except (OSError, ValueError) as exc:
            s.fail(f"无法读取财政局密钥 (cannot read the bureau key): {exc}")
        try:
            yield Portal(archive, PortalStore(archive.engine), search or s.search(reading=True), keys)
        except PortalError as exc:
            s.fail(s.t(C.PORTAL_REFUSED, message=exc.message, code=f"（{exc.code}）" if exc.code else ""))
