"""The portal's service layer, part two: receiving returns, the status board, review actions.

A return is checked by type and size, verified by the same :func:`jixiao.verify.verification.verify_file`
as ``jixiao verify`` (which reads it through the bounded package reader), and stored in
the archive as ``jixiao collect`` stores it — before anyone is told it was received. The
same file twice is one version (the archive's own rule).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from .. import signing
from ..archive import StoredReturn, Submission
from ..codes import verify as V
from ..layout import DEPARTMENT_KEY
from ..outputs.export import render_rows
from ..outputs.return_package import write_return_packages
from ..outputs.summary import write_summary
from ..prefill.batch import safe_filename
from ..verify.verification import Verification, verify_file
from .errors import PortalError
from .security import MAX_UPLOAD_BYTES
from .service import LinkAccess, Portal, beijing, get_task, roster_rows
from .store import audit, now, rejects
from .verifying import verify_upload

FORMAT_ERROR = "格式错误"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "note": "提示"}


@dataclass
class Received:
    """The answer to one upload: what the department reads at once."""

    state: str  # 已通过 / 待修改 / 格式错误
    findings: list[dict[str, Any]]
    stored: StoredReturn | None = None

    @property
    def duplicate(self) -> bool:
        return self.stored is not None and not self.stored.created


def check_upload(filename: str, data: bytes) -> None:
    """Size and type, before anything is written anywhere (PortalError with U codes)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PortalError(413, f"文件过大：不能超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", "U001")
    if not data:
        raise PortalError(400, "文件是空的，请重新选择填好的表格", "U003")
    if Path(filename).suffix.lower() != ".xlsx" or not data.startswith(b"PK\x03\x04"):
        raise PortalError(415, "只接收财政局下发的 .xlsx 表格（不是 .xls、.et、.pdf 或图片）", "U002")


def receive_upload(p: Portal, access: LinkAccess, filename: str, data: bytes) -> Received:
    """Verify one department's upload and keep it; refused files are logged, never stored."""
    check_upload(filename, data)
    task = get_task(p, access.task_id)
    name = safe_filename("", Path(filename).stem[:80] or access.department_code)
    v = verify_upload(name, data, p.search, p.keys)
    refusal = _refusal(v, task.template_id, access.department_code, signed=p.keys is not None)
    if refusal is not None:
        with p.store.write() as conn:
            conn.execute(rejects.insert().values(task_id=task.id, department_code=access.department_code,
                                                 filename=name, size=len(data), findings=refusal,
                                                 received_at=now()))
            p.store.log(conn, f"单位 {access.department_code}", "上传未通过格式检查", task_id=task.id,
                        department_code=access.department_code, codes=[f["code"] for f in refusal])
        return Received(FORMAT_ERROR, refusal)
    findings = [f.to_dict() for f in v.findings]
    def audit_line(conn: Connection, stored: StoredReturn) -> None:
        p.store.log(conn, f"单位 {access.department_code}", "收到报表" if stored.created else "重复上传同一文件",
                    task_id=task.id, department_code=access.department_code, version=stored.version,
                    sha256=stored.sha256, errors=stored.error_count, warnings=stored.warning_count)

    with p.store.serial():  # the return and its audit line: one transaction
        stored = p.archive.store(Submission(
            file_bytes=data, filename=name, department_code=access.department_code,
            department_name=access.department_name, year=task.year, template_id=v.template_id,
            template_version=str(v.template_version), record=v.record, findings=findings), then=audit_line)
    return Received(stored.status, stored.findings, stored)


def _refusal(v: Verification, template_id: str, code: str, *, signed: bool) -> list[dict[str, Any]] | None:
    """Why an upload cannot be kept as this department's return (findings), or None.

    The department is the one the bureau's signature vouches for: a pre-fill changed after
    signing is refused with its V006/V007; with ``signed`` (the portal signs every form it
    builds) an unsigned pre-fill proves nothing and is refused too.
    """
    if v.unreadable:
        return [f.to_dict() for f in v.findings]
    if not v.prefill_trusted:
        return [f.to_dict() for f in v.findings if f.code in (V.V006.id, V.V007.id)]
    if signed and v.origin != signing.SIGNED:
        return [_portal_finding("P003", "这份表格的预填内容没有本系统的签名，请下载本单位的预填表填写后上传")]
    if v.template_id != template_id:
        return [_portal_finding("P002", "这不是本次填报任务的表格，请下载本单位的预填表填写后上传")]
    department = v.prefill.get(DEPARTMENT_KEY) or {}
    if not isinstance(department, dict) or str(department.get("code", "")) != code:
        return [_portal_finding("P001", "这不是本单位的预填表，请下载本单位的表格填写后上传")]
    return None


def _portal_finding(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "severity": "error", "message_zh": message, "message_en": "", "sheet": "", "cell": "",
            "name": "", "values": {}}


# --------------------------------------------------------------------------- board


@dataclass
class BoardRow:
    department_code: str
    department_name: str
    state: str  # 未交 / 格式错误 / 待修改 / 已通过
    version: int | None = None
    received: str = ""  # Beijing time
    errors: int = 0
    warnings: int = 0
    return_id: int | None = None
    comment: str = ""  # the bureau's send-back comment


