"""The help pages of :mod:`jixiao.cli`, written in the invocation's language.

Click's help (and typer's) is English in its frame (``Usage``, ``Options``, ``Show this
message and exit``) and shows value types (``<bool>``, ``<int>``). The commands of jixiao
use :class:`Command` and the app :class:`Group` instead, which lay the page out from the
catalogue :mod:`jixiao.codes.cli`: the description of the command, every option with the
name of its value (``--year 年度``; a flag has none) and its help, in Chinese or, with
``--lang en`` or ``LANG=en_*``, in English.
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


def _page(cmd: Any, ctx: typer.Context, key: str, commands: list[tuple[str, str]]) -> str:
    lang = lang_of(ctx)
    params = [p for p in cmd.get_params(ctx)]
    arguments = [line for p in params if isinstance(p, TyperArgument) if (line := _param_line(p, key, lang))]
    options = [line for p in params if not isinstance(p, TyperArgument) if (line := _param_line(p, key, lang))]
    usage = f"{ctx.command_path} [{pick(C.OPTION_WORD, lang)}]"
    usage += "".join(f" {head}" for head, _ in arguments)
    if commands:
        usage += f" {pick(C.COMMAND_WORD, lang)} ..."
    colon = "：" if lang == "zh" else ":"
    description = C.HELP.get(key)
    parts = [f"{pick(C.USAGE, lang)}{colon}{'' if lang == 'zh' else ' '}{usage}"]
    if description is not None:
        parts.append(pick(description, lang))
    for title, rows in ((C.ARGUMENTS, arguments), (C.OPTIONS, options), (C.COMMANDS, commands)):
        if rows:
            parts.append(f"{pick(title, lang)}{colon}\n{_table(rows)}")
    return "\n\n".join(parts) + "\n"


class Command(TyperCommand):
    """A jixiao command: its help page comes from :mod:`jixiao.codes.cli`."""

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        formatter.write(_page(self, ctx, self.name or "", []))


class Group(TyperGroup):
    """The ``jixiao`` command group: its help page lists the commands' first lines."""

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        lang = lang_of(ctx)
        commands = []
        for name in self.list_commands(ctx):
            text = C.HELP.get(name)
            commands.append((name, pick(text, lang).split("\n", 1)[0] if text else ""))
        formatter.write(_page(self, ctx, "jixiao", commands))
