"""The help pages of :mod:`jixiao.cli`, written in the invocation's language.

Click's help (and typer's) is English in its frame (``Usage``, ``Options``, ``Show this
message and exit``) and shows value types (``<bool>``, ``<int>``). The commands of jixiao
use :class:`Command` and the app :class:`Group` instead, which lay the page out from the
catalogue :mod:`jixiao.codes.cli`: the description of the command, every option with the
name of its value (``--year 年度``; a flag has none) and its help, in Chinese or, with
``--lang en`` or ``LANG=en_*``, in English. Mistakes on the command line (a missing
option, an unknown one, a value that is not a number) are told the same way.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from rich.cells import cell_len
from typer.core import TyperArgument, TyperCommand, TyperGroup

from .codes import Text
from .codes import cli as C

#: Where the language of an invocation is kept (ctx.meta is shared by all its contexts).
LANG_KEY = "jixiao.lang"
LANGS = ("zh", "en")


def env_lang() -> str:
    """``en`` when the locale asks for English (LC_ALL, LC_MESSAGES, LANG, first set wins)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def lang_of(ctx: typer.Context | None) -> str:
    """The invocation's language: ``--lang`` if given, else the locale's."""
    if ctx is not None and ctx.meta.get(LANG_KEY):
        return str(ctx.meta[LANG_KEY])
    return env_lang()


def set_lang(ctx: typer.Context, value: str | None) -> str | None:
    """Callback of the eager ``--lang`` option: remembered before any help is written."""
    if value is None:
        return None
    if value not in LANGS:
        raise typer.BadParameter(C.BAD_LANG.format(lang=value)[0 if lang_of(ctx) == "zh" else 1])
    ctx.meta[LANG_KEY] = value
    return value


def pick(text: Text, lang: str, **values: object) -> str:
    """The text in ``lang`` (``zh`` or ``en``), with ``values`` filled in."""
    zh, en = text.format(**values)
    return en if lang == "en" else zh


