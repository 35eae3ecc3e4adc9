"""Checks on printed output shared by the tests: charts inside the print area and on one page, PDF pages."""

from __future__ import annotations

import posixpath
import re
import subprocess
import zipfile
from pathlib import Path

from openpyxl.utils import column_index_from_string


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in z.namelist():
        return {}
    text = z.read(rels).decode()
    return {m.group(1): posixpath.normpath(posixpath.join(folder, m.group(2)))
            for m in re.finditer(r'<Relationship Id="([^"]+)"[^>]*Target="([^"]+)"', text)}


def chart_anchors(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """(from col, from row, to col, to row) of every drawing anchor, by sheet name (0-based)."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        book_rels = _rels(z, "xl/workbook.xml")
        out: dict[str, list[tuple[int, int, int, int]]] = {}
        for m in re.finditer(r'<sheet name="([^"]+)" sheetId="\d+"(?: state="\w+")? r:id="([^"]+)"', book):
            part = book_rels[m.group(2)]
            for target in _rels(z, part).values():
                if "/drawings/" in target:
                    xml = z.read(target).decode()
                    out[m.group(1)] = [tuple(int(x) for x in a) for a in re.findall(  # type: ignore[misc]
                        r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>.*?</xdr:from>"
                        r"<xdr:to><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", xml, re.S)]
        return out


def print_areas(path: Path) -> dict[str, tuple[int, int, int, int]]:
    """(first col, first row, last col, last row) of each sheet's print area (0-based)."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet name="([^"]+)"', book)
    out = {}
    for m in re.finditer(r'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)">[^!]*!'
                         r"\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)</definedName>", book):
        out[names[int(m.group(1))]] = (column_index_from_string(m.group(2)) - 1, int(m.group(3)) - 1,
                                       column_index_from_string(m.group(4)) - 1, int(m.group(5)) - 1)
    return out


def assert_charts_in_print_area(path: Path) -> None:
    areas = print_areas(path)
    anchors = chart_anchors(path)
    assert anchors, "no charts"
    for sheet, boxes in anchors.items():
        c0, r0, c1, r1 = areas[sheet]
        for fc, fr, tc, tr in boxes:
            assert c0 <= fc and tc <= c1 and r0 <= fr and tr <= r1, (sheet, (fc, fr, tc, tr), areas[sheet])


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    book = z.read("xl/workbook.xml").decode()
    book_rels = _rels(z, "xl/workbook.xml")
    return {m.group(1): book_rels[m.group(2)]
            for m in re.finditer(r'<sheet name="([^"]+)" sheetId="\d+"(?: state="\w+")? r:id="([^"]+)"', book)}


def assert_charts_on_one_page(path: Path) -> None:
    """No chart is cut by a manual page break: each starts and ends on the same printed page.
    (A chart's ``to`` anchor at offset 0 of a row ends above that row.)"""
    with zipfile.ZipFile(path) as z:
        for sheet, part in _sheet_parts(z).items():
            breaks = [int(b) for b in re.findall(r'<brk id="(\d+)"', z.read(part).decode())]
            for target in _rels(z, part).values():
                if "/drawings/" not in target:
                    continue
                for first, last, offset in re.findall(
                        r"<xdr:from>.*?<xdr:row>(\d+)</xdr:row>.*?</xdr:from><xdr:to>.*?<xdr:row>(\d+)</xdr:row>"
                        r"<xdr:rowOff>(\d+)</xdr:rowOff>", z.read(target).decode(), re.S):
                    end = int(last) - (offset == "0")
                    cut = [b for b in breaks if int(first) < b <= end]
                    assert not cut, (sheet, "chart on rows", int(first), end, "cut by the page break before row", cut)


def pdf_pages(pdf: Path) -> list[str]:
    """The text of every page of a PDF (pdftotext -layout)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))  # type: ignore[union-attr]
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for i in range(1, count + 1)]
