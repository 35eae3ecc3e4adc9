"""`jixiao summary`: the year's 汇总表 from the archive, checked against verification and
recalculated by a real LibreOffice.

Returns are real workbooks built from the shipped templates (guizhou-zhengti twice, one
department resubmitting; hunan-zhengti with errors; gansu-checklist with two project
forms), collected into an archive on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from calc.libreoffice import available, recalculate
from conftest import require
from engine_util import is_error_value, package_formulas, strip_cached_values
from forms import PROJECT_ROWS, build_filled, indicator_values, seed_000_values
from jixiao.archive import Archive, Submission
from jixiao.archive.collect import collect_files
from jixiao.cli import app
from jixiao.outputs.summary import (
    CHARTS_SHEET,
    COVER_SHEET,
    FINDINGS_SHEET,
    INTERNAL_SHEET,
    sheet_name,
    write_summary,
)
from jixiao.rules.excel import functions_in
from jixiao.rules.library import library
from jixiao.verify.verification import Verification, verify_file
from print_util import assert_charts_in_print_area, assert_charts_on_one_page

YEAR = 2023
GZ = "贵州 部门整体支出绩效目标自评表"
HN = "湖南 部门整体支出绩效自评表（基础数据表、部门整体、项目支出）"
GS = "甘肃 部门（单位）整体绩效自评表（附项目支出绩效自评表）"
BASE_HEADS = ["单位编码", "单位名称", "全年预算数(A)", "全年执行数(B)", "预算执行率"]
TAIL_HEADS = ["总分", "等级", "排名", "备注"]
L1 = ["产出指标", "效益指标", "满意度指标"]



# --------------------------------------------------------------------------- returns


def _project_sheet(layout, sid: str, funds: dict[str, tuple[float, float, float]], name: str) -> dict[str, Any]:
    v: dict[str, Any] = {f"{sid}_project": name, f"{sid}_authority": "丁局", f"{sid}_implementer": "丁局",
                         f"{sid}_contact": "钱七", f"{sid}_phone": "0934-1234567", f"{sid}_fill_date": "2024-02-08",
                         f"{sid}_conclusion": "项目目标基本完成。"}
    for key, (initial, budget, actual) in funds.items():
        v.update({f"{sid}_fund_{key}_initial": initial, f"{sid}_fund_{key}_budget": budget,
                  f"{sid}_fund_{key}_actual": actual})
    v.update(indicator_values(layout, PROJECT_ROWS, sid, reason="部分工作延至下年。"))
    return v


def guizhou(name: str, funds: dict[str, tuple[float, float, float]] | None = None):
    def values(layout):
        v = seed_000_values(layout) if funds is None else seed_000_values(layout, funds=funds)
        v["zt_unit"] = v["zt_department"] = name
        return v
    return values


def hunan(layout) -> dict[str, Any]:
    v = seed_000_values(layout)  # the funds split by income is left empty: 5 errors; 填表人 missing: 1
    v["zt_department"] = "丙局"
    return v


def gansu(layout) -> dict[str, Any]:
    v: dict[str, Any] = {"qd_unit": "丁局", "qd_fill_date": "2024-02-08", "qd_head": "王五", "qd_leader": "赵六",
                         "qd_filler": "钱七", "qd_finance_self": 8, "qd_accounting_self": 3, "qd_goals_self": 2,
                         "qd_sangong_self": 2, "qd_disclosure_self": 2, "qd_reports_self": 1}
    v.update(_project_sheet(layout, "xm1", {"total": (100, 120, 108), "current": (100, 120, 108)}, "乡村道路养护"))
    v.update(_project_sheet(layout, "xm2", {"total": (50, 50, 40), "current": (50, 50, 40)}, "农村饮水安全"))
    return v


#: 甲局 v1 has seed 000's funds error; v2 fixes it and reports a different execution.
JIA_V2_FUNDS = {"total": (444.38, 459.61, 433.94), "basic": (353.88, 369.11, 350.0), "project": (90.5, 90.5, 83.94)}
YI_FUNDS = {"total": (200, 200, 150), "basic": (150, 150, 110), "project": (50, 50, 40)}


#: The latest return of each department, by the variant sheet it is summarised on.
SHEET_RETURNS = {GS: ["ding"], GZ: ["yi", "jia_v2"], HN: ["bing"]}


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("returns")
    return {
        "jia_v1": build_filled("guizhou-zhengti", guizhou("甲局"), d / "甲局-v1.xlsx")[0],
        "jia_v2": build_filled("guizhou-zhengti", guizhou("甲局", JIA_V2_FUNDS), d / "甲局-v2.xlsx")[0],
        "yi": build_filled("guizhou-zhengti", guizhou("乙局", YI_FUNDS), d / "乙局.xlsx")[0],
        "bing": build_filled("hunan-zhengti", hunan, d / "丙局.xlsx")[0],
        "ding": build_filled("gansu-checklist", gansu, d / "丁局.xlsx")[0],
    }


@pytest.fixture(scope="module")
def verified(returns) -> dict[str, Verification]:
    return {k: verify_file(p) for k, p in returns.items()}


def collect_all(returns: dict[str, Path], archive: Archive) -> None:
    # 甲局 v1 first, then everyone, then 甲局's resubmission.
    order = ["jia_v1", "yi", "bing", "ding", "jia_v2"]
    collected = collect_files([returns[k] for k in order], archive, year=YEAR)
    assert [c.stored.version for c in collected] == [1, 1, 1, 1, 2]


# --------------------------------------------------------------------------- helpers


def sheet_rows(ws) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def table(ws) -> tuple[list[str], list[dict[str, Any]], dict[str, Any]]:
    """(heads, data rows by head, 合计 row by head) of a variant sheet."""
    rows = sheet_rows(ws)
    width = rows[0].index(None) if None in rows[0] else len(rows[0])
    heads = rows[0][:width]
    body = [dict(zip(heads, r[:width], strict=True)) for r in rows[1:] if r[0] is not None]
    assert body[-1]["单位编码"] == "合计"
    return heads, body[:-1], body[-1]


def internal(wb) -> dict[str, dict[str, Any]]:
    """The bureau's sheet (版本, 错误数, 警告数, 状态) by department name, and its 合计 row."""
    rows = sheet_rows(wb[INTERNAL_SHEET])
    return {(r[1] if r[0] != "合计" else "合计"): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}


