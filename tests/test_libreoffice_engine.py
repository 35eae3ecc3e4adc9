"""LibreOffice Calc as the real spreadsheet engine: recalculation, PDF, typing into cells.

These tests start a real soffice (no mocks). Locally they are skipped when LibreOffice is
missing; in CI (JIXIAO_REQUIRE_REAL_ENGINES=1) a missing engine fails them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from calc import libreoffice as lo
from calc.libreoffice import (
    LibreOfficeError,
    available,
    convert_to_pdf,
    fill_by_typing,
    recalculate,
    typing_available,
)
from conftest import require

# --------------------------------------------------------------------------- helpers


def make_workbook(path: Path, a1: float = 1, sheets: int = 1) -> Path:
    """A workbook whose formulas carry xlsxwriter's cached 0 until something recomputes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    for n in range(sheets):
        ws = wb.add_worksheet(f"表{n + 1}")
        ws.set_paper(9)
        ws.write_number("A1", a1)
        ws.write_formula("B1", "=A1*2")
        ws.write_formula("C1", "=ROUND(2.675,2)")
        ws.write_formula("D1", '=IF(ISNUMBER(A1),"数字","文本")')
        ws.write_formula("E1", "=ROUND(1.005,2)")
    wb.close()
    return path


def values(path: Path, sheet: str = "表1") -> dict[str, object]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {ref: ws[ref].value for ref in ("A1", "B1", "C1", "D1", "E1")}


def make_protected_form(path: Path) -> Path:
    """One sheet, protected; D7 is the only unlocked (input) cell; E7 depends on it."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("自评表")
    unlocked = wb.add_format({"locked": False})
    ws.write_string("A1", "项目名称")
    ws.write_string("B2", "说明")
    ws.write_blank("D7", None, unlocked)
    ws.write_formula("E7", '=IF(ISNUMBER(D7),D7*2,"空")')
    ws.protect()
    wb.close()
    return path


def soffice_processes_under(folder: Path) -> list[str]:
    """Command lines of live soffice.bin processes whose profile lies under ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "soffice.bin" in cmdline and str(folder) in cmdline:
            found.append(cmdline)
    return found


# --------------------------------------------------------------------------- no engine needed


def test_output_may_not_overwrite_an_input(tmp_path: Path) -> None:
    src = tmp_path / "form.xlsx"
    src.write_bytes(b"")
    with pytest.raises(ValueError, match="overwrite"):
        recalculate([src], tmp_path)


def test_missing_input_is_reported_before_starting(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.xlsx"):
        recalculate([tmp_path / "nope.xlsx"], tmp_path / "out")
    assert recalculate([], tmp_path / "out") == {}


def test_bad_cell_address_is_refused_before_starting(tmp_path: Path) -> None:
    src = tmp_path / "form.xlsx"
    src.write_bytes(b"")
    with pytest.raises(ValueError, match="cell address"):
        fill_by_typing(src, tmp_path / "out.xlsx", [("Sheet1", "7D", "1")])


def test_soffice_override_that_does_not_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lo.SOFFICE_ENV, "/nonexistent/soffice")
    assert lo.soffice_path() is None
    assert not available()


# --------------------------------------------------------------------------- real LibreOffice


@pytest.mark.libreoffice
def test_recalculate_batch_recomputes_every_formula(tmp_path: Path) -> None:
    require(available(), "LibreOffice")
    inputs = [make_workbook(tmp_path / "in" / f"{n}号表.xlsx", a1=n) for n in (1, 2, 3)]
    assert values(inputs[0])["B1"] == 0  # xlsxwriter's cached value: nothing computed yet

    out = recalculate(inputs, tmp_path / "out")

    assert set(out) == set(inputs)
    for n, path in zip((1, 2, 3), inputs, strict=True):
        assert out[path] == tmp_path / "out" / path.name
        got = values(out[path])
        assert got["B1"] == n * 2
        assert got["C1"] == pytest.approx(2.68)  # half away from zero, not Python's round
        assert got["E1"] == pytest.approx(1.01)
        assert got["D1"] == "数字"
        # Formulas survive the round trip; the input is untouched.
        assert openpyxl.load_workbook(out[path])["表1"]["B1"].value == "=A1*2"
        assert values(path)["B1"] == 0


