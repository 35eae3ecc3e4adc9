"""Pre-filled forms for every department: the data tables, the batch build, the record.

The main fixture is a generated 300-department list with 20 deliberately bad rows (16 in
the 单位 table, 4 in the 指标 table): exactly the departments without a bad row build,
and each bad row is reported with its row, column and code.
"""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.prefill.batch import build_departments, plan_filenames, safe_filename
from jixiao.prefill.tables import DataFileError, DataSchema, read_dataset
from jixiao.read.record import Record, open_return
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file

ROOT = Path(__file__).resolve().parents[1]
GUIZHOU = ROOT / "templates" / "guizhou-zhengti.yaml"
HUNAN = ROOT / "templates" / "hunan-zhengti.yaml"
GANSU = ROOT / "templates" / "gansu-checklist.yaml"

DEPT_HEADERS = ["单位编码", "单位名称", "年度资金总额 全年预算数（元）", "基本支出 全年预算数（元）",
                "项目支出 全年预算数（元）", "年度资金总额 年初预算数（万元）", "联系人", "联系电话"]
IND_HEADERS = ["单位编码", "一级指标", "二级指标", "三级指标", "年度指标值", "分值"]
INDICATORS = [("产出指标", "数量", "培训人次", "≥300人次", 20), ("产出指标", "质量", "合格率", "不低于95%", 20),
              ("产出指标", "成本", "人均成本", "≤2000元", 10), ("效益指标", "社会效益", "群众知晓度", "明显提升", 30),
              ("满意度指标", "服务对象满意度", "满意度", "≥90%", 10)]

# (department row index 0..299, column letter, code, how the row is spoiled)
BAD_DEPT = {
    10: ("B", "D103", "name", None), 20: ("B", "D103", "name", "  "), 30: ("B", "D103", "name", None),
    40: ("C", "D104", "total", "待定"), 50: ("D", "D104", "basic", "1,2,3元"), 60: ("C", "D104", "total", "=SUM(1,2)"),
    70: ("A", "D102", "dup", 71), 71: ("A", "D102", "dup", 70), 80: ("A", "D102", "dup", 81), 81: ("A", "D102", "dup", 80),
    90: ("F", "D105", "initial", -5), 100: ("D", "D105", "basic", -1),
    110: ("A", "D101", "code", None), 120: ("A", "D101", "code", ""),
    130: ("B", "D107", "name", "局" * 101), 140: ("E", "D104", "project", True),
}
FORMULA_NAMES = {150: '=HYPERLINK("http://x","点击")', 160: "+86 局"}
# indicator problems: (department index, column, code, spoil)
BAD_IND = [(200, "F", "D106", "十"), (210, "F", "D106", 0), (220, "C", "D202", "不存在的二级")]
GHOST = ("ghost-1", "A", "D201")


def _code(i: int) -> str:
    return f"52{i:04d}"


def _yuan(i: int) -> tuple[float, float, float]:
    basic = 1_000_000 + i * 3333.33 + (i % 7) * 0.01
    project = 500_000 + i * 6666.66
    return round(basic + project, 2), round(basic, 2), round(project, 2)


