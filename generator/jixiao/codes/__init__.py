"""The catalogue of finding codes: every message jixiao gives about a file, in one place.

Four families, one module each: :mod:`.template` (``T``: ``jixiao lint`` on a template),
:mod:`.read` (``R``: a file that cannot be read as a workbook), :mod:`.verify` (``V``: a
return checked against its template, and the texts of rule findings) and :mod:`.data`
(``D``: the department tables a bureau fills). A :class:`Code` holds its id, severity,
Chinese and English templates and the names of the values it takes; a message is made by
``CODE.format(**values)``, which raises when a value is missing or unknown, so a wrong
call fails the first time a test reaches it rather than printing ``{label}``.

Templates use :meth:`str.format` fields without format specs (``{key!r}`` is allowed):
callers pass numbers already formatted, so every entry formats with any values.

>>> DEMO = Code("T105", "error", "字段 {key!r} 重复", "duplicate field key", ("key",))
>>> str(DEMO.format(key="contact"))
"字段 'contact' 重复 (duplicate field key)"
>>> DEMO.format()
Traceback (most recent call last):
...
TypeError: T105 needs ['key'], missing ['key']
"""

from __future__ import annotations

import enum
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

Severity = Literal["error", "warning", "note"]
#: Every severity, most serious first; only errors and warnings count against a return.
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
#: How a severity is shown to a bureau.
SEVERITY_ZH: dict[str, str] = {"error": "错误", "warning": "警告", "note": "提示"}


class Status(enum.StrEnum):
    """Where a return (or a department, for a year) stands; the values are what people read."""

    MISSING = "未交"  # no return received
    NEEDS_FIX = "待修改"  # the latest return has errors
    PASSED = "已通过"  # the latest return has no errors
    UNREADABLE = "格式错误"  # the file is not a readable jixiao form (R codes, V001, V002)


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _check_fields(what: str, zh: str, en: str, fields: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Declared fields must be exactly the ones the templates use (checked at import)."""
    used = _names(zh) | _names(en)
    declared = set(fields) | set(optional)
    if used != declared:
        raise ValueError(f"{what}: templates use {sorted(used)}, declared {sorted(declared)}")
    for template in (zh, en):
        for _, name, spec, _ in string.Formatter().parse(template):
            if spec:
                raise ValueError(f"{what}: format spec {{{name}:{spec}}}; pass the value formatted")


def _fill(what: str, zh: str, en: str, fields: tuple[str, ...], optional: tuple[str, ...],
          values: Mapping[str, Any]) -> tuple[str, str]:
    missing = [f for f in fields if f not in values]
    unknown = sorted(set(values) - set(fields) - set(optional))
    if missing or unknown:
        detail = f"missing {missing}" if missing else f"unknown {unknown}"
        raise TypeError(f"{what} needs {list(fields)}, {detail}")
    filled = {**dict.fromkeys(optional, ""), **values}
    return zh.format_map(filled), en.format_map(filled)


@dataclass(frozen=True)
class Message:
    """A formatted message of one code."""

    code: str
    severity: Severity
    zh: str
    en: str

    def __str__(self) -> str:
        """Chinese with the English gloss in brackets, as ``jixiao lint`` prints it."""
        return f"{self.zh} ({self.en})"


@dataclass(frozen=True)
class Code:
    """One message of the catalogue.

    Several entries may share an ``id`` (T105 is a duplicate tier, field, row ...): the id
    is what a bureau looks up, the entry the exact wording. ``optional`` fields format as
    an empty string when not given (a detail that is known only sometimes).
    """

    id: str
    severity: Severity
    zh: str
    en: str
    fields: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: unknown severity {self.severity!r}")
        _check_fields(self.id, self.zh, self.en, self.fields, self.optional)

    def format(self, **values: Any) -> Message:
        """The message with ``values`` filled in; ``TypeError`` for a missing or unknown one."""
        zh, en = _fill(self.id, self.zh, self.en, self.fields, self.optional, values)
        return Message(self.id, self.severity, zh, en)


@dataclass(frozen=True)
class Text:
    """A message without a code of its own: a rule finding's text (its code is the rule id)."""

    zh: str
    en: str
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_fields(self.zh, self.zh, self.en, self.fields, ())

    def format(self, **values: Any) -> tuple[str, str]:
        """(Chinese, English) with ``values`` filled in; ``TypeError`` as for :meth:`Code.format`."""
        return _fill(self.zh, self.zh, self.en, self.fields, (), values)


def entries(namespace: Mapping[str, Any]) -> tuple[Code, ...]:
    """The codes defined in a module namespace (``entries(vars(module))``), in order."""
    return tuple(v for v in namespace.values() if isinstance(v, Code))


def ids(codes: Iterable[Code]) -> list[str]:
    """The distinct ids of ``codes``, sorted."""
    return sorted({c.id for c in codes})
