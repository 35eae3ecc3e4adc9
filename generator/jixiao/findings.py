"""Findings: what verification tells a bureau and a department about one return.

Every finding has a stable ``code``. Rule findings use the rule id of formulas/rules.yaml
(``ROW_SCORE_OVER_WEIGHT``, ``CHK_FUNDS_SUM`` ...); structural ones use ``V`` codes:

=====  ===================================================================
V001   not a jixiao form (no template identity in the file)
V002   unknown template id or version (not shipped with this jixiao)
V003   structure fingerprint differs from the template's (a form edited by hand)
V101   a sheet is missing or renamed
V102   sheet protection removed
V103   a computed cell's formula was replaced by a constant
V104   a computed cell's formula was changed
V105   a fixed (locked) cell was changed, or rows inserted or deleted
V106   an input's data validation was removed
V107   a computed cell's saved value differs from the recomputed value
V108   the file was never recalculated by a spreadsheet (no saved values)
V109   the file contains macros (not run)
V110   the file links to other workbooks (not followed)
V201   a typed value was converted (e.g. "5219.46万元" read as 5219.46)
V202   text where a number belongs
V301   a required field is empty (contacts, dates)
V302   a date outside the reporting year
V303   an indicator row with a name but no result (实际完成值, or the score of a 定性 row)
V304   a form in use without its scored funds row's 全年预算数(A) or 全年执行数(B)
V305   nothing filled in at all
V311   a figure the bureau pre-filled was changed (a warning: say why)
=====  ===================================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "note"]


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def count(findings: list[Finding], severity: Severity) -> int:
    """How many findings have ``severity``."""
    return sum(1 for f in findings if f.severity == severity)