def generate(folder: Path, n: int = 300, *, as_csv: bool = False) -> tuple[Path, Path]:
    """The department and indicator tables; returns (department file, indicator file)."""
    dept_rows, ind_rows = [], []
    FIRST_IND_ROW.clear()
    for i in range(n):
        total, basic, project = _yuan(i)
        row = [_code(i), f"测试单位{i:03d}", total, basic, project, round(total / 10000, 2), f"联系人{i}", "0854-8221234"]
        if i in FORMULA_NAMES:
            row[1] = FORMULA_NAMES[i]
        spoil = BAD_DEPT.get(i)
        if spoil:
            _, _, what, value = spoil
            col = {"name": 1, "total": 2, "basic": 3, "project": 4, "initial": 5, "code": 0}.get(what)
            if what == "dup":
                row[0] = _code(min(i, value))
            else:
                row[col] = value  # type: ignore[index]
        dept_rows.append(row)
        if not row[0]:
            continue  # a department row without a code has no indicator rows either
        FIRST_IND_ROW[i] = len(ind_rows) + 2
        for level1, level2, name, target, weight in INDICATORS:
            ind_rows.append([row[0], level1, level2, name, target, weight])
    for i, column, _, value in BAD_IND:
        if i not in FIRST_IND_ROW:
            continue
        position = {"F": 5, "C": 2}[column]
        ind_rows[FIRST_IND_ROW[i] - 2][position] = value
    if n == 300:
        assert all(_ind_row(i) == row for i, row in FIRST_IND_ROW.items())
        assert _ind_row("ghost") == len(ind_rows) + 2
    ind_rows.append([GHOST[0], "产出指标", "数量", "幽灵指标", "≥1次", 5])
    if as_csv:
        dept, ind = folder / "单位.csv", folder / "指标.csv"
        for path, headers, rows in ((dept, DEPT_HEADERS, dept_rows), (ind, IND_HEADERS, ind_rows)):
            with path.open("w", encoding="gb18030", newline="") as fh:  # as Excel saves CSV in China
                w = csv.writer(fh)
                w.writerow(headers)
                w.writerows(["" if v is None else v for v in r] for r in rows)
        return dept, ind
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(DEPT_HEADERS)
    for r in dept_rows:
        ws.append(r)
    ws2 = wb.create_sheet("指标")
    ws2.append(IND_HEADERS)
    for r in ind_rows:
        ws2.append(r)
    path = folder / "departments.xlsx"
    wb.save(path)
    return path, path


def expected_good(n: int = 300) -> set[str]:
    bad = {i for i in BAD_DEPT} | {i for i, *_ in BAD_IND}
    return {_code(i) for i in range(n) if i not in bad}


FIRST_IND_ROW: dict[int | str, int] = {}  # department index -> its first row in the 指标 table


def _ind_row(i: int | str, n: int = 300) -> int:
    """Row of department i's first indicator (departments without a code have none)."""
    codeless = [k for k, (_, _, what, _) in BAD_DEPT.items() if what == "code"]
    upto = n if i == "ghost" else i
    return 2 + len(INDICATORS) * (upto - sum(k < upto for k in codeless))  # type: ignore[operator]


def assert_bad_rows_reported(problems, dept_file: str, ind_file: str) -> None:
    errors = {(Path(p.file).name, p.table, p.row, p.column, p.code) for p in problems if p.severity == "error"}
    dept_table = "" if dept_file.endswith(".csv") else "单位"
    ind_table = "" if ind_file.endswith(".csv") else "指标"
    for i, (column, code, *_) in BAD_DEPT.items():
        assert (Path(dept_file).name, dept_table, i + 2, column, code) in errors, (i, column, code)
    for i, column, code, _ in BAD_IND:
        assert (Path(ind_file).name, ind_table, _ind_row(i), column, code) in errors, (i, column, code)
    assert (Path(ind_file).name, ind_table, _ind_row("ghost"), GHOST[1], GHOST[2]) in errors
    # Nothing else is an error except the per-department D401 for bad indicator rows.
    row_errors = {(f, t, r) for f, t, r, _, c in errors if c != "D401"}
    assert len(row_errors) == 20
    d401 = {p.department for p in problems if p.code == "D401"}
    assert d401 == {_code(i) for i, *_ in BAD_IND}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    data, _ = generate(folder)
    out = folder / "out"
    runner = CliRunner()
    result = runner.invoke(app, ["build", str(GUIZHOU), "--data", str(data), "--out", str(out), "--jobs", "2"])
    return folder, data, out, result


