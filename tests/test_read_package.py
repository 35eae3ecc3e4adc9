"""jixiao.read reads what openpyxl reads, in one pass (values and formulas at once)."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.formula.translate import Translator
from openpyxl.worksheet.formula import ArrayFormula

from conftest import require
from jixiao.read import CellData, Package, SheetData, UnreadableWorkbook, read_package
from jixiao.read.formula import translate_formula
from jixiao.read.refs import split_ref

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"

# --------------------------------------------------------------------------- builders


def build_form(path: Path) -> Path:
    """A two-sheet self-evaluation form much like the generator's, plus hidden sheets."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_custom_property("form_id", "ZP-2024-001")
    wb.set_custom_property("schema_version", 3)
    wb.set_custom_property("locked_layout", True)
    wb.set_custom_property("weight", 0.25)
    wb.set_custom_property("issued", datetime(2024, 3, 1, 8, 30))
    title = wb.add_format({"bold": True, "font_name": "宋体"})
    unlocked = wb.add_format({"locked": False})
    hidden_formula = wb.add_format({"hidden": True})

    ws = wb.add_worksheet("自评表")
    ws.protect("secret", {"format_columns": True})
    ws.merge_range("A1:F1", "2024年度项目支出绩效自评表", title)
    ws.write_string("A2", "项目名称")
    ws.write_string("B2", "=不是公式")
    ws.write_string("C2", "两行\n文本")
    ws.write_blank("D2", None, unlocked)
    ws.write_comment("A2", "填写说明")
    total = 0.0
    for r in range(3, 103):
        budget, spent = r * 1.25, float(r % 7)
        total += budget
        ws.write_string(f"A{r}", f"指标{r}")
        ws.write_number(f"B{r}", budget, unlocked)
        ws.write_number(f"C{r}", spent, unlocked)
        ratio = 0 if spent == 0 else budget / spent
        ws.write_formula(f"D{r}", f"=IF(C{r}=0,0,B{r}/C{r})", hidden_formula, ratio)
        ws.write_formula(f"E{r}", f"=B{r}>100", None, budget > 100)
        ws.write_formula(
            f"F{r}", f'=IF(B{r}>50,"达标","未达标")', None, "达标" if budget > 50 else "未达标"
        )
    ws.write_formula("D103", "=SUM(B3:B102)", None, total)
    ws.write_formula("E103", "=1/0", None, "#DIV/0!")
    ws.write_formula("F103", '=IF(D103>0,"","x")', None, "")
    ws.write_array_formula("G3:G3", "{=SUM(B3:B5*C3:C5)}", None, 62.5)
    ws.write_boolean("H2", False)
    ws.write_number("I2", -1e15)
    ws.write_number("J2", 1e-9)
    ws.write_string("K2", "_x0041_ stays literal")
    ws.write_column("M1", ["是", "否", "部分"])
    ws.set_column("L:L", 12, unlocked)
    ws.set_row(120, 18, unlocked)
    ws.data_validation(
        "B3:B102",
        {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 100000,
            "input_title": "预算金额",
            "input_message": "单位：万元",
            "error_title": "输入有误",
            "error_message": "请输入 0 以上的数字",
        },
    )
    ws.data_validation("C3:C102", {"validate": "integer", "criteria": ">=", "value": 0})
    ws.data_validation("H3:H10", {"validate": "list", "source": ["是", "否"]})
    ws.data_validation(
        "I3:I10", {"validate": "list", "source": "=$M$1:$M$3", "multi_range": "I3:I10 K3:K10"}
    )
    ws.data_validation(
        "A3:A102", {"validate": "custom", "value": "=LEN(A3)<=50", "ignore_blank": False}
    )
    wb.define_name("总分", "=自评表!$D$103")
    wb.define_name("自评表!本表合计", "=自评表!$B$3:$B$102")

    notes = wb.add_worksheet("说明")
    notes.hide()
    notes.write_string("A1", "本表由财政局下发")
    notes.write_formula("A2", "=自评表!D103", None, total)

    meta = wb.add_worksheet("_meta")
    meta.very_hidden()
    meta.write_string("A1", "ZP-2024-001")
    meta.write_number("B1", 3)
    wb.close()
    return path


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode()