def board(p: Portal, task_id: int) -> list[BoardRow]:
    """One row per department of the roster (then any other sender): where it stands now.

    State, version and counts are the archive's own (:meth:`Archive.status`, what ``jixiao
    status`` prints): the current return is the latest not voided, 待修改 when it has errors
    or the bureau sent it back, else 已通过. The portal adds 格式错误 when the newest upload
    was refused as unreadable or not this department's form (such files are not kept).
    """
    task = get_task(p, task_id)
    current = {r.department_code: r for r in p.archive.latest(task.year, task.template_id)}
    refused = dict(p.store.read(lambda c: list(c.execute(
        select(rejects.c.department_code, func.max(rejects.c.received_at)).where(rejects.c.task_id == task_id)
        .group_by(rejects.c.department_code)))))
    names = [(m.department_code, m.department_name) for m in roster_rows(p, task_id)]
    out = []
    for row in p.archive.status(task.year, names, task.template_id):
        r = current.get(row.department_code)
        refused_at = refused.get(row.department_code)  # aware UTC (store.UTCDateTime)
        if r is None:
            out.append(BoardRow(row.department_code, row.department_name, FORMAT_ERROR if refused_at else "未交"))
            continue
        state = FORMAT_ERROR if refused_at is not None and refused_at > r.received_at else row.status
        out.append(BoardRow(row.department_code, row.department_name, state, r.version, beijing(r.received_at),
                            r.error_count, r.warning_count, r.id, _sent_back(r) or ""))
    return out


def _sent_back(s: StoredReturn) -> str | None:
    """The bureau's send-back comment when this version was sent back."""
    return (s.send_back_reason or "") if s.sent_back_at is not None else None


# --------------------------------------------------------------------------- one department's returns


@dataclass
class VersionView:
    """One version of a department's return as the pages show it."""

    stored: StoredReturn
    received: str
    voided: bool = False
    sent_back: str | None = None  # the comment, when sent back
    findings: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, s: StoredReturn) -> VersionView:
        """The view of a stored version, with the bureau's marks the archive keeps on it."""
        return cls(s, beijing(s.received_at), s.voided_at is not None, _sent_back(s), finding_views(s.findings))


def history(p: Portal, task_id: int, department_code: str) -> list[VersionView]:
    """Every version the department sent for the task, newest first, with the bureau's
    actions as the archive keeps them (voided, sent back, warnings checked)."""
    task = get_task(p, task_id)
    stored = p.archive.versions(department_code, task.year, task.template_id)
    return [VersionView.of(s) for s in reversed(stored)]


def refused_uploads(p: Portal, task_id: int, department_code: str) -> list[Any]:
    return p.store.read(lambda c: list(c.execute(select(rejects).where(
        rejects.c.task_id == task_id, rejects.c.department_code == department_code).order_by(rejects.c.id.desc()))))


