"""What the bureau reads off the archive: the 收表 status board of a year and the flat
rows of an export. Pure functions over returns already read (:class:`Archive.status` and
:class:`Archive.export_rows` do the queries).

>>> flatten({"预算": {"年初": 10, "调整": [1, 2]}}, "record")
{'record.预算.年初': 10, 'record.预算.调整': '[1, 2]'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..codes import Status
from .database import json_dumps
from .records import StatusRow, StoredReturn

__all__ = ["export_row", "flatten", "status_board"]


def status_board(latest: Iterable[StoredReturn], unreadable: Iterable[StoredReturn],
                 departments: Sequence[tuple[str, str]] | None = None) -> list[StatusRow]:
    """One :class:`StatusRow` per department: from its latest readable returns (one per
    template) and the newest file of it that could not be read.

    The roster ``departments`` ((code, name) pairs) comes first, in its order, its names
    winning; departments that sent something but are not on it follow, by code. An
    unreadable file makes the department 格式错误 while it is newer than every readable one.

    >>> from jixiao.archive import Archive, Submission
    >>> with Archive("sqlite://") as a:
    ...     _ = a.store(Submission(b"1", "a.xlsx", "101", "财政局", 2024, "p", "1"))
    ...     board = status_board(a.latest(2024), [], [("100", "办公室"), ("101", "财政局")])
    >>> [(r.department_code, r.status, r.version) for r in board]
    [('100', '未交', None), ('101', '已通过', 1)]
    """
    by_dept: dict[str, list[StoredReturn]] = {}
    for r in latest:
        by_dept.setdefault(r.department_code, []).append(r)
    bad = {r.department_code: r for r in unreadable}
    roster = list(departments or [])
    listed = {code for code, _ in roster}
    rows = [_row(code, name, by_dept.get(code, []), bad.get(code)) for code, name in roster]
    rows += [_row(code, None, by_dept.get(code, []), bad.get(code))
             for code in sorted(set(by_dept) | set(bad)) if code not in listed]
    return rows


def _row(code: str, name: str | None, got: list[StoredReturn], bad: StoredReturn | None) -> StatusRow:
    if bad is not None and all(r.received_at < bad.received_at for r in got):
        return StatusRow(code, name or bad.department_name, str(Status.UNREADABLE),
                         tuple(r.template_id for r in got), bad.version, bad.error_count, 0, bad.received_at)
    if not got:
        return StatusRow(code, name or "", str(Status.MISSING))
    newest = max(got, key=lambda r: r.received_at)
    return StatusRow(
        department_code=code,
        department_name=name or newest.department_name,
        # 待修改: errors, or sent back by the bureau (the stored status says both)
        status=str(Status.NEEDS_FIX if any(r.status == Status.NEEDS_FIX for r in got) else Status.PASSED),
        templates=tuple(r.template_id for r in got),
        version=max(r.version for r in got),
        error_count=sum(r.error_count for r in got),
        warning_count=sum(r.warning_count for r in got),
        received_at=newest.received_at,
    )


def export_row(r: StoredReturn, local_text: Callable[[dt.datetime], str], *, voids: bool = False) -> dict[str, Any]:
    """One return as a flat row (str/int/None values) for CSV/JSON: the fixed columns, the
    void columns with ``voids``, then the record under ``record.`` (:func:`flatten`).

    ``local_text`` writes a time as the bureau reads it (:meth:`Archive.local_text`);
    ``finding_codes`` leaves out the warnings the bureau has checked.
    """
    flat: dict[str, Any] = {
        "department_code": r.department_code,
        "department_name": r.department_name,
        "year": r.year,
        "template_id": r.template_id,
        "template_version": r.template_version,
        "version": r.version,
        "status": r.status,
        "error_count": r.error_count,
        "warning_count": r.warning_count,
        "finding_codes": ";".join(str(f["code"]) for f in r.findings if "checked" not in f),
        "fill_date": r.fill_date.isoformat() if r.fill_date else None,
        "received_at": local_text(r.received_at),
        "filename": r.filename,
        "sha256": r.sha256,
        "size": r.size,
    }
    if voids:
        flat["voided_at"] = local_text(r.voided_at) if r.voided_at else None
        flat["voided_by"] = r.voided_by
        flat["void_reason"] = r.void_reason
    flat.update(flatten(r.record, "record"))
    return flat


def flatten(value: Any, prefix: str) -> dict[str, Any]:
    """A nested mapping as one level of dotted keys under ``prefix``; lists as JSON text."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}"))
        return out
    if isinstance(value, list):
        return {prefix: json_dumps(value)}
    return {prefix: value}
