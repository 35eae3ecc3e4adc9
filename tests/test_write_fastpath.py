"""The one xlsxwriter fast path (jixiao.write.fastpath) writes what xlsxwriter writes."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from jixiao.build import template_paths
from jixiao.layout import build_layout
from jixiao.template.load import load_template
from jixiao.write.fastpath import FastWorksheet

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `bench` lives beside the package, not inside it
    sys.path.insert(0, str(ROOT))

from bench.dataset import TEMPLATE, department_dataset  # noqa: E402

EDGE_CASES = ['=XLOOKUP(1,A:A,B:B)', "=A.SORT(x)", "=SINGLE(1)", "=XSINGLE(1)", "=分SORT(1)",
              "{=ROUND(1,2)}", "=_xlfn.IFS(A1,1)", '="SORT("&A1', "=IFS(A1>1,1,TRUE,0)",
              "=sort(A1:A3)", "=STDEV.S(A1:A3)", '=AND($B$3<>"✓",$B$3<>"")', "=XOR(1,0)", "=BETAXDIST(1)",
              "=CONCAT(A1)&CONCATENATE(A1)", "=分XOR(1)", "=ACOT(1)+ACOTH(2)", "=IFERROR(1,0)"]


def _formulas() -> list[str]:
    """One formula per rule and shape of every shipped template and three bench departments
    (xlsxwriter's own pass is slow), then the edge cases."""
    layouts = [build_layout(load_template(p)) for p in template_paths([ROOT / "templates"])]
    lt = load_template(TEMPLATE)
    layouts += [build_layout(lt, prefill) for _, prefill, _ in department_dataset(3)]
    seen = {layout.formula(c) for layout in layouts for c in layout.computed()}
    return sorted({re.sub(r"\$?[A-Z]{1,3}\$?[0-9]+", "A1", f): f for f in seen}.values()) + EDGE_CASES


def _write(path: Path, worksheet_class: type[Worksheet], formulas: list[str]) -> bytes:
    """The same calls, on worksheets of ``worksheet_class``: formulas in cells, in a
    conditional format and a validation (both expanded with the future functions)."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2000, 1, 1)})
    ws = wb.add_worksheet("f", worksheet_class=worksheet_class)
    for row, formula in enumerate(formulas):
        ws.write_formula(row, 0, formula, None, 0)
        ws.conditional_format(row, 1, row, 1, {"type": "formula", "criteria": formula,
                                               "format": wb.add_format({"bold": True})})
        ws.data_validation(row, 2, row, 2, {"validate": "custom", "value": formula})
    wb.close()
    return path.read_bytes()


def test_fast_path_writes_the_bytes_xlsxwriter_writes(tmp_path: Path) -> None:
    formulas = _formulas()
    ours, theirs = FastWorksheet(), Worksheet()
    for f in formulas:
        for future in (False, True):
            assert ours._prepare_formula(f, future) == theirs._prepare_formula(f, future), f
    assert _write(tmp_path / "fast.xlsx", FastWorksheet, formulas) == _write(tmp_path / "plain.xlsx", Worksheet,
                                                                             formulas)


def _xlsxwriter_patterns() -> tuple[list[str], list[str]]:
    """The names xlsxwriter's own ``_prepare_formula`` rewrites: always, and with the future
    functions (read from its source, so a new version that adds one fails here)."""
    import inspect

    source = inspect.getsource(Worksheet._prepare_formula)
    always, future = source.split("if not self.use_future_functions and not expand_future_functions:")
    pattern = re.compile(r're\.sub\(\s*r"\\[bS]?([A-Z0-9.]+)\\\(')
    return pattern.findall(always), pattern.findall(future)


def test_fast_path_knows_every_name_xlsxwriter_rewrites() -> None:
    from jixiao.write import fastpath

    always, future = _xlsxwriter_patterns()
    assert [n for n in always if n != "INGLE"] == list(fastpath._DYNAMIC_FUNCTIONS)
    assert future == list(fastpath._FUTURE_FUNCTIONS)
