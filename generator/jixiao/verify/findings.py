"""Findings: what verification tells a bureau and a department about one return.

Every finding has a stable ``code``: a ``V`` code (:mod:`jixiao.codes.verify`), an ``R``
code for a file that cannot be read (:mod:`jixiao.codes.read`), or the rule id of
formulas/rules.yaml (``ROW_SCORE_OVER_WEIGHT``, ``CHK_FUNDS_SUM`` ...).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..codes import Message, Severity


@dataclass(frozen=True)
class Finding:
    """One finding about one return, for a department (Chinese) and a bureau (English)."""

    code: str
    severity: Severity
    message_zh: str
    message_en: str
    sheet: str = ""
    cell: str = ""
    name: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, message: Message, sheet: str = "", cell: str = "", name: str = "",
           values: dict[str, Any] | None = None) -> Finding:
        """The finding a catalogue message describes, at a cell and with the values it found."""
        return cls(message.code, message.severity, message.zh, message.en, sheet, cell, name, values or {})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def count(findings: list[Finding], severity: Severity) -> int:
    """How many findings have ``severity``."""
    return sum(1 for f in findings if f.severity == severity)
