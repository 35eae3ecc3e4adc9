"""Returns that are not exactly what today's form and a spreadsheet would produce.

1. A return made from an older version of a template is read with that version's layout
   (the shipped ``templates/archive/<id>@<version>.yaml``), or refused with V002 when
   jixiao does not have that version. ``guizhou-zhengti`` version 2 has eight blank 数量
   rows where version 1 had six, so every row below 数量 moved down by two.
2. A workbook saved without cached values (written by a program, never opened in a
   spreadsheet) is verified from its inputs, with a single V108 note.
"""

from __future__ import annotations

import dataclasses
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from forms import cell_xml, rewrite_part, seed_000_values
from jixiao.build import build_template, template_paths
from jixiao.cli import app
from jixiao.layout import build_layout, evaluate
from jixiao.read.record import extract, find_version, open_return
from jixiao.template.lint import lint_paths
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file, verify_return

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
ARCHIVE = TEMPLATES / "archive"
V1_FILE = ARCHIVE / "guizhou-zhengti@1.yaml"
V2_FILE = TEMPLATES / "guizhou-zhengti.yaml"
#: Structure and tampering codes: none may appear when a return is read with its own layout.
STRUCTURE_CODES = {"V002", "V003", "V101", "V102", "V103", "V104", "V105", "V106", "V107"}
V002_ZH = "表格模板 guizhou-zhengti 第 7 版不在本系统中，请向财政局索取现行版本的表格重新填报"
SATISFACTION = "州直机关党组织及党员满意度"  # seed 000's one 满意度 row, below 数量 in both versions


def return_values(layout) -> dict:
    """Seed 000 with its 年初预算数 typo fixed (a clean return), except one row: the
    满意度 target "=100%" was missed (99 %), all-or-nothing gives 0 and no reason is given,
    so the return has one row finding, on a row that moved between the versions."""
    values = seed_000_values(layout)
    values["zt_fund_total_initial"] = 444.38
    row = next(k.removesuffix("_name") for k, v in values.items() if v == SATISFACTION)
    values[f"{row}_actual"] = 0.99
    return values


def build_return(template_file: Path, out: Path) -> tuple[Path, object, dict]:
    lt = load_template(template_file)
    layout = build_layout(lt)
    values = return_values(layout)
    path = build_template(lt, out.parent, values=values, filename=out.name)
    return path, layout, values


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versions")
    return {1: build_return(V1_FILE, folder / "v1.xlsx"), 2: build_return(V2_FILE, folder / "v2.xlsx")}


def as_read(values: dict) -> dict:
    return {k: (float(v) if isinstance(v, int) else v) for k, v in values.items()}


def structure_codes(v) -> set[str]:
    return {f.code for f in v.findings} & STRUCTURE_CODES


# ------------------------------------------------------------------ the shipped versions


def test_archived_files_are_named_by_id_and_version_and_older_than_the_current():
    archived = sorted(ARCHIVE.glob("*.yaml"))
    assert V1_FILE in archived
    for path in archived:
        t = load_template(path).template
        assert path.name == f"{t.id}@{t.version}.yaml", "find_version looks the file up by this name"
        current = load_template(TEMPLATES / f"{t.id}.yaml").template
        assert t.version < current.version, f"{path.name}: the current {t.id} must be newer"


def test_archive_is_linted_but_not_built():
    assert V1_FILE not in template_paths([TEMPLATES])  # dist/ holds the current versions only
    assert lint_paths([TEMPLATES]) == []


def test_lint_of_a_folder_includes_its_archive(tmp_path):
    (tmp_path / "archive").mkdir()
    (tmp_path / "guizhou-zhengti.yaml").write_bytes(V2_FILE.read_bytes())
    broken = V1_FILE.read_text(encoding="utf-8").replace("weight: 50\n", "weight: 55\n", 1)
    (tmp_path / "archive" / V1_FILE.name).write_text(broken, encoding="utf-8")
    codes = [(Path(p.path).name, p.code) for p in lint_paths([tmp_path])]
    assert codes == [(V1_FILE.name, "T101")]


def test_find_version():
    assert find_version("guizhou-zhengti", 2).path == V2_FILE
    assert find_version("guizhou-zhengti", 1).path == V1_FILE
    # The 2022 variant extends guizhou-zhengti: its v1 (built on v1 of its parent) is archived too.
    assert find_version("guizhou-zhengti-2022", 2).path == TEMPLATES / "guizhou-zhengti-2022.yaml"
    assert find_version("guizhou-zhengti-2022", 1).path == TEMPLATES / "archive" / "guizhou-zhengti-2022@1.yaml"
    old_child = build_layout(find_version("guizhou-zhengti-2022", 1))
    assert old_child.fingerprint() != build_layout(find_version("guizhou-zhengti-2022", 2)).fingerprint()
    for tid, version in (("guizhou-zhengti", 7), ("guizhou-zhengti", 0), ("no-such-form", 1)):
        with pytest.raises(LookupError):
            find_version(tid, version)


