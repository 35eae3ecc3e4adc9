"""Messages carry their values (issue 14, item 6): score and weight, the band and the
entered score, declared and computed, the text typed where a number belongs - in the form
as LibreOffice recalculates it, in ``verify``'s findings, in the findings report and in
the return package; and a declared form shows its 计算总分 beside the declared 总分.

The forms are written once, recalculated by LibreOffice in one batch, and each message is
read from the recalculated cell (the row's 本行校验, the checklist's check column, a panel
line) and from the finding verify makes of the same return.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from calc.libreoffice import available, recalculate
from conftest import require
from forms import build_filled, seed_000_values
from jixiao.layout import Layout
from jixiao.outputs.findings_report import write_findings_report
from jixiao.outputs.return_package import SHEET, write_return_packages
from jixiao.read import read_package
from jixiao.rules.excel import disallowed_functions
from jixiao.verify.verification import Verification, verify_file

pytestmark = pytest.mark.libreoffice


def _row(values: dict[str, Any], name: str) -> str:
    return next(k[: -len("_name")] for k, x in values.items() if x == name)


def _mistakes(layout: Layout) -> dict[str, Any]:
    """Seed 000 on the guizhou form (its funds error fixed), one mistake per row."""
    v = seed_000_values(layout)
    v["zt_fund_total_initial"] = 444.38
    r = lambda name: _row(v, name)  # noqa: E731 - a short local alias reads better here
    v[r("活动费效果") + "_declared"] = 5  # weight 3, 达成预期指标
    v.update({r("建强党员队伍") + "_tier": "部分达成预期指标并具有一定效果", r("建强党员队伍") + "_declared": 7})  # weight 8
    v.pop(r("党建宣传") + "_tier")
    v[r("专题讲座及培训") + "_actual"] = "7次"
    v.update({r("州直机关党组织及党员满意度") + "_direction": "≥", r("州直机关党组织及党员满意度") + "_target": 0.9,
              r("州直机关党组织及党员满意度") + "_actual": 85})
    v[r("星级党支部建设会议") + "_weight"] = 0
    v[r("模范机关创建督导") + "_target"] = "≥1次"
    return v  # 志愿服务: 400 done of 1 planned, no reason


def _declared(layout: Layout) -> dict[str, Any]:
    """Seed 000 as published, in declared mode: every row's own score, 公用经费 1 of 2."""
    v = seed_000_values(layout)
    for key in [k[: -len("_name")] for k in v if k.endswith("_name")]:
        v.setdefault(f"{key}_declared", v[f"{key}_weight"])
    v[_row(v, "公用经费") + "_declared"] = 1
    v["zt_exec_score"] = 9.3  # this variant scores 9.29: explained
    v["zt_exec_reason"] = "按 2023 年口径保留一位小数"
    return v


def _exec_differs(layout: Layout) -> dict[str, Any]:
    """Seed 001's execution score: 9 declared where 3967.29 / 3989.07 × 10 gives 9.95."""
    return {"zt_fund_total_budget": 3989.07, "zt_fund_total_actual": 3967.29, "zt_exec_score": 9}


def _checklist(layout: Layout) -> dict[str, Any]:
    return {"qd_unit": "丁局", "qd_finance_self": 10}  # 财务管理: weight 8


FORMS = {"mistakes": ("guizhou-zhengti", _mistakes), "declared": ("guizhou-zhengti-2022", _declared),
         "exec": ("guizhou-zhengti-2022", _exec_differs), "checklist": ("gansu-checklist", _checklist)}


