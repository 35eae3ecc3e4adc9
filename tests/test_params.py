"""Rule parameters have declared types (formulas/rules.yaml): lint reports a bad value at
the parameter (T103, the corpus files below), and the layout refuses to build a formula
from one, so a template that skipped lint fails to build instead of giving a form with
an error value or a score above its weight."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.build import build_templates
from jixiao.layout import build_layout
from jixiao.rules.library import library
from jixiao.rules.params import RuleParamError
from jixiao.template.load import load_template

CORPUS = Path(__file__).resolve().parent / "lint_corpus"
BAD_VALUES = ["t103-steps-per-percent.yaml", "t103-steps-per-zero.yaml", "t103-steps-points-negative.yaml",
              "t103-reason-over-ratio-percent.yaml", "t103-digits.yaml", "t103-invalid-mode.yaml"]


def test_every_parameter_has_a_type_its_default_fits():
    for rule in library().values():
        assert set(rule.types) == set(rule.defaults), rule.id
        assert all(rule.types[k].problem(v) is None for k, v in rule.defaults.items()), rule.id


@pytest.mark.parametrize("name", BAD_VALUES)
def test_layout_refuses_a_bad_parameter(name, tmp_path):
    lt = load_template(CORPUS / name)
    with pytest.raises(RuleParamError):
        build_layout(lt)
    (outcome,) = build_templates([CORPUS / name], tmp_path)
    assert outcome.path is None and "RuleParamError" in outcome.problems[0]
    assert list(tmp_path.iterdir()) == []


def test_layout_refuses_a_factor_that_overshoots_the_weight():
    lt = load_template(CORPUS / "t103-project-factor-forgotten.yaml")
    with pytest.raises(ValueError, match="project_factor 0.8 × 100"):
        build_layout(lt)
    fixed = lt.template.model_copy(update={"sheets": [
        lt.template.sheets[0], lt.template.sheets[1].model_copy(update={"project_factor": 0.7})]})
    layout = build_layout(type(lt)(fixed, lt.path, lt.chain))
    assert layout.cell("qd_xmpj_self").params["factor"] == 0.7


@pytest.mark.parametrize(("rule", "params"), [
    ("EXEC_SCORE_STEPS", {"per": "5%"}), ("EXEC_SCORE_STEPS", {"per": 0}), ("EXEC_SCORE_STEPS", {"points": -2}),
    ("ROW_REASON_MISSING", {"over_ratio": 130}), ("AVERAGE_TIMES", {"factor": 80}), ("EXEC_RATE", {"digits": True}),
])
def test_the_reference_refuses_too(rule, params):
    """verify computes with the same parameters: a bad one is an error, never a ZeroDivisionError."""
    values = {"budget": 100, "actual": 92, "weight": 10, "values": [90], "score": 5, "reason": "",
              "direction": "≥", "target": 1, "numerator": 1, "denominator": 2}
    with pytest.raises(RuleParamError):
        library()[rule].compute(values, params)