def test_the_versions_differ_in_layout():
    v1 = build_layout(load_template(V1_FILE))
    v2 = build_layout(load_template(V2_FILE))
    assert (v1.template_version, v2.template_version) == (1, 2)
    assert v1.fingerprint() != v2.fingerprint()
    rows = [len([n for n in layout.by_name if re.fullmatch(r"zt_ind\d+_name", n)]) for layout in (v1, v2)]
    assert rows == [26, 28]
    # Rows are named by their position in the table: the first 满意度 row is zt_ind25 in
    # version 1 and zt_ind27, two rows lower, in version 2; so is everything below it.
    assert v2.cell("zt_ind27_name").row == v1.cell("zt_ind25_name").row + 2
    for name in ("zt_l1_2_score", "zt_l1_3_score", "zt_total_score", "zt_grade", "zt_contact"):
        assert v2.cell(name).row == v1.cell(name).row + 2, name
    assert v2.cell("zt_fund_total_budget").address == v1.cell("zt_fund_total_budget").address


# ------------------------------------------------------------------ reading an old return


def test_v1_return_is_read_with_the_v1_layout(returns):
    path, layout, values = returns[1]
    ret = open_return(path)
    assert ret.template.path == V1_FILE
    assert (ret.record.template_id, ret.record.template_version) == ("guizhou-zhengti", 1)
    assert ret.layout.fingerprint() == layout.fingerprint() == ret.fingerprint
    assert ret.record.values == as_read(values)
    # Values below 数量 sit two rows higher than in version 2, and are read from there.
    sheet = ret.package.sheets[0]
    v2 = build_layout(load_template(V2_FILE))
    row = next(k.removesuffix("_name") for k, v in values.items() if v == SATISFACTION)
    assert row == "zt_ind25"  # 14 产出 + 10 效益 rows above it in version 1 (16 + 10 in version 2)
    address = layout.cell(f"{row}_name").address
    assert sheet.value(address) == SATISFACTION and address != v2.cell(f"{row}_name").address
    assert sheet.value(v2.cell("zt_ind27_name").address) is None  # where version 2 has that row


def test_v1_return_verifies_like_the_same_return_on_v2(returns):
    v1 = verify_file(returns[1][0])
    v2 = verify_file(returns[2][0])
    assert (v1.template_version, v2.template_version) == (1, 2)
    assert structure_codes(v1) == structure_codes(v2) == set()
    # The scores are the Python reference's on the values as typed, the same in both versions.
    for v, (_, layout, values) in ((v1, returns[1]), (v2, returns[2])):
        reference = evaluate(layout, as_read(values))
        assert v.computed == reference
    assert v1.computed["zt_total_score"] == v2.computed["zt_total_score"]
    assert round(v1.computed["zt_total_score"], 2) == 89.3  # seed 000's 99.3 minus the 10 of 满意度
    assert (v1.computed["zt_grade"], v1.computed["zt_exec_score"]) == ("良", 9.3)
    assert [(f.code, f.severity) for f in v1.findings] == [(f.code, f.severity) for f in v2.findings] \
        == [("ROW_ACTUAL_FAR_OVER", "warning"), ("ROW_REASON_MISSING", "error")]  # 志愿服务 400 against ≥ 1


def test_v1_findings_name_v1_cells(returns):
    (f1,) = [f for f in verify_file(returns[1][0]).findings if f.severity == "error"]
    (f2,) = [f for f in verify_file(returns[2][0]).findings if f.severity == "error"]
    layout1, layout2 = returns[1][1], returns[2][1]
    assert f1.name.startswith("zt_ind25_") and f2.name.startswith("zt_ind27_")
    assert f1.cell == layout1.cell(f1.name).address
    assert f2.cell == layout2.cell(f2.name).address
    assert layout2.cell(f2.name).row == layout1.cell(f1.name).row + 2
    row1 = layout1.cell(f1.name).row + 1
    assert f1.message_zh.startswith(f"第 {row1} 行「{SATISFACTION}」")
    assert f2.message_zh.startswith(f"第 {row1 + 2} 行「{SATISFACTION}」")


