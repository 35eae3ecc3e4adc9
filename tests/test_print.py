"""Printed pages: the layout's row breaks keep every indicator group on one page and the
signatures with the last group, and LibreOffice prints exactly those pages (no break of
its own), blank and filled, for every shipped form."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from calc.libreoffice import available, convert_to_pdf
from forms import seed_000_values
from jixiao.build import template_paths
from jixiao.layout import SheetLayout, build_layout, evaluate
from jixiao.layout.pages import page_height, row_height
from jixiao.template.load import load_template
from jixiao.write import write_workbook
from tests.conftest import require

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = [t.stem for t in template_paths([REPO / "templates"])]


def _pages_of(s: SheetLayout) -> list[tuple[int, int]]:
    starts = [s.print_rows[0], *s.row_breaks]
    return list(zip(starts, [b - 1 for b in s.row_breaks] + [s.print_rows[1]], strict=True))


def _declared_layout(template: str):
    """A form whose bureau declared a long indicator in every 二级指标 (as a department gets it)."""
    plain = build_layout(load_template(template))
    declared = {s.id: [{"level1": r.level1, "level2": r.level2, "name": f"{r.level2}的一项指标，名称写得较长以便换行显示",
                        "direction": "≥", "target": 10, "unit": "次", "weight": 1}
                       for r in {(row.level1, row.level2): row for row in s.indicator_rows}.values()]
                for s in plain.sheets if s.indicator_rows}
    return build_layout(load_template(template), {"_indicators": declared})


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_page_starts_inside_a_group_or_a_merge(template: str) -> None:
    for layout in (build_layout(load_template(template)), _declared_layout(template)):
        for s in layout.sheets:
            rep = s.repeat_rows or (0, -1)
            head = sum(row_height(s, r) for r in range(rep[0], rep[1] + 1))
            whole = [g for g in s.keep_together  # a group taller than a page breaks (and is labelled again)
                     if head + sum(row_height(s, r) for r in range(g[0], g[1] + 1)) <= page_height(s)]
            groups = [*whole, *s.never_split, *((m[0], m[2]) for m in s.merges)]
            for b in s.row_breaks:
                inside = [g for g in groups if g[0] < b <= g[1]]
                assert not inside, (template, s.name, b, inside)
                cell = next(c for c in s.cells if (c.row, c.col) == (b, 0))
                assert cell.value is not None or cell.role != "label" or not any(
                    g[0] < b <= g[1] for g in s.keep_together), (s.name, b)  # a split group is labelled again
            pages = _pages_of(s)
            assert all(first <= last for first, last in pages), (s.name, pages)
            if s.indicator_rows:  # the last page holds indicator rows, not only the signatures
                last_rows = {layout.cell(r.name).row for r in s.indicator_rows}
                assert any(pages[-1][0] <= r <= pages[-1][1] for r in last_rows), (s.name, pages)


def test_blank_rows_are_low_and_declared_rows_fit_their_names() -> None:
    layout = _declared_layout("guizhou-zhengti")
    s = layout.sheet("zt")
    heights = {r.locked: row_height(s, layout.cell(r.name).row) for r in s.indicator_rows}
    assert heights[False] == 20
    assert heights[True] > heights[False]  # a long name wraps to two lines


def test_helper_columns_are_hidden(tmp_path: Path) -> None:
    path = write_workbook(build_layout(load_template("guizhou-zhengti")), tmp_path / "gz.xlsx")
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    hidden = {c for m in re.finditer(r'<col min="(\d+)" max="(\d+)"[^>]*hidden="1"', xml)
              for c in range(int(m.group(1)), int(m.group(2)) + 1)}
    assert {20, 21, 22, 23, 24} <= hidden  # T..X


def _pdf_pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))  # type: ignore[union-attr]
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for i in range(1, count + 1)]


@pytest.mark.libreoffice
def test_libreoffice_prints_the_layouts_pages_blank_and_filled(tmp_path: Path) -> None:
    require(available(), "LibreOffice")
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    books: dict[Path, object] = {}
    for template in TEMPLATES:
        blank = build_layout(load_template(template))
        books[write_workbook(blank, tmp_path / f"{template}.xlsx")] = blank
        declared = _declared_layout(template)
        books[write_workbook(declared, tmp_path / f"{template}-declared.xlsx")] = declared
    seed = build_layout(load_template("guizhou-zhengti"))
    books[write_workbook(seed, tmp_path / "seed000.xlsx", values=seed_000_values(seed))] = seed
    pdfs = convert_to_pdf(list(books), tmp_path / "pdf")
    for book, layout in books.items():
        pages = _pdf_pages(pdfs[book])
        expected = sum(len(s.row_breaks) + 1 for s in layout.sheets)  # type: ignore[attr-defined]
        assert len(pages) == expected, (book.name, len(pages), expected)
        at = 0
        values = evaluate(layout, {c.name: c.value for c in layout.inputs() if c.value is not None})  # type: ignore[attr-defined]
        for s in layout.sheets:  # type: ignore[attr-defined]
            sheet_pages = pages[at:at + len(s.row_breaks) + 1]
            at += len(sheet_pages)
            labels = [values[c.name] for c in s.cells if c.rule == "LEVEL1_LABEL"]
            for label in labels:  # every first-level label on exactly one page ("产出指标(50分)")
                head = re.sub(r"\s", "", str(label)).split("(")[0] + "("
                on = [i for i, text in enumerate(sheet_pages) if head in re.sub(r"\s", "", text)]
                assert len(on) == 1, (book.name, s.name, label, on)


def test_docs_show_the_rendered_pages_small() -> None:
    """docs/print.md shows pictures that exist (scripts/render_print_docs.py), each small."""
    text = (REPO / "docs" / "print.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\((img/print/[^)]+\.png)\)", text)
    assert len(shown) >= 10
    for rel in shown:
        png = REPO / "docs" / rel
        assert png.is_file() and png.stat().st_size < 150_000, rel


def test_a_group_split_over_two_pages_is_labelled_again_and_is_no_tampering(tmp_path: Path) -> None:
    from jixiao.verify.verification import verify_file

    layout = _declared_layout("guizhou-zhengti")
    assert [c.value for c in layout.sheet("zt").cells if c.value == "产出指标（续）"]
    found = verify_file(write_workbook(layout, tmp_path / "declared.xlsx")).findings
    assert not [f.code for f in found if f.code.startswith("V1")]