@dataclass
class Form:
    layout: Layout
    values: dict[str, Any]
    shown: dict[str, Any]  # every named cell as the recalculated form shows it
    verified: Verification

    def row(self, name: str) -> str:
        return _row(self.values, name)

    def messages(self, code: str) -> list[str]:
        return [f.message_zh for f in self.verified.findings if f.code == code]


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Form]:
    require(available(), "LibreOffice")
    folder = tmp_path_factory.mktemp("messages")
    written = {key: build_filled(template, fn, folder / f"{key}.xlsx") for key, (template, fn) in FORMS.items()}
    saved = recalculate([path for path, _ in written.values()], folder / "out", timeout=300)
    out = {}
    for key, (path, layout) in written.items():
        package = read_package(saved[path])
        sheets = {s.name: s for s in package.sheets}
        shown = {name: sheets[c.sheet].value(c.address) for name, c in layout.by_name.items() if c.sheet in sheets}
        out[key] = Form(layout, FORMS[key][1](layout), shown, verify_file(saved[path]))
    return out


def _both(form: Form, code: str, cell: str, text: str) -> None:
    """``text`` in the recalculated ``cell`` and in verify's finding ``code``."""
    assert text in str(form.shown[cell]), (cell, form.shown[cell])
    assert any(text in m for m in form.messages(code)), (code, form.messages(code))


def test_score_over_weight_names_the_score_and_the_weight(forms) -> None:
    f = forms["mistakes"]
    _both(f, "ROW_SCORE_OVER_WEIGHT", f.row("活动费效果") + "_check", "得分 5 超过分值 3")
    english = [x.message_en for x in f.verified.findings if x.code == "ROW_SCORE_OVER_WEIGHT"]
    assert any("score exceeds its weight (score 5, weight 3)" in m for m in english), english


def test_a_score_outside_its_band_names_the_band_and_the_score(forms) -> None:
    f = forms["mistakes"]
    _both(f, "ROW_QUAL_OUT_OF_BAND", f.row("建强党员队伍") + "_check",
          "定性得分 7 不在所选档次“部分达成预期指标并具有一定效果”的区间 4~6.4（不含 6.4）内")
    _both(f, "ROW_QUAL_OUT_OF_BAND", f.row("活动费效果") + "_check",
          "定性得分 5 不在所选档次“达成预期指标”的区间 2.4~3 内")


def test_no_tier_chosen_is_its_own_message(forms) -> None:
    f = forms["mistakes"]
    _both(f, "ROW_QUAL_OUT_OF_BAND", f.row("党建宣传") + "_check", "未选定性档次，请选择档次后再核对得分")
    assert "区间" not in f.shown[f.row("党建宣传") + "_check"]


def test_a_missing_reason_names_the_score_below_its_weight(forms) -> None:
    f = forms["mistakes"]
    _both(f, "ROW_REASON_MISSING", f.row("建强党员队伍") + "_check", "得分 7 低于分值 8，需填写偏差原因")


def test_text_and_scale_mistakes_quote_what_was_typed(forms) -> None:
    f = forms["mistakes"]
    _both(f, "ROW_ACTUAL_NOT_NUMBER", f.row("专题讲座及培训") + "_check", "实际完成值“7次”须填数字")
    assert any("（应填 7）" in m for m in f.messages("ROW_ACTUAL_NOT_NUMBER"))  # verify's own hint
    _both(f, "ROW_PERCENT_SCALE", f.row("州直机关党组织及党员满意度") + "_check",
          "提示：实际完成值 85 大于 150%（85 是否应为 85%？）")
    _both(f, "ROW_ACTUAL_FAR_OVER", f.row("志愿服务") + "_check", "提示：实际完成值 400 超过指标值 1 的 10 倍")
    _both(f, "ROW_WEIGHT_MISSING", f.row("星级党支部建设会议") + "_check", "分值为 0，应大于 0")
    _both(f, "ROW_TARGET_NOT_NUMBER", f.row("模范机关创建督导") + "_check", "指标值“≥1次”应为数字")


