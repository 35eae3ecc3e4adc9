"""The structure fingerprint a built workbook carries, and verification compares.

One line per sheet (``sheet:<id>:<name>``) and one per named cell, the JSON of
``[name, address, role, rule, params, args]``, then one line with the template
parameters the form was built with (``params:{"year": 2024}``); the first 16 hex digits
of the SHA-256 of those lines. Returns already collected carry fingerprints written this
way, so the text must never change: keys sorted, non-ASCII kept, Python's default
separators. Forms built before the parameters were part of the identity have no
``params`` line (``params=None``), and are still compared that way.

>>> fingerprint_of([("zt", "表", [("zt_a", "B2", "input", None, {}, {})])])
'e5fb579eaf8dbe60'
>>> fingerprint_of([("zt", "表", [("zt_a", "B2", "input", None, {}, {})])], {"year": 2024})
'284a6fbb06af0249'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

#: The layout generation of the forms this jixiao builds. The builder lays an unchanged
#: template out the same way within a generation; a change that would move, add or
#: rewrite a named cell of an existing template makes a new generation, applied only to
#: forms built with it. A form records its generation (``layout_generation`` in its
#: metadata) and is read with the builder behaviour of that generation, so a return
#: built by an older jixiao keeps its own layout.
#:
#: 1. Forms without a recorded generation: built by jixiao up to commit e882423.
#: 2. A self-evaluation sheet's 自评结论 may be required (``conclusion_required``): one
#:    more panel line, CHK_REQUIRED. Messages carry their values (issue 14 item 6): a
#:    hidden message cell per row flag (``<row>_msg_<rule>``, the MSG_* rules) that the
#:    row's 本行校验 (ROW_MESSAGE) joins; the checklist shows its item's message in H,
#:    its flag hidden in M; declared scoring adds computed subtotals, a 计算总分
#:    (``total_computed``) and the panel line CHK_DECLARED_TOTAL.
GENERATION = 2
#: The generation from which ``conclusion_required`` lays out its panel line.
REQUIRED_CONCLUSION = 2
#: The generation from which row messages carry their values (message cells, the
#: checklist's message column, declared mode's 计算总分 and CHK_DECLARED_TOTAL).
MESSAGES_WITH_VALUES = 2
#: The generation of a form that records none (built before generations were recorded).
FIRST_GENERATION = 1

#: One named cell as the fingerprint sees it: (name, address, role, rule, params, args).
CellIdentity = tuple[Any, str, str, Any, dict[str, Any], dict[str, Any]]

#: ``json.dumps(..., ensure_ascii=False, sort_keys=True, default=str)``, built once (json.dumps
#: with arguments builds a new encoder per call, and a form has thousands of named cells).
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str, separators=(", ", ": "))


def fingerprint_of(sheets: Iterable[tuple[str, str, Iterable[CellIdentity]]],
                   params: dict[str, Any] | None = None) -> str:
    """The fingerprint of sheets given as (id, name, named cells in order), and of the
    template parameters (None: a form from before they were part of it)."""
    lines: list[str] = []
    for sheet_id, name, cells in sheets:
        lines.append(f"sheet:{sheet_id}:{name}")
        lines.extend(_JSON.encode(cell) for cell in cells)  # a tuple is written as a list
    if params is not None:
        lines.append("params:" + _JSON.encode(params))
    lines.append("")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
