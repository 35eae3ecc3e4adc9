"""Layout generations: a return keeps being read with the layout it was built with.

A form records the generation of the builder that laid it out (``layout_generation`` in
its metadata; none recorded is generation 1, jixiao up to e882423) and is read with that
generation's builder behaviour. tests/data/generations.json freezes the fingerprint of
every shipped template version in every generation: a builder change that would lay a
published form out differently fails here, and belongs in a new generation.
tests/data/previous-release/ holds returns built by the previous release itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from forms import rewrite_part, seed_000_values
from jixiao.build import build_template
from jixiao.layout import build_layout
from jixiao.layout.identity import FIRST_GENERATION, GENERATION
from jixiao.layout.model import ROW_TEXTS
from jixiao.read.record import open_return
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file
from jixiao.write import write_workbook

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
DATA = Path(__file__).resolve().parent / "data"
FROZEN = json.loads((DATA / "generations.json").read_text(encoding="utf-8"))
PREVIOUS = sorted((DATA / "previous-release").glob("*.xlsx"))
#: Structure and tampering codes: none may appear when a return is read with its own layout.
STRUCTURE_CODES = {"V002", "V003", "V101", "V102", "V103", "V104", "V105", "V106", "V107"}


def shipped() -> list[Path]:
    return sorted(TEMPLATES.glob("*.yaml")) + sorted((TEMPLATES / "archive").glob("*.yaml"))


def test_every_generation_is_frozen_for_every_shipped_version() -> None:
    assert sorted(FROZEN, key=int) == [str(g) for g in range(FIRST_GENERATION, GENERATION + 1)]
    for generation, table in FROZEN.items():
        built = {}
        for path in shipped():
            lt = load_template(path)
            t = lt.template
            built[f"{t.id}@{t.version}"] = build_layout(lt, generation=int(generation)).fingerprint()
        assert built == table, f"generation {generation}: a published layout changed"


def test_generation_2_adds_the_messages_and_the_required_conclusion_and_nothing_else() -> None:
    """Generation 2 keeps every cell of generation 1 and adds: a message cell per row flag
    that has one (MSG_*), the required 自评结论's panel line, and in declared mode the
    computed subtotals, 计算总分 and the CHK_DECLARED_TOTAL panel line (one more panel name)."""
    for path in shipped():
        lt = load_template(path)
        old, new = build_layout(lt, generation=1), build_layout(lt, generation=2)
        assert set(old.by_name) <= set(new.by_name)
        added = set(new.by_name) - set(old.by_name)
        sheets = [s for s in new.sheets if s.role == "self_evaluation"]
        wanted = [s for s, spec in zip(sheets, _self_evaluation_specs(lt, len(sheets)), strict=True)
                  if spec.conclusion_required]
        conclusion = {f"{s.id}_panel_conclusion_required" for s in wanted}
        messages = {n for n in added if str(new.by_name[n].rule).startswith("MSG_")}
        flags = [c for c in new.by_name.values() if c.rule in ROW_TEXTS and c.value_type == "flag"]
        assert len(messages) == len(flags) > 0, path.name
        assert not any(str(c.rule).startswith("MSG_") for c in old.by_name.values())
        rest = sorted(added - conclusion - messages)
        assert conclusion <= added, path.name
        if lt.template.scoring.mode == "declared":
            totals = [c for c in new.by_name.values() if c.rule == "CHK_DECLARED_TOTAL"]
            assert len(totals) == len(sheets) and "CHK_DECLARED_TOTAL" not in {c.rule for c in old.by_name.values()}
            assert all(re.fullmatch(r"\w+_(l1_\d+_computed|total_computed|panel_\d+)", n) for n in rest), rest
            assert sum("_panel_" in n for n in rest) == len(sheets)
        else:
            assert rest == [], path.name
        assert (old.generation, new.generation) == (1, 2)


def _self_evaluation_specs(lt, copies: int) -> list:
    """The template sheet of each laid out self-evaluation sheet (project sheets are copied)."""
    specs = [s for s in lt.template.sheets if s.kind == "self_evaluation"]
    out = []
    for spec in specs:
        out += [spec] * spec.count
    assert len(out) == copies
    return out


@pytest.mark.parametrize("path", PREVIOUS, ids=[p.stem for p in PREVIOUS])
def test_a_return_of_the_previous_release_is_read_with_its_own_layout(path: Path) -> None:
    assert len(PREVIOUS) == 3
    ret = open_return(path)
    assert ret.layout.generation == 1
    assert ret.layout.fingerprint() == ret.fingerprint == FROZEN["1"][path.stem]
    v = verify_file(path)
    assert {f.code for f in v.findings} & STRUCTURE_CODES == set()
    assert "CHK_REQUIRED" not in {f.code for f in v.findings}  # generation 1 asks for no 自评结论
    if path.stem.startswith("guizhou-zhengti"):  # seed 000 with its one warning (志愿服务 400 against ≥ 1)
        assert [(f.code, f.severity) for f in v.findings] == [("ROW_ACTUAL_FAR_OVER", "warning")]
        assert v.status == "已通过"
    else:
        assert [f.code for f in v.findings] == ["CHK_UNTOUCHED"]


def test_the_previous_release_read_as_today_would_be_structure_findings() -> None:
    """Why the generation is recorded: today's layout of the same template version has one
    more panel line, and moves the lines below it."""
    path = DATA / "previous-release" / "guizhou-zhengti@2.xlsx"
    today = build_layout(load_template(TEMPLATES / "guizhou-zhengti.yaml"))
    assert today.fingerprint() != open_return(path).fingerprint
    assert "zt_panel_conclusion_required" in today.by_name


def _generation_in(text: str, generation: int) -> str:
    return re.sub(r'(name="jixiao.layout_generation"><vt:i4>)\d+<', rf"\g<1>{generation}<", text)


def test_a_form_records_its_generation_and_a_changed_one_is_caught(tmp_path: Path) -> None:
    lt = load_template("guizhou-zhengti")
    path = build_template(lt, tmp_path, values={"zt_unit": "某局"})
    ret = open_return(path)
    assert ret.layout.generation == GENERATION == 2
    assert "zt_panel_conclusion_required" in ret.layout.by_name
    # Claiming the older generation (to lose the 自评结论 line) breaks the fingerprint.
    older = rewrite_part(path, tmp_path / "older.xlsx", "docProps/custom.xml", lambda t: _generation_in(t, 1))
    assert open_return(older).layout.generation == 1
    assert "V003" in {f.code for f in verify_file(older).findings}
    # A generation this jixiao does not know is read as its own; the fingerprint decides.
    newer = rewrite_part(path, tmp_path / "newer.xlsx", "docProps/custom.xml", lambda t: _generation_in(t, 9))
    assert open_return(newer).layout.generation == GENERATION
    assert {f.code for f in verify_file(newer).findings} & STRUCTURE_CODES == set()


@pytest.mark.parametrize("generation", [1, 2])
def test_a_raised_flag_reads_as_its_generation_wrote_it(tmp_path: Path, generation: int) -> None:
    """Generation 2 reports the form's message cell word for word; generation 1 has none,
    so its flag reads as the rule's fixed text with what the cell holds (as e882423 did)."""
    lt = load_template("guizhou-zhengti")
    layout = build_layout(lt, generation=generation)
    values = seed_000_values(layout)
    key = next(k for k in values if re.fullmatch(r"zt_ind\d+_actual", k)
               and values[k.replace("_actual", "_direction")] != "定性")
    values[key] = "280人次"
    path = write_workbook(layout, tmp_path / "f.xlsx", values=values)
    assert open_return(path).layout.generation == generation
    found = [f for f in verify_file(path).findings if f.code == "ROW_ACTUAL_NOT_NUMBER"]
    assert len(found) == 1 and found[0].name == key
    tail = ("实际完成值须填数字，单位请填在“单位”栏（现为“280人次”，应填 280）" if generation == 1
            else "实际完成值“280人次”须填数字，单位请填在“单位”栏（应填 280）")
    assert found[0].message_zh.endswith(f"」：{tail}"), found[0].message_zh


def test_a_generation_1_checklist_item_has_the_fixed_text(tmp_path: Path) -> None:
    layout = build_layout(load_template("gansu-checklist"), generation=1)
    path = write_workbook(layout, tmp_path / "c.xlsx", values={"qd_unit": "丁局", "qd_finance_self": 10})  # weight 8
    found = [f for f in verify_file(path).findings if f.code == "ROW_SCORE_OVER_WEIGHT"]
    row = layout.cell("qd_finance_chk_over").row + 1
    assert [f.message_zh for f in found] == [f"第 {row} 行：得分超过分值"]
