"""Write the hostile corpus (tests/hostile/corpus/) and its manifest, deterministically.

``python tests/hostile/make_corpus.py`` (PYTHONPATH=generator) rebuilds every file from
dist/ and the builders in tests/hostile; tests/test_hostile_corpus.py runs the CLI on each
and checks the expected code and exit code, time and memory. Each case is one class of
issue 15 (see ``CLASS``): a crash, a hang, an unbounded file, a silent acceptance, markup.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import hostile  # noqa: E402

OUT = Path(__file__).resolve().parent / "corpus"
BLANK = ROOT / "dist" / "guizhou-zhengti-2022.xlsx"
cases: list[dict] = []


def case(name: str, data: bytes, command: str, code: str, exit_code: int, what: str) -> None:
    """One file: ``command`` is verify / read / lint / data / record (build --data)."""
    (OUT / name).write_bytes(data)
    cases.append({"file": name, "command": command, "code": code, "exit": exit_code, "what": what})


def edit(src: bytes, edits: dict[str, Callable[[bytes], bytes | None]]) -> bytes:
    """The package with members edited (an edit returning None drops the member)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename in edits:
                body = edits[info.filename](body)
                if body is None:
                    continue
            zout.writestr(info.filename, body)
    return out.getvalue()


def sub(pattern: bytes, repl: bytes, count: int = 1) -> Callable[[bytes], bytes]:
    """Replace ``pattern``; ``repl`` is literal except ``\\1``, the first group."""
    def apply(body: bytes) -> bytes:
        new, n = re.subn(pattern, lambda m: repl.replace(rb"\1", m.group(1) if m.groups() else b""), body,
                         count=count)
        assert n, pattern
        return new
    return apply