@pytest.mark.slow
def test_300_departments_exactly_the_good_ones_build(batch) -> None:
    folder, data, out, result = batch
    assert result.exit_code == 1, result.output  # bad rows: non-zero exit, the good ones built
    built = {p.name.split("_", 1)[0] for p in out.glob("*.xlsx")}
    assert built == expected_good()
    assert len(built) == 281
    for line in ("已生成", "281", "数据有误未生成"):  # the bureau's language (issue 17)
        assert line in result.output
    # Every bad row is named on the console with its file, sheet, cell, level and code.
    for i, (column, code, *_) in BAD_DEPT.items():
        assert re.search(rf"departments\.xlsx 单位!{column}{i + 2} (错误|警告) {code} ", result.output), code
    for i, column, code, _ in BAD_IND:
        assert re.search(rf"departments\.xlsx 指标!{column}{_ind_row(i)} (错误|警告) {code} ", result.output), code


@pytest.mark.slow
def test_bad_rows_reported_by_row_and_column(batch) -> None:
    _, data, _, _ = batch
    ds = read_dataset(DataSchema.for_template(load_template(GUIZHOU)), data)
    assert_bad_rows_reported(ds.problems, str(data), str(data))
    assert {d.code for d in ds.buildable} == expected_good()


def test_csv_in_gbk_reports_the_same_rows(tmp_path) -> None:
    dept, ind = generate(tmp_path, as_csv=True)
    ds = read_dataset(DataSchema.for_template(load_template(GUIZHOU)), dept, indicators=ind)
    assert_bad_rows_reported(ds.problems, str(dept), str(ind))
    assert {d.code for d in ds.buildable} == expected_good()


@pytest.mark.slow
def test_prefilled_values_and_declared_rows(batch) -> None:
    _, _, out, _ = batch
    i = 5
    path = next(out.glob(f"{_code(i)}_*.xlsx"))
    ret = open_return(path)
    values, prefill = ret.record.values, ret.record.prefill
    total, basic, project = _yuan(i)
    # 元 -> 万元 with two decimals; the parts add up to the total (舍位平衡).
    assert values["zt_fund_total_budget"] == pytest.approx(round(total / 10000, 2))
    assert round(values["zt_fund_basic_budget"] + values["zt_fund_project_budget"], 2) == values["zt_fund_total_budget"]
    assert values["zt_department"] == f"测试单位{i:03d}" == prefill["_department"]["name"]
    # Declared indicators are locked rows (constants), in the template's 二级指标 order, before blank rows.
    layout = ret.layout
    names = [c.value for c in layout.sheet("zt").cells if c.name and c.name.endswith("_name") and c.value]
    assert names == [name for _, _, name, _, _ in INDICATORS]
    first = layout.cell("zt_ind1_name")
    assert first.role == "constant" and layout.cell("zt_ind1_target").value == 300
    assert layout.cell("zt_ind1_unit").value == "人次"
    assert layout.cell("zt_ind1_actual").role == "input"
    rate = next(c for c in layout.sheet("zt").cells if c.value == "合格率")
    target = layout.cell(rate.name.replace("_name", "_target"))
    assert target.value == pytest.approx(0.95) and target.num_format == "0.00%"
    cost = next(c for c in layout.sheet("zt").cells if c.value == "人均成本")
    assert layout.cell(cost.name.replace("_name", "_direction")).value == "≤"
    qualitative = next(c for c in layout.sheet("zt").cells if c.value == "群众知晓度")
    assert layout.cell(qualitative.name.replace("_name", "_direction")).value == "定性"
    # Spare blank rows remain under 数量 (the variant allows additions).
    assert layout.cell("zt_ind2_name").role == "input"
    # The returned form identifies its department for collect.
    v = verify_file(path)
    assert v.prefill["_department"]["code"] == _code(i)


@pytest.mark.slow
def test_formula_like_names_are_plain_text(batch) -> None:
    _, _, out, result = batch
    for i, text in FORMULA_NAMES.items():
        assert f"单位!B{i + 2} 警告 D108 " in result.output
        path = next(out.glob(f"{_code(i)}_*.xlsx"))
        assert open_return(path).record.values["zt_department"] == text
        with zipfile.ZipFile(path) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert "HYPERLINK" not in sheet and "<f>+86" not in sheet  # a string, never a formula


