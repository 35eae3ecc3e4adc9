"""自评结论 missing: the form's panel and verify say so together, where the template says
``conclusion_required`` (every shipped form with a conclusion row; issue 14).
tests/test_check_colours.py shows the same line in LibreOffice, in red."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms import build_filled, seed_000_values
from jixiao.build import template_paths
from jixiao.layout import build_layout, evaluate
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file

ROOT = Path(__file__).resolve().parents[1]
LINE = "zt_panel_conclusion_required"


def _clean(layout) -> dict:
    values = seed_000_values(layout)
    values["zt_fund_total_initial"] = 444.38  # seed 000's own funds error, fixed
    row = next(k.removesuffix("_name") for k, v in values.items() if v == "志愿服务")
    values[f"{row}_reason"] = "志愿服务需求超出预期。"
    return values


def _no_conclusion(layout) -> dict:
    values = _clean(layout)
    del values["zt_conclusion"]
    return values


@pytest.mark.parametrize("template", [p.stem for p in template_paths([ROOT / "templates"])])
def test_every_shipped_conclusion_is_required(template: str) -> None:
    lt = load_template(template)
    layout = build_layout(lt)
    specs = [s for s in lt.template.sheets if s.kind == "self_evaluation"]
    assert specs and all(s.conclusion_required for s in specs)
    for s in (s for s in layout.sheets if s.role == "self_evaluation"):
        line = layout.cell(f"{s.id}_panel_conclusion_required")
        assert line.rule == "CHK_REQUIRED" and line.args["value"] == f"{s.id}_conclusion"
        assert f"{s.id}_panel_conclusion_required" in s.panel
        assert any(m.target == f"{s.id}_conclusion" and m.flag == line.name for m in s.marks)  # the cell turns red


def test_the_archived_version_did_not_require_it() -> None:
    layout = build_layout(load_template(ROOT / "templates" / "archive" / "guizhou-zhengti@1.yaml"))
    assert LINE not in layout.by_name


def test_a_return_without_its_conclusion_fails_on_both_sides(tmp_path: Path) -> None:
    path, layout = build_filled("guizhou-zhengti", _no_conclusion, tmp_path / "no-conclusion.xlsx")
    assert evaluate(layout, _no_conclusion(layout))[LINE] == "未填写"
    v = verify_file(path)
    errors = [(f.code, f.name, f.cell) for f in v.findings if f.severity == "error"]
    assert errors == [("CHK_REQUIRED", LINE, layout.cell(LINE).address)]
    assert v.status == "待修改"
    # With its conclusion the same return is clean on both sides.
    path, layout = build_filled("guizhou-zhengti", _clean, tmp_path / "clean.xlsx")
    assert evaluate(layout, _clean(layout))[LINE] == "✓"
    assert verify_file(path).errors == 0