def close(a: Any, b: Any, digits: int = 9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 10 ** -digits


def expected_row(v: Verification) -> dict[str, Any]:
    """What the summary must show for a return, from its verification."""
    c = v.computed
    if v.template_id == "gansu-checklist":
        budget = c["xm1_fund_total_budget"] + c["xm2_fund_total_budget"]
        actual = c["xm1_fund_total_actual"] + c["xm2_fund_total_actual"]
        rate_cell_params = {"digits": 4, "mode": "round"}
        return {"全年预算数(A)": budget, "全年执行数(B)": actual,
                "预算执行率": library()["EXEC_RATE"].compute({"budget": budget, "actual": actual}, rate_cell_params),
                "一、基本支出评价": c["qd_sec1_self"], "二、项目评价": c["qd_sec2_self"],
                "总分": c["qd_total_self"]}
    row = {"全年预算数(A)": c["zt_fund_total_budget"], "全年执行数(B)": c["zt_fund_total_actual"],
           "预算执行率": c["zt_fund_total_rate"], "预算执行率得分": c["zt_exec_score"], "总分": c["zt_total_score"],
           "等级": None if v.errors else c["zt_grade"]}  # a grade is published only once a return passed
    row.update({name: c[f"zt_l1_{i}_score"] for i, name in enumerate(L1, start=1)})
    return row


def summarise(db: str, out: Path):
    with Archive(db) as archive:
        return write_summary(archive, YEAR, out)


# --------------------------------------------------------------------------- the workbook


def test_summary_rows_totals_findings_charts_and_bytes(db_url, tmp_path, returns, verified):
    with Archive(db_url) as archive:
        collect_all(returns, archive)
    out = tmp_path / "汇总表.xlsx"
    stats = summarise(db_url, out)

    wb = openpyxl.load_workbook(out, data_only=True)
    # the title sheet, the published sheets by template id, then the bureau's own sheets
    assert wb.sheetnames == [COVER_SHEET, GS, GZ, HN, CHARTS_SHEET, INTERNAL_SHEET, FINDINGS_SHEET]
    assert stats.sheets == {GS: 1, GZ: 2, HN: 1, FINDINGS_SHEET: stats.findings}
    assert stats.returns == 4 and stats.not_recomputed == ()

    # One row per department: its latest version, every value the verified value.
    latest = {"甲局": "jia_v2", "乙局": "yi", "丙局": "bing", "丁局": "ding"}
    versions = {"甲局": 2, "乙局": 1, "丙局": 1, "丁局": 1}
    seen = []
    bureau = internal(wb)
    for name in (GS, GZ, HN):
        heads, rows, _ = table(wb[name])
        if name == GS:
            assert heads == [*BASE_HEADS, "一、基本支出评价", "二、项目评价", *TAIL_HEADS]
        else:
            assert heads == [*BASE_HEADS, "预算执行率得分", *L1, *TAIL_HEADS]
        for row in rows:
            v = verified[latest[row["单位名称"]]]
            seen.append(row["单位名称"])
            assert row["单位编码"] == row["单位名称"]  # these forms carry no code: collect uses the name
            assert bureau[row["单位名称"]]["版本"] == versions[row["单位名称"]]
            for head, want in expected_row(v).items():
                if isinstance(want, str):
                    assert row[head] == want, (name, head)
                else:
                    assert close(row[head], want), (name, head, row[head], want)
            mine = bureau[row["单位名称"]]
            assert (mine["错误数"], mine["警告数"], mine["状态"], mine["表格"]) == (v.errors, v.warnings, v.status, name)
            assert (row["备注"] or "").startswith("待修改") == bool(v.errors)
            assert (row["排名"] is None) == bool(v.errors)  # ranked over the returns that passed
    assert seen == ["丁局", "乙局", "甲局", "丙局"]  # sheets by template id, rows by department code

    # The resubmission replaced 甲局's first return (different execution, fixed error).
    gz = {r["单位名称"]: r for r in table(wb[GZ])[1]}
    assert bureau["甲局"]["状态"] == "已通过" and verified["jia_v1"].errors
    assert (gz["甲局"]["排名"], gz["乙局"]["排名"]) == ((1, 2) if gz["甲局"]["总分"] > gz["乙局"]["总分"] else (2, 1))
    assert not close(gz["甲局"]["全年执行数(B)"], verified["jia_v1"].computed["zt_fund_total_actual"])
    assert close(gz["乙局"]["预算执行率"], 0.75) and close(gz["乙局"]["预算执行率得分"], 7.5)
    hn = table(wb[HN])[1][0]
    assert bureau["丙局"]["状态"] == "待修改" and bureau["丙局"]["错误数"] == 6 and hn["等级"] is None  # 5 funds sums + the required 填表人

    # gansu: the checklist total, A and B summed over its project forms, a grade from the bands.
    gs = table(wb[GS])[1][0]
    assert (gs["全年预算数(A)"], gs["全年执行数(B)"], gs["总分"], gs["等级"]) == (170, 148, 92, "优")
    assert close(gs["预算执行率"], 0.8706)

    # 合计 rows: COUNT/SUM/AVERAGE/COUNTIF formulas whose cached values are the sums.
    formulas = openpyxl.load_workbook(out)[GZ]
    heads = [c.value for c in formulas[1]]
    col = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(heads) if h}
    assert formulas[f"{col['单位名称']}4"].value == f"=COUNTA({col['单位编码']}2:{col['单位编码']}3)"
    assert formulas[f"{col['全年预算数(A)']}4"].value == f"=SUM({col['全年预算数(A)']}2:{col['全年预算数(A)']}3)"
    assert formulas[f"{col['总分']}4"].value == f"=AVERAGE({col['总分']}2:{col['总分']}3)"
    assert openpyxl.load_workbook(out)[INTERNAL_SHEET]["G6"].value == '=COUNTIF(G2:G5,"待修改")'
    _, rows, total = table(wb[GZ])
    assert total["单位名称"] == 2
    assert close(total["全年预算数(A)"], sum(r["全年预算数(A)"] for r in rows))
    assert close(total["全年执行数(B)"], sum(r["全年执行数(B)"] for r in rows))
    assert close(total["预算执行率"], total["全年执行数(B)"] / total["全年预算数(A)"])
    assert close(total["总分"], sum(r["总分"] for r in rows) / 2)
    assert (bureau["合计"]["错误数"], bureau["合计"]["状态"]) == (sum(verified[k].errors for k in latest.values()), 1)
    gz_stats = next(v for v in stats.variants if v.sheet == GZ)
    assert close(gz_stats.budget_total, total["全年预算数(A)"])
    assert close(gz_stats.average_total, total["总分"])
    assert gz_stats.grades == {"优": 2, "良": 0, "中": 0, "差": 0}
    for part, formula in package_formulas(out):
        assert functions_in("=" + formula) <= {"SUM", "AVERAGE", "COUNT", "COUNTA", "COUNTIF"}, (part, formula)

    # Grade bands (over the returns that passed) on the charts sheet, as COUNTIF formulas the chart reads.
    grid = sheet_rows(wb[CHARTS_SHEET])
    gz_top = next(i for i, r in enumerate(grid) if r[0] and str(r[0]).startswith(GZ))
    assert [(r[0], r[1]) for r in grid[gz_top + 2:gz_top + 7]] == [("等级", "单位数（已通过）"), ("优", 2), ("良", 0),
                                                                 ("中", 0), ("差", 0)]
    hn_top = next(i for i, r in enumerate(grid) if r[0] and str(r[0]).startswith(HN))
    assert sum(r[1] for r in grid[hn_top + 3:hn_top + 7]) == 0  # 丙局 待修改: no grade counted

    # Header frozen, autofilter on the data.
    assert wb[GZ].freeze_panes == "C2"
    assert wb[GZ].auto_filter.ref == f"A1:{col['备注']}3"

    # 问题清单: every open finding of the latest versions, nothing of 甲局's first return.
    ws = wb[FINDINGS_SHEET]
    grid = sheet_rows(ws)
    assert grid[0] == ["单位编码", "单位名称", "模板", "版本", "代码", "级别", "工作表", "单元格", "说明"]
    want = []
    for key in ("ding", "bing", "yi", "jia_v2"):  # by department code (丁 丙 乙 甲), then template
        v = verified[key]
        found = [f for f in v.findings if f.severity != "note"]
        found.sort(key=lambda f: f.severity != "error")
        want += [(f.code, "错误" if f.severity == "error" else "警告", f.sheet, f.cell, f.message_zh) for f in found]
    assert [tuple(r[4:]) for r in grid[1:]] == [(c, s, sh or None, ce or None, m) for c, s, sh, ce, m in want]
    assert stats.findings == len(want) == sum(verified[k].errors + verified[k].warnings
                                              for k in ("ding", "yi", "jia_v2", "bing"))
    assert {r[1] for r in grid[1:]} <= {"乙局", "甲局", "丙局", "丁局"}
    assert [r[2] for r in grid[1:] if r[1] == "丙局"] == [HN] * verified["bing"].errors + [HN] * verified["bing"].warnings
    assert all(r[4] != "CHK_FUNDS_SUM" for r in grid[1:] if r[1] == "甲局")
    assert ws.auto_filter.ref == f"A1:I{len(want) + 1}" and ws.freeze_panes == "A2"

    # Native charts, two per variant (grades, execution rate bands), never one bar per department.
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    assert len(charts) == 6
    assert {re.search(r'<c:barDir val="(\w+)"/>', c).group(1) for c in charts} == {"col"}
    refs = {f for c in charts for f in re.findall(r"<c:f>([^<]*)</c:f>", c)}
    assert all(r.startswith(f"{CHARTS_SHEET}!") for r in refs if "$" in r), refs
    assert_charts_in_print_area(out)
    assert_charts_on_one_page(out)

    # Deterministic: the same archive gives the same bytes.
    again = summarise(db_url, tmp_path / "again.xlsx")
    assert (tmp_path / "again.xlsx").read_bytes() == out.read_bytes()
    assert again == type(stats)(**{**stats.__dict__, "path": tmp_path / "again.xlsx"})


