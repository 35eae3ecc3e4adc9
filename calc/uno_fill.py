"""Type text into spreadsheet cells through LibreOffice's dispatcher, then save as xlsx.

A standalone script for the interpreter that has Python-UNO (Debian's /usr/bin/python3);
nothing imports it (``import uno`` only works in that interpreter and
installs an import hook). :func:`calc.libreoffice.fill_by_typing` starts a
soffice listening on a socket, then runs::

    /usr/bin/python3 uno_fill.py request.json response.json

request.json::

    {"connect": "uno:socket,host=127.0.0.1,port=2002;urp;StarOffice.ComponentContext",
     "connect_timeout": 60, "terminate": true,
     "jobs": [{"src": "/abs/in.xlsx", "dst": "/abs/out.xlsx",
               "entries": [["Sheet1", "D7", "85.3"], ...]}]}

response.json::

    {"ok": true, "results": [{"accepted": [0], "refused": [1], "cells": [...]}]}
    {"ok": false, "error": "...", "traceback": "..."}

Each entry is typed the way a person would: select the sheet, ``.uno:GoToCell`` to the
cell, ``.uno:EnterString`` the text. Sheet protection applies on that path (``setValue``
and ``setString`` would ignore it). An entry is refused when the cursor could not reach
the cell, when Calc answered with a message box ("Protected cells can not be
modified."), or when the cell is locked on a protected sheet and did not change. The
message box is disposed at once: left open, it makes a no-GUI soffice abort (see
:func:`dismiss_message_boxes`).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import traceback
from pathlib import Path

import uno  # noqa: I001  (only available in LibreOffice's interpreter)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

XLSX_FILTER = "Calc MS Excel 2007 XML"
PUSH_BUTTON = uno.getConstantByName("com.sun.star.accessibility.AccessibleRole.PUSH_BUTTON")


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(url, timeout):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def snapshot(cell):
    """What the cell holds: its type and formula text (the entered text for constants)."""
    return (cell.getType().value, cell.getFormula())


def cursor_at(controller, sheet_index, column, row):
    selection = controller.getSelection()
    try:
        address = selection.getRangeAddress()
    except AttributeError:  # a multi-range selection
        return False
    return (address.Sheet, address.StartColumn, address.StartRow) == (sheet_index, column, row)


def accessible_texts(window):
    """The non-empty accessible names inside a dialog (its title, message and buttons)."""
    texts = []

    def walk(accessible, depth):
        context = accessible.getAccessibleContext()
        if context is None or depth > 8:
            return
        name = context.getAccessibleName()
        if name and context.getAccessibleRole() != PUSH_BUTTON:
            texts.append(name)
        for i in range(context.getAccessibleChildCount()):
            walk(context.getAccessibleChild(i), depth + 1)

    with contextlib.suppress(Exception):  # best effort: the text only explains a refusal
        walk(window, 0)
    return texts


def dismiss_message_boxes(toolkit):
    """Close every message box LibreOffice opened; return what they said.

    Calc refuses input into a protected cell with an information box. In a headless
    soffice it stays open, and when the document frame next takes focus LibreOffice
    creates the formula bar, whose UI file the no-GUI packages do not ship: soffice
    aborts. Disposing the box right away avoids that, and its text names the refusal.
    """
    messages = []
    for i in reversed(range(toolkit.getTopWindowCount())):
        window = toolkit.getTopWindow(i)
        if window is None:
            continue
        types = {t.typeName for t in window.getTypes()}
        if "com.sun.star.awt.XMessageBox" not in types:
            continue
        texts = accessible_texts(window)
        messages.append(texts[-1] if texts else "(a message box)")
        window.dispose()
    return messages


def fill(ctx, job):
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    toolkit = smgr.createInstanceWithContext("com.sun.star.awt.Toolkit", ctx)
    url = uno.systemPathToFileUrl(job["src"])
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    if doc is None:
        raise RuntimeError(f"LibreOffice could not load {job['src']}")
    try:
        doc.calculateAll()
        controller = doc.getCurrentController()
        frame = controller.getFrame()
        sheets = doc.getSheets()
        accepted, refused, cells = [], [], []
        for index, (sheet_name, address, text) in enumerate(job["entries"]):
            if not sheets.hasByName(sheet_name):
                raise KeyError(f"no sheet named {sheet_name!r} in {job['src']}")
            sheet = sheets.getByName(sheet_name)
            cell = sheet.getCellRangeByName(address)
            where = cell.getCellAddress()
            controller.setActiveSheet(sheet)
            before = snapshot(cell)
            dispatcher.executeDispatch(frame, ".uno:GoToCell", "", 0, (prop("ToPoint", address),))
            messages = dismiss_message_boxes(toolkit)
            reached = cursor_at(controller, where.Sheet, where.Column, where.Row)
            if reached and not messages:
                dispatcher.executeDispatch(
                    frame, ".uno:EnterString", "", 0, (prop("StringName", text),)
                )
                messages = dismiss_message_boxes(toolkit)
            after = snapshot(cell)
            locked = bool(sheet.isProtected() and cell.CellProtection.IsLocked)
            took = reached and not messages and (after != before or not locked)
            if took:
                accepted.append(index)
            else:
                refused.append(index)
            if not reached:
                reason = "the cursor could not reach the cell"
            elif messages:
                reason = " / ".join(messages)
            elif not took:
                reason = "the cell did not change"
            else:
                reason = ""
            cells.append(
                {
                    "reached": reached,
                    "locked": locked,
                    "reason": reason,
                    "type": after[0],
                    "formula": after[1],
                    "value": cell.getValue(),
                    "string": cell.getString(),
                }
            )
        doc.calculateAll()
        doc.storeToURL(
            uno.systemPathToFileUrl(job["dst"]),
            (prop("FilterName", XLSX_FILTER), prop("Overwrite", True)),
        )
        return {"accepted": accepted, "refused": refused, "cells": cells}
    finally:
        try:
            dismiss_message_boxes(toolkit)
            doc.close(True)
        except Exception:
            pass


def terminate(ctx):
    """Ask soffice to quit, so it exits on its own rather than being killed."""
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    with contextlib.suppress(Exception):  # the bridge goes away as soffice exits
        desktop.terminate()


def main(argv):
    request_file, response_file = Path(argv[1]), Path(argv[2])
    ctx, request = None, {}
    try:
        request = json.loads(request_file.read_text(encoding="utf-8"))
        ctx = connect(request["connect"], float(request.get("connect_timeout", 60)))
        response = {"ok": True, "results": [fill(ctx, job) for job in request["jobs"]]}
    except Exception as exc:  # reported to the caller, which raises LibreOfficeError
        response = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }
    response_file.write_text(json.dumps(response, ensure_ascii=False), encoding="utf-8")
    if ctx is not None and request.get("terminate"):
        with contextlib.suppress(Exception):
            terminate(ctx)
    return 0 if response["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