def test_v1_return_read_with_the_v2_layout_would_be_wrong(returns):
    """Why the archive exists: the current layout misreads an old return."""
    ret = open_return(returns[1][0])
    lt2 = load_template(V2_FILE)
    layout2 = build_layout(lt2)
    values, _ = extract(layout2, ret.package)
    assert values != ret.record.values
    wrong = verify_return(dataclasses.replace(ret, template=lt2, layout=layout2))
    assert {"V003", "V105"} <= {f.code for f in wrong.findings}


def custom_version(text: str, version: int) -> str:
    return re.sub(r'(name="jixiao.template_version"><vt:i4>)\d+<', rf"\g<1>{version}<", text)


def meta_sheet_part(path: Path) -> str:
    """The XML part of the hidden ``_jixiao`` sheet."""
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet name="_jixiao"[^>]*r:id="([^"]+)"', workbook).group(1)
    target = re.search(rf'<Relationship Id="{rid}"[^>]*Target="([^"]+)"', rels).group(1)
    return "xl/" + target.removeprefix("/xl/")


@pytest.mark.parametrize("where", ["custom property", "hidden sheet"])
def test_unknown_version_refused_with_v002(returns, tmp_path, where):
    src = returns[2][0]
    if where == "custom property":
        path = rewrite_part(src, tmp_path / "v7.xlsx", "docProps/custom.xml", lambda t: custom_version(t, 7))
    else:  # no custom properties (some programs drop them): the hidden sheet says 7
        part = meta_sheet_part(src)
        no_props = rewrite_part(src, tmp_path / "np.xlsx", "docProps/custom.xml",
                                lambda t: re.sub(r"<property .*?</property>", "", t, flags=re.S))
        path = rewrite_part(no_props, tmp_path / "v7.xlsx", part,
                            lambda t: t.replace(cell_xml(t, "B2").group(0), '<c r="B2"><v>7</v></c>'))
    v = verify_file(path)
    assert v.unreadable and v.status == "格式错误"
    assert [(f.code, f.severity, f.message_zh) for f in v.findings] == [("V002", "error", V002_ZH)]
    assert v.findings[0].message_en == "unknown template guizhou-zhengti version 7"


def test_hidden_sheet_version_is_read_without_custom_properties(returns, tmp_path):
    """The control for the test above: without custom properties, version 1 in the hidden
    sheet is enough to find the archived layout."""
    src = returns[1][0]
    path = rewrite_part(src, tmp_path / "np.xlsx", "docProps/custom.xml",
                        lambda t: re.sub(r"<property .*?</property>", "", t, flags=re.S))
    ret = open_return(path)
    assert (ret.template.path, ret.record.template_version) == (V1_FILE, 1)


def test_cli_verify_exit_codes(returns, tmp_path):
    runner = CliRunner()
    both = runner.invoke(app, ["verify", str(returns[1][0]), str(returns[2][0]), "--json"])
    assert both.exit_code == 1, both.output  # each has its one row finding, nothing else
    out = json.loads(both.output)
    assert [(r["template_id"], r["status"], r["errors"]) for r in out] == [("guizhou-zhengti", "待修改", 1)] * 2

    clean = {}
    for version, template in ((1, V1_FILE), (2, V2_FILE)):
        lt = load_template(template)
        values = return_values(build_layout(lt))
        row = next(k.removesuffix("_name") for k, v in values.items() if v == SATISFACTION)
        values[f"{row}_reason"] = "满意度调查 99%，未达 100%"
        clean[version] = build_template(lt, tmp_path, values=values, filename=f"clean{version}.xlsx")
    ok = runner.invoke(app, ["verify", str(clean[1]), str(clean[2]), "--json"])
    assert ok.exit_code == 0, ok.output
    assert [r["status"] for r in json.loads(ok.output)] == ["已通过", "已通过"]

    v7 = rewrite_part(clean[1], tmp_path / "v7.xlsx", "docProps/custom.xml", lambda t: custom_version(t, 7))
    refused = runner.invoke(app, ["verify", str(v7), "--json"])
    assert refused.exit_code == 2, refused.output
    (r,) = json.loads(refused.output)
    assert r["status"] == "格式错误" and [(f["code"], f["message_zh"]) for f in r["findings"]] == [("V002", V002_ZH)]
    mixed = runner.invoke(app, ["verify", str(clean[1]), str(v7)])
    assert mixed.exit_code == 2


# ------------------------------------------------------------------ no saved values (V108)


@pytest.fixture(scope="module")
def seed000(tmp_path_factory):
    """Seed 000 as a spreadsheet saved it (with its own 年初预算数 error, CHK_FUNDS_SUM)."""
    folder = tmp_path_factory.mktemp("v108")
    layout = build_layout(load_template(V2_FILE))
    path = build_template(load_template(V2_FILE), folder, values=seed_000_values(layout), filename="s.xlsx")
    return path, layout


