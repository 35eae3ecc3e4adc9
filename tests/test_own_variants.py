"""A bureau's own variant: a short YAML beside its work, extending a shipped one, whose
returns are read back with it (./templates, --templates DIR or $JIXIAO_TEMPLATES)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jixiao.build import build_template
from jixiao.cli import app
from jixiao.template.load import load_template

DUYUN = """\
# 都匀市 2024: the 黔南州 form with a bigger 满意度 block.
id: guizhou-duyun
version: 1
name: 都匀市 部门整体支出绩效目标自评表
extends: guizhou-zhengti
params: {year: 2024, region: 都匀市}
"""


def _variant(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "guizhou-duyun.yaml"
    path.write_text(DUYUN, encoding="utf-8")
    return path


def _filled(template: Path, out: Path) -> Path:
    lt = load_template(template)
    return build_template(lt, out, values={"zt_department": "都匀市某局", "zt_fund_total_budget": 100.0,
                                           "zt_fund_total_actual": 90.0}, filename="r.xlsx")


def test_own_variant_in_working_folder_is_read_back_when_named(tmp_path, monkeypatch) -> None:
    """Reading returns never looks in ./templates (a planted template would change the
    rules): the bureau names its folder with --templates."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JIXIAO_TEMPLATES", raising=False)
    template = _variant(tmp_path / "templates")
    runner = CliRunner()
    assert runner.invoke(app, ["lint", str(template)]).exit_code == 0
    returned = _filled(template, tmp_path / "in")
    refused = runner.invoke(app, ["read", str(returned), "--json"])
    assert refused.exit_code == 2 and "V002" in refused.output
    r = runner.invoke(app, ["--templates", "templates", "read", str(returned), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["template_id"] == "guizhou-duyun"


def test_own_variant_elsewhere_needs_templates_option(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JIXIAO_TEMPLATES", raising=False)
    template = _variant(tmp_path / "my-forms")
    returned = _filled(template, tmp_path / "in")
    runner = CliRunner()
    refused = runner.invoke(app, ["verify", str(returned), "--json"])
    assert refused.exit_code == 2 and "V002" in refused.stdout
    ok = runner.invoke(app, ["--templates", str(tmp_path / "my-forms"), "verify", str(returned), "--json"])
    assert ok.exit_code in (0, 1), ok.output
    assert json.loads(ok.stdout)[0]["template_id"] == "guizhou-duyun"
    bad = runner.invoke(app, ["--templates", str(tmp_path / "nowhere"), "verify", str(returned)])
    assert bad.exit_code == 2 and "nowhere" in bad.output


def test_build_and_init_data_find_own_variant_by_id(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _variant(tmp_path / "templates")
    runner = CliRunner()
    built = runner.invoke(app, ["build", "guizhou-duyun", "--out", "blank"])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "blank" / "guizhou-duyun.xlsx").exists()
    assert runner.invoke(app, ["init-data", "guizhou-duyun", "--out", "d.xlsx"]).exit_code == 0
    missing = runner.invoke(app, ["build", "no-such-id", "--out", "blank"])
    assert missing.exit_code == 1 and "PosixPath" not in missing.output and "no-such-id" in missing.output


def test_missing_return_is_reported_not_ticked(tmp_path) -> None:
    r = CliRunner().invoke(app, ["verify", str(tmp_path / "gone.xlsx")])
    assert r.exit_code == 2 and "R001" in r.stdout and "✓" not in r.stdout