@pytest.mark.libreoffice
def test_summary_recalculated_by_libreoffice(tmp_path, returns, verified):
    require(available(), "LibreOffice")
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with Archive(db) as archive:
        collect_all(returns, archive)
    out = tmp_path / "汇总表.xlsx"
    summarise(db, out)
    # Without our cached values, only LibreOffice's recalculation can fill the formulas.
    bare = strip_cached_values(out, tmp_path / "bare" / "汇总表.xlsx")
    saved = recalculate([bare], tmp_path / "lo")[bare]

    wb = openpyxl.load_workbook(saved, data_only=True)
    ours = openpyxl.load_workbook(out, data_only=True)
    assert wb.sheetnames == ours.sheetnames
    errors = [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows() for c in row
              if is_error_value(c.value, c.data_type) or (isinstance(c.value, str) and c.value.startswith("Err:"))]
    assert not errors, errors
    for name in (GS, GZ, HN):
        heads, rows, total = table(wb[name])
        _, _, cached = table(ours[name])
        records = [verified[k] for k in SHEET_RETURNS[name]]
        want = [expected_row(v) for v in records]
        assert total["单位名称"] == len(rows) == len(want)
        for head in ("全年预算数(A)", "全年执行数(B)"):
            assert close(total[head], sum(w[head] for w in want), 6), (name, head)
        assert close(total["总分"], sum(w["总分"] for w in want) / len(want), 6)
        assert close(total["预算执行率"], total["全年执行数(B)"] / total["全年预算数(A)"], 6)
        for head, value in cached.items():  # our cached results are what the engine computes
            assert close(total[head], value, 6) if isinstance(value, float) else total[head] == value, (name, head)
    for sheet in (COVER_SHEET, CHARTS_SHEET, INTERNAL_SHEET):  # every formula cell as cached
        for mine, theirs in zip(ours[sheet].iter_rows(values_only=True), wb[sheet].iter_rows(values_only=True),
                                strict=True):
            for a, b in zip(mine, theirs, strict=True):
                assert close(a, b, 6) if isinstance(a, float) else a == b, (sheet, mine, theirs)
    bureau = internal(wb)
    assert bureau["合计"]["错误数"] == sum(verified[k].errors for keys in SHEET_RETURNS.values() for k in keys)


