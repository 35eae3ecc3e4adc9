"""How :mod:`jixiao.cli` prints what a command found: the summary first, then what needs
doing, notes counted (listed with ``--verbose``), nothing but the summary and the files
to act on with ``--quiet``.

Every line is one message: nothing is wrapped inside a message when the output is piped
(see :func:`jixiao.terminal._console`), so ``grep`` finds a message whole.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from .atomic import atomic_output
from .codes import Status
from .codes import cli as C
from .codes import verify as V
from .outputs import csv_safe
from .terminal import Session

_STYLE = {"error": "red", "warning": "yellow", "note": "dim"}


def grouped_notes(s: Session, notes: Iterable[Any]) -> list[str]:
    """One line per kind of note: ``400 条提示：目标值按定性处理，见 --verbose``.

    A note is anything with ``code`` and ``message_zh``/``message_en``; notes of one code
    are one kind, described by :data:`jixiao.codes.cli.NOTE_BRIEFS` or, for a code not
    listed there, by its first message."""
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for note in notes:
        counts[note.code] += 1
        first.setdefault(note.code, s.message(note))
    lines = []
    for code, n in counts.most_common():
        brief = C.NOTE_BRIEFS.get(code)
        text = s.t(brief) if brief else first[code]
        label = f"{text}（{code}）" if s.lang == "zh" else f"{text} ({code})"
        lines.append(s.t(C.NOTES_GROUPED, count=n, brief=label))
    return lines


def _finding_line(s: Session, f: Any) -> str:
    where = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or f.cell or "")
    parts = [s.level(f.severity), f.code, where, s.message(f)]
    return f"  [{_STYLE.get(f.severity, '')}]" + escape(" ".join(p for p in parts if p))


def print_verifications(s: Session, results: Sequence[Any], *, quiet: bool, verbose: bool) -> None:
    """``jixiao verify``: the summary, the grouped notes, then each return needing work."""
    unreadable = sum(r.unreadable for r in results)
    needs_fix = sum(bool(r.errors) and not r.unreadable for r in results)
    passed = len(results) - unreadable - needs_fix
    with_warnings = sum(bool(r.warnings) and not r.errors and not r.unreadable for r in results)
    s.out.print(escape(s.t(C.VERIFY_SUMMARY, total=len(results), passed=passed, with_warnings=with_warnings,
                           needs_fix=needs_fix, unreadable=unreadable)))
    if not verbose and not quiet:
        for line in grouped_notes(s, (f for r in results for f in r.findings if f.severity == "note")):
            s.out.print(escape(line))
    for r in results:
        shown = [f for f in r.findings if verbose or f.severity != "note"]
        if quiet and not (r.errors or r.unreadable):
            continue
        if not shown:
            if verbose:
                s.out.print(escape(s.t(C.RETURN_CLEAN, path=r.path, status=s.status(r.status))))
            continue
        s.out.print(escape(s.t(C.RETURN_LINE, path=r.path, status=s.status(r.status), errors=r.errors,
                               warnings=r.warnings)))
        if not quiet:
            for f in shown:
                s.out.print(_finding_line(s, f))


def print_collected(s: Session, run: Any, *, quiet: bool) -> None:
    """``jixiao collect``: the summary, the departments with several files, then the table."""
    created = sum(1 for r in run if r.stored is not None and r.stored.created)
    again = sum(1 for r in run if r.stored is not None and not r.stored.created)
    bad = sum(1 for r in run if r.stored is not None and r.stored.created and r.stored.status == Status.UNREADABLE)
    skipped = sum(1 for r in run if r.stored is None)
    s.out.print(escape(s.t(C.COLLECT_SUMMARY, total=len(run), stored=created - bad, again=again,
                           unreadable=bad, skipped=skipped)))
    for r in run.refused:  # files to act on: shown with --quiet too
        s.out.print("[red]" + escape(s.t(C.REFUSED_LINE, path=r.path, code=r.refusal.code,
                                          message=s.message(r.refusal))))
    for d in run.duplicates:
        s.err.print("[yellow]" + escape(s.t(C.TWO_FILES, department=d.department_code, count=len(d.files),
                                             files="、".join(p.name for p in d.files), latest=d.files[-1].name)))
    if quiet:
        return
    table = Table(*(s.t(h) for h in (C.H_FILE, C.H_DEPT_CODE, C.H_VERSION, C.H_STATUS, C.H_ERRORS, C.H_WARNINGS)))
    for r in run:
        stored = r.stored
        status = s.status(stored.status if stored else r.verification.status)
        if r.refused:
            state = s.t(C.STATE_UNSIGNED if r.refusal.code == V.V008.id else C.STATE_REFUSED)
        elif stored is None:
            state = s.t(C.STATE_NOT_STORED)
        elif not stored.created:
            state = s.t(C.STATE_KEPT_ALREADY, status=status)
        else:
            state = status
        table.add_row(escape(str(r.path)), escape(stored.department_code) if stored else "",
                      str(stored.version) if stored else "", state,
                      str(r.verification.errors), str(r.verification.warnings))
    s.out.print(table)


def print_status(s: Session, year: int, rows: Sequence[Any], local: Any, *, quiet: bool) -> None:
    """``jixiao status``: counts per status first, then one row per department.
    ``local(when)`` gives a time as the bureau reads it."""
    counts = Counter(r.status for r in rows)
    order = [Status.MISSING, Status.UNREADABLE, Status.NEEDS_FIX, Status.PASSED]
    sep = "，" if s.lang == "zh" else ", "
    text = sep.join(f"{s.status(st)} {counts[st]}" for st in order if counts[st])
    s.out.print(escape(s.t(C.STATUS_TITLE, year=year)) + "  " + escape(s.t(C.STATUS_COUNTS, total=len(rows),
                                                                            counts=text)))
    if quiet:
        return
    table = Table(*(s.t(h) for h in (C.H_DEPT_CODE, C.H_DEPT_NAME, C.H_STATUS, C.H_VERSION, C.H_ERRORS,
                                      C.H_WARNINGS, C.H_RECEIVED)))
    for r in rows:
        sent = r.version is not None  # 未交: no counts to show
        table.add_row(escape(r.department_code), escape(r.department_name), s.status(r.status), str(r.version or ""),
                      str(r.error_count) if sent else "", str(r.warning_count) if sent else "",
                      local(r.received_at)[:16] if r.received_at else "")
    s.out.print(table)


def write_links_list(s: Session, issued: Sequence[Any], base: str, deadline: str, path: Path) -> None:
    """``jixiao links issue --out``: the printable list of links (CSV in UTF-8 with a BOM,
    which Excel, WPS and LibreOffice open as a table), one department a row."""
    with atomic_output(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow([s.t(h) for h in (C.H_DEPT_CODE, C.H_DEPT_NAME, C.H_LINK_URL, C.H_DEADLINE)])
        for link in issued:
            writer.writerow([csv_safe.cell(link.department_code), csv_safe.cell(link.department_name),
                             f"{base}/d/{link.token}", deadline])
