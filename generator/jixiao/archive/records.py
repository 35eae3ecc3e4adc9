"""The values the archive takes and gives: a :class:`Submission` to store, a
:class:`StoredReturn` read back, a :class:`StatusRow` of the 收表 board.

>>> s = Submission(b"xlsx", "a.xlsx", "101", "财政局", 2024, "project", "1",
...                findings=[{"code": "W1", "severity": "warning"}])
>>> s.status, s.warning_count
(<Status.PASSED: '已通过'>, 1)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ..codes import SEVERITIES, Status

__all__ = ["StatusRow", "StoredReturn", "Submission", "finding_key", "stored_return", "to_utc"]


@dataclasses.dataclass(frozen=True)
class Submission:
    """A return to store: the file as received plus what verification found in it.

    ``findings`` are dicts (e.g. ``Finding.to_dict()``) with at least ``code`` and
    ``severity`` (``"error"``, ``"warning"`` or ``"note"``; notes are kept but not
    counted); any other keys (messages, cell, values ...) are kept as they are.
    ``received_at`` defaults to now; a naive datetime is taken as UTC. ``fill_date`` is
    the form's 填报日期: the versions of a series are ordered by it, then by received time.
    ``unreadable`` keeps a file that could not be read as a form (status 格式错误); its
    ``template_id`` may then be empty (unknown).
    ``record`` and ``findings`` must be JSON-serialisable; ``Decimal`` is stored as a
    string and dates/times in ISO 8601, so they read back as strings.

    >>> s = Submission(b"xlsx", "a.xlsx", "101", "财政局", 2024, "project", "1",
    ...                findings=[{"code": "E1", "severity": "error"}])
    >>> s.sha256[:12], s.error_count, s.warning_count
    ('1c980b22bca3', 1, 0)
    """

    file_bytes: bytes
    filename: str
    department_code: str
    department_name: str
    year: int
    template_id: str
    template_version: str
    record: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    findings: Sequence[Mapping[str, Any]] = dataclasses.field(default_factory=list)
    received_at: dt.datetime | None = None
    fill_date: dt.date | None = None
    unreadable: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.file_bytes, bytes | bytearray | memoryview):
            raise TypeError("Submission.file_bytes must be bytes")
        for name in ("filename", "department_code") + (() if self.unreadable else ("template_id",)):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"Submission.{name} must not be empty")
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise TypeError("Submission.year must be an int")
        for i, finding in enumerate(self.findings):
            if "code" not in finding:
                raise ValueError(f"finding #{i} has no 'code': {finding!r}")
            if finding.get("severity") not in SEVERITIES:
                raise ValueError(f"finding #{i} severity must be one of {SEVERITIES}: {finding!r}")

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of ``file_bytes`` (the blob key)."""
        return hashlib.sha256(self.file_bytes).hexdigest()

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f["severity"] == "error")

    @property
    def warning_count(self) -> int:
        return sum(1 for f in self.findings if f["severity"] == "warning")

    @property
    def status(self) -> Status:
        if self.unreadable:
            return Status.UNREADABLE
        return Status.NEEDS_FIX if self.error_count else Status.PASSED


@dataclasses.dataclass(frozen=True)
class StoredReturn:
    """A return as kept in the archive (one version of a department's series).

    ``created`` is True only on the value :meth:`Archive.store` returns when it inserted
    the row; it is False when ``store`` found the identical file already kept in the
    series, and on every value read back by a query.

    Times are in the archive's time zone (:attr:`Archive.tz`). ``warning_count`` counts
    the *open* warnings: a warning the bureau has checked carries ``"checked": {"by",
    "at", "note"}`` in ``findings`` and is not counted. A voided version has ``voided_at``,
    ``voided_by`` and ``void_reason`` and never counts as the latest. A version the bureau
    sent back has ``sent_back_at``, ``sent_back_by``, ``send_back_reason`` and status 待修改.
    """

    id: int
    department_code: str
    department_name: str
    year: int
    template_id: str
    template_version: str
    version: int
    sha256: str
    size: int
    filename: str
    received_at: dt.datetime
    record: dict[str, Any]
    findings: list[dict[str, Any]]
    error_count: int
    warning_count: int
    status: str
    created: bool = False
    fill_date: dt.date | None = None
    voided_at: dt.datetime | None = None
    voided_by: str | None = None
    void_reason: str | None = None
    sent_back_at: dt.datetime | None = None
    sent_back_by: str | None = None
    send_back_reason: str | None = None

    @property
    def open_findings(self) -> list[dict[str, Any]]:
        """Errors and warnings still to be dealt with (notes and checked warnings left out)."""
        return [f for f in self.findings if f.get("severity") in ("error", "warning") and "checked" not in f]


