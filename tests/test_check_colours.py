"""Check cells in colour (issue 14): ✓ in green and a problem in red, on screen and in print.

The colours are conditional formats (Excel 2010, WPS and LibreOffice honour them); the
base style of a panel line is red, so a viewer without conditional formats never shows a
problem in green. Read back with openpyxl, then printed by LibreOffice and looked at pixel
by pixel: the ✓ of a panel line is green, a problem (a panel line, a row's 本行校验) red.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from html import unescape
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from calc.libreoffice import available, convert_to_pdf
from engine_util import strip_cached_values
from forms import seed_000_values
from jixiao.build import template_paths
from jixiao.layout import Layout, build_layout, evaluate
from jixiao.layout.refs import a1
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file
from jixiao.write import write_workbook
from jixiao.write.styles import OK_COLOURS, PROBLEM_COLOURS
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
OK = (OK_COLOURS["font_color"][1:], OK_COLOURS["bg_color"][1:])
PROBLEM = (PROBLEM_COLOURS["font_color"][1:], PROBLEM_COLOURS["bg_color"][1:])


def conditional_rules(ws) -> dict[tuple[int, int], list[tuple[str, tuple[str, str]]]]:
    """Every cell's conditional formats: (formula as if written for that cell's range's
    first cell, (font colour, fill colour))."""
    out: dict[tuple[int, int], list[tuple[str, tuple[str, str]]]] = {}
    for cf in ws.conditional_formatting:
        c0, r0, c1, r1 = range_boundaries(str(cf.sqref))
        for rule in cf.rules:
            font = rule.dxf.font.color.rgb[-6:] if rule.dxf.font is not None and rule.dxf.font.color else ""
            fill = rule.dxf.fill.bgColor.rgb[-6:] if rule.dxf.fill is not None and rule.dxf.fill.bgColor else ""
            for row in range(r0, r1 + 1):
                for col in range(c0, c1 + 1):
                    top = a1(r0 - 1, c0 - 1)
                    out.setdefault((row - 1, col - 1), []).append(
                        (rule.formula[0].replace(top, "{top}"), (font.upper(), fill.upper())))
    return out


@pytest.mark.parametrize("template", [p.stem for p in template_paths([ROOT / "templates"])])
def test_every_check_cell_is_green_when_ok_and_red_otherwise(template: str) -> None:
    layout = build_layout(load_template(template))
    wb = openpyxl.load_workbook(DIST / f"{template}.xlsx")
    checked = 0
    for s in layout.sheets:
        ws = wb[s.name]
        rules = conditional_rules(ws)
        for name in s.panel:
            cell = layout.cell(name)
            assert rules[(cell.row, cell.col)] == [('{top}="✓"', OK), ('AND({top}<>"✓",{top}<>"")', PROBLEM)], name
            assert ws.cell(cell.row + 1, cell.col + 1).font.color.rgb[-6:] == PROBLEM[0]  # without the formats: red
            checked += 1
        for cell in s.cells:
            if cell.role == "computed" and cell.style == "check":  # 本行校验 or a checklist item's message
                assert rules[(cell.row, cell.col)] == [("LEN({top})>0", PROBLEM)], cell.address
                checked += 1
        # Printing keeps the colours: no black-and-white or draft page setup.
        assert not ws.page_setup.blackAndWhite and not ws.page_setup.draft
    assert checked >= 10


# ------------------------------------------------------------------ LibreOffice, in print

DPI = 100


def _clean(layout: Layout) -> dict:
    """Seed 000 with its funds typo fixed and its one missing reason given: all ✓."""
    values = seed_000_values(layout)
    values["zt_fund_total_initial"] = 444.38
    row = next(k.removesuffix("_name") for k, v in values.items() if v == "志愿服务")
    values[f"{row}_reason"] = "志愿服务需求超出预期。"
    return values


def _faulty(layout: Layout) -> dict:
    """Seed 000 as sent (年初预算数 do not add up, 志愿服务 400 against ≥ 1 without a
    reason) and without its 自评结论."""
    values = seed_000_values(layout)
    del values["zt_conclusion"]
    return values


def without_print_area(src: Path, dst: Path) -> Path:
    """The workbook printing its whole sheets, the panel beside the form included."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = re.sub(rb'<definedName name="_xlnm.Print_Area"[^>]*>[^<]*</definedName>', b"", data)
            zout.writestr(item, data)
    return dst


