"""Inputs hold values: a formula in an input cell is an error (V111), whatever it saved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forms import build_filled, cell_xml, rewrite_part, seed_000_values
from jixiao.verify.verification import verify_file

SHEET1 = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def seed000(tmp_path_factory) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("inputs") / "seed000.xlsx"
    return build_filled("guizhou-zhengti", seed_000_values, path)


def with_formula(seed000, tmp_path: Path, name: str, formula_xml: str, cached: str, text: bool) -> tuple[Path, str]:
    """The seed 000 return with ``<f>formula_xml</f>`` and a saved value in input ``name``."""
    path, layout = seed000
    ref = layout.cell(name).address

    def edit(xml: str) -> str:
        cell = cell_xml(xml, ref).group(0)
        style = re.search(r'\ss="(\d+)"', cell)
        s = f' s="{style.group(1)}"' if style else ""
        kind = ' t="str"' if text else ""
        return xml.replace(cell, f'<c r="{ref}"{s}{kind}><f>{formula_xml}</f><v>{cached}</v></c>')

    return rewrite_part(path, tmp_path / f"{name}.xlsx", SHEET1, edit), ref


def v111(path: Path) -> list:
    return [f for f in verify_file(path).findings if f.code == "V111"]


def test_a_clean_return_has_no_formula_in_its_inputs(seed000):
    path, _ = seed000
    assert v111(path) == []


def test_a_formula_in_a_money_input_is_an_error_whatever_it_saved(seed000, tmp_path):
    # The saved value is the seed's own figure: only the formula is wrong, and it is the
    # spreadsheet, not verify, that would show 999 once the date has passed.
    path, ref = with_formula(seed000, tmp_path, "zt_fund_total_actual",
                             "IF(NOW()&gt;DATE(2024,3,1),999,427.14)", "427.14", text=False)
    (f,) = v111(path)
    assert (f.severity, f.cell, f.name) == ("error", ref, "zt_fund_total_actual")
    assert "全年执行数(B)" in f.message_zh and ref in f.message_zh
    assert "=IF(NOW()>DATE(2024,3,1),999,427.14)" in f.message_zh and "数值本身" in f.message_zh
    assert f.values["saved"] == 427.14
    assert verify_file(path).status == "待修改"


def test_a_formula_in_a_text_input_is_an_error(seed000, tmp_path):
    path, ref = with_formula(seed000, tmp_path, "zt_contact", 'HYPERLINK("http://example.com","赵俊")', "赵俊",
                             text=True)
    (f,) = v111(path)
    assert (f.severity, f.cell) == ("error", ref)
    assert 'HYPERLINK("http://example.com","赵俊")' in f.message_zh


def test_a_long_formula_is_quoted_in_part(seed000, tmp_path):
    long = "+".join(["1"] * 200)
    path, _ = with_formula(seed000, tmp_path, "zt_fund_total_actual", long, "200", text=False)
    (f,) = v111(path)
    assert long[:60] + "…" in f.message_zh and long not in f.message_zh
    assert f.values["formula"] == long
