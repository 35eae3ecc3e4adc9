"""The bench runs end to end at a tiny size, and the fast paths it measures agree with the
slow ones they replace. Nothing here looks at a clock."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest

from bench.__main__ import HISTORY, main
from bench.dataset import TEMPLATE, department_dataset, growth_form
from calc.libreoffice import available
from jixiao.build import build_template, template_paths
from jixiao.layout import build_layout
from jixiao.prefill.tables.weights import locked_weight_gaps
from jixiao.rules.library import library
from jixiao.rules.params import RuleParamError
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file

ROOT = Path(__file__).resolve().parent.parent

TEMPLATES = template_paths([ROOT / "templates"])


def _layouts():
    """Every shipped template blank, and three departments of the province data set."""
    for path in TEMPLATES:
        yield build_layout(load_template(path))
    lt = load_template(TEMPLATE)
    for _, prefill, _ in department_dataset(3):
        yield build_layout(lt, prefill)
    yield build_layout(lt, growth_form(40)[1])


@pytest.mark.slow
def test_bench_end_to_end(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text(f"# an older report\n\n{HISTORY}\n\n## 2020-01-01 a dated note\n", encoding="utf-8")
    lo = 1 if available() else 0
    assert main(["--n", "5", "--workers", "1", "--sample", "1", "--lean-sample", "1", "--lo", str(lo),
                 "--rows", "3,6", "--results", str(results)]) == 0
    text = results.read_text(encoding="utf-8")
    assert "| build: pre-filled form" in text and "| verify: return" in text
    assert "an older report" not in text and text.endswith(f"{HISTORY}\n\n## 2020-01-01 a dated note\n")
    assert "byte-identical to jixiao's: 10 of 10" in text  # 5 bare replays, 5 through jixiao's worksheets
    assert "| 3 | 27 |" in text and "| 6 | 30 |" in text  # declared rows, indicator rows
    if lo:
        assert "findings identical to those of the same return written by jixiao itself for 1 of 1" in text
        assert "tamper findings (V101, V102, V103, V104, V105, V106, V107): none" in text


def test_dataset_weights_add_up_and_rows_are_typed() -> None:
    lt = load_template(TEMPLATE)
    for _, prefill, values in department_dataset(4):
        for rows in prefill["_indicators"].values():
            for l1, weight in (("产出指标", 50), ("效益指标", 30), ("满意度指标", 10)):
                assert round(sum(r["weight"] for r in rows if r["level1"] == l1), 6) == weight
        layout = build_layout(lt, prefill)
        for name in values:  # every typed value lands on an input of the department's own form
            assert layout.cell(name).role == "input", name
        for name in (n for n in values if n.endswith("_actual") and "_ind" in n):
            assert layout.cell(name.replace("_actual", "_name")).value, name  # on a declared row


def test_bench_data_is_what_build_accepts() -> None:
    """No department and no growth form of the bench has locked weights `jixiao build` refuses
    (D402): weights are split in whole tenths or cents, the remainder on some rows."""
    t = load_template(TEMPLATE).template
    for _, prefill, _ in department_dataset(200):
        assert locked_weight_gaps(t, prefill) == [], prefill["_department"]
    for rows in (10, 100, 1000):
        assert locked_weight_gaps(t, growth_form(rows)[1]) == [], rows


def test_formula_shapes_agree_with_the_full_render() -> None:
    """Layout.formula fills a shape rendered once; the jinja render gives the same text."""
    for layout in _layouts():
        for cell in layout.computed():
            rule = library()[cell.rule]
            refs = {arg: layout._ranges(t, cell.sheet) if isinstance(t, list) else layout.ref(t, cell.sheet)
                    for arg, t in cell.args.items()}
            assert layout.formula(cell) == rule._render(refs, cell.params), cell.name


def test_rule_params_are_the_callers_own() -> None:
    rule = library()["ROW_QUAL_OUT_OF_BAND"]
    a = rule.params()
    a["bands"][0][1] = 0.1
    a["extra"] = 1
    b = rule.params()
    assert b["bands"][0][1] == 0.8 and "extra" not in b
    assert rule.params({"bands": [[1, 2.0, 1]]}) == {"bands": [[1, 2, 1]]}
    with pytest.raises(RuleParamError):  # True == 1 in Python, but a bool is no number
        library()["CHK_EXEC_WEIGHT"].params({"expected": True})
    assert library()["CHK_EXEC_WEIGHT"].params({"expected": 1})["expected"] is not True


def test_fingerprint_is_the_json_it_always_was() -> None:
    for layout in _layouts():
        h = hashlib.sha256()
        for s in layout.sheets:
            h.update(f"sheet:{s.id}:{s.name}\n".encode())
            for c in s.cells:
                if c.name:
                    rec = [c.name, c.address, c.role, c.rule, c.params, c.args]
                    h.update(json.dumps(rec, ensure_ascii=False, sort_keys=True, default=str).encode())
                    h.update(b"\n")
        assert layout.fingerprint(with_params=False) == h.hexdigest()[:16]  # forms built before params
        h.update(("params:" + json.dumps(layout.params, ensure_ascii=False, sort_keys=True) + "\n").encode())
        assert layout.params and layout.fingerprint() == h.hexdigest()[:16]


_MUTATIONS = [
    ("xl/worksheets/sheet2.xml", '<v>', '<v><!-- note -->'),
    ("xl/worksheets/sheet2.xml", '</v></c>', '</v>text<x/></c>'),
    ("xl/worksheets/sheet2.xml", '</v></c>', '</v><v>2</v></c>'),
    ("xl/worksheets/sheet2.xml", '<f>', '<f><![CDATA[1+]]>'),
    ("xl/worksheets/sheet2.xml", '<c r="C2"', '<c r="C2"><is><t>x</t></is></c><c r="Q99"'),
    ("xl/worksheets/sheet2.xml", '<mergeCells', '<x><c r="Z9"><v>1</v></c><t>y</t></x><mergeCells'),
    ("xl/worksheets/sheet2.xml", '<formula1>', '<formula1><c r="Q2"><v>3</v></c>'),
    ("xl/worksheets/sheet2.xml", '<dataValidation ', '<dataValidation><sqref>A1</sqref></dataValidation>'
                                                     '<dataValidation '),
    ("xl/worksheets/sheet2.xml", '<conditionalFormatting', '<conditionalFormatting><c r="ZZ9"/>'
                                                           '</conditionalFormatting><conditionalFormatting'),
    ("xl/worksheets/sheet2.xml", '<c r="A1"', '<c r="A1"><c r="B1"/></c><c r="A77"'),
    ("xl/worksheets/sheet2.xml", '</sheetData>', '<row r="999"><c r="A999" t="zz"><v>1</v></c></row></sheetData>'),
    ("xl/worksheets/sheet2.xml", '?>', '?><!DOCTYPE worksheet [<!ENTITY a "b">]>'),
    ("xl/workbook.xml", '</definedName>', '<b>x</b>tail</definedName>'),
    ("xl/workbook.xml", '<definedName ', '<definedName localSheetId="x" '),
    ("docProps/app.xml", '<Application>', '<Application>A<b/>B'),
    ("xl/sharedStrings.xml", '<si><t>', '<si><r><rPr/><t>rich</t></r><rPh><t>ph</t></rPh><t>'),
    ("xl/sharedStrings.xml", '</t></si>', '</t><t>_x0041_</t></si>'),
]


@pytest.mark.parametrize("part,old,new", _MUTATIONS)
def test_chunk_boundaries_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str, old: str,
                                       new: str) -> None:
    """Read in 64 KiB chunks or in 7-byte chunks (every element split across a boundary
    of the pruned tree), a file gives the same package or the same refusal."""
    import jixiao.read as read_api
    import jixiao.read.xml as xml

    name, prefill, values = department_dataset(1)[0]
    src = build_template(load_template(TEMPLATE), tmp_path, prefill=prefill, values=values, filename=name)
    dst = tmp_path / "mutated.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                text = data.decode()
                assert old in text
                data = re.sub(re.escape(old), lambda _: new, text, count=3).encode()
            zout.writestr(item, data)

    def read(path: Path):
        try:
            return read_api.read_package(path)
        except read_api.UnreadableWorkbook as exc:
            return (exc.code, str(exc))

    for path in (src, dst):
        whole = read(path)
        monkeypatch.setattr(xml, "CHUNK", 7)
        split = read(path)
        monkeypatch.undo()
        assert whole == split


def test_generations_bench_verifies_both_generations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bench/generations.py builds the same departments in layout generations 1 and 2; each
    return is read as its own generation, with no tamper finding, and a ratio is printed."""
    from bench import generations
    from jixiao.read import read_package
    from jixiao.read.record import open_return

    for generation in (1, 2):
        path = generations.returns_of(generation, 1, tmp_path / str(generation))[0]
        assert open_return(path).layout.generation == generation
        assert read_package(path).custom_properties["jixiao.layout_generation"].value == generation
        assert not [f.code for f in verify_file(path).findings if f.code.startswith("V1")]
    assert generations.main(["--n", "2", "--reps", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["layout generation 1", "layout generation 2"]
    assert all(line.endswith("x") for line in lines)
