"""The rule library: Python references on the seeds' worked cases and on edges, and the
function whitelist on every rule's Excel formula."""

from __future__ import annotations

import itertools

import pytest

from jixiao.rules.excel import ALLOWED_FUNCTIONS, disallowed_functions
from jixiao.rules.library import library
from jixiao.rules.numbers import excel_general, excel_round, excel_rounddown
from jixiao.rules.reference import REFERENCES

RULES = library()


def compute(rule_id: str, params: dict | None = None, **args):
    return RULES[rule_id].compute(args, params)


def test_every_rule_has_a_reference_and_back():
    assert set(RULES) == set(REFERENCES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_formula_uses_only_allowed_functions(rule_id):
    rule = RULES[rule_id]
    refs = {a: ["A1:A3", "B5"] if a in rule.list_args else "C7" for a in rule.arg_names}
    formula = rule.excel(refs)
    assert formula.startswith("=")
    assert not disallowed_functions(formula), formula
    assert "_xlfn" not in formula


def test_whitelist_rejects_newer_functions():
    assert disallowed_functions("=IFS(A1>1,1,TRUE,0)") == {"IFS"}
    assert disallowed_functions("=TEXTJOIN(\",\",TRUE,A1:A3)") == {"TEXTJOIN"}
    assert "IFS" not in ALLOWED_FUNCTIONS


# ------------------------------------------------------------------ seeds' worked cases


def test_seed_004_project_3_2_execution_rounded():
    # 附件3-2: 87.62 / 101.17 = 0.866067... shown 86.61%, scored 8.66.
    rate = compute("EXEC_RATE", {"digits": 4, "mode": "round"}, budget=101.17, actual=87.62)
    score = compute("EXEC_SCORE_PROPORTIONAL", {"digits": 2, "mode": "round", "cap": True},
                    budget=101.17, actual=87.62, weight=10)
    assert (rate, score) == (0.8661, 8.66)


def test_seed_000_execution_cut_one_decimal():
    # 427.14 / 459.61 = 0.929353... shown 92.93% (cut, not rounded), scored 9.3.
    rate = compute("EXEC_RATE", {"digits": 4, "mode": "cut"}, budget=459.61, actual=427.14)
    score = compute("EXEC_SCORE_PROPORTIONAL", {"digits": 1, "mode": "round", "cap": True},
                    budget=459.61, actual=427.14, weight=10)
    assert (rate, score) == (0.9293, 9.3)


def test_seed_001_execution_score_by_rule_is_9_95():
    # 3967.29 / 3989.07 = 99.45%: the rule gives 9.95 where the department declared 9.
    assert compute("EXEC_SCORE_PROPORTIONAL", {"digits": 2}, budget=3989.07, actual=3967.29, weight=10) == 9.95


def test_cut_differs_from_round_where_it_matters():
    # 0.92935 cut to 4 digits is 0.9293, rounded is 0.9294 (seed 000 shows the cut one).
    assert compute("EXEC_RATE", {"mode": "cut"}, budget=1, actual=0.929359) == 0.9293
    assert compute("EXEC_RATE", {"mode": "round"}, budget=1, actual=0.929359) == 0.9294


def test_seed_004_equal_target_all_or_nothing():
    # 参训干部培训合格率 =100%, actual 99.74%: 0 of 5.
    assert compute("EQUAL_ALL_OR_NOTHING", target=1.0, actual=0.9974, weight=5) == 0
    assert compute("EQUAL_ALL_OR_NOTHING", target=1.0, actual=1.0, weight=5) == 5


def test_seed_001_thirteen_planned_twelve_done():
    # 开展项目个数 13 planned, 12 done, weight 1: B/A x weight = 0.92 (the department wrote 0.5).
    assert compute("RATIO_POSITIVE", target=13, actual=12, weight=1) == 0.92


def test_seed_000_cost_indicator_under_target_is_full():
    # 公用经费 target 26.43 (a cost: ≤), actual 26.16: full 2 (the department wrote 1).
    assert compute("RATIO_INVERSE_SIMPLE", target=26.43, actual=26.16, weight=2) == 2


def test_seed_004_appendix_3_2_total_97_66():
    # 两新组织党组织 3000 元/个 planned (335 支部), 126 funded: scored 9 of 10 by the department;
    # the project's total 97.66 = 8.66 (execution) + the declared indicator scores.
    scores = [10, 9, 10, 10, 10, 15, 15, 10]
    parts = [8.66, *scores]
    assert compute("TOTAL", parts=parts) == pytest.approx(97.66)


def test_seed_000_total_98_3():
    exec_score = compute("EXEC_SCORE_PROPORTIONAL", {"digits": 1}, budget=459.61, actual=427.14, weight=10)
    produced = [5, 5, 5, 5, 5, 5, 4, 4, 3, 3, 2, 1, 2]
    effect = [8, 8, 7, 7]
    satisfaction = [10]
    subtotals = [compute("SUBTOTAL", scores=s) for s in (produced, effect, satisfaction)]
    total = compute("TOTAL", parts=[exec_score, *subtotals])
    assert excel_round(total, 2) == 98.3
    assert compute("GRADE", total=total) == "优"


# ------------------------------------------------------------------ edges


@pytest.mark.parametrize("rule_id", ["RATIO_POSITIVE", "RATIO_INVERSE_SIMPLE", "RATIO_INVERSE_PLATFORM",
                                     "EQUAL_ALL_OR_NOTHING"])
@pytest.mark.parametrize("blank", [None, "", "达到预期", "—"])
def test_blank_or_text_inputs_give_an_empty_cell(rule_id, blank):
    for args in ({"target": blank, "actual": 5, "weight": 2}, {"target": 5, "actual": blank, "weight": 2},
                 {"target": 5, "actual": 5, "weight": blank}):
        assert compute(rule_id, **args) is None


def test_execution_rate_edges():
    assert compute("EXEC_RATE", budget=0, actual=5) is None  # never #DIV/0!
    assert compute("EXEC_RATE", budget=100, actual=-5) == 0  # negative actual counts as 0
    assert compute("EXEC_RATE", budget=100, actual=120) == 1.2  # shown, and flagged by a check
    assert compute("EXEC_SCORE_PROPORTIONAL", budget=100, actual=120, weight=10) == 10  # capped
    assert compute("EXEC_SCORE_PROPORTIONAL", {"cap": False}, budget=100, actual=120, weight=10) == 12


def test_execution_score_in_steps():
    # 2 points off for each started 5% short.
    assert compute("EXEC_SCORE_STEPS", budget=100, actual=100, weight=10) == 10
    assert compute("EXEC_SCORE_STEPS", budget=100, actual=96, weight=10) == 8
    assert compute("EXEC_SCORE_STEPS", budget=100, actual=95, weight=10) == 8
    assert compute("EXEC_SCORE_STEPS", budget=100, actual=94.9, weight=10) == 6
    assert compute("EXEC_SCORE_STEPS", {"partial": "whole"}, budget=100, actual=94.9, weight=10) == 8
    assert compute("EXEC_SCORE_STEPS", budget=100, actual=10, weight=10) == 0


def test_positive_over_achievement_capped_and_negative_actual():
    assert compute("RATIO_POSITIVE", target=300, actual=800, weight=5) == 5
    assert compute("RATIO_POSITIVE", target=300, actual=-10, weight=5) == 0
    assert compute("RATIO_POSITIVE", target=0, actual=0, weight=5) == 5


def test_inverse_formulas():
    assert compute("RATIO_INVERSE_SIMPLE", target=100, actual=125, weight=10) == 8
    assert compute("RATIO_INVERSE_PLATFORM", target=100, actual=125, weight=10) == 7.5
    assert compute("RATIO_INVERSE_PLATFORM", target=100, actual=200, weight=10) == 0
    assert compute("RATIO_INVERSE_PLATFORM", target=100, actual=100, weight=10) == 10


@pytest.mark.parametrize("rule_id", ["RATIO_INVERSE_SIMPLE", "RATIO_INVERSE_PLATFORM"])
def test_target_zero_rule(rule_id):
    args = {"target": 0, "actual": 0, "weight": 3}
    assert compute(rule_id, **args) == 3
    args["actual"] = 1
    assert compute(rule_id, **args) == 0
    args["actual"] = -2  # negative actuals are 0
    assert compute(rule_id, **args) == 3



def test_grade_bands_configurable():
    assert [compute("GRADE", total=t) for t in (90, 89.99, 80, 60, 59.9)] == ["优", "良", "良", "中", "差"]
    bands = {"bands": [[80, "优"], [70, "良"], [60, "中"]], "otherwise": "差"}
    assert compute("GRADE", bands, total=85) == "优"
    assert compute("GRADE", total=None) is None


def test_indicator_score_dispatches_on_direction():
    row = {"target": 300, "actual": 250, "weight": 5, "declared": 4}
    assert compute("INDICATOR_SCORE", direction="≥", **row) == 4.17
    assert compute("INDICATOR_SCORE", direction="≤", **row) == 5
    assert compute("INDICATOR_SCORE", direction="=", **row) == 0
    assert compute("INDICATOR_SCORE", direction="定性", **row) == 4
    assert compute("INDICATOR_SCORE", {"negative": "RATIO_INVERSE_PLATFORM"}, direction="≤",
                   target=100, actual=125, weight=10, declared=None) == 7.5
    assert compute("INDICATOR_SCORE", direction=None, **row) is None


def test_qualitative_bands_edges_follow_the_seed_note():
    # 100-80% (80 included), 80-50% (50 included), 50-0%.
    def out(tier, score):
        return compute("ROW_QUAL_OUT_OF_BAND", direction="定性", tier=tier, score=score, weight=10)
    top, mid, low = (t[0] for t in RULES["ROW_QUAL_OUT_OF_BAND"].defaults["bands"])
    assert [out(top, s) for s in (8, 10, 7.99, 10.01)] == [0, 0, 1, 1]
    assert [out(mid, s) for s in (5, 7.99, 8, 4.99)] == [0, 0, 1, 1]
    assert [out(low, s) for s in (0, 4.99, 5)] == [0, 0, 1]
    assert out(None, 8) == 1  # no tier chosen
    # 0.8 x 3 is 2.4000000000000004 in binary: a typed 2.4 is still inside the band.
    assert compute("ROW_QUAL_OUT_OF_BAND", direction="定性", tier=top, score=2.4, weight=3) == 0


def test_checks_messages():
    assert compute("CHK_WEIGHTS_TOTAL", fixed=10, weights=[55, 25, 20]) == "分值合计 110，应为 100"
    assert compute("CHK_WEIGHTS_TOTAL", fixed=10, weights=[50, 30, 10]) == "✓"
    assert compute("CHK_WEIGHTS_TOTAL", fixed=10, weights=[None, None]) is None
    assert compute("CHK_LEVEL1_WEIGHTS", {"name": "效益指标", "expected": 20}, weights=[10, 10, 5]) == \
        "效益指标三级分值合计 25，应为 20"
    assert compute("CHK_FUNDS_SUM", {"label": "全年预算数", "tolerance": 0.01}, total=2187.04,
                   parts=[1348.22, 838.82]) == "✓"
    assert compute("CHK_FUNDS_SUM", {"label": "全年预算数", "tolerance": 0.01}, total=2187.04,
                   parts=[1348.22, 838.81]).startswith("提示：")
    assert compute("CHK_FUNDS_SUM", {"label": "全年预算数", "tolerance": 0.01}, total=2187.04,
                   parts=[1348.22, 800]) == "全年预算数分项合计 2148.22，与总额 2187.04 不符"
    assert compute("CHK_EXEC_OVER_100", budget=100, actual=101).startswith("提示：")
    assert compute("CHK_NOT_NEGATIVE", amounts=[1, -2, None, "x"]) == "1 个金额为负数"


def test_reason_required_and_over_achievement():
    base = {"score": 4, "weight": 5, "reason": None, "direction": "≥", "target": 100, "actual": 80}
    assert compute("ROW_REASON_MISSING", **base) == 1
    assert compute("ROW_REASON_MISSING", **{**base, "reason": "  原因  "}) == 0
    full = {**base, "score": 5, "actual": 140}
    assert compute("ROW_REASON_MISSING", **full) == 0
    assert compute("ROW_REASON_MISSING", {"over_ratio": 1.3}, **full) == 1
    assert compute("ROW_REASON_MISSING", {"over_ratio": 1.3}, **{**full, "actual": 129}) == 0


def test_declared_differs_at_two_decimals():
    assert compute("ROW_DECLARED_DIFFERS", declared=9, computed=9.95, reason=None) == 1
    assert compute("ROW_DECLARED_DIFFERS", declared=9.95, computed=9.95, reason=None) == 0
    assert compute("ROW_DECLARED_DIFFERS", declared=9, computed=9.95, reason="说明") == 0


# ------------------------------------------------------------------ number helpers


@pytest.mark.parametrize(("x", "digits", "expected"), [(2.675, 2, 2.68), (0.125, 2, 0.13), (1.005, 2, 1.01),
                                                       (-0.125, 2, -0.13), (9.2935, 1, 9.3), (0.5, 0, 1)])
def test_excel_round_half_away_from_zero_on_decimal_value(x, digits, expected):
    assert excel_round(x, digits) == expected


def test_rounddown_and_general():
    assert excel_rounddown(0.92935, 4) == 0.9293
    assert excel_rounddown(-0.92935, 4) == -0.9293
    assert [excel_general(v) for v in (110.0, 0.1 + 0.2, 99.5, -0.0)] == ["110", "0.3", "99.5", "0"]


def test_every_list_arg_rule_accepts_several_ranges():
    for rule in RULES.values():
        for combo in itertools.islice(itertools.product(["A1:A3", "B2"], repeat=2), 1):
            refs = {a: list(combo) if a in rule.list_args else "C7" for a in rule.arg_names}
            assert "A1:A3" in rule.excel(refs) or not rule.list_args