def command_key(ctx: typer.Context) -> str:
    """The catalogue key of the command ``ctx`` runs: ``status``, ``task new``; ``jixiao`` for the app."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names)) or "jixiao"


def _lookup(table: dict[str, Text], command: str, name: str) -> Text | None:
    return table.get(f"{command}.{name}") or table.get(name)


def _param_line(param: Any, command: str, lang: str) -> tuple[str, str] | None:
    if getattr(param, "hidden", False) or param.name is None:
        return None
    metavar = _lookup(C.METAVAR, command, param.name)
    value = pick(metavar, lang) if metavar else param.name.upper()
    if isinstance(param, TyperArgument):
        head = value + ("..." if param.nargs == -1 else "")
    else:
        head = ", ".join(param.opts)
        if not getattr(param, "is_flag", False):
            head += f" {value}"
    helptext = _lookup(C.HELP, command, param.name)
    body = pick(helptext, lang) if helptext else (getattr(param, "help", None) or "")
    if param.required:
        body += pick(C.REQUIRED, lang)
    return head, body


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(cell_len(head) for head, _ in rows) + 2
    return "\n".join(f"  {head}{' ' * (width - cell_len(head))}{body}".rstrip() for head, body in rows)


def _usage(cmd: Any, ctx: typer.Context, key: str, lang: str) -> str:
    arguments = [line for p in cmd.get_params(ctx) if isinstance(p, TyperArgument)
                 if (line := _param_line(p, key, lang))]
    usage = f"{ctx.command_path} [{pick(C.OPTION_WORD, lang)}]"
    usage += "".join(f" {head}" for head, _ in arguments)
    if isinstance(cmd, TyperGroup):
        usage += f" {pick(C.COMMAND_WORD, lang)} ..."
    return f"{pick(C.USAGE, lang)}：{usage}" if lang == "zh" else f"{pick(C.USAGE, lang)}: {usage}"


def _page(cmd: Any, ctx: typer.Context, key: str, commands: list[tuple[str, str]]) -> str:
    lang = lang_of(ctx)
    params = [p for p in cmd.get_params(ctx)]
    arguments = [line for p in params if isinstance(p, TyperArgument) if (line := _param_line(p, key, lang))]
    options = [line for p in params if not isinstance(p, TyperArgument) if (line := _param_line(p, key, lang))]
    colon = "：" if lang == "zh" else ":"
    description = C.HELP.get(key)
    parts = [_usage(cmd, ctx, key, lang)]
    if description is not None:
        parts.append(pick(description, lang))
    for title, rows in ((C.ARGUMENTS, arguments), (C.OPTIONS, options), (C.COMMANDS, commands)):
        if rows:
            parts.append(f"{pick(title, lang)}{colon}\n{_table(rows)}")
    return "\n\n".join(parts) + "\n"


# typer's (vendored) click.UsageError: not exported by name, but the base of BadParameter.
_UsageError: type = typer.BadParameter.__mro__[1]


def _explain(error: Exception, lang: str) -> str:
    """What a usage error means, from the catalogue (click's own text as a last resort)."""
    param = getattr(error, "param", None)
    name = ""
    if param is not None:
        name = "/".join(getattr(param, "opts", [])) if not isinstance(param, TyperArgument) else ""
        if isinstance(param, TyperArgument):
            metavar = C.METAVAR.get(param.name or "")
            name = pick(metavar, lang) if metavar else str(param.name)
    if hasattr(error, "param_type"):  # MissingParameter
        text = C.ERR_MISSING_ARGUMENT if isinstance(param, TyperArgument) else C.ERR_MISSING_OPTION
        return pick(text, lang, name=name)
    if hasattr(error, "option_name"):  # NoSuchOption
        names = sorted(getattr(error, "possibilities", None) or [])
        hint = pick(C.ERR_DID_YOU_MEAN, lang, names=", ".join(names)) if names else ""
        return pick(C.ERR_NO_SUCH_OPTION, lang, name=error.option_name, hint=hint)
    if param is not None:  # BadParameter
        integer = getattr(getattr(param, "type_descriptor", None), "annotation", None) in (int, int | None)
        detail = pick(C.ERR_NOT_A_NUMBER, lang) if integer else str(getattr(error, "message", error))
        return pick(C.ERR_BAD_VALUE, lang, name=name, detail=detail)
    return str(getattr(error, "message", error)).rstrip(".")


class UsageMistake(_UsageError):  # type: ignore[misc, valid-type]
    """A usage error told in the invocation's language: the usage line, then what is wrong."""

    def __init__(self, original: Exception, ctx: typer.Context, key: str, message: str | None = None) -> None:
        self.lang = lang_of(ctx)
        self.text = message or _explain(original, self.lang)
        self.key = key
        super().__init__(self.text, ctx)

    def show(self, file: Any = None) -> None:
        ctx = self.ctx
        usage = _usage(ctx.command, ctx, self.key, self.lang)
        line = pick(C.ERR_LINE, self.lang, message=self.text, command=ctx.command_path)
        typer.echo(f"{usage}\n{line}", err=True)


def _parse(parse: Any, cmd: Any, ctx: typer.Context, args: list[str], key: str) -> list[str]:
    try:
        return parse(ctx, args)
    except _UsageError as exc:
        if isinstance(exc, UsageMistake) or type(exc).__name__ == "NoArgsIsHelpError":
            raise
        raise UsageMistake(exc, ctx, key) from None


class Command(TyperCommand):
    """A jixiao command: its help page and usage errors come from :mod:`jixiao.codes.cli`."""

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        formatter.write(_page(self, ctx, command_key(ctx), []))

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return _parse(super().parse_args, self, ctx, args, command_key(ctx))


class Group(TyperGroup):
    """The ``jixiao`` command group (or one of its groups, ``jixiao task``): its help page lists
    the commands' first lines."""

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        lang, key = lang_of(ctx), command_key(ctx)
        prefix = "" if key == "jixiao" else f"{key} "
        commands = []
        for name in self.list_commands(ctx):
            text = C.HELP.get(prefix + name)
            commands.append((name, pick(text, lang).split("\n", 1)[0] if text else ""))
        formatter.write(_page(self, ctx, key, commands))

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return _parse(super().parse_args, self, ctx, args, command_key(ctx))

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> Any:
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            message = pick(C.ERR_NO_SUCH_COMMAND, lang_of(ctx), name=args[0])
            raise UsageMistake(Exception(message), ctx, command_key(ctx), message)
        return super().resolve_command(ctx, args)