@pytest.mark.slow
def test_existing_files_are_skipped_then_forced_byte_identical(batch, tmp_path) -> None:
    folder, data, out, _ = batch
    sample = sorted(out.glob("*.xlsx"))[:3]
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("*.xlsx")}
    sample[0].write_bytes(b"edited by hand")
    runner = CliRunner()
    again = runner.invoke(app, ["build", str(GUIZHOU), "--data", str(data), "--out", str(out)])
    assert "281" in again.output and "已存在未覆盖" in again.output
    assert sample[0].read_bytes() == b"edited by hand"  # never overwritten without --force
    forced = runner.invoke(app, ["build", str(GUIZHOU), "--data", str(data), "--out", str(out), "--force"])
    assert forced.exit_code == 1  # the bad rows are still bad
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("*.xlsx")}
    assert after == before  # two runs over the same data: byte-identical files


def test_unsafe_names_stay_inside_the_folder(tmp_path) -> None:
    assert safe_filename("101", "../x") == "101_.._x.xlsx"
    assert safe_filename("CON", "") == "_CON.xlsx"
    assert safe_filename("", "aux.txt") == "_aux.txt.xlsx"
    assert safe_filename("9", "a\\b:c*?\"<>|\x01") == "9_a_b_c_______.xlsx"
    assert len(safe_filename("1", "局" * 200).encode()) <= 185
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称"])
    for code, name in (("../../etc", "passwd"), ("CON", "aux"), ("a", "b"), ("A", "B"), ("/abs", "/x")):
        ws.append([code, name])
    wb.save(tmp_path / "d.xlsx")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(GUIZHOU), "--data", str(tmp_path / "d.xlsx"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(files) == 5 and all("/" not in f for f in files)
    assert "a_b.xlsx" in files and "A_B-2.xlsx" in files  # same name on Windows: made unique
    assert not (tmp_path / "etc").exists()


def test_init_data_then_fill_then_build(tmp_path) -> None:
    runner = CliRunner()
    path = tmp_path / "in.xlsx"
    r = runner.invoke(app, ["init-data", str(HUNAN), "--out", str(path)])
    assert r.exit_code == 0, r.output
    again = runner.invoke(app, ["init-data", str(HUNAN), "--out", str(path)])
    assert again.exit_code == 2 and "--force" in again.output
    wb = load_workbook(path)
    assert wb.sheetnames == ["单位", "项目", "指标", "说明"]
    heads = [c.value for c in wb["单位"][1]]
    assert heads[:2] == ["单位编码", "单位名称"] and "年度资金总额 全年预算数（万元）" in heads
    assert wb["单位"]["A2"].value.startswith("示例")  # the example row, skipped when read
    assert wb["单位"].data_validations.dataValidation  # validation on the typed columns
    # As written, it reads with no department and no error.
    schema = DataSchema.for_template(load_template(HUNAN))
    empty = read_dataset(schema, path)
    assert empty.departments == [] and not empty.errors
    # Fill one department with 5 projects (the template has 3 project sheets).
    ws = wb["单位"]
    ws.append(["430001", "长沙市某局"] + [None] * (len(heads) - 2))
    ws.cell(3, heads.index("年度资金总额 全年预算数（万元）") + 1, 2187.04)
    proj = wb["项目"]
    pheads = [c.value for c in proj[1]]
    for k in range(5):
        proj.append(["430001", f"项目{k + 1}"] + [None] * (len(pheads) - 2))
    ind = wb["指标"]
    ind.append(["430001", None, "产出指标", "数量指标", "整体指标", "≥10个", 10])
    ind.append(["430001", "项目5", "产出指标", "数量", "项目五指标", "100%", 20])
    wb.save(path)
    out = tmp_path / "out"
    r = runner.invoke(app, ["build", str(HUNAN), "--data", str(path), "--out", str(out)])
    assert r.exit_code == 0, r.output
    built = list(out.glob("*.xlsx"))
    assert [p.name for p in built] == ["430001_长沙市某局.xlsx"]
    ret = open_return(built[0])
    names = [s.name for s in ret.layout.sheets]
    assert [n for n in names if n.startswith("项目支出")] == [f"项目支出绩效自评表{k}" for k in range(1, 6)]
    assert ret.record.values["xm5_project"] == "项目5" and ret.record.values["zt_fund_total_budget"] == 2187.04
    assert ret.layout.cell("xm5_ind1_name").value == "项目五指标"
    assert ret.layout.cell("zt_ind1_name").value == "整体指标"
    assert ret.layout.cell("jc_staff_quota").role == "input"
    # The cross-sheet check of 项目支出 adds up every project sheet, all five (xm* in the template).
    cross = next(c for c in ret.layout.computed() if c.rule == "CHK_FUNDS_SUM" and "xm1_fund_total_actual" in c.args["parts"])
    assert cross.args["parts"] == [f"xm{k}_fund_total_actual" for k in range(1, 6)]


def test_project_only_template_needs_project_names(tmp_path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称"])
    ws.append(["620001", "宁县某局"])
    ind = wb.create_sheet("指标")
    ind.append(IND_HEADERS)
    ind.append(["620001", "产出指标", "数量指标", "无项目", "≥1次", 5])
    wb.save(tmp_path / "g.xlsx")
    ds = read_dataset(DataSchema.for_template(load_template(GANSU)), tmp_path / "g.xlsx")
    assert [(p.code, p.row, p.column) for p in ds.errors if p.code != "D401"] == [("D207", 2, "")]
    assert ds.buildable == []


def test_unreadable_files_and_missing_columns(tmp_path) -> None:
    schema = DataSchema.for_template(load_template(GUIZHOU))
    (tmp_path / "a.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataFileError, match=r"a\.xls.*另存为 \.xlsx"):
        read_dataset(schema, tmp_path / "a.xls")
    (tmp_path / "b.xlsx").write_bytes(b"not a zip")
    with pytest.raises(DataFileError, match="D001"):
        read_dataset(schema, tmp_path / "b.xlsx")
    (tmp_path / "c.csv").write_text("单位编码,备注\n1,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="D002.*单位名称"):
        read_dataset(schema, tmp_path / "c.csv")
    r = CliRunner().invoke(app, ["build", str(GUIZHOU), "--data", str(tmp_path / "c.csv"), "--out", str(tmp_path)])
    assert r.exit_code == 2 and "c.csv" in r.output and "Traceback" not in r.output


def test_unknown_header_gets_a_suggestion(tmp_path) -> None:
    (tmp_path / "d.csv").write_text("单位编码,单位名称,基本支出全年预算 数（万元）,基本之出 全年预算数（万元）\n1,局,5,6\n",
                                    encoding="utf-8")
    ds = read_dataset(DataSchema.for_template(load_template(GUIZHOU)), tmp_path / "d.csv")
    assert ds.departments[0].prefill["zt_fund_basic_budget"] == 5.0  # spaces and (A) ignored
    (warning,) = [p for p in ds.problems if p.code == "D003"]
    assert warning.column == "D" and "基本支出全年预算数" in warning.message_zh


def test_yuan_columns_balance_and_report_adjustments(tmp_path) -> None:
    (tmp_path / "d.csv").write_text(
        "单位编码,单位名称,年度资金总额 全年预算数（元）,基本支出 全年预算数（元）,项目支出 全年预算数（元）\n"
        "1,局,20100,10050,10050\n2,局二,100,40,50\n3,局三,99999.99,33333.33,66666.66\n", encoding="utf-8")
    ds = read_dataset(DataSchema.for_template(load_template(GUIZHOU)), tmp_path / "d.csv")
    one, two, three = ds.departments
    # 1.005 + 1.005 round to 1.01 + 1.01 = 2.02, but the total 2.01: one part moves (舍位平衡).
    assert (one.prefill["zt_fund_total_budget"], one.prefill["zt_fund_basic_budget"],
            one.prefill["zt_fund_project_budget"]) == (2.01, 1.0, 1.01)
    (adjusted,) = [p for p in ds.problems if p.code == "D301"]
    assert (adjusted.row, adjusted.column) == (2, "D") and "1.00" in adjusted.message_zh
    assert (three.prefill["zt_fund_basic_budget"], three.prefill["zt_fund_project_budget"]) == (3.33, 6.67)
    (inconsistent,) = [p for p in ds.problems if p.code == "D302"]
    assert inconsistent.row == 3 and inconsistent.severity == "warning"
    assert two.prefill["zt_fund_total_budget"] == 0.01


def test_record_yaml_and_json_round_trip_through_build(tmp_path) -> None:
    data, _ = generate(tmp_path, n=3)
    out = tmp_path / "out"
    runner = CliRunner()
    runner.invoke(app, ["build", str(GUIZHOU), "--data", str(data), "--out", str(out)])  # 1: the ghost row
    (built,) = [p for p in out.glob("*.xlsx") if p.name.startswith(_code(1))]
    for flag, suffix in (("--json", ".json"), ("--yaml", ".yaml")):
        r = runner.invoke(app, ["read", str(built), flag])
        assert r.exit_code == 0, r.output
        record_file = tmp_path / f"record{suffix}"
        record_file.write_text(r.output, encoding="utf-8")
        rec = Record.load(record_file)
        assert rec.prefill["_department"]["code"] == _code(1)
        again = tmp_path / f"again{suffix}"
        r2 = runner.invoke(app, ["build", str(GUIZHOU), "--data", str(record_file), "--out", str(again)])
        assert r2.exit_code == 0, r2.output
        assert (again / "guizhou-zhengti.xlsx").read_bytes() == built.read_bytes()
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    r3 = runner.invoke(app, ["build", str(GUIZHOU), "--data", str(tmp_path / "bad.json"), "--out", str(tmp_path)])
    assert r3.exit_code == 2 and "bad.json" in r3.output


def test_plan_filenames_unique_case_insensitively() -> None:
    from jixiao.prefill.tables import Department

    names = plan_filenames([Department("a", "b", 2, {}), Department("A", "B", 3, {}), Department("a", "b ", 4, {})])
    assert names == ["a_b.xlsx", "A_B-2.xlsx", "a_b-3.xlsx"]


def test_batch_api_reports_failures_without_stopping(tmp_path) -> None:
    from jixiao.prefill.tables import Department

    good = Department("1", "好", 2, {"zt_department": "好"})
    bad = Department("2", "坏", 3, {"_indicators": {"zt": [{"level1": "无", "level2": "无", "name": "x",
                                                           "direction": "≥", "target": 1, "unit": "", "weight": 1}]}})
    result = build_departments(GUIZHOU, [good, bad], tmp_path, jobs=1)
    assert [b.code for b in result.built] == ["1"]
    assert result.failed and result.failed[0][0] == "2" and re.search("has no 无 / 无", result.failed[0][1])


def test_wan_figures_that_do_not_add_up_are_reported(tmp_path) -> None:
    # Seed 000's real error: 353.88 + 90.5 = 444.38, printed 443.88.
    (tmp_path / "d.csv").write_text(
        "单位编码,单位名称,年度资金总额 年初预算数,基本支出 年初预算数,项目支出 年初预算数\n1,工委,443.88,353.88,90.5\n"
        "2,局,444.38,353.88,90.5\n", encoding="utf-8")
    ds = read_dataset(DataSchema.for_template(load_template(GUIZHOU)), tmp_path / "d.csv")
    (gap,) = [p for p in ds.problems if p.code == "D302"]
    assert (gap.row, gap.column, gap.severity) == (2, "C", "warning") and "0.50" in gap.message_zh
    assert len(ds.buildable) == 2  # a warning: the form is built and its self-check shows the gap
