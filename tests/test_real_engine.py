"""The shipped forms in a real spreadsheet engine (LibreOffice Calc, no mocks).

Every template is built blank (as ``jixiao build`` puts it in dist/) and filled (seed 000
for guizhou-zhengti, generic deterministic values for the others); LibreOffice
recalculates all of them in one start, and each computed cell it saved must agree with
the Python references (``jixiao.layout.evaluate``) at the displayed precision. Then: the
seed's published figures, verification of LibreOffice-saved files, typing into a form the
way a person does (protection refuses locked cells; validation does not stop bad values,
verification does), the function whitelist on every saved formula, and printing.

Locally these tests skip when LibreOffice is missing; in CI they fail instead.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from calc.libreoffice import (
    available,
    convert_to_pdf,
    fill_by_typing,
    recalculate,
    typing_available,
)
from conftest import report, require
from engine_util import (
    REPO,
    is_error_value,
    package_formulas,
    package_text,
    same_shown,
    strip_cached_values,
)
from forms import indicator_names, seed_000_values
from jixiao.build import build_template, template_paths
from jixiao.layout import Layout, build_layout, evaluate
from jixiao.read import read_package
from jixiao.read.record import open_return
from jixiao.rules.excel import disallowed_functions
from jixiao.rules.numbers import excel_round, is_number
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file
from jixiao.write import write_workbook

pytestmark = pytest.mark.libreoffice

TEMPLATES = template_paths([REPO / "templates"])
SEED_TEMPLATE = "guizhou-zhengti"
#: Structural findings a LibreOffice round trip must not cause.
TAMPER_CODES = {"V102", "V103", "V104", "V105", "V106", "V107"}
#: PDF pages of each blank form, as measured; a layout change that adds pages fails here.
#: The layout breaks pages itself (never inside an indicator group, never leaving the
#: signatures alone), for the largest scale a program may print at, so LibreOffice (which
#: prints these columns smaller) shows more pages, each one whole.
EXPECTED_PAGES = {
    "gansu-checklist": 7,  # 3 sheets
    "guizhou-zhengti": 4,
    "guizhou-zhengti-2022": 4,
    "guizhou-zhengti-2023": 4,
    "hunan-zhengti": 13,  # 5 sheets
    "loudi-zhengti-2021": 19,  # 7 sheets: hunan-zhengti with five project sheets
    "national-xiangmu": 3,
    "national-zhengti": 3,
}
A4 = (595.28, 841.89)  # points, portrait


# ------------------------------------------------------------------ building


def generic_values(layout: Layout, seed: str) -> dict[str, Any]:
    """Deterministic input values for any form: numbers in money, weight, score and number
    cells, directions (all four, some rows left empty), text targets for 定性 rows,
    tiers, names and dates."""
    rng = random.Random(seed)
    directions = ["≥", "≤", "=", "定性"]
    row_direction: dict[str, Any] = {}
    for c in layout.by_name.values():
        if c.name and c.name.endswith("_direction"):
            row = c.name.removesuffix("_direction")
            if c.role == "constant":
                row_direction[row] = c.value
            elif rng.random() < 0.8:
                row_direction[row] = directions[len(row_direction) % len(directions)]
    values: dict[str, Any] = {}
    for c in layout.inputs():
        name = c.name or ""
        row, _, field = name.rpartition("_")
        direction = row_direction.get(row)
        empty_row = direction is None and re.search(r"_ind\d+$", row) is not None
        if empty_row and (field != "name" or rng.random() < 0.5):
            continue  # an empty indicator row (a name alone: a row without a weight)
        if c.value_type == "money":
            if rng.random() < 0.9:
                values[name] = round(rng.uniform(0, 5000), 2)
        elif c.value_type == "weight":
            values[name] = rng.choice([2, 2.5, 3, 4, 5, 8, 10])
        elif c.value_type == "score":
            values[name] = rng.choice([0, 1.5, 2, 3, 4.5, 5, 8, 9.3])
        elif c.value_type == "choice":
            if field == "direction":
                if direction is not None:
                    values[name] = direction
            elif c.choices:
                values[name] = rng.choice(c.choices)
        elif c.value_type == "number":
            if field in ("target", "actual") and direction == "定性":
                values[name] = "达到预期" if field == "target" else rng.choice(["已完成", "基本完成"])
            elif field == "target":
                values[name] = rng.choice([0, 1, 4, 0.95, 90.5, 100, 342.68])
            elif field == "actual":
                values[name] = round(rng.choice([0, 0.5, 0.9, 1, 1.2, 3]) * rng.uniform(1, 400), 2)
            else:
                values[name] = rng.randint(10, 200)
        elif c.value_type == "date":
            values[name] = "2024-02-08"
        elif c.value_type == "text":
            values[name] = f"指标{len(values)}" if field == "name" else rng.choice(["次", "测试单位", "张三"])
        elif c.value_type == "longtext" and rng.random() < 0.5:
            values[name] = "按计划完成。"
    return values


@dataclass
class Built:
    template: str
    kind: str  # "blank" or "filled"
    layout: Layout
    inputs: dict[str, Any]  # every input value written, by defined name
    path: Path  # as jixiao wrote it
    saved: Path  # as LibreOffice recalculated and saved it


@dataclass
class EngineRun:
    built: list[Built]
    folder: Path

    def one(self, template: str, kind: str) -> Built:
        return next(b for b in self.built if b.template == template and b.kind == kind)


def _prefilled(layout: Layout) -> dict[str, Any]:
    return {c.name: c.value for c in layout.inputs() if c.value is not None}


@pytest.fixture(scope="module")
def engine_run(tmp_path_factory: pytest.TempPathFactory) -> EngineRun:
    """Every template blank and filled, recalculated by ONE LibreOffice start."""
    require(available(), "LibreOffice")
    folder = tmp_path_factory.mktemp("real_engine")
    pending: list[tuple[str, str, Layout, dict[str, Any], Path]] = []
    for path in TEMPLATES:
        lt = load_template(path)
        tid = lt.template.id
        blank = build_template(lt, folder / "dist", force=True)  # what `jixiao build` writes
        layout = build_layout(lt)
        pending.append((tid, "blank", layout, _prefilled(layout), blank))
        layout = build_layout(lt)
        values = seed_000_values(layout) if tid == SEED_TEMPLATE else generic_values(layout, tid)
        inputs = {**_prefilled(layout), **values}
        filled = write_workbook(layout, folder / "filled" / f"{tid}-filled.xlsx", values=values)
        pending.append((tid, "filled", layout, inputs, filled))
    # LibreOffice gets copies without our cached results: what it saves it computed.
    stripped = [strip_cached_values(p[4], folder / "uncached" / p[4].name) for p in pending]
    saved = recalculate(stripped, folder / "libreoffice")
    built = [Built(t, k, lay, inp, p, saved[s]) for (t, k, lay, inp, p), s in zip(pending, stripped, strict=True)]
    return EngineRun(built, folder)


# ------------------------------------------------------------------ a. every computed cell


def test_libreoffice_agrees_with_python_on_every_computed_cell(engine_run: EngineRun) -> None:
    require(available(), "LibreOffice")
    cells = 0
    mismatches: list[str] = []
    errors: list[str] = []
    for b in engine_run.built:
        pkg = read_package(b.saved)
        expected = evaluate(b.layout, b.inputs)
        for c in b.layout.computed():
            cells += 1
            got = pkg.sheet(c.sheet).cells.get(c.address)
            where = f"{b.template} {b.kind} {c.sheet}!{c.address} {c.name} ({c.rule})"
            if got is None or not got.formula:
                mismatches.append(f"{where}: no formula in the saved file")
                continue
            digits = 6 if c.value_type == "rate" else 9
            if not same_shown(got.value, expected[c.name], digits):
                mismatches.append(f"{where}: LibreOffice {got.value!r}, Python "
                                  f"{expected[c.name]!r}; formula ={got.formula}")
        for sheet in pkg.sheets:
            errors += [f"{b.template} {b.kind} {sheet.name}!{ref}: {cell.value}"
                       for ref, cell in sheet.cells.items()
                       if is_error_value(cell.value, cell.data_type)]
    summary = f"LibreOffice compared {len(engine_run.built)} workbooks, {cells} computed cells"
    report(summary)
    assert len(engine_run.built) == 2 * len(TEMPLATES) >= 8, summary
    assert not errors, f"{summary}; error values:\n" + "\n".join(errors[:20])
    assert not mismatches, (f"{summary}; {len(mismatches)} disagree:\n"
                            + "\n".join(mismatches[:20]))


def test_loudi_child_of_hunan_recalculated_with_no_error_value(engine_run: EngineRun) -> None:
    """The 娄底 2021 variant is a child of hunan-zhengti in at most 40 lines (extends merges
    sheets by id): its five project sheets, blank and filled, recalculate in LibreOffice
    with no error value and agree with Python (the check above covers every cell)."""
    require(available(), "LibreOffice")
    source = REPO / "templates" / "loudi-zhengti-2021.yaml"
    assert len(source.read_text(encoding="utf-8").splitlines()) <= 40
    for kind in ("blank", "filled"):
        b = engine_run.one("loudi-zhengti-2021", kind)
        pkg = read_package(b.saved)
        projects = [s.name for s in pkg.sheets if s.name.startswith("项目支出绩效自评表")]
        assert projects == [f"项目支出绩效自评表{n}" for n in range(1, 6)]
        errors = [f"{s.name}!{ref}" for s in pkg.sheets for ref, c in s.cells.items()
                  if is_error_value(c.value, c.data_type)]
        assert errors == []
        totals = [c for c in b.layout.computed() if c.name and c.name.endswith("_total_score")]
        assert len(totals) == 6
        if kind == "filled":  # every total computed by LibreOffice, none left empty
            assert all(is_number(pkg.sheet(c.sheet).cells[c.address].value) for c in totals)


# ------------------------------------------------------------------ b. the seed


def test_seed_000_recalculated_by_libreoffice(engine_run: EngineRun) -> None:
    require(available(), "LibreOffice")
    seed = engine_run.one(SEED_TEMPLATE, "filled")
    pkg = read_package(seed.saved)

    def saved(name: str) -> Any:
        c = seed.layout.cell(name)
        return pkg.sheet(c.sheet).value(c.address)

    # By the rule 公用经费 (≤ 26.43, 26.16) scores 2, and the execution score is 9.3.
    assert excel_round(saved("zt_total_score"), 2) == 99.3
    assert saved("zt_grade") == "优"
    assert saved("zt_fund_total_rate") == pytest.approx(0.9293, abs=1e-9)
    assert saved("zt_exec_score") == pytest.approx(9.3, abs=1e-9)
    v = verify_file(seed.saved)
    codes = sorted({f.code for f in v.findings})
    assert not TAMPER_CODES & set(codes), [
        (f.code, f.cell, f.message_zh) for f in v.findings if f.code in TAMPER_CODES]
    # Its own published error is still found after LibreOffice saved the file.
    assert "CHK_FUNDS_SUM" in codes, codes


def test_libreoffice_round_trip_is_not_tampering_for_any_form(engine_run: EngineRun) -> None:
    require(available(), "LibreOffice")
    found = []
    for b in engine_run.built:
        v = verify_file(b.saved)
        assert not v.unreadable, (b.template, b.kind, v.findings)
        found += [(b.template, b.kind, f.code, f.cell, f.message_zh) for f in v.findings
                  if f.code in TAMPER_CODES]
    assert not found, found


# ------------------------------------------------------------------ c. typing as a person


@pytest.fixture(scope="module")
def typing_form(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Layout]:
    require(typing_available(), "LibreOffice UNO")
    folder = tmp_path_factory.mktemp("typing")
    layout = build_layout(load_template(SEED_TEMPLATE))
    blank = write_workbook(layout, folder / "blank" / f"{SEED_TEMPLATE}.xlsx")
    return blank, build_layout(load_template(SEED_TEMPLATE))


def _entry(layout: Layout, name: str, text: str) -> tuple[str, str, str]:
    c = layout.cell(name)
    return (c.sheet, c.address, text)


def _typed_value(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def test_typing_into_the_form_as_a_person_would(typing_form, tmp_path: Path) -> None:
    require(available(), "LibreOffice")
    require(typing_available(), "LibreOffice UNO")
    blank, layout = typing_form
    rows = [key for group in indicator_names(layout) for key in group]
    typed = {
        "zt_fund_total_initial": "444.38", "zt_fund_total_budget": "459.61",
        "zt_fund_total_actual": "427.14", "zt_fund_basic_budget": "369.11",
        "zt_fund_basic_actual": "343.2", "zt_fund_project_budget": "90.5",
        "zt_fund_project_actual": "83.94",
    }
    for key, (name, direction, target, actual, weight) in zip(rows, [
        ("专题讲座及培训", "≥", "4", "7", "5"),
        ("公用经费", "≤", "26.43", "26.16", "2"),
        ("满意度", "=", "1", "0.98", "10"),
    ], strict=False):
        typed |= {f"{key}_name": name, f"{key}_direction": direction, f"{key}_target": target,
                  f"{key}_actual": actual, f"{key}_weight": weight}
    locked = _entry(layout, "zt_total_score", "100")
    entries = [_entry(layout, n, t) for n, t in typed.items()] + [locked]
    filled = tmp_path / "filled" / "form.xlsx"

    result = fill_by_typing(blank, filled, entries)

    assert result.refused == [locked], (result.refused, result.reasons)
    assert result.accepted == entries[:-1]
    record = open_return(filled).record.values
    assert {n: record.get(n) for n in typed} == {n: _typed_value(t) for n, t in typed.items()}
    v = verify_file(filled)
    assert not TAMPER_CODES & {f.code for f in v.findings}, [
        (f.code, f.cell, f.message_zh) for f in v.findings if f.code in TAMPER_CODES]
    total = layout.cell("zt_total_score")
    saved_total = read_package(filled).sheet(total.sheet).value(total.address)
    assert saved_total != 100 and same_shown(saved_total, v.computed["zt_total_score"])
    # 5 (≥, met) + 2 (≤, met) + 0 (=, missed) + the execution score 9.3.
    assert excel_round(saved_total, 2) == 16.3

    # Values LibreOffice does not stop (validation is not enforced when typing) ...
    key = rows[3]
    invalid = {"zt_fund_basic_budget": "-5", f"{key}_name": "活动效果",
               f"{key}_direction": "定性", f"{key}_tier": "部分达成预期指标并具有一定效果",
               f"{key}_weight": "5", f"{key}_declared": "4.5"}  # band 2.5-4 of 5
    again = tmp_path / "invalid" / "form.xlsx"
    result = fill_by_typing(filled, again, [_entry(layout, n, t) for n, t in invalid.items()])
    assert not result.refused, result.reasons

    # ... verification catches.
    v = verify_file(again)
    by_code = {f.code: f for f in v.findings}
    assert by_code["CHK_NOT_NEGATIVE"].values["message"] == "1 个金额为负数"
    assert by_code["ROW_QUAL_OUT_OF_BAND"].cell == layout.cell(f"{key}_declared").address
    assert not TAMPER_CODES & set(by_code), [
        (f.code, f.cell, f.message_zh) for f in v.findings if f.code in TAMPER_CODES]


# ------------------------------------------------------------------ d. function whitelist


def test_saved_formulas_use_only_allowed_functions(engine_run: EngineRun) -> None:
    require(available(), "LibreOffice")
    bad: list[str] = []
    counted = 0
    files = [p for b in engine_run.built for p in (b.path, b.saved)]
    for path in files:
        for part, formula in package_formulas(path):
            counted += 1
            disallowed = disallowed_functions("=" + formula)
            if disallowed:
                bad.append(f"{path.name} {part}: {sorted(disallowed)} in {formula}")
        if "_xlfn." in package_text(path).lower():
            bad.append(f"{path.name}: contains _xlfn.")
    assert counted > 1000, counted
    assert not bad, "\n".join(bad[:20])


# ------------------------------------------------------------------ e. printing


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(pages), str(pdf)],
                           capture_output=True, text=True, check=True).stdout
    found = [(float(w), float(h)) for w, h in
             re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", sizes, re.M)]
    assert len(found) == pages, sizes
    return found


def test_every_form_prints_on_a4_in_few_pages(engine_run: EngineRun) -> None:
    require(available(), "LibreOffice")
    require(shutil.which("pdfinfo") is not None, "pdfinfo (poppler-utils)")
    blanks = {b.template: b.path for b in engine_run.built if b.kind == "blank"}
    pdfs = convert_to_pdf(list(blanks.values()), engine_run.folder / "pdf")
    pages: dict[str, int] = {}
    for template, path in blanks.items():
        sizes = _page_sizes(pdfs[path])
        for w, h in sizes:
            assert any(abs(w - a) <= 1 and abs(h - b) <= 1 for a, b in (A4, A4[::-1])), (
                template, sizes)
        pages[template] = len(sizes)
    assert pages == EXPECTED_PAGES