# --------------------------------------------------------------------------- edge cases


def test_unreadable_stored_file_keeps_its_row_with_a_note(tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with Archive(db) as archive:
        archive.store(Submission(b"PK\x03\x04not a workbook", "x.xlsx", "901", "某局", YEAR, "guizhou-zhengti", "1",
                                 findings=[{"code": "V107", "severity": "error", "message_zh": "数值被改动"}]))
        stats = write_summary(archive, YEAR, tmp_path / "s.xlsx")
    assert stats.not_recomputed == ("901/guizhou-zhengti",)
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx", data_only=True)
    # no title without the file: the id
    assert wb.sheetnames == [COVER_SHEET, "guizhou-zhengti", CHARTS_SHEET, INTERNAL_SHEET, FINDINGS_SHEET]
    heads, rows, total = table(wb["guizhou-zhengti"])
    assert heads == [*BASE_HEADS, *TAIL_HEADS]
    assert rows[0]["单位名称"] == "某局" and rows[0]["总分"] is None and internal(wb)["某局"]["状态"] == "待修改"
    assert rows[0]["备注"].startswith("待修改") and "无法重新计算" in rows[0]["备注"]
    assert total["全年预算数(A)"] == 0 and internal(wb)["合计"]["错误数"] == 1
    assert sheet_rows(wb[FINDINGS_SHEET])[1][4:] == ["V107", "错误", None, None, "数值被改动"]


def test_empty_year(tmp_path):
    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        stats = write_summary(archive, 1999, tmp_path / "s.xlsx")
    assert stats.returns == 0 and stats.sheets == {FINDINGS_SHEET: 0}
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames == [COVER_SHEET, INTERNAL_SHEET, FINDINGS_SHEET]


def test_sheet_names_are_valid_and_unique():
    taken = {FINDINGS_SHEET}
    long = "甲" * 40
    names = [sheet_name(long, taken), sheet_name(long, taken), sheet_name("a/b\\c:d*e?f[g]h", taken),
             sheet_name("问题清单", taken), sheet_name("SHEET", taken), sheet_name("sheet", taken),
             sheet_name("''", taken, fallback="tid")]
    assert names == ["甲" * 31, "甲" * 28 + "(2)", "a_b_c_d_e_f_g_h", "问题清单(2)", "SHEET", "sheet(2)", "tid"]
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)