def words(pdf: Path) -> list[tuple[int, str, tuple[float, float, float, float]]]:
    """(page, text, box in points) of every word pdftotext finds."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for page, body in enumerate(re.split(r"<page ", html)[1:], start=1):
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                             body):
            out.append((page, unescape(m.group(5)), tuple(float(m.group(i)) for i in range(1, 5))))
    return out


def page_pixels(pdf: Path, page: int, folder: Path) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of one page rendered at DPI."""
    stem = folder / f"{pdf.stem}-{page}"
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
                   check=True)
    data = Path(f"{stem}.ppm").read_bytes()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    assert m, "pdftoppm writes binary PPM"
    return int(m.group(1)), int(m.group(2)), data[m.end():]


def colour_of(pixels: tuple[int, int, bytes], box: tuple[float, float, float, float]) -> str:
    """"green" or "red": which of the two the pixels inside ``box`` (points) lean to."""
    width, _, rgb = pixels
    x0, y0, x1, y1 = (int(v * DPI / 72) for v in box)
    green = red = 0
    for y in range(y0, y1 + 1):
        for x in range(x0, x1 + 1):
            r, g, b = rgb[3 * (y * width + x): 3 * (y * width + x) + 3]
            green += g > r + 20 and g > b + 20
            red += r > g + 30 and r > b + 30
    assert green != red, (box, green, red)
    return "green" if green > red else "red"


def first_words(layout: Layout, values: dict, names: list[str]) -> set[str]:
    """The first word (as pdftotext splits text) of what each of these cells shows."""
    shown = evaluate(layout, values)
    return {str(shown[n]).split()[0] for n in names if shown.get(n) not in (None, "")}


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_prints_ticks_green_and_problems_red(tmp_path: Path) -> None:
    require(available(), "LibreOffice")
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils)")
    layout = build_layout(load_template("guizhou-zhengti"))
    sheet = layout.sheet("zt")
    row_checks = [c.name for c in sheet.cells if c.rule == "ROW_MESSAGE"]
    books, expected = {}, {}
    for name, values in (("clean", _clean(layout)), ("faulty", _faulty(layout))):
        built = write_workbook(layout, tmp_path / "built" / f"{name}.xlsx", values=values)
        # Without cached values only LibreOffice's own recalculation can fill the cells.
        form = strip_cached_values(built, tmp_path / "in" / f"{name}.xlsx")
        books[name] = form
        books[f"{name}-whole"] = without_print_area(form, tmp_path / "in" / f"{name}-whole.xlsx")
        problems = first_words(layout, values, sheet.panel) - {"✓"}
        rows = first_words(layout, values, row_checks)
        expected[f"{name}-whole"] = {("✓", "green")} | {(w, "red") for w in problems | rows}
        # The printed form (its print area: no panel, no 本行校验): the cells a failed check marks.
        shown = evaluate(layout, values)
        marked = [m.target for m in sheet.marks if (m.when == "flag" and shown[m.flag] == 1)
                  or (m.when == "not_ok" and shown[m.flag] not in ("✓", "", None))]
        expected[name] = {(str(values[t]), "red") for t in marked if t in values}
    assert expected["clean-whole"] == {("✓", "green")} and expected["clean"] == set()
    assert ("未填写", "red") in expected["faulty-whole"]  # 自评结论 (and the funds that do not add up)
    assert expected["faulty"] == {("443.88", "red"), ("400", "red")}  # 年初预算数 合计, 志愿服务
    pdfs = convert_to_pdf(list(books.values()), tmp_path / "pdf")
    for name, book in books.items():
        wanted = {text for text, _ in expected[name]}
        pages: dict[int, tuple[int, int, bytes]] = {}
        seen = set()
        found = words(pdfs[book])
        # The panel's heading speaks of ✓ too ("全部为 ✓ 时"): not a check, left out.
        heading = {(page, round(box[1])) for page, text, box in found if text.startswith("校验：")}
        for page, text, box in found:
            if text in wanted and (page, round(box[1])) not in heading:
                if page not in pages:
                    pages[page] = page_pixels(pdfs[book], page, tmp_path)
                seen.add((text, colour_of(pages[page], box)))
        assert seen == expected[name], name
    # Verify says what the form says.
    v = verify_file(tmp_path / "built" / "faulty.xlsx")
    required = [f for f in v.findings if f.code == "CHK_REQUIRED"]
    assert [(f.name, f.severity) for f in required] == [("zt_panel_conclusion_required", "error")]
