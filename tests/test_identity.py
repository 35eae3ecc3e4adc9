"""A form's identity: template id, version and the params it was built with.

The params (``year``, ``region`` …) are written into the form's metadata and fingerprint,
and a return is read with its own: next year's forms built from the same version with
``--year 2024`` do not turn this year's returns into false V105s, and a return is filed
under the year it was built for. ``jixiao build``/``init-data`` take ``--year`` and
``--param key=value`` (typed like the template's own value). Lint checks the id against
the file name (T008) and an archived version's params against the current file (T009).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from forms import rewrite_part, seed_000_values
from jixiao.archive import Archive
from jixiao.archive.collect import collect_files
from jixiao.build import build_template
from jixiao.cli import app
from jixiao.layout import build_layout
from jixiao.paths import TemplateSearchPath
from jixiao.read.record import open_return
from jixiao.template.lint import lint_paths
from jixiao.template.load import ParamError, load_template
from jixiao.verify.verification import verify_file

ROOT = Path(__file__).resolve().parent.parent
GUIZHOU = ROOT / "templates" / "guizhou-zhengti.yaml"
STRUCTURE = {"V002", "V003", "V101", "V102", "V103", "V104", "V105", "V106", "V107"}


def subtitle(path: Path) -> str:
    """The subtitle under the title of the first sheet: （<year>年度）."""
    return openpyxl.load_workbook(path).worksheets[0]["A2"].value


def custom_property(path: Path, name: str) -> str:
    return openpyxl.load_workbook(path).custom_doc_props[name].value


def codes(path: Path, search: TemplateSearchPath | None = None) -> set[str]:
    return {f.code for f in verify_file(path, search=search).findings}


# ------------------------------------------------------------------ build --year / --param


def test_year_param_is_in_the_form_and_its_identity(tmp_path):
    path = build_template("guizhou-zhengti", tmp_path, params={"year": 2024})
    assert subtitle(path) == "（2024年度）"
    assert custom_property(path, "jixiao.params") == '{"region": "黔南州", "year": 2024}'
    ret = open_return(path)
    assert ret.params == {"region": "黔南州", "year": 2024}
    assert ret.layout.params == ret.params and ret.fingerprint == ret.layout.fingerprint()
    this_year = build_layout(load_template(GUIZHOU))
    assert ret.fingerprint != this_year.fingerprint()  # the year is part of the identity
    # Text from a command line is typed like the template's own value.
    same = build_template("guizhou-zhengti", tmp_path, params={"year": "2024"}, filename="same.xlsx")
    assert same.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(("params", "message"), [
    ({"year": "20x4"}, "参数 year 应为整数，而不是 '20x4'"),
    ({"year": 1800}, "参数 year 应为介于 2000 到 2100 之间的整数年度，而不是 1800"),
    ({"yaer": 2024}, "模板 guizhou-zhengti 没有参数 yaer（已有：region, year）"),
    ({"region": 7}, "参数 region 应为文字，而不是 7"),
])
def test_a_bad_param_is_refused(tmp_path, params, message):
    with pytest.raises(ParamError) as err:
        build_template("guizhou-zhengti", tmp_path, params=params)
    assert str(err.value).startswith(message)
    assert list(tmp_path.iterdir()) == []


def test_cli_build_year_and_param(tmp_path):
    runner = CliRunner()
    by_year = runner.invoke(app, ["build", "guizhou-zhengti", "--year", "2024", "--out", str(tmp_path / "a")])
    by_param = runner.invoke(app, ["build", "guizhou-zhengti", "--out", str(tmp_path / "b"), "--param", "year=2024",
                                   "--param", "region=都匀市"])
    assert by_year.exit_code == by_param.exit_code == 0, by_year.output + by_param.output
    a, b = tmp_path / "a" / "guizhou-zhengti.xlsx", tmp_path / "b" / "guizhou-zhengti.xlsx"
    assert subtitle(a) == subtitle(b) == "（2024年度）"
    assert open_return(b).params == {"region": "都匀市", "year": 2024}
    bad = runner.invoke(app, ["build", "guizhou-zhengti", "--param", "year=明年", "--out", str(tmp_path / "c")])
    assert bad.exit_code == 1 and "参数 year 应为整数，而不是 '明年'" in bad.output
    assert not (tmp_path / "c" / "guizhou-zhengti.xlsx").exists()
    syntax = runner.invoke(app, ["build", "guizhou-zhengti", "--param", "year", "--out", str(tmp_path / "c")])
    assert syntax.exit_code == 2 and "参数应写作 名称=值" in syntax.output
    both = runner.invoke(app, ["build", "guizhou-zhengti", "--year", "2024", "--param", "year=2025"])
    assert both.exit_code == 2 and "不一致" in both.output
    text = runner.invoke(app, ["build", "guizhou-zhengti", "--year", "2024年", "--out", str(tmp_path / "c")])
    assert text.exit_code == 1 and "参数 year 应为整数，而不是 '2024年'" in text.output


def test_cli_init_data_year(tmp_path):
    out = tmp_path / "单位数据.xlsx"
    result = CliRunner().invoke(app, ["init-data", "hunan-zhengti", "--year", "2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    props = openpyxl.load_workbook(out).properties
    assert props.title.endswith("单位数据（2024年度）")
    assert props.description.endswith('{"region": "益阳市", "year": 2024}')
    bad = CliRunner().invoke(app, ["init-data", "hunan-zhengti", "--param", "yr=2024", "--out", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2 and "没有参数 yr" in bad.output


def test_cli_build_data_year(tmp_path):
    """One form per department, each for 2024."""
    (tmp_path / "d.csv").write_text("单位编码,单位名称\n101,财政局\n102,教育局\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(GUIZHOU), "--data", str(tmp_path / "d.csv"), "--year", "2024",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    built = sorted(out.glob("*.xlsx"))
    assert [p.name for p in built] == ["101_财政局.xlsx", "102_教育局.xlsx"]
    for path in built:
        assert subtitle(path) == "（2024年度）" and open_return(path).params["year"] == 2024


# ------------------------------------------------------------------ reading with the return's own params


@pytest.fixture
def folder(tmp_path):
    """A bureau's own folder holding a copy of guizhou-zhengti (version 2, year 2023)."""
    own = tmp_path / "templates"
    own.mkdir()
    shutil.copy(GUIZHOU, own / GUIZHOU.name)
    return own