def xml_text(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def prefilled(more: dict | None = None) -> bytes:
    from fuzz.targets import _filled_return

    with tempfile.TemporaryDirectory() as tmp:
        prefill = {"_department": {"code": "440005", "name": "某某局"}, "zt_department": "某某局",
                   "zt_fund_total_budget": 459.61, **(more or {})}
        return _filled_return(Path(tmp), "guizhou-zhengti", prefill)


def with_prefill(src: bytes, text: str) -> bytes:
    return edit(src, {"xl/sharedStrings.xml": sub(rb'(<t[^>]*>)\{"_department[^<]*', rb"\1" + xml_text(text))})


def returns() -> None:
    pre = prefilled()
    blank = BLANK.read_bytes()
    bad_prefill = {
        "prefill-list": ("[]", "wrong type: a list"),
        "prefill-number": ("5", "wrong type: a number"),
        "prefill-nan": ('{"zt_fund_total_budget": NaN}', "NaN"),
        "prefill-infinity": ('{"zt_fund_total_budget": 1e999}', "an infinity"),
        "prefill-deep": ('{"x": ' * 3000 + "1" + "}" * 3000, "nested 3000 deep"),
        "prefill-deep-list": ("[" * 100000 + "]" * 100000, "100,000 brackets"),
        "prefill-20000-indicators": (json.dumps({"_indicators": {"zt": [
            {"level1": "产出指标", "level2": "数量", "name": f"指标{i}", "direction": "≥", "target": 1.0,
             "unit": "次", "weight": 1.0} for i in range(20000)]}}, ensure_ascii=False), "20,000 indicators"),
        "prefill-big-int": ('{"zt_fund_total_budget": ' + "9" * 5000 + "}", "a 5,000-digit integer"),
        "prefill-department-list": ('{"_department": {"code": ["440008"], "name": "x"}}', "code of the wrong type"),
        "prefill-indicators-dict": ('{"_indicators": {"zt": {"a": 1}}}', "indicators of the wrong shape"),
        "prefill-copies-huge": ('{"_copies": {"xm": 1000000000}}', "a billion project copies"),
        "prefill-long-text": (json.dumps({"zt_unit": "长" * 300000}, ensure_ascii=False), "300,000 characters"),
        "prefill-unknown-level": ('{"_indicators": {"zt": [{"level1": "无", "level2": "无", "name": "x"}]}}',
                                  "an indicator the form has no row for"),
        "prefill-not-json": ("{not json", "not JSON"),
    }
    for name, (text, what) in bad_prefill.items():
        case(f"{name}.xlsx", with_prefill(pre, text), "verify", "R015", 2, f"pre-fill: {what}")
    custom = "docProps/custom.xml"
    for name, tid, what in [("template-id-300", "x" * 300, "a 300-character template id"),
                            ("template-id-path", "../../../etc/passwd", "a template id naming a path"),
                            ("template-id-markup", "[/x][bold]", "a template id with console markup"),
                            ("template-id-nul", "a&#0;b", "a template id with a character reference to NUL")]:
        data = edit(blank, {custom: sub(rb"<vt:lpwstr>guizhou-zhengti-2022</vt:lpwstr>",
                                        b"<vt:lpwstr>" + (tid.encode() if "&#" in tid else xml_text(tid)) + b"</vt:lpwstr>")})
        case(f"{name}.xlsx", data, "verify", "R011" if "&#0;" in tid else "V002", 2, what)
    for name, version in [("template-version-huge", b"1e400"), ("template-version-nan", b"NaN"),
                          ("template-version-digits", b"9" * 5000)]:
        data = edit(blank, {custom: sub(rb"<vt:i4>\d+</vt:i4>", b"<vt:lpwstr>" + version + b"</vt:lpwstr>")})
        case(f"{name}.xlsx", data, "verify", "V002", 2, f"template version {version[:12].decode()}")
    sheet = "xl/worksheets/sheet1.xml"
    case("sqref-hidden.xlsx", edit(blank, {sheet: sub(rb'sqref="C3"', b'sqref="hidden"')}), "verify", "R011", 2,
         'sqref="hidden"')
    case("sqref-whole-sheet.xlsx", edit(blank, {sheet: sub(rb'sqref="C3"', b'sqref="A1:XFD1048576"')}), "verify",
         "CHK_UNTOUCHED", 1, "one validation over the whole sheet (a range, never expanded)")
    many = b" ".join(b"A%d" % i for i in range(1, 250_001))
    case("sqref-250k-ranges.xlsx", edit(blank, {sheet: sub(rb'sqref="C3"', b'sqref="' + many + b'"')}), "verify",
         "R013", 2, "250,000 validation ranges")
    merges = b"".join(b'<mergeCell ref="Z%d:Z%d"/>' % (i, i + 1) for i in range(1, 200_001, 2))
    case("merges-100k.xlsx", edit(blank, {sheet: sub(rb"<mergeCells[^>]*>", b'<mergeCells count="1">' + merges)}),
         "verify", "R013", 2, "100,000 merges")
    case("no-content-types.xlsx", edit(blank, {"[Content_Types].xml": lambda b: None}), "verify", "V113", 1,
         "missing [Content_Types].xml")
    case("wrong-main-type.xlsx", edit(blank, {"[Content_Types].xml": sub(
        rb"spreadsheetml\.sheet\.main\+xml", b"wordprocessingml.document.main+xml")}), "verify", "V113", 1,
         "wrong main content type")
    case("no-root-rels.xlsx", edit(blank, {"_rels/.rels": lambda b: None}), "verify", "V113", 1, "missing _rels/.rels")
    case("no-styles.xlsx", edit(blank, {"xl/styles.xml": lambda b: None}), "verify", "V113", 1, "missing styles.xml")
    long_unit = prefilled({"zt_unit": "长" * 150})
    marked = prefilled({"_department": {"code": "[/x]", "name": "[bold]某局[/bold]"}})
    case("department-markup.xlsx", marked, "collect", "[/x]", 0, "department code [/x] (collect, then status)")
    case("text-over-limit.xlsx", long_unit, "verify", "V112", 1, "150 characters in a 100-character field")
    case("unknown-encoding.xlsx", edit(blank, {"docProps/app.xml": sub(rb'encoding="UTF-8"', b'encoding="hidden"')}),
         "verify", "R011", 2, "an XML declaration naming an unknown encoding")
    case("doctype.xlsx", edit(blank, {"xl/workbook.xml": sub(rb"<workbook ", b'<!DOCTYPE x [<!ENTITY a "b">]><workbook ')}),
         "verify", "R010", 2, "a DOCTYPE with an entity")
    case("deep-xml.xlsx", edit(blank, {sheet: sub(rb"<sheetData>", b"<sheetData>" + b"<a>" * 5000 + b"</a>" * 5000)}),
         "verify", "CHK_UNTOUCHED", 1, "XML nested 5,000 deep where nothing is read (skipped, bounded)")
    swapped = edit(blank, {"xl/_rels/workbook.xml.rels": sub(rb"worksheets/sheet1\.xml", b"worksheets/sheetX.xml")})
    swapped = edit(swapped, {"xl/_rels/workbook.xml.rels": sub(rb"worksheets/sheet2\.xml", b"worksheets/sheet1.xml")})
    swapped = edit(swapped, {"xl/_rels/workbook.xml.rels": sub(rb"worksheets/sheetX\.xml", b"worksheets/sheet2.xml")})
    case("sheets-swapped.xlsx", swapped, "annotate", "V103", 1, "sheet relations swapped (verify --annotate)")
    not_workbooks()


def not_workbooks() -> None:
    folder = OUT / "_tmp"
    folder.mkdir(exist_ok=True)
    for name, make, code in [("empty.xlsx", hostile.empty_file, "R002"), ("text.xlsx", hostile.text_file, "R003"),
                             ("encrypted.xlsx", hostile.encrypted_workbook, "R005"),
                             ("legacy.xlsx", hostile.legacy_xls, "R006"), ("ods.xlsx", hostile.ods_file, "R007"),
                             ("docx.xlsx", hostile.docx_file, "R008"), ("truncated.xlsx", hostile.truncated_zip, "R004"),
                             ("ratio-bomb.xlsx", hostile.ratio_bomb, "R009"),
                             ("zip-encrypted.xlsx", hostile.zip_encrypted_members, "R005"),
                             ("html.xlsx", hostile.html_table, "R003")]:
        path = make(folder)
        case(name, path.read_bytes(), "verify", code, 2, f"not a workbook: {make.__name__}")
        if code in ("R002", "R004", "R009"):
            case(f"read-{name[:-5]}-[red]x[bold].xlsx", path.read_bytes(), "read", code, 2,
                 f"read, markup in the file name: {make.__name__}")
    shutil.rmtree(folder)


def data_tables() -> None:
    header = "单位编码,单位名称"
    good = f"{header}\n440001,单位甲\n440002,单位乙\n"
    case("data-ok.csv", good.encode(), "data", "", 0, "a good table (baseline)")
    case("data-long-field.csv", f"{header}\n440001,{'x' * 131_073}\n".encode(), "data", "D001", 2,
         "a 131,073-character field")
    case("data-open-quote.csv", f'{header}\n440001,"单位甲\n440002,单位乙\n440003,"单位丙"\n'.encode(), "data",
         "D001", 2, "an unclosed quote that would merge the next department into this name")
    case("data-open-quote-eof.csv", f'{header}\n440001,"单位甲\n'.encode(), "data", "D001", 2,
         "an unclosed quote at the end")
    case("data-wide.csv", (header + ",x" * 20000 + "\n440001,a\n").encode(), "data", "D001", 2, "20,000 columns")
    case("data-nan.csv", f"{header},年度资金总额 年初预算数（万元）\n440001,甲,NaN\n".encode(), "data", "D104", 1, "NaN as money")
    case("data-inf.csv", f"{header},年度资金总额 年初预算数（万元）\n440001,甲,1e309\n".encode(), "data", "D104", 1, "1e309 as money")
    case("data-long-name.csv", f"{header}\n440001,{'名' * 150}\n".encode(), "data", "D107", 1,
         "a name over its 100-character limit")
    case("data-empty.csv", b"", "data", "D002", 2, "an empty CSV")
    case("data-gbk.csv", good.encode("gb18030"), "data", "", 0, "GBK (as Excel saves CSV in China)")
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 1, 1)
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称"])
    ws.append(["440001", "单位甲"])
    buf = io.BytesIO()
    wb.save(buf)
    base = stamped(buf.getvalue())
    sheet = "xl/worksheets/sheet1.xml"
    case("data-ok.xlsx", base, "data", "", 0, "a good workbook (baseline)")
    case("data-dimension.xlsx", edit(base, {sheet: sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"')}),
         "data", "", 0, "dimension A1:XFD1048576 (13 KB, 5.2 GB through openpyxl)")
    case("data-parse-error.xlsx", edit(base, {sheet: lambda b: b[: len(b) // 2]}), "data", "D001", 2,
         "a sheet cut in half (ParseError)")
    case("data-bad-ref.xlsx", edit(base, {sheet: sub(rb'r="A2"', b'r="$A$"')}), "data", "D001", 2, "a cell ref $A$")
    case("data-bad-style.xlsx", edit(base, {sheet: sub(rb'<c r="A1"', b'<c s="-inf" r="A1"')}), "data", "D001", 2,
         "a style index -inf")
    case("data-huge-col.xlsx", edit(base, {sheet: sub(rb'r="B2"', b'r="ZZZZZZZZZZZZZZ2"')}), "data", "D001", 2,
         "a column beyond XFD")
    with tempfile.TemporaryDirectory() as tmp:
        encrypted = hostile.encrypted_workbook(Path(tmp)).read_bytes()
    case("data-encrypted.xlsx", encrypted, "data", "D001", 2, "an encrypted file")


def records() -> None:
    case("record-nan.json", b'{"template_id": "guizhou-zhengti", "template_version": 2, "values": '
         b'{"zt_fund_total_budget": NaN}}', "record", "D104", 2, "NaN in a record")
    case("record-inf.json", b'{"template_id": "guizhou-zhengti", "template_version": 2, "values": '
         b'{"zt_fund_total_budget": Infinity}}', "record", "D104", 2, "an infinity in a record")
    levels = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
    case("record-bomb.yaml", ("l0: &l0 [x, x, x, x, x, x, x, x, x]\n" + levels).encode(), "record", "T001", 2,
         "a YAML alias bomb as a record")


def templates() -> None:
    base = (ROOT / "templates" / "guizhou-zhengti-2022.yaml").read_text(encoding="utf-8")
    lines = base.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("extends:"))

    def with_line(text: str) -> bytes:
        """The template with ``text`` as its ``extends:`` line (or before it)."""
        rest = lines[first + 1:] if text.startswith("extends:") else lines[first:]
        return "\n".join([*lines[:first], text, *rest]).encode("utf-8", "surrogatepass")

    case("t-date.yaml", with_line("released: 2023-02-30"), "lint", "T001", 1, "a YAML date 2023-02-30")
    case("t-month.yaml", with_line("released: 2023-13-01"), "lint", "T001", 1, "a YAML date in month 13")
    case("t-extends-nul.yaml", with_line('extends: "a\\0b"'), "lint", "T007", 1, "extends: with a NUL")
    case("t-extends-surrogate.yaml", with_line('extends: "a\\ud800b"'), "lint", "T007", 1, "extends: with a surrogate")
    case("t-extends-long.yaml", with_line("extends: " + "x" * 300), "lint", "T007", 1, "extends: 300 characters")
    case("t-extends-path.yaml", with_line("extends: ../../../../etc/passwd"), "lint", "T007", 1, "extends: a path")
    case("t-control.yaml", with_line("note: a\x00b"), "lint", "T001", 1, "a NUL character in the text")
    case("t-not-utf8.yaml", with_line("note: x") + b"\xff\xfe", "lint", "T001", 1, "not UTF-8")
    case("t-div-zero.yaml", base.replace("name: ", "name: '{{ 1/0 }}'  # ", 1).encode(), "lint", "T110", 1,
         "{{ 1/0 }} in a title")
    levels = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
    case("t-alias-bomb.yaml", ("l0: &l0 [x, x, x, x, x, x, x, x, x]\n" + levels).encode(), "lint", "T001", 1,
         "a YAML alias bomb")
    case("t-id-300.yaml", base.replace("id: guizhou-zhengti-2022", "id: " + "x" * 300, 1).encode(), "lint", "T012", 1,
         "an id of 300 characters")


class _Jan2024(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _Jan2024:  # type: ignore[override]
        return cls(2024, 1, 1, tzinfo=tz)


def _fixed_clock() -> None:
    """Every zip entry and document property is stamped 2024-01-01 (zipfile, openpyxl and
    xlsxwriter read the clock), so the script writes the same bytes on every run."""
    import openpyxl.packaging.core
    import openpyxl.writer.excel
    import xlsxwriter.core

    time.time = lambda: 1704067200.0
    xlsxwriter.core.datetime = _Jan2024
    fixed_module = type(sys)("datetime")
    fixed_module.datetime, fixed_module.timezone = _Jan2024, dt.timezone
    openpyxl.writer.excel.datetime = fixed_module
    openpyxl.packaging.core.datetime = fixed_module


def stamped(data: bytes) -> bytes:
    """The package with every entry dated 2024-01-01 (openpyxl dates them by file mtime)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(zipfile.ZipInfo(info.filename, (2024, 1, 1, 0, 0, 0)), zin.read(info.filename),
                          zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main() -> None:
    _fixed_clock()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    returns()
    data_tables()
    records()
    templates()
    (OUT / "MANIFEST.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(cases)} files, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
