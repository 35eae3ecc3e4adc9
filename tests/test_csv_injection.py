"""CSV files jixiao writes never carry a formula into the bureau's spreadsheet: department
text that starts like a formula is neutralised (jixiao.outputs.csv_safe), and a real LibreOffice
opens the exported file with no formula cell in it."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from calc.libreoffice import available, recalculate
from conftest import require
from jixiao.outputs.csv_safe import cell
from jixiao.outputs.export import render_rows

HOSTILE = [
    "=1+1", "=HYPERLINK(\"http://example.invalid\",\"点此\")", "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-1+1", "+SUM(A1:A9)", "-2*3", "@A1",
    "\t=1+1", "\r=1+1", "＝1+1", "=IF(NOW()>0,999,1)", "=WEBSERVICE(\"http://x\")",
    "=DDE(\"cmd\";\"/C calc\";\"A1\")", "=A1&A2", "=1/0", "=ROW()", "+ROW()", "-ROW()",
    "@ROW()", "=甲局", "=\"text\"", "=-1", "=+1",
]


def test_formula_like_text_is_quoted_and_numbers_are_not() -> None:
    assert all(str(cell(text)).startswith("'") for text in HOSTILE)
    assert [cell(v) for v in ("-12.5", "+3", "1e5", -4, 0.5, None, "甲局")] == \
        ["-12.5", "+3", "1e5", -4, 0.5, None, "甲局"]


@pytest.mark.libreoffice
def test_libreoffice_opens_the_export_without_a_formula(tmp_path: Path) -> None:
    require(available(), "LibreOffice (soffice)")
    rows = [{"department_code": f"44{i:04d}", "department_name": text, "total": -1.5}
            for i, text in enumerate(HOSTILE)]
    csv_file = tmp_path / "export.csv"
    csv_file.write_text(render_rows(rows, "csv"), encoding="utf-8-sig", newline="")
    opened = recalculate([csv_file], tmp_path / "out")[csv_file]
    ws = openpyxl.load_workbook(opened).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert len(cells) == 3 * (len(HOSTILE) + 1)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    names = [ws.cell(row=i + 2, column=2).value for i in range(len(HOSTILE))]
    assert all(isinstance(n, str) and n.lstrip("'").strip() for n in names)
    assert [ws.cell(row=i + 2, column=3).value for i in range(len(HOSTILE))] == [-1.5] * len(HOSTILE)
