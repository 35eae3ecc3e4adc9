"""The record: for random valid records, build then read gives back the same record.

A record is every input by its defined name (typed) plus what the bureau pre-filled
(declared indicators, project copies, the department). Hypothesis draws both, the
workbook is written by the generator and read back by the reader through the same
layout model, and the record must come back exactly.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.build import build_template
from jixiao.layout import build_layout
from jixiao.read.record import Record, open_return
from jixiao.template.load import load_template

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = {name: load_template(ROOT / "templates" / f"{name}.yaml")
             for name in ("guizhou-zhengti", "guizhou-zhengti-2022", "hunan-zhengti", "gansu-checklist")}

# Text as people type it: CJK, digits, punctuation, formula-looking strings; never blank
# or padded (the reader strips, and a blank cell is an absent value).
_chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
text = st.one_of(
    st.text(_chars, min_size=1, max_size=40),
    st.sampled_from(['=HYPERLINK("http://x","点击")', "+86 0854", "@sum", "'01", "１２３．４", "—", "无"]),
).map(str.strip).filter(bool)
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False).map(float)
score = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False).map(float)
number = st.one_of(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
                   .map(lambda x: float(f"{x:.15g}")), st.integers(-10**6, 10**6).map(float))
dates = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)).map(dt.date.isoformat)
# Qualitative text in a number cell is kept as typed; it must not read as a number.
qualitative = text.filter(lambda t: not any(c.isdigit() for c in t) and t not in ("—", "无", "-", "/"))


def _value(cell) -> st.SearchStrategy:
    if cell.value_type == "money":
        return money
    if cell.value_type in ("weight", "score"):
        return score
    if cell.value_type == "number":
        return st.one_of(number, qualitative)
    if cell.value_type == "date":
        return dates
    if cell.value_type == "choice" and cell.choices:
        return st.sampled_from(cell.choices)
    return text


@st.composite
def records(draw) -> tuple[str, dict, dict]:
    name = draw(st.sampled_from(sorted(TEMPLATES)))
    lt = TEMPLATES[name]
    prefill: dict = {"_department": {"code": draw(st.from_regex(r"[0-9]{3,9}", fullmatch=True)), "name": draw(text)}}
    layout = build_layout(lt)
    sheets = [s for s in layout.sheets if s.level2_names]
    if sheets and draw(st.booleans()):
        sheet = draw(st.sampled_from(sheets))
        levels = sorted(sheet.level2_names)
        rows = draw(st.lists(st.tuples(st.sampled_from(levels), text, st.sampled_from(["≥", "≤", "=", "定性"]),
                                       st.integers(1, 10_000), st.sampled_from(["", "个", "%", "万元"]),
                                       st.integers(1, 20)), min_size=1, max_size=6))
        declared = []
        for (l1, l2), ind_name, direction, target, unit, weight in rows:
            declared.append({"level1": l1, "level2": l2, "name": ind_name, "direction": direction,
                             "target": float(target) if direction != "定性" else "较好", "unit": unit,
                             "weight": float(weight)})
        prefill["_indicators"] = {sheet.id: declared}
    layout = build_layout(lt, prefill)
    inputs = list(layout.inputs())
    chosen = draw(st.lists(st.sampled_from(inputs), max_size=40, unique_by=lambda c: c.name))
    values = {c.name: draw(_value(c)) for c in chosen}
    return name, prefill, values


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_build_then_read_gives_back_the_record(example) -> None:
    name, prefill, values = example
    lt = TEMPLATES[name]
    with tempfile.TemporaryDirectory() as folder:
        path = build_template(lt, folder, prefill=prefill, values=values, filename="r.xlsx")
        record = open_return(path).record
        assert record == Record(lt.template.id, lt.template.version, values, prefill)
        # ... and the record rebuilds the same workbook, byte for byte.
        again = build_template(lt, folder, prefill=record.prefill, values=record.values, filename="again.xlsx")
        assert again.read_bytes() == path.read_bytes()