@dataclasses.dataclass(frozen=True)
class StatusRow:
    """One line of the 收表 status table for a year.

    ``status`` is 未交 when no return came, 格式错误 when the newest file it sent could not
    be read, 待修改 when a latest return (of any template the department sent) has errors,
    else 已通过. ``version`` is the highest latest version over the department's templates;
    counts sum over those latest returns (warnings: the open ones).
    """

    department_code: str
    department_name: str
    status: str
    templates: tuple[str, ...] = ()
    version: int | None = None
    error_count: int = 0
    warning_count: int = 0
    received_at: dt.datetime | None = None


def to_utc(value: dt.datetime) -> dt.datetime:
    """A time in UTC; a naive one is taken as UTC already.

    >>> to_utc(dt.datetime(2024, 3, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))).isoformat()
    '2024-03-01T00:00:00+00:00'
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def finding_key(finding: Mapping[str, Any]) -> tuple[str, str, str]:
    """What identifies a finding within its return: (code, sheet, cell).

    >>> finding_key({"code": "V311", "sheet": "封面", "cell": "C4", "severity": "warning"})
    ('V311', '封面', 'C4')
    """
    return str(finding.get("code")), str(finding.get("sheet") or ""), str(finding.get("cell") or "")


Checks = Mapping[tuple[str, str, str], dict[str, str]]


def _with_check(finding: dict[str, Any], checks: Checks) -> dict[str, Any]:
    """The finding with its 已核实 mark, when it is a warning the bureau has checked."""
    check = checks.get(finding_key(finding))
    if check is None or finding.get("severity") != "warning":
        return finding
    return {**finding, "checked": dict(check)}


def _local(value: dt.datetime | None, tz: ZoneInfo) -> dt.datetime | None:
    return None if value is None else to_utc(value).astimezone(tz)


def stored_return(row: Any, tz: ZoneInfo, checks: Checks) -> StoredReturn:
    """A row of :func:`jixiao.archive.tables.select_returns` as a value: times in ``tz``, the
    warnings in ``checks`` (by :func:`finding_key`) marked checked and not counted.

    >>> from types import SimpleNamespace as Row
    >>> at = dt.datetime(2024, 3, 1)
    >>> row = Row(id=1, department_code="101", department_name="财政局", year=2024, template_id="p",
    ...           template_version="1", version=1, blob_sha256="ab", size=2, filename="a.xlsx",
    ...           received_at=at, record={}, findings=[{"code": "W1", "severity": "warning"}],
    ...           error_count=0, status="已通过", fill_date=None, voided_at=None, voided_by=None,
    ...           void_reason=None, sent_back_at=None, sent_back_by=None, send_back_reason=None)
    >>> r = stored_return(row, ZoneInfo("Asia/Shanghai"), {("W1", "", ""): {"by": "张三"}})
    >>> r.received_at.isoformat(), r.warning_count, r.findings[0]["checked"]
    ('2024-03-01T08:00:00+08:00', 0, {'by': '张三'})
    """
    findings = [_with_check(f, checks) for f in row.findings] if checks else row.findings
    return StoredReturn(
        id=row.id,
        department_code=row.department_code,
        department_name=row.department_name,
        year=row.year,
        template_id=row.template_id,
        template_version=row.template_version,
        version=row.version,
        sha256=row.blob_sha256,
        size=row.size,
        filename=row.filename,
        received_at=to_utc(row.received_at).astimezone(tz),
        record=row.record,
        findings=findings,
        error_count=row.error_count,
        warning_count=sum(1 for f in findings if f.get("severity") == "warning" and "checked" not in f),
        status=row.status,
        fill_date=row.fill_date,
        voided_at=_local(row.voided_at, tz),
        voided_by=row.voided_by,
        void_reason=row.void_reason,
        sent_back_at=_local(row.sent_back_at, tz),
        sent_back_by=row.sent_back_by,
        send_back_reason=row.send_back_reason,
    )
