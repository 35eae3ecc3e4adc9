"""What the commands of :mod:`jixiao.cli` share: consoles made per invocation, API errors
mapped to one line and an exit code, progress bars, and opening the archive.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from .atomic import OutputExists, OutputIsFolder
from .paths import TemplateSearchPath
from .signing import Keyring, existing_keys, user_key_path
from .templates import TemplateError

if TYPE_CHECKING:
    from .archive import Archive


def _console(stderr: bool) -> Console:
    """A console for this invocation (the terminal's width now, not at import).

    Piped or captured output never wraps a message mid-line (a file name stays whole
    for grep and for tests) and lays tables out wide rather than at 80 columns.
    """
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, soft_wrap=True, width=max(console.width, 160))


@dataclass
class Session:
    """One invocation: its consoles and the template folders given before the command."""

    out: Console = field(default_factory=lambda: _console(False))
    err: Console = field(default_factory=lambda: _console(True))
    templates: list[Path] = field(default_factory=list)

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
        from .dataset import DataFileError

        try:
            yield
        except TemplateError as exc:
            for p in exc.problems:
                self.err.print(escape(str(p)))
            raise typer.Exit(2) from None
        except OutputIsFolder as exc:
            self.fail(f"{exc.path}: 是文件夹，请给出 .xlsx 文件名 (is a folder; give a file name)")
        except OutputExists as exc:
            self.fail(f"{exc.path}: 文件已存在，未覆盖；如需覆盖请加 --force (file exists; use --force to overwrite)")
        except DataFileError as exc:
            self.fail(str(exc.problem))
        except FileNotFoundError as exc:
            self.fail(str(exc))


def session(ctx: typer.Context) -> Session:
    """The invocation's session (made by the first caller: the app's callback)."""
    return ctx.ensure_object(Session)


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

    from .archive import Archive
    from .archive.store import DEFAULT_URL

    url = db or DEFAULT_URL
    shown = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
    if existing and db is None and not Path(DEFAULT_URL.removeprefix("sqlite:///")).exists():
        s.fail(f"当前文件夹没有归档库 {shown}，请用 --db 指定 (no archive here: give --db URL)")
    try:
        archive = Archive(db)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        s.fail(f"无法打开归档库 {shown} (cannot open archive): {reason}")
    s.err.print(escape(f"归档库 archive: {shown}"))
    with archive:
        yield archive