@pytest.mark.libreoffice
def test_same_file_name_in_two_folders(tmp_path: Path) -> None:
    require(available(), "LibreOffice")
    first = make_workbook(tmp_path / "县财政局" / "自评表.xlsx", a1=10)
    second = make_workbook(tmp_path / "市财政局" / "自评表.xlsx", a1=20)

    out = recalculate([first, second], tmp_path / "out")

    assert out[first] != out[second]
    assert out[first].parent == out[second].parent == tmp_path / "out"
    assert values(out[first])["B1"] == 20
    assert values(out[second])["B1"] == 40


@pytest.mark.libreoffice
def test_missing_output_names_the_bad_input(tmp_path: Path) -> None:
    require(available(), "LibreOffice")
    good = make_workbook(tmp_path / "in" / "good.xlsx")
    bad = tmp_path / "in" / "not-a-workbook.xlsx"
    bad.write_text("this is not a spreadsheet", encoding="utf-8")

    with pytest.raises(LibreOfficeError, match="not-a-workbook.xlsx") as info:
        recalculate([good, bad], tmp_path / "out")

    assert info.value.missing == [bad]
    assert list(info.value.outputs) == [good]
    assert values(info.value.outputs[good])["B1"] == 2  # the good one was still converted


@pytest.mark.libreoffice
def test_pdf_is_recalculated_and_has_one_page_per_sheet(tmp_path: Path) -> None:
    require(available(), "LibreOffice")
    require(shutil.which("pdfinfo") is not None, "pdfinfo (poppler-utils)")
    src = make_workbook(tmp_path / "in" / "两页.xlsx", a1=21, sheets=2)

    out = convert_to_pdf([src], tmp_path / "pdf")

    pdf = out[src]
    assert pdf == tmp_path / "pdf" / "两页.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+2$", info.stdout, re.MULTILINE), info.stdout
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "42" in text and "2.68" in text  # computed, not xlsxwriter's cached 0


@pytest.mark.libreoffice
def test_timeout_kills_the_whole_process_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require(available(), "LibreOffice")
    src = make_workbook(tmp_path / "in" / "slow.xlsx")
    work = tmp_path / "tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))  # our profiles land under `work`

    with pytest.raises(LibreOfficeError, match="timed out"):
        recalculate([src], tmp_path / "out", timeout=0.8)  # soffice.bin is up by then

    assert soffice_processes_under(work) == []


@pytest.mark.libreoffice
def test_typing_respects_sheet_protection(tmp_path: Path) -> None:
    require(typing_available(), "LibreOffice with Python-UNO (python3-uno)")
    (tmp_path / "blank").mkdir()
    src = make_protected_form(tmp_path / "blank" / "form.xlsx")
    before = src.read_bytes()
    dst = tmp_path / "filled" / "form.xlsx"
    entries = [
        ("自评表", "D7", "85.3"),  # the input cell
        ("自评表", "A1", "篡改"),  # locked
        ("自评表", "B2", "1"),  # locked: a second refusal must not upset soffice
    ]

    result = fill_by_typing(src, dst, entries)

    assert result.accepted == [entries[0]]
    assert result.refused == entries[1:]
    assert all("protected" in reason.lower() for reason in result.reasons), result.reasons
    assert src.read_bytes() == before
    assert [p.name for p in src.parent.iterdir()] == ["form.xlsx"]  # no .~lock file left

    computed = openpyxl.load_workbook(dst, data_only=True)["自评表"]
    assert computed["D7"].value == 85.3  # a number (en-US profile), not the text "85.3"
    assert computed["E7"].value == pytest.approx(170.6)  # recalculated cached value
    assert computed["A1"].value == "项目名称"
    assert computed["B2"].value == "说明"

    ws = openpyxl.load_workbook(dst)["自评表"]
    assert ws.protection.sheet  # still protected after LibreOffice saved it
    assert ws["D7"].protection.locked is False
    assert ws["A1"].protection.locked is not False
    assert ws["E7"].value == '=IF(ISNUMBER(D7),D7*2,"空")'


@pytest.mark.libreoffice
def test_typing_into_a_missing_sheet_is_an_error(tmp_path: Path) -> None:
    require(typing_available(), "LibreOffice with Python-UNO (python3-uno)")
    src = make_protected_form(tmp_path / "form.xlsx")
    with pytest.raises(LibreOfficeError, match="no sheet named"):
        fill_by_typing(src, tmp_path / "out.xlsx", [("Sheet9", "A1", "1")])
    assert not (tmp_path / "out.xlsx").exists()
