"""`jixiao collect`, `status` and `export` end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from forms import build_filled, seed_000_values
from jixiao.cli import app


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
    st = json.loads(runner.invoke(app, ["status", "--year", "2023", "--db", db, "--json"]).output)
    assert [(s["status"], s["version"]) for s in st] == [("待修改", 1)]
    assert runner.invoke(app, ["collect", str(second), "--db", db, "--year", "2023"]).exit_code == 0
    st = json.loads(runner.invoke(app, ["status", "--year", "2023", "--db", db, "--json"]).output)
    assert [(s["status"], s["version"], s["department_name"]) for s in st] == [("已通过", 2, "中共黔南州直属机关工委")]
    exported = runner.invoke(app, ["export", "--year", "2023", "--db", db]).output
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 1 and rows[0]["version"] == "2"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04broken")
    assert runner.invoke(app, ["collect", str(bad), "--db", db]).exit_code == 2