# --------------------------------------------------------------------------- command line


def test_cli_collect_then_summary_and_force(db_url, tmp_path, returns):
    runner = CliRunner()
    files = [str(returns[k]) for k in ("jia_v1", "yi", "bing", "ding")]
    assert runner.invoke(app, ["collect", *files, "--db", db_url, "--year", str(YEAR)]).exit_code == 0
    assert runner.invoke(app, ["collect", str(returns["jia_v2"]), "--db", db_url, "--year", str(YEAR)]).exit_code == 0
    out = tmp_path / "out" / "汇总表.xlsx"

    first = runner.invoke(app, ["summary", "--db", db_url, "--year", str(YEAR), "--out", str(out)])
    assert first.exit_code == 0, first.output
    written = out.read_bytes()
    wb = openpyxl.load_workbook(out, data_only=True)
    # What the command wrote, not how the terminal wrapped its words: one row per department
    # (the latest of 甲局's two versions), four departments over the three variants.
    assert sum(len(table(wb[s])[1]) for s in (GZ, HN, GS) if s in wb.sheetnames) == 4
    assert {r["单位名称"] for r in table(wb[GZ])[1]} == {"乙局", "甲局"}
    assert (internal(wb)["乙局"]["版本"], internal(wb)["甲局"]["版本"]) == (1, 2)

    refused = runner.invoke(app, ["summary", "--db", db_url, "--year", str(YEAR), "--out", str(out)])
    assert refused.exit_code == 2
    assert "--force" in refused.output and "文件已存在" in refused.output
    assert out.read_bytes() == written

    out.write_bytes(b"old")
    forced = runner.invoke(app, ["summary", "--db", db_url, "--year", str(YEAR), "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert out.read_bytes() == written  # byte-identical to the first run

    empty = runner.invoke(app, ["summary", "--db", db_url, "--year", "1999", "--out", str(tmp_path / "e.xlsx")])
    assert empty.exit_code == 0
    empty_wb = openpyxl.load_workbook(tmp_path / "e.xlsx", data_only=True)
    assert not any(s in empty_wb.sheetnames and table(empty_wb[s])[1] for s in (GZ, HN, GS))