def build_handmade(path: Path) -> Path:
    """A package written by hand: shared formulas (as Excel writes them when filling
    down), an array formula, every cell type, rich and phonetic shared strings, styles
    with and without applyProtection, and a second sheet with an ``x:`` namespace prefix
    and cells without ``r`` attributes."""
    sheet1 = f"""<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><dimension ref="A1:A1"/><sheetData>
<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B5" si="0">A1*2+$A$1</f><v>3</v></c>
<c r="C1"><f t="shared" ref="C1:E1" si="1">SUM($A1:A1)</f><v>1</v></c>
<c r="D1"><f t="shared" si="1"/><v>4</v></c><c r="E1"><f t="shared" si="1"/><v>7</v></c>
<c r="G1"><f t="array" ref="G1:G2">A1:A2*2</f><v>2</v></c><c r="H1" t="e"><v>#DIV/0!</v></c></row>
<row r="2"><c r="A2" s="1"><v>2.5</v></c><c r="B2"><f t="shared" si="0"/><v>6</v></c>
<c r="F2" t="str"><f t="shared" ref="F2:F4" si="2">IF(A2&gt;2,"A2",'Other Sheet'!B2)&amp;SUM(2:2)&amp;COUNT(A:A)</f>
<v>x</v></c><c r="G2"><v>5</v></c><c r="H2" t="b"><v>1</v></c></row>
<row r="3"><c r="A3" s="2"><v>-3</v></c><c r="B3"><f t="shared" si="0"/><v>-5</v></c>
<c r="F3" t="str"><f t="shared" si="2"/><v>y</v></c><c r="H3" t="s"><v>1</v></c></row>
<row r="4"><c r="A4" s="3"><v>4E-3</v></c><c r="B4"><f t="shared" si="0"/><v>1.008</v></c>
<c r="F4" t="str"><f t="shared" si="2"/><v>z</v></c><c r="H4" t="s"><v>2</v></c>
<c r="I4" t="inlineStr"><is><r><t>富</t></r><r><rPr><b/></rPr><t xml:space="preserve">文本 </t></r></is></c></row>
<row r="5"><c r="A5"><v>5</v></c><c r="B5"><f t="shared" si="0"/><v>11</v></c>
<c r="H5" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="I5" t="s"><v>0</v></c>
<c r="J5" t="d"><v>2024-03-01T00:00:00</v></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="J1:K2"/></mergeCells>
<sheetProtection sheet="1" objects="1" scenarios="1" selectLockedCells="1"/>
</worksheet>"""
    sheet2 = f"""<x:worksheet xmlns:x="{MAIN}"><x:sheetData>
<x:row r="1"><x:c><x:v>1</x:v></x:c><x:c t="s"><x:v>0</x:v></x:c></x:row>
<x:row><x:c r="C2"><x:v>3</x:v></x:c><x:c><x:f>C2+1</x:f><x:v>4</x:v></x:c></x:row>
</x:sheetData></x:worksheet>"""
    sst = f"""<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>普通</t></si>
<si><r><t>项目</t></r><r><rPr><i/></rPr><t>名称</t></r><rPh sb="0" eb="2"><t>こう</t></rPh></si>
<si><t>第一行_x000D_第二行</t></si></sst>"""
    styles = f"""<styleSheet xmlns="{MAIN}"><cellStyleXfs count="1"><xf numFmtId="0"/>
</cellStyleXfs><cellXfs count="4"><xf numFmtId="0" xfId="0"/>
<xf numFmtId="0" xfId="0" applyProtection="1"><protection locked="0"/></xf>
<xf numFmtId="0" xfId="0" applyProtection="0"><protection locked="0"/></xf>
<xf numFmtId="0" xfId="0"><protection hidden="1"/></xf></cellXfs></styleSheet>"""
    workbook = f"""<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>
<sheet name="数据" sheetId="1" r:id="rId1"/><sheet name="Prefixed" sheetId="2" state="hidden"
 r:id="rId2"/></sheets><definedNames><definedName name="Local" localSheetId="1">Prefixed!$A$1
</definedName></definedNames><calcPr calcId="191029"/></workbook>"""
    rels = f"""<Relationships xmlns="{PKG_REL}">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/worksheet" Target="/xl/worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId4" Type="{REL}/styles" Target="styles.xml"/></Relationships>"""
    root_rels = f"""<Relationships xmlns="{PKG_REL}">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    content_types = f"""<Types xmlns="{CT}">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{sml}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sml}.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{sml}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{sml}.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="{sml}.styles+xml"/></Types>"""
    parts = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": rels,
        "xl/worksheets/sheet1.xml": sheet1,
        "xl/worksheets/sheet2.xml": sheet2,
        "xl/sharedStrings.xml": sst,
        "xl/styles.xml": styles,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, _xml(text))
    return path


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_form(tmp_path_factory.mktemp("form") / "form.xlsx")


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_handmade(tmp_path_factory.mktemp("handmade") / "handmade.xlsx")


# --------------------------------------------------------------------------- cross-check


def _norm(value: object) -> object:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if value == "":
        return None  # openpyxl reads an empty cached string as None
    return value


def assert_matches_openpyxl(path: Path, skip: frozenset[str] = frozenset()) -> Package:
    """Values (data_only=True), formulas (data_only=False), lock flags, merges,
    validations, sheet states and protection, defined names, custom properties."""
    pkg = read_package(path)
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    assert pkg.sheet_names == values.sheetnames
    for sheet in pkg.sheets:
        wv, wf = values[sheet.name], formulas[sheet.name]
        assert sheet.state == wf.sheet_state
        present = {c.coordinate for row in wv.iter_rows() for c in row if c.value is not None}
        assert present - {f"{sheet.name}!{r}" for r in skip} <= set(sheet.cells)
        for ref, cell in sheet.cells.items():
            if f"{sheet.name}!{ref}" in skip:
                continue
            assert _norm(cell.value) == _norm(wv[ref].value), (sheet.name, ref)
            expected = wf[ref].value
            if isinstance(expected, ArrayFormula):
                assert cell.formula_type == "array"
                assert "=" + cell.formula == expected.text
                assert cell.formula_ref == expected.ref
            elif cell.formula is not None:
                assert "=" + cell.formula == expected, (sheet.name, ref)
            else:
                assert _norm(cell.value) == _norm(expected), (sheet.name, ref)
            assert cell.locked == wf[ref].protection.locked, (sheet.name, ref)
        assert sorted(sheet.merges) == sorted(str(r) for r in wf.merged_cells.ranges)
        assert sheet.protection.sheet == bool(wf.protection.sheet)
        assert sheet.protection.attributes.get("password") == wf.protection.password
        ours = {
            (
                frozenset(v.ranges),
                v.type,
                v.operator,
                v.formula1,
                v.formula2,
                v.allow_blank,
                v.show_error_message,
                v.show_input_message,
                v.prompt_title,
                v.prompt,
                v.error_title,
                v.error,
            )
            for v in sheet.validations
        }
        theirs = {
            (
                frozenset(str(dv.sqref).split()),
                dv.type,
                dv.operator,
                dv.formula1,
                dv.formula2,
                bool(dv.allow_blank),
                bool(dv.showErrorMessage),
                bool(dv.showInputMessage),
                dv.promptTitle,
                dv.prompt,
                dv.errorTitle,
                dv.error,
            )
            for dv in wf.data_validations.dataValidation
        }
        assert ours == theirs
        local_id = pkg.sheets.index(sheet)
        assert {
            dn.name: dn.refers_to for dn in pkg.defined_names if dn.local_sheet_id == local_id
        } == {name: dn.attr_text for name, dn in wf.defined_names.items()}
    assert {dn.name: dn.refers_to for dn in pkg.defined_names if dn.local_sheet_id is None} == {
        name: dn.attr_text for name, dn in formulas.defined_names.items()
    }
    theirs_props = {p.name: p.value for p in formulas.custom_doc_props.props}
    ours_props = {
        name: p.value.replace(tzinfo=None) if isinstance(p.value, datetime) else p.value
        for name, p in pkg.custom_properties.items()
    }
    assert ours_props == theirs_props
    return pkg


# --------------------------------------------------------------------------- xlsxwriter form


def test_form_matches_openpyxl(form: Path) -> None:
    pkg = assert_matches_openpyxl(form)
    assert [(s.name, s.state) for s in pkg.sheets] == [
        ("自评表", "visible"),
        ("说明", "hidden"),
        ("_meta", "veryHidden"),
    ]


def test_form_cells_typed(form: Path) -> None:
    sheet = read_package(str(form)).sheet("自评表")
    c = sheet.cells
    assert c["A1"] == CellData(
        "A1", "2024年度项目支出绩效自评表", None, c["A1"].style, True, "s", row=1, col=1
    )
    assert c["B2"].value == "=不是公式" and c["B2"].formula is None
    assert c["C2"].value == "两行\n文本"
    assert c["K2"].value == "_x0041_ stays literal"
    assert c["D2"].value is None and c["D2"].locked is False
    assert c["B3"].value == 3.75 and c["B3"].locked is False
    d4 = c["D4"]
    assert (d4.formula, d4.value, d4.formula_type, d4.locked) == (
        "IF(C4=0,0,B4/C4)",
        1.25,
        "normal",
        True,
    )
    assert (c["E3"].value, c["E102"].value) == (False, True)
    assert c["E3"].data_type == "b"
    assert (c["F3"].value, c["F3"].data_type) == ("未达标", "str")
    assert c["D103"].value == pytest.approx(sum(r * 1.25 for r in range(3, 103)))
    assert (c["E103"].value, c["E103"].data_type) == ("#DIV/0!", "e")
    # value="" is written as an empty <v> with no type: no cached value
    assert (c["F103"].value, c["F103"].data_type) == (None, "n")
    assert (c["G3"].formula, c["G3"].formula_ref, c["G3"].value) == ("SUM(B3:B5*C3:C5)", "G3", 62.5)
    assert (c["H2"].value, c["I2"].value, c["J2"].value) == (False, -1e15, 1e-9)
    assert isinstance(c["I2"].value, float)
    assert (sheet.max_row, sheet.max_col) == (103, 13)


def test_form_workbook_level(form: Path) -> None:
    pkg = read_package(form)
    assert pkg.application == "Microsoft Excel"
    assert pkg.full_calc_on_load is True
    assert pkg.has_macros is False and pkg.external_links == () and pkg.embedded_objects == ()
    props = pkg.custom_properties
    assert (props["form_id"].value, props["form_id"].vt_type) == ("ZP-2024-001", "lpwstr")
    assert (props["schema_version"].value, props["schema_version"].vt_type) == (3, "i4")
    assert (props["locked_layout"].value, props["locked_layout"].vt_type) == (True, "bool")
    assert props["weight"].value == 0.25 and props["weight"].vt_type == "r8"
    assert props["issued"].vt_type == "filetime"
    assert props["issued"].value.replace(tzinfo=None) == datetime(2024, 3, 1, 8, 30)
    total = pkg.defined_name("总分")
    assert total is not None and total.refers_to == "自评表!$D$103"
    local = pkg.defined_name("本表合计", local_sheet_id=0)
    assert local is not None and local.refers_to == "自评表!$B$3:$B$102"
    assert pkg.defined_name("本表合计") is None
    assert pkg.sheet("_meta").cells["A1"].value == "ZP-2024-001"
    with pytest.raises(KeyError):
        pkg.sheet("nope")


def test_defined_names_can_be_left_unread(form: Path) -> None:
    """verify finds cells by the layout: it reads a package without its defined names, the
    rest the same."""
    full, lean = read_package(form), read_package(form, defined_names=False)
    assert full.defined_names and lean.defined_names == () and lean.defined_name("总分") is None
    assert lean.sheets == full.sheets and lean.custom_properties == full.custom_properties
    assert (lean.full_calc_on_load, lean.date1904) == (full.full_calc_on_load, full.date1904)


def test_form_sheet_level(form: Path) -> None:
    sheet = read_package(form).sheet("自评表")
    assert sheet.protection.enabled and sheet.protection.has_password
    assert sheet.protection.attributes["formatColumns"] == "0"
    assert sheet.merges == ("A1:F1",)
    assert sheet.has_comments is True
    assert read_package(form).sheet("说明").has_comments is False
    by_range = {v.sqref: v for v in sheet.validations}
    assert by_range["H3:H10"].formula1 == '"是,否"'
    assert by_range["I3:I10 K3:K10"].ranges == ("I3:I10", "K3:K10")
    assert by_range["I3:I10 K3:K10"].formula1 == "$M$1:$M$3"
    budget = by_range["B3:B102"]
    assert (budget.type, budget.effective_operator, budget.formula2) == (
        "decimal",
        "between",
        "100000",
    )
    assert (budget.prompt_title, budget.prompt, budget.error) == (
        "预算金额",
        "单位：万元",
        "请输入 0 以上的数字",
    )
    assert by_range["A3:A102"].allow_blank is False and by_range["C3:C102"].allow_blank is True
    # cells absent from the XML: row style, then column style, then style 0
    assert "L50" not in sheet.cells and sheet.locked_at("L50") is False
    assert "A121" not in sheet.cells and sheet.locked_at("A121") is False
    assert sheet.locked_at("Z200") is True and sheet.locked_at("$B$3") is False


def test_package_is_frozen(form: Path) -> None:
    pkg = read_package(form)
    with pytest.raises(AttributeError):
        pkg.sheets = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        pkg.sheets[0].cells["A1"].value = "x"  # type: ignore[misc]
    assert isinstance(pkg.sheets[0], SheetData)


# --------------------------------------------------------------------------- openpyxl-written


def test_openpyxl_resaved_form(form: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(form)
    wb.save(tmp_path / "resaved.xlsx")
    # openpyxl turned the xlsxwriter-escaped "_x005F_x0041_" back into "_x0041_" and
    # writes it unescaped: Excel (and we) read that back as "A"
    pkg = assert_matches_openpyxl(tmp_path / "resaved.xlsx", skip=frozenset({"自评表!K2"}))
    assert pkg.sheet("自评表").cells["K2"].value == "A stays literal"
    cells = pkg.sheet("自评表").cells
    assert cells["A3"].data_type == "inlineStr" and cells["A3"].value == "指标3"
    assert cells["D4"].formula == "IF(C4=0,0,B4/C4)" and cells["D4"].value is None
    assert cells["B3"].locked is False and cells["A3"].locked is True


def test_openpyxl_rich_inline_strings(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "富文本"
    ws["A1"] = CellRichText("项目", TextBlock(InlineFont(b=True), "名称"), " 2024")
    ws["A2"] = "  leading and trailing  "
    ws["A3"] = "=SUM(B1:B2)"
    ws["B1"], ws["B2"] = 1, 2.5
    ws["C1"] = True
    wb.save(tmp_path / "rich.xlsx")
    pkg = read_package(tmp_path / "rich.xlsx")
    cells = pkg.sheet("富文本").cells
    assert cells["A1"].value == "项目名称 2024" and cells["A1"].data_type == "inlineStr"
    assert cells["A2"].value == "  leading and trailing  "
    assert cells["A3"].formula == "SUM(B1:B2)" and cells["A3"].value is None
    assert (cells["B1"].value, cells["B2"].value, cells["C1"].value) == (1.0, 2.5, True)


# --------------------------------------------------------------------------- handmade package


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_handmade_matches_openpyxl(handmade: Path) -> None:
    # H4 holds "_x000D_": Excel (and we) unescape it, openpyxl does not
    assert_matches_openpyxl(handmade, skip=frozenset({"数据!H4"}))


def test_shared_formulas_expanded(handmade: Path) -> None:
    cells = read_package(handmade).sheet("数据").cells
    assert (cells["B1"].formula, cells["B1"].formula_ref, cells["B1"].shared_index) == (
        "A1*2+$A$1",
        "B1:B5",
        0,
    )
    assert cells["B4"].formula == "A4*2+$A$1" and cells["B4"].formula_type == "shared"
    assert cells["B4"].shared_index == 0 and cells["B4"].value == 1.008
    assert cells["E1"].formula == "SUM($A1:C1)"
    assert cells["F4"].formula == "IF(A4>2,\"A2\",'Other Sheet'!B4)&SUM(4:4)&COUNT(A:A)"
    assert (cells["G1"].formula_type, cells["G1"].formula_ref) == ("array", "G1:G2")
    assert cells["G2"].formula is None and cells["G2"].value == 5.0


def test_handmade_values_and_styles(handmade: Path) -> None:
    pkg = read_package(handmade)
    data = pkg.sheet("数据")
    c = data.cells
    assert (c["H1"].value, c["H2"].value, c["H3"].value) == ("#DIV/0!", True, "项目名称")
    assert c["H4"].value == "第一行\r第二行"
    assert c["I4"].value == "富文本 "
    assert (c["H5"].formula, c["H5"].value) == ('"a"&"b"', "ab")
    assert c["J5"].value == datetime(2024, 3, 1)
    assert c["A4"].value == 0.004
    # applyProtection="0" with <protection locked="0"/> is still unlocked (Excel, LibreOffice)
    assert [c[r].locked for r in ("A1", "A2", "A3", "A4")] == [True, False, False, True]
    assert [f.apply_protection for f in pkg.cell_formats] == [None, True, False, None]
    assert pkg.cell_formats[3].hidden is True
    assert data.dimension == "A1:A1" and (data.max_row, data.max_col) == (5, 10)
    assert data.protection.enabled and not data.protection.has_password
    other = pkg.sheet("Prefixed")
    assert other.state == "hidden"
    assert {r: (x.value, x.formula) for r, x in other.cells.items()} == {
        "A1": (1.0, None),
        "B1": ("普通", None),
        "C2": (3.0, None),
        "D2": (4.0, "C2+1"),
    }
    assert pkg.defined_names[0].local_sheet_id == 1
    assert pkg.application is None and pkg.custom_properties == {}


def test_strict_ooxml_namespaces(handmade: Path, tmp_path: Path) -> None:
    """ISO 29500 Strict ("Strict Open XML Spreadsheet" in Excel's Save As) uses other
    namespace and relationship URIs; the reader matches local names and type suffixes."""
    strict = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(handmade) as src, zipfile.ZipFile(strict, "w") as dst:
        for info in src.infolist():
            text = src.read(info).decode()
            text = text.replace(MAIN, "http://purl.oclc.org/ooxml/spreadsheetml/main")
            text = text.replace(REL, "http://purl.oclc.org/ooxml/officeDocument/relationships")
            dst.writestr(info.filename, text)
    ours, theirs = read_package(strict), read_package(handmade)
    assert [s.cells for s in ours.sheets] == [s.cells for s in theirs.sheets]
    assert ours.sheet("数据").protection == theirs.sheet("数据").protection


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("formula", "origin", "dest"),
    [
        ("A1*2+$A$1", "B1", "B7"),
        ("SUM($A1:A1)", "C1", "F3"),
        ('IF(A2>2,"A2",Sheet2!B2)', "F2", "G4"),
        ("'Other Sheet'!B2+'It''s'!$C3", "A1", "C2"),
        ("SUM(2:2)+SUM(A:A)+SUM($3:4)+SUM($B:C)", "A1", "B2"),
        ("LOG10(A1)+ATAN2(B1,C1)+DAYS360(D1,E1)", "A1", "A2"),
        ("SUM(A1:B2 B1:C5)*_xlfn.STDEV.S(D1:D9)", "A1", "B2"),
        ("Table1[Col]+A1", "A1", "A3"),
        ("[1]Ext!C4+A1", "A1", "B1"),
        ('A1&"$B$2"&B2', "A1", "B2"),
    ],
)
def test_translate_matches_openpyxl(formula: str, origin: str, dest: str) -> None:
    expected = Translator("=" + formula, origin).translate_formula(dest)
    (r0, c0), (r1, c1) = split_ref(origin), split_ref(dest)
    assert "=" + translate_formula(formula, r1 - r0, c1 - c0) == expected


def test_translate_off_grid() -> None:
    assert translate_formula("A1+B2", -1, 0) == "#REF!+B1"
    assert translate_formula("XFD1", 0, 1) == "#REF!"
    assert translate_formula("A1", 0, 0) == "A1"
    # beyond column XFD it is a name, not a reference (openpyxl would move it)
    assert translate_formula("XYZ1+A1", 1, 0) == "XYZ1+A2"


def test_split_ref() -> None:
    assert split_ref("$XFD$1048576") == (1_048_576, 16_384)
    for bad in ("A0", "XFE1", "A1048577", "1A", ""):
        with pytest.raises(ValueError):
            split_ref(bad)


def test_error_object() -> None:
    err = UnreadableWorkbook.from_code("R012", Path("x.xlsx"), max_cells="100")
    assert "100" in err.message_zh and "100" in err.message_en
    text = str(err)
    assert text.startswith("R012: ") and err.message_zh in text and err.message_en in text
    again = pickle.loads(pickle.dumps(err))
    assert (again.code, again.message_zh, again.path) == (err.code, err.message_zh, err.path)


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.libreoffice
def test_libreoffice_round_trip(form: Path, tmp_path: Path) -> None:
    """What LibreOffice writes reads back: veryHidden -> hidden, i4 -> r8 (raw type kept)."""
    soffice = shutil.which("soffice")
    require(soffice is not None, "LibreOffice (soffice)")
    profile = tmp_path / "profile"
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            str(soffice),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(form),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    result = out / form.name
    assert result.exists(), "LibreOffice produced no file"
    pkg = read_package(result)
    assert pkg.application is not None and "LibreOffice" in pkg.application
    assert pkg.sheet("_meta").state == "hidden"
    version = pkg.custom_properties["schema_version"]
    assert version.value == 3 and version.vt_type in ("i4", "r8")
    cells = pkg.sheet("自评表").cells
    assert cells["D4"].formula == "IF(C4=0,0,B4/C4)" and cells["D4"].value == 1.25
    assert cells["B3"].locked is False and cells["A3"].locked is True
    assert pkg.sheet("自评表").protection.enabled
    assert_matches_openpyxl(result)


class _Rows:
    """A walk that wants ``row`` elements inside ``data``, nothing of ``other``."""

    units = frozenset({"row"})
    containers = frozenset({"data"})
    done = False

    def __init__(self) -> None:
        self.seen: list[str] = []

    def unit(self, name: str, el: object) -> None:
        self.seen.append(el.get("r"))  # type: ignore[attr-defined]


@pytest.mark.parametrize("chunk", [7, 100, 1 << 16])
def test_an_unwanted_element_is_skipped_across_chunks(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """An element that is neither unit nor container is skipped whole wherever a chunk
    ends: its children were once walked while it was still open at a chunk's end (the
    defined names of a form read without them, a hostile ``<row>`` outside ``sheetData``)."""
    import io

    import jixiao.read.xml as xml
    from jixiao.read.zipparts import Budget

    rows = "".join(f'<row r="{i}"/>' for i in range(40))
    text = f"<root><data>{rows}</data><other>{rows}<row r='x'/></other></root>".encode()
    monkeypatch.setattr(xml, "CHUNK", chunk)
    walk = _Rows()
    assert xml.parse(io.BytesIO(text), "part.xml", walk, Budget(1 << 20, 100, 1000, 1000)) == "root"  # type: ignore[arg-type]
    assert walk.seen == [str(i) for i in range(40)]
