"""The cases of issue 14 that made the form and verify disagree, each in Python (quick loop);
tests/test_parity.py shows the same over hundreds of LibreOffice-recalculated returns."""

from __future__ import annotations

from pathlib import Path

from forms import build_filled, seed_000_values
from jixiao.build import build_template
from jixiao.layout import build_layout, evaluate
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file

ROOT = Path(__file__).resolve().parents[1]
GUIZHOU = load_template(ROOT / "templates" / "guizhou-zhengti.yaml")


def _clean(layout) -> dict:
    v = seed_000_values(layout)
    v["zt_fund_total_initial"] = 444.38  # seed 000's own funds error, fixed
    row = next(k[: -len("_name")] for k, x in v.items() if x == "志愿服务")
    v[f"{row}_reason"] = "志愿服务需求超出预期。"
    return v


def _row(values: dict, name: str) -> str:
    return next(k[: -len("_name")] for k, x in values.items() if x == name)


def test_seed_000_fixed_is_clean_on_both_sides(tmp_path) -> None:
    path, layout = build_filled("guizhou-zhengti", _clean, tmp_path / "clean.xlsx")
    v = verify_file(path)
    panel = [evaluate(layout, v.record)[n] for n in layout.sheet("zt").panel]
    assert v.errors == v.warnings == 0 and set(panel) <= {"✓", None}


def test_unit_in_a_number_cell_leaves_the_score_blank_on_both_sides(tmp_path) -> None:
    """280人次 in a ≥ row: the form's score is blank and its row check and panel say so;
    verify recomputes the same blank score (no 89.94 where the form shows 75.94)."""
    def values(layout):
        v = _clean(layout)
        v[_row(v, "专题讲座及培训") + "_actual"] = "7次"
        return v

    path, layout = build_filled("guizhou-zhengti", values, tmp_path / "unit.xlsx")
    v = verify_file(path)
    row = _row(v.record, "专题讲座及培训")
    assert v.computed[f"{row}_score"] is None
    assert v.computed[f"{row}_chk_actual_not_number"] == 1
    line = next(n for n in layout.sheet("zt").panel if layout.cell(n).label == "实际完成值为数字")
    assert v.computed[line] == "1 项定量指标的实际完成值不是数字"
    assert v.status == "待修改"
    assert round(v.computed["zt_total_score"], 2) == round(99.3 - 5, 2)  # what the form shows


def test_an_untouched_form_is_not_all_ticks(tmp_path) -> None:
    """The blank form's panel says it is not filled in, and verify says the same."""
    layout = build_layout(GUIZHOU)
    shown = evaluate(layout, {})
    assert shown["zt_panel_untouched"] == "表格尚未填写，请填写后再报送"
    v = verify_file(build_template(GUIZHOU, tmp_path))
    assert [f.code for f in v.findings if f.severity == "error"] == ["CHK_UNTOUCHED"]


def test_a_percentage_typed_as_a_number_is_a_warning_with_a_suggestion(tmp_path) -> None:
    """满意度 typed 85 where the target is 90%: a 提示 on the form, a warning in verify."""
    def values(layout):
        v = _clean(layout)
        row = _row(v, "州直机关党组织及党员满意度")
        v.update({f"{row}_direction": "≥", f"{row}_target": 0.9, f"{row}_actual": 85})
        return v

    path, _ = build_filled("guizhou-zhengti", values, tmp_path / "pct.xlsx")
    v = verify_file(path)
    (finding,) = [f for f in v.findings if f.code == "ROW_PERCENT_SCALE"]
    assert finding.severity == "warning"
    assert "（85 是否应为 85%？）" in finding.message_zh


def test_a_date_typed_as_text_fails_on_both_sides(tmp_path) -> None:
    def values(layout):
        return {**_clean(layout), "zt_fill_date": "2024.2.20"}

    path, _ = build_filled("guizhou-zhengti", values, tmp_path / "date.xlsx")
    v = verify_file(path)
    (finding,) = [f for f in v.findings if f.code == "CHK_DATE"]
    assert finding.severity == "error" and "现为“2024.2.20”" in finding.message_zh
