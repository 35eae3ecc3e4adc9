"""Building every shipped variant: dist/ is reproducible byte for byte, and each workbook
has protection, unlocked validated inputs, formulas in every computed cell, names that
resolve and its template identity."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from jixiao.build import OutputExists, build_template, template_paths
from jixiao.cli import app
from jixiao.layout import build_layout
from jixiao.template.load import load_template
from jixiao.write import META_SHEET

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = template_paths([ROOT / "templates"])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_shipped_template_is_in_dist():
    assert sorted(p.stem for p in TEMPLATES) == sorted(p.stem for p in (ROOT / "dist").glob("*.xlsx"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_dist_rebuilds_byte_identical(template, tmp_path):
    built = build_template(template, tmp_path)
    assert digest(built) == digest(ROOT / "dist" / built.name), "dist/ is stale: run `make demo`"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_workbook_structure(template, tmp_path):
    lt = load_template(template)
    layout = build_layout(lt)
    path = build_template(lt, tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.custom_doc_props["jixiao.template_id"].value == lt.template.id
    assert wb.custom_doc_props["jixiao.fingerprint"].value == layout.fingerprint()
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb[META_SHEET]["B1"].value == lt.template.id
    names = wb.defined_names
    for s in layout.sheets:
        ws = wb[s.name]
        assert ws.protection.sheet, s.name
        validated = {f"{get_column_letter(col)}{row}" for dv in ws.data_validations.dataValidation
                     for rng in dv.sqref.ranges for row in range(rng.min_row, rng.max_row + 1)
                     for col in range(rng.min_col, rng.max_col + 1)}
        for cell in s.cells:
            xl = ws[cell.address]
            if cell.role == "input":
                assert xl.protection.locked is False, cell.name
                if cell.value_type in ("money", "weight", "score", "choice"):
                    assert cell.address in validated, f"{cell.name} has no validation"
            elif cell.role == "computed":
                assert xl.data_type == "f" and str(xl.value).startswith("="), cell.name
                assert xl.protection.locked is not False, cell.name
            if cell.name:
                dn = names[cell.name]
                (sheet_name, ref), = list(dn.destinations)
                assert (sheet_name, ref.replace("$", "")) == (s.name, cell.address)


def test_build_refuses_to_overwrite_without_force(tmp_path):
    build_template("guizhou-zhengti", tmp_path)
    with pytest.raises(OutputExists):
        build_template("guizhou-zhengti", tmp_path)
    build_template("guizhou-zhengti", tmp_path, force=True)


def test_user_text_is_never_a_formula(tmp_path):
    layout = build_layout(load_template("guizhou-zhengti"))
    from jixiao.write import write_workbook

    path = write_workbook(layout, tmp_path / "x.xlsx", values={"zt_unit": '=HYPERLINK("http://x","点击")'})
    ws = openpyxl.load_workbook(path)[layout.sheets[0].name]
    cell = ws[layout.cell("zt_unit").address]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_cli_lint_and_build(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["lint", str(ROOT / "templates")])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\nname: n\nsheets: []\nwieght: 3\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5:1 T010" in result.output
    assert runner.invoke(app, ["lint", str(tmp_path / "missing.yaml")]).exit_code == 2
    built = runner.invoke(app, ["build", str(ROOT / "templates" / "guizhou-zhengti.yaml"), "--out", str(tmp_path)])
    assert built.exit_code == 0 and (tmp_path / "guizhou-zhengti.xlsx").exists()
    again = runner.invoke(app, ["build", str(ROOT / "templates" / "guizhou-zhengti.yaml"), "--out", str(tmp_path)])
    assert again.exit_code == 1


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # shown, not raised: what the test counts
def test_writing_leaves_other_threads_warnings_alone(tmp_path: Path) -> None:
    """A form written in one thread (as ``jixiao serve`` does) must not turn another
    thread's warning into an error: catch_warnings() around the write once swapped the
    filters of the whole process, and a request building its FastAPI route meanwhile
    failed with a 500. xlsxwriter's own warnings are still errors."""
    import threading
    import warnings

    import xlsxwriter

    from jixiao.write import write_workbook
    from jixiao.write.workbook import xlsxwriter_warnings_are_errors

    layout = build_layout(load_template("hunan-zhengti"))
    done = threading.Event()

    def write() -> None:
        try:
            for n in range(3):
                write_workbook(layout, tmp_path / f"form{n}.xlsx")
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    raised = warned = 0
    while not done.is_set():
        try:
            warnings.warn("harmless", RuntimeWarning, stacklevel=1)
            warned += 1
        except RuntimeWarning:
            raised += 1
    writer.join()
    assert raised == 0 and warned > 0
    xlsxwriter_warnings_are_errors()
    wb = xlsxwriter.Workbook(str(tmp_path / "bad.xlsx"))
    with pytest.raises(UserWarning):
        wb.add_worksheet().data_validation(0, 0, 0, 0, {"validate": "bogus"})  # xlsxwriter warns, skips it
    wb.close()