def finding_views(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings as the pages list them. A warning the bureau checked carries the
    archive's mark (``"checked": {"by", "at"}``)."""
    views = []
    for i, f in enumerate(findings):
        where = f"{f.get('sheet')}!{f.get('cell')}" if f.get("sheet") and f.get("cell") else f.get("sheet") or ""
        figures = "；".join(f"{k} = {v}" for k, v in (f.get("values") or {}).items())
        check = f.get("checked")
        mark = f"已核实（{check.get('by', '')}，{str(check.get('at', ''))[:16]}）" if isinstance(check, dict) else ""
        views.append({"index": i, "code": f.get("code", ""), "severity": f.get("severity", ""),
                      "severity_zh": SEVERITY_ZH.get(f.get("severity", ""), ""), "where": where, "figures": figures,
                      "message": f.get("message_zh", ""), "verified": mark})
    return views


def find_return(p: Portal, task_id: int, return_id: int, department_code: str | None = None) -> VersionView:
    """One version of the task; with ``department_code`` only that department's (else 404)."""
    task = get_task(p, task_id)
    try:
        s = p.archive.get(return_id)
    except LookupError:
        raise PortalError(404, "没有这份报表") from None
    if (s.year, s.template_id) != (task.year, task.template_id) or department_code not in (None, s.department_code):
        raise PortalError(404, "没有这份报表")
    return VersionView.of(s)


def original_file(p: Portal, task_id: int, return_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of one version exactly as the department sent it (the archive's blob)."""
    s = find_return(p, task_id, return_id).stored
    return s.filename, p.archive.blob(s.sha256)


def version_record(v: VersionView) -> dict[str, Any]:
    """One version as the API and ``jixiao review show --json`` give it."""
    s = v.stored
    return {"id": s.id, "department_code": s.department_code, "department_name": s.department_name,
            "version": s.version, "status": s.status, "received": v.received, "filename": s.filename,
            "sha256": s.sha256, "errors": s.error_count, "warnings": s.warning_count, "voided": v.voided,
            "sent_back": v.sent_back, "findings": v.findings}


def annotated_copy(p: Portal, task_id: int, return_id: int, department_code: str | None = None) -> tuple[str, bytes]:
    """The return package of this version: a 退回意见 sheet listing every problem and the marked
    cells highlighted (:func:`jixiao.outputs.return_package.write_return_packages`)."""
    view = find_return(p, task_id, return_id, department_code)
    s = view.stored
    with tempfile.TemporaryDirectory(prefix="jixiao-annotate-") as folder:
        path = Path(folder) / "in" / safe_filename(s.department_code, f"第{s.version}版")
        path.parent.mkdir()
        path.write_bytes(p.archive.blob(s.sha256))
        copies = write_return_packages([verify_file(path, search=p.search, keys=p.keys)],
                                       Path(folder) / "out").workbooks
        if not copies:
            raise PortalError(404, "这一版没有错误或警告，无需批注")
        return safe_filename(s.department_code, f"{s.department_name}_第{s.version}版_批注"), copies[0].read_bytes()


# --------------------------------------------------------------------------- the bureau's actions


def review(p: Portal, actor: str, task_id: int, return_id: int, kind: str, *, comment: str = "",
           finding: int | None = None) -> None:
    """Send back (with a comment), void a version uploaded by mistake (with the reason), or
    mark a warning 已核实 - through the archive's own actions (:mod:`jixiao.archive.housekeeping`),
    so the portal and ``jixiao void`` / ``jixiao confirm`` / ``jixiao status`` see the same marks."""
    view = find_return(p, task_id, return_id)
    labels = {"send_back": "退回修改", "void": "作废版本", "verified": "标记已核实"}
    if kind not in labels:
        raise PortalError(400, "未知的操作")
    comment = comment.strip()[:2000]
    if kind == "send_back" and not comment:
        raise PortalError(400, "退回时请写明修改意见")
    if kind == "void" and not comment:
        raise PortalError(400, "作废时请写明原因")
    findings = view.stored.findings
    if kind == "verified" and (finding is None or not 0 <= finding < len(findings)
                               or findings[finding].get("severity") != "warning"):
        raise PortalError(400, "只能核实警告")
    def audit_line(conn: Connection, _stored: StoredReturn) -> None:  # in the action's own transaction
        p.store.log(conn, actor, labels[kind], task_id=task_id, department_code=view.stored.department_code,
                    version=view.stored.version, comment=comment, finding=finding)

    with p.store.serial():
        try:
            if kind == "send_back":
                p.archive.send_back(return_id, reason=comment, by=actor, then=audit_line)
            elif kind == "void":
                p.archive.void(return_id, reason=comment, by=actor, then=audit_line)
            else:
                f = findings[finding]  # type: ignore[index]
                p.archive.mark_checked(return_id, str(f.get("code")), by=actor, sheet=f.get("sheet") or "",
                                       cell=f.get("cell") or "", note=comment, then=audit_line)
        except ValueError:  # sending back a voided version
            raise PortalError(409, "这一版已作废，不能退回") from None


def summary_workbook(p: Portal, actor: str, task_id: int) -> tuple[str, bytes]:
    """The year's summary workbook (汇总表), as ``jixiao summary`` writes it."""
    task = get_task(p, task_id)
    with tempfile.TemporaryDirectory(prefix="jixiao-summary-") as folder:
        out = Path(folder) / "汇总表.xlsx"
        write_summary(p.archive, task.year, out, search=p.search)
        data = out.read_bytes()
    with p.store.write() as conn:
        p.store.log(conn, actor, "下载汇总表", task_id=task_id)
    return f"{task.year}_汇总表.xlsx", data


#: What the portal's export is downloaded as: media type and the text's encoding (a BOM for Excel and WPS).
EXPORT_FORMATS = {"csv": ("text/csv; charset=utf-8", "utf-8-sig"), "json": ("application/json", "utf-8")}


def export_data(p: Portal, actor: str, task_id: int, fmt: str = "csv") -> tuple[str, bytes]:
    """The latest returns of the task's template as rows, rendered as ``jixiao export`` renders
    them (:func:`jixiao.outputs.export.render_rows`: CSV with formula-like text neutralised,
    or JSON)."""
    if fmt not in EXPORT_FORMATS:
        raise PortalError(400, "导出格式只能是 csv 或 json")
    task = get_task(p, task_id)
    rows = [r for r in p.archive.export_rows(task.year) if r["template_id"] == task.template_id]
    data = render_rows(rows, fmt).encode(EXPORT_FORMATS[fmt][1])
    with p.store.write() as conn:
        p.store.log(conn, actor, "下载导出数据", task_id=task_id, rows=len(rows), format=fmt)
    return f"{task.year}_{task.template_id}_导出.{fmt}", data


def audit_entries(p: Portal, limit: int = 500) -> list[Any]:
    return p.store.read(lambda c: list(c.execute(select(audit).order_by(audit.c.id.desc()).limit(limit))))


def audit_record(e: Any) -> dict[str, Any]:
    """An audit entry as the API and ``jixiao audit --json`` give it."""
    return {"at": beijing(e.at), "actor": e.actor, "action": e.action, "task_id": e.task_id,
            "department_code": e.department_code, "detail": e.detail}