def formula_cells(text: str) -> list[re.Match[str]]:
    return [m for m in re.finditer(r'<c r="[A-Z]+\d+"[^>]*?(?:/>|>.*?</c>)', text) if "<f>" in m.group(0)]


def strip_values(text: str, refs: set[str] | None = None) -> str:
    """Drop the cached value (and its type) of formula cells, as a writer that does not
    calculate leaves them: all of them, or those at ``refs``."""
    def strip(m: re.Match[str]) -> str:
        cell = m.group(0)
        ref = re.match(r'<c r="([A-Z]+\d+)"', cell).group(1)
        if "<f>" not in cell or refs is not None and ref not in refs:
            return cell
        return re.sub(r"<v>[^<]*</v>|<v ?/>", "", re.sub(r' t="[a-z]+"', "", cell, count=1))
    return re.sub(r'<c r="[A-Z]+\d+"[^>]*?(?:/>|>.*?</c>)', strip, text)


def sheet_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")
                and formula_cells(z.read(n).decode())]


def without_values(src: Path, dst: Path) -> Path:
    parts = sheet_parts(src)
    assert parts
    current = src
    for i, part in enumerate(parts):
        nxt = dst if i == len(parts) - 1 else dst.with_suffix(f".{i}.xlsx")
        current = rewrite_part(current, nxt, part, strip_values)
    with zipfile.ZipFile(dst) as z:
        assert not any("<v" in m.group(0) for p in parts for m in formula_cells(z.read(p).decode()))
    return dst


def openpyxl_saved(src: Path, dst: Path) -> Path:
    """The same workbook loaded and saved by openpyxl, which writes formulas without values."""
    openpyxl.load_workbook(src).save(dst)
    return dst


def comparable(v) -> list[tuple]:
    return [(f.code, f.severity, f.sheet, f.cell, f.name, f.message_zh) for f in v.findings if f.code != "V108"]


@pytest.mark.parametrize("save", [without_values, openpyxl_saved], ids=["values-stripped", "openpyxl"])
def test_no_saved_values_is_one_note_and_verified_from_inputs(seed000, tmp_path, save):
    original = verify_file(seed000[0])
    path = save(seed000[0], tmp_path / "novalues.xlsx")
    v = verify_file(path)
    notes = [f for f in v.findings if f.code == "V108"]
    assert [(f.severity, f.message_zh) for f in notes] == [
        ("note", "文件未经电子表格软件计算保存，已按填报内容重新计算核对")]
    assert "V107" not in {f.code for f in v.findings}
    assert comparable(v) == comparable(original)
    assert [f.code for f in original.findings if f.severity == "error"] == ["CHK_FUNDS_SUM"]  # seed 000's own
    assert v.record == original.record and v.computed == original.computed
    assert round(v.computed["zt_total_score"], 2) == 99.3
    assert (v.errors, v.warnings, v.status) == (original.errors, original.warnings, original.status)


def test_some_saved_values_missing_is_stale_not_v108(seed000, tmp_path):
    """Only some formula cells without a value: not a file that was never calculated (a
    spreadsheet saves a value for every formula), so no V108; a cell that shows nothing
    where the inputs give a value is stale, V107, like any other wrong saved value. A cell
    whose recomputed value is blank anyway, and the row flags (reported by their own
    findings), give nothing."""
    path0, layout = seed000
    original = verify_file(path0)
    computed = original.computed
    blank = next(c for c in layout.computed() if c.value_type != "flag" and computed.get(c.name) in (None, ""))
    flag = next(c for c in layout.computed() if c.value_type == "flag")
    stale = [layout.cell("zt_total_score"), layout.cell("zt_grade"), layout.cell("zt_fund_total_rate")]
    refs = {c.address for c in [*stale, blank, flag]}
    path = rewrite_part(path0, tmp_path / "some.xlsx", sheet_parts(path0)[0], lambda t: strip_values(t, refs))
    v = verify_file(path)
    assert "V108" not in {f.code for f in v.findings}
    v107 = [f for f in v.findings if f.code == "V107"]
    assert sorted((f.cell, f.name, f.severity) for f in v107) == sorted((c.address, c.name, "error") for c in stale)
    total = next(f for f in v107 if f.name == "zt_total_score")
    assert total.values == {"saved": None, "recomputed": computed["zt_total_score"]}
    assert total.message_zh.startswith(f"总分（{total.cell}）显示“空”，按填报内容计算应为“99.3")
    assert [f for f in v.findings if f.code != "V107"] == original.findings
    assert v.computed == computed
