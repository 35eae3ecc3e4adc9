"""What a return cannot be accepted without, and pre-filled figures that changed.

A form sent back untouched used to pass (only contacts were required). Now a named
indicator row needs its result (ROW_RESULT_MISSING), a form in use needs A and B
(CHK_REQUIRED), an empty workbook fails CHK_UNTOUCHED - each a check the form shows too -
and a changed pre-filled figure is a warning asking why (V311).
"""

from __future__ import annotations

from pathlib import Path

from jixiao.build import build_template
from jixiao.layout import build_layout
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file

ROOT = Path(__file__).resolve().parents[1]
GUIZHOU = load_template(ROOT / "templates" / "guizhou-zhengti.yaml")
HUNAN = load_template(ROOT / "templates" / "hunan-zhengti.yaml")
PREFILL = {
    "_department": {"code": "101", "name": "某局"}, "zt_department": "某局",
    "zt_fund_total_budget": 100.0, "zt_fund_basic_budget": 60.0, "zt_fund_project_budget": 40.0,
    "_indicators": {"zt": [
        {"level1": "产出指标", "level2": "数量", "name": "培训人次", "direction": "≥", "target": 300.0, "unit": "人次",
         "weight": 40.0},
        {"level1": "效益指标", "level2": "社会效益", "name": "群众知晓度", "direction": "定性", "target": "明显提升",
         "unit": "", "weight": 30.0},
    ]},
}


COMPLETENESS = ("ROW_RESULT_MISSING", "CHK_REQUIRED", "CHK_UNTOUCHED", "V311")


def codes(v) -> list[tuple[str, str, str]]:
    return sorted((f.code, f.severity, f.name) for f in v.findings if f.code in COMPLETENESS)


def _row(layout, name: str) -> str:
    return next(c.name[: -len("_name")] for c in layout.sheet("zt").cells
                if c.name and c.name.endswith("_name") and c.value == name)


def test_blank_return_is_not_accepted(tmp_path) -> None:
    v = verify_file(build_template(GUIZHOU, tmp_path))
    assert codes(v) == [("CHK_UNTOUCHED", "error", "zt_panel_untouched")] and v.status == "待修改"
    (finding,) = [f for f in v.findings if f.code == "CHK_UNTOUCHED"]
    assert finding.message_zh == "填写情况：表格尚未填写，请填写后再报送"


def test_untouched_prefilled_form_names_every_missing_result(tmp_path) -> None:
    layout = build_layout(GUIZHOU, PREFILL)
    v = verify_file(build_template(GUIZHOU, tmp_path, prefill=PREFILL))
    actual = layout.cell(_row(layout, "培训人次") + "_actual")
    qualitative = layout.cell(_row(layout, "群众知晓度") + "_actual")  # the row's mark is in the actual column
    found = codes(v)
    assert ("ROW_RESULT_MISSING", "error", actual.name) in found
    assert ("ROW_RESULT_MISSING", "error", qualitative.name) in found
    assert ("CHK_REQUIRED", "error", "zt_panel_fund_total_actual_required") in found
    assert v.status == "待修改"
    message = next(f.message_zh for f in v.findings if f.name == actual.name and f.code == "ROW_RESULT_MISSING")
    assert "培训人次" in message and "实际完成值" in message


def test_filled_form_has_no_completeness_findings_and_changed_figures_warn(tmp_path) -> None:
    layout = build_layout(GUIZHOU, PREFILL)
    values = {**{k: v for k, v in PREFILL.items() if not k.startswith("_")},
              _row(layout, "培训人次") + "_actual": 310.0, _row(layout, "群众知晓度") + "_declared": 27.0,
              _row(layout, "群众知晓度") + "_tier": "达成预期指标", "zt_fund_total_actual": 95.0,
              "zt_fund_total_budget": 90.0}  # the department changed the bureau's A
    v = verify_file(build_template(GUIZHOU, tmp_path, prefill=PREFILL, values=values))
    assert not [f for f in v.findings if f.code in ("ROW_RESULT_MISSING", "CHK_UNTOUCHED")]
    assert not [f for f in v.findings if f.code == "CHK_REQUIRED" and "fund" in f.name]
    (changed,) = [f for f in v.findings if f.code == "V311"]
    assert changed.severity == "warning" and changed.cell == layout.cell("zt_fund_total_budget").address
    assert changed.values == {"prefilled": 100.0, "now": 90.0} and "100" in changed.message_zh


def test_unused_project_copies_are_not_required(tmp_path) -> None:
    prefill = {"_department": {"code": "1", "name": "局"}, "xm1_project": "项目一", "xm1_fund_total_budget": 10.0}
    v = verify_file(build_template(HUNAN, tmp_path, prefill=prefill))
    sheets = {f.sheet for f in v.findings if f.code == "CHK_REQUIRED" and "_fund_" in f.name}
    assert sheets == {"项目支出绩效自评表1"}  # xm2, xm3 and the empty zt are not in use


def test_unit_typed_in_a_number_cell_is_one_error_not_a_tamper_cascade(tmp_path) -> None:
    """``310人次`` in a ≥ row's actual: the form leaves the score blank and flags the row;
    verify flags the same row, says what to type, and recomputes the same blank score."""
    layout = build_layout(GUIZHOU, PREFILL)
    actual = _row(layout, "培训人次") + "_actual"
    values = {**{k: v for k, v in PREFILL.items() if not k.startswith("_")}, actual: "310人次",
              "zt_fund_total_actual": 95.0}
    v = verify_file(build_template(GUIZHOU, tmp_path, prefill=PREFILL, values=values))
    (finding,) = [f for f in v.findings if f.name == actual]
    assert (finding.code, finding.severity) == ("ROW_ACTUAL_NOT_NUMBER", "error")
    assert "实际完成值“310人次”须填数字，单位请填在“单位”栏（应填 310）" in finding.message_zh
    assert v.computed[_row(layout, "培训人次") + "_score"] is None
    assert not [f for f in v.findings if f.code == "V107"]