def test_verify_says_what_the_row_check_says(forms) -> None:
    """Every row finding's text is the form's 本行校验 part for that flag, word for word."""
    f = forms["mistakes"]
    layout = f.layout
    texts = {c.flag: c.text for s in layout.sheets for c in s.row_checks}
    checked = 0
    for finding in f.verified.findings:
        if not finding.code.startswith("ROW_"):
            continue
        flag = next(c.flag for s in layout.sheets for c in s.row_checks
                    if layout.cell(c.target).address == finding.cell and layout.cell(c.flag).rule == finding.code)
        part = str(f.shown[texts[flag]]).removesuffix("；")
        assert part and part in finding.message_zh
        row_check = f.shown[flag.rsplit("_chk_", 1)[0] + "_check"]
        assert part in row_check
        checked += 1
    assert checked >= 9


def test_declared_total_beside_the_computed_total_seed_000(forms) -> None:
    """Seed 000 as published in the declared variant: the department's 总分 98.3; the rule
    gives 99.29 (公用经费 2 not 1, execution 9.29 not 9.3), shown beside it and noted."""
    f = forms["declared"]
    assert round(f.shown["zt_total_score"], 2) == 98.3
    assert round(f.shown["zt_total_computed"], 2) == 99.29
    line = "提示：申报总分 98.3 与计算总分 99.29 不一致（差 0.99）"
    panel = [f.shown[n] for n in f.layout.sheet("zt").panel]
    assert any(line in str(p) for p in panel)
    (finding,) = [x for x in f.verified.findings if x.code == "CHK_DECLARED_TOTAL"]
    assert finding.severity == "warning" and line in finding.message_zh
    assert round(finding.values["declared"], 2) == 98.3 and round(finding.values["computed"], 2) == 99.29
    cell = f.layout.cell("zt_total_computed")
    assert cell.row == f.layout.cell("zt_total_score").row and cell.label == "计算总分"


def test_declared_differs_names_both_scores(forms) -> None:
    f = forms["declared"]
    _both(f, "ROW_DECLARED_DIFFERS", f.row("公用经费") + "_check", "自评得分 1 与计算得分 2 不一致（差 1），请说明原因")
    e = forms["exec"]  # the execution row: its message cell is hidden, verify says it
    assert e.shown["zt_exec_msg_declared_differs"] == "自评得分 9 与计算得分 9.95 不一致（差 0.95），请说明原因；"
    assert any("自评得分 9 与计算得分 9.95 不一致（差 0.95）" in m for m in e.messages("ROW_DECLARED_DIFFERS"))


def test_the_checklist_check_column_names_the_score_and_weight(forms) -> None:
    f = forms["checklist"]
    _both(f, "ROW_SCORE_OVER_WEIGHT", "qd_finance_msg_over", "得分 10 超过分值 8")
    assert any("自评分数" in m for m in f.messages("ROW_SCORE_OVER_WEIGHT"))


def test_message_formulas_use_only_portable_functions(forms) -> None:
    layout = forms["mistakes"].layout
    for name, cell in layout.by_name.items():
        if cell.rule and (cell.rule.startswith("MSG_") or cell.rule in ("ROW_MESSAGE", "CHK_DECLARED_TOTAL")):
            assert not disallowed_functions(layout.formula(cell)), name


def test_the_report_and_the_return_package_show_the_values(forms, tmp_path: Path) -> None:
    results = [forms["mistakes"].verified, forms["declared"].verified]
    wanted = ["得分 5 超过分值 3", "未选定性档次", "自评得分 1 与计算得分 2 不一致（差 1）",
              "申报总分 98.3 与计算总分 99.29 不一致（差 0.99）"]
    report = write_findings_report(results, tmp_path / "问题清单.xlsx")
    text = "\n".join(str(c) for ws in openpyxl.load_workbook(report).worksheets
                     for row in ws.iter_rows(values_only=True) for c in row if c)
    assert all(w in text for w in wanted), [w for w in wanted if w not in text]
    packages = write_return_packages(results, tmp_path / "退回")
    text = "\n".join(str(c) for p in packages.workbooks
                     for row in openpyxl.load_workbook(p)[SHEET].iter_rows(values_only=True) for c in row if c)
    assert all(w in text for w in wanted), [w for w in wanted if w not in text]
