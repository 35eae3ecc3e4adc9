"""`jixiao collect`, `status` and `export` end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from forms import build_filled, seed_000_values
from jixiao.cli import app

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "guizhou-zhengti.yaml"


def test_collect_resubmit_status_export(db_url, tmp_path):
    db = db_url
    runner = CliRunner()
    first, _ = build_filled("guizhou-zhengti", seed_000_values, tmp_path / "v1.xlsx")

    def fixed_values(layout):
        v = seed_000_values(layout)
        v["zt_fund_total_initial"] = 444.38  # the department fixes seed 000's funds error
        return v

    second, _ = build_filled("guizhou-zhengti", fixed_values, tmp_path / "v2.xlsx")
    r1 = runner.invoke(app, ["collect", str(first), "--db", db, "--year", "2023"])
    assert r1.exit_code == 0, r1.output
    st = json.loads(runner.invoke(app, ["status", "--year", "2023", "--db", db, "--json"]).stdout)
    assert [(s["status"], s["version"]) for s in st] == [("待修改", 1)]
    assert runner.invoke(app, ["collect", str(second), "--db", db, "--year", "2023"]).exit_code == 0
    st = json.loads(runner.invoke(app, ["status", "--year", "2023", "--db", db, "--json"]).stdout)
    assert [(s["status"], s["version"], s["department_name"]) for s in st] == [("已通过", 2, "中共黔南州直属机关工委")]
    exported = runner.invoke(app, ["export", "--year", "2023", "--db", db]).stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 1 and rows[0]["version"] == "2"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04broken")
    assert runner.invoke(app, ["collect", str(bad), "--db", db]).exit_code == 2


def test_prefilled_forms_are_filed_under_their_code_and_roster_status(db_url, tmp_path):
    """build --data -> departments fill -> collect files by 单位编码 -> status --departments."""
    from openpyxl import Workbook

    from jixiao.build import build_template
    from jixiao.read.record import open_return
    from jixiao.signing import Keyring, user_key_path

    data = tmp_path / "单位.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称", "年度资金总额 全年预算数（万元）"])
    for code, name in (("520101", "甲局"), ("520102", "乙局"), ("520103", "丙局")):
        ws.append([code, name, 100])
    wb.save(data)
    runner = CliRunner()
    sent = tmp_path / "sent"
    built = runner.invoke(app, ["build", str(TEMPLATE), "--data", str(data), "--out", str(sent)])
    assert built.exit_code == 0, built.output
    returned = tmp_path / "returned"
    keys = Keyring.load(user_key_path())  # the one build --data signed with
    for code in ("520101", "520102"):
        form = open_return(next(sent.glob(f"{code}_*.xlsx")))
        values = dict(form.record.values, zt_fund_total_actual=95.0)  # what the department types
        # typing leaves the bureau's pre-fill and its signature as they were sent
        build_template(form.template, returned, prefill=form.record.prefill, values=values,
                       filename=f"{code}-return.xlsx", keys=keys)
    r = runner.invoke(app, ["collect", str(returned), "--db", db_url, "--year", "2023"])
    assert r.exit_code == 0, r.output
    st = json.loads(runner.invoke(app, ["status", "--year", "2023", "--db", db_url, "--departments", str(data),
                                        "--json"]).stdout)
    assert [(s["department_code"], s["department_name"]) for s in st] == [
        ("520101", "甲局"), ("520102", "乙局"), ("520103", "丙局")]
    assert [s["status"] for s in st][2] == "未交" and all(s["version"] == 1 for s in st[:2])
    missing = runner.invoke(app, ["status", "--year", "2023", "--db", db_url, "--departments", str(tmp_path / "x.csv")])
    assert missing.exit_code == 2 and "x.csv" in missing.output


def test_archive_commands_fail_in_one_line(tmp_path, monkeypatch):
    """A forgotten --db or an unreachable server: one clear line and exit 2, no traceback."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in (["status", "--year", "2023"], ["export", "--year", "2023"],
                    ["summary", "--year", "2023", "--out", "s.xlsx"]):
        r = runner.invoke(app, command)
        assert r.exit_code == 2 and "--db" in r.output, (command, r.output)
    assert not (tmp_path / "jixiao.sqlite").exists()  # nothing created by a read-only command
    r = runner.invoke(app, ["status", "--year", "2023", "--db", "postgresql://u:secret@127.0.0.1:1/none"])
    assert r.exit_code == 2 and "无法打开归档库" in r.output
    assert "secret" not in r.output and "Traceback" not in r.output and r.exception is None or \
        isinstance(r.exception, SystemExit)


def test_export_file_duplicate_collect_and_annotate_only_what_needs_fixing(db_url, tmp_path):
    runner = CliRunner()
    dirty, _ = build_filled("guizhou-zhengti", seed_000_values, tmp_path / "in" / "dirty.xlsx")

    def fixed(layout):
        v = seed_000_values(layout)
        v["zt_fund_total_initial"] = 444.38
        row = next(k[: -len("_name")] for k, x in v.items() if x == "志愿服务")
        v[f"{row}_reason"] = "志愿服务需求超出预期。"  # 400 against ≥ 1: explained, no warning
        return v

    build_filled("guizhou-zhengti", fixed, tmp_path / "in2" / "clean.xlsx")
    assert runner.invoke(app, ["collect", str(dirty), "--db", db_url]).exit_code == 0
    again = runner.invoke(app, ["collect", str(dirty), "--db", db_url])
    assert "同一" in again.stdout  # 同一文件已归档 (wrapped by the table)
    out = tmp_path / "export.csv"
    r = runner.invoke(app, ["export", "--year", "2023", "--db", db_url, "--out", str(out)])
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel/WPS need the BOM to read UTF-8 Chinese
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    first_record = next(i for i, h in enumerate(header) if h.startswith("record."))
    assert header[0] == "department_code" and all(h.startswith("record.") for h in header[first_record:])
    annotated = tmp_path / "back"
    v = runner.invoke(app, ["verify", str(tmp_path / "in"), str(tmp_path / "in2"), "--annotate", str(annotated)])
    assert v.exit_code == 1
    [package] = (annotated / "第1轮").iterdir()  # the clean return needs no package
    assert package.name.endswith("_第1轮_待修改.xlsx")
    # the summary counts the clean return; --verbose lists it too
    assert "1 份通过" in v.stdout and "clean.xlsx" not in v.stdout
    v = runner.invoke(app, ["verify", str(tmp_path / "in"), str(tmp_path / "in2"), "--verbose"])
    assert "✓" in v.stdout and "clean.xlsx" in v.stdout