def set_year(path: Path, year: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^  year: \d+$", f"  year: {year}", text, count=1, flags=re.M), encoding="utf-8")


def filled(template: Path, out: Path, **params) -> Path:
    lt = load_template(template).with_params(params)
    values = seed_000_values(build_layout(lt))
    values["zt_fund_total_initial"] = 444.38  # seed 000's own 年初预算数 typo fixed: a clean return
    return build_template(lt, out.parent, values=values, filename=out.name)


def test_a_return_keeps_its_year_when_the_template_changes_it(folder, tmp_path):
    """The template's year changes from 2023 to 2024 without a new version: a return of
    2023 is read as built (no false V105 on its title), and filed under 2023."""
    search = TemplateSearchPath.default(folder)
    old = filled(folder / GUIZHOU.name, tmp_path / "2023.xlsx")
    set_year(folder / GUIZHOU.name, 2024)
    new = filled(folder / GUIZHOU.name, tmp_path / "2024.xlsx")
    assert (subtitle(old), subtitle(new)) == ("（2023年度）", "（2024年度）")
    v_old, v_new = verify_file(old, search=search), verify_file(new, search=search)
    assert {f.code for f in v_old.findings} & STRUCTURE == set() == {f.code for f in v_new.findings} & STRUCTURE
    assert (v_old.params["year"], v_new.params["year"]) == (2023, 2024)
    assert v_old.errors == v_new.errors == 0
    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        collected = collect_files([old, new], archive, search=search)
        assert sorted(c.stored.year for c in collected) == [2023, 2024]


def test_a_return_with_changed_params_is_detected(tmp_path):
    """A department that edits the year in the form's metadata: the fingerprint carries
    the params it was built with (V003), and the title no longer matches (V105)."""
    src = filled(GUIZHOU, tmp_path / "r.xlsx")
    assert codes(src) & STRUCTURE == set()
    edited = rewrite_part(src, tmp_path / "edited.xlsx", "docProps/custom.xml",
                          lambda t: t.replace('"year": 2023', '"year": 2024'))
    assert open_return(edited).params["year"] == 2024
    assert {"V003", "V105"} <= codes(edited)


def legacy(src: Path, dst: Path, fingerprint: str) -> Path:
    """The form as jixiao wrote it before params were in the identity: no params in its
    metadata (custom property, hidden sheet row 6), the fingerprint of then."""
    def props(t: str) -> str:
        t = re.sub(r'<property [^>]*name="jixiao.params">.*?</property>', "", t)
        return re.sub(r"(name=\"jixiao.fingerprint\"><vt:lpwstr>)\w+<", rf"\g<1>{fingerprint}<", t)
    step = rewrite_part(src, dst.with_suffix(".1.xlsx"), "docProps/custom.xml", props)
    return rewrite_part(step, dst, "xl/worksheets/sheet2.xml", lambda t: re.sub(r'<row r="6".*?</row>', "", t))


def test_forms_built_before_params_were_in_the_identity_still_verify(tmp_path):
    src = filled(GUIZHOU, tmp_path / "r.xlsx")
    layout = build_layout(load_template(GUIZHOU))
    old = legacy(src, tmp_path / "old.xlsx", layout.fingerprint(with_params=False))
    ret = open_return(old)
    assert ret.params is None and ret.layout.params == {"region": "黔南州", "year": 2023}
    assert codes(old) & STRUCTURE == set()
    # The control: the same file with today's fingerprint but no params is not what it says.
    assert "V003" in codes(legacy(src, tmp_path / "mixed.xlsx", layout.fingerprint()))


# ------------------------------------------------------------------ lint: id and archived params


def test_lint_id_must_be_the_file_name(folder):
    shutil.move(folder / GUIZHOU.name, folder / "my-variant.yaml")
    (problem,) = lint_paths([folder])
    assert (Path(problem.path).name, problem.code, problem.line) == ("my-variant.yaml", "T008", 6)  # the id line
    assert "应命名为 guizhou-zhengti.yaml" in problem.message


def test_lint_archived_params_must_not_change_without_a_new_version(folder):
    (folder / "archive").mkdir()
    shutil.copy(folder / GUIZHOU.name, folder / "archive" / "guizhou-zhengti@2.yaml")
    assert lint_paths([folder]) == []
    set_year(folder / GUIZHOU.name, 2024)
    (problem,) = lint_paths([folder])
    assert (Path(problem.path).name, problem.code) == (GUIZHOU.name, "T009")
    assert problem.message.startswith("第 2 版的参数 year 已存档为 2023，现为 2024")
    misnamed = folder / "archive" / "guizhou-zhengti@3.yaml"
    shutil.move(folder / "archive" / "guizhou-zhengti@2.yaml", misnamed)
    assert [(Path(p.path).name, p.code) for p in lint_paths([folder])] == [("guizhou-zhengti@3.yaml", "T008")]


@pytest.mark.parametrize("template_id", ["guizhou-zhengti", "hunan-zhengti", "gansu-checklist", "guizhou-zhengti-2022"])
def test_params_round_trip_changes_nothing_else(template_id):
    """Building with other params changes the params only: back to the file's, the same form."""
    lt = load_template(template_id)
    year = lt.template.params["year"]
    there = lt.with_params({"year": year + 1})
    back = there.with_params({"year": year})
    assert back.template == lt.template
    assert build_layout(back).fingerprint() == build_layout(lt).fingerprint() != build_layout(there).fingerprint()
