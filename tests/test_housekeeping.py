"""Archive housekeeping (issue 17) on SQLite and PostgreSQL: void a version, mark a warning
已核实, order versions by 填报日期 then received time, 格式错误 for an unreadable return,
times in the bureau's time zone, ``--db`` as a plain file path, and the 0001 → 0002
migration of an archive that already holds returns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from forms import build_filled, seed_000_values
from jixiao.archive import Archive, Submission, alembic_config
from jixiao.cli import app

YEAR = 2023
UTC = dt.UTC
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600  # a legacy .xls (R006)
V311 = {"code": "V311", "severity": "warning", "sheet": "封面", "cell": "C4", "message_zh": "预算数被修改"}
W2 = {"code": "CHK_EXEC_OVER_100", "severity": "warning", "sheet": "表", "cell": "P9", "message_zh": "执行率超过 100%"}
E1 = {"code": "CHK_FUNDS_SUM", "severity": "error", "sheet": "表", "cell": "P12", "message_zh": "合计不符"}


def sub(code: str, data: bytes, *, findings=(), fill: dt.date | None = None, at: dt.datetime | None = None,
        unreadable: bool = False, name: str = "r.xlsx") -> Submission:
    return Submission(data, name, code, f"单位{code}", YEAR, "" if unreadable else "project", "1",
                      findings=list(findings), fill_date=fill, received_at=at, unreadable=unreadable)


@pytest.fixture
def archive(db_url):
    with Archive(db_url) as a:
        yield a


# --------------------------------------------------------------------------- void


def test_void_keeps_the_version_marked_and_the_previous_one_is_latest(archive, db_url):
    v1 = archive.store(sub("101", b"v1", findings=[E1]))
    v2 = archive.store(sub("101", b"v2 blank forms by mistake"))
    assert [r.version for r in archive.latest(YEAR)] == [2]
    at = dt.datetime(2024, 3, 1, 2, 30, 5, 999, tzinfo=UTC)
    voided = archive.void(v2.id, reason="误收的空白表", by="张三", at=at)
    assert (voided.voided_by, voided.void_reason) == ("张三", "误收的空白表")
    assert voided.voided_at == at and voided.voided_at.utcoffset() == dt.timedelta(hours=8)
    assert [r.version for r in archive.latest(YEAR)] == [1]  # the voided version is not the latest
    assert [(r.department_code, r.status, r.version) for r in archive.status(YEAR)] == [("101", "待修改", 1)]
    # kept: every version is still there, the voided one marked, and its file too
    assert [(r.version, r.void_reason) for r in archive.versions("101", YEAR)] == [(1, None), (2, "误收的空白表")]
    assert archive.blob(v2.sha256) == b"v2 blank forms by mistake"
    rows = archive.export_rows(YEAR, all_versions=True)
    assert [(r["version"], r["voided_by"], r["voided_at"]) for r in rows] == [
        (1, None, None), (2, "张三", "2024-03-01 10:30:05+08:00")]
    again = archive.void(v2.id, reason="另一个原因", by="李四")  # the first mark stays
    assert (again.voided_by, again.void_reason) == ("张三", "误收的空白表")
    archive.void(v1.id, reason="作废", by="张三")
    assert archive.latest(YEAR) == [] and archive.status(YEAR) == []
    with pytest.raises(ValueError):
        archive.void(v1.id, reason=" ", by="张三")
    with pytest.raises(ValueError):
        archive.void(v1.id, reason="x", by="")
    with pytest.raises(LookupError):
        archive.void(10_000, reason="x", by="张三")
    with Archive(db_url) as reopened:  # in the database, not in this object
        assert reopened.get(v2.id).voided_by == "张三"


def test_cli_voids_a_folder_collected_by_mistake(db_url, tmp_path):
    runner = CliRunner()
    blank = tmp_path / "误收"
    first, _ = build_filled("guizhou-zhengti", seed_000_values, blank / "a.xlsx")
    assert runner.invoke(app, ["collect", str(blank), "--db", db_url, "--year", str(YEAR)]).exit_code == 0
    st = json.loads(runner.invoke(app, ["status", "--year", str(YEAR), "--db", db_url, "--json"]).stdout)
    assert [s["status"] for s in st] == ["待修改"]
    r = runner.invoke(app, ["void", str(blank), "--reason", "误收的空白表", "--by", "张三", "--db", db_url])
    assert r.exit_code == 0, r.output
    assert "已作废" in r.stdout and "a.xlsx" in r.stdout and "误收的空白表" in r.stdout
    st = json.loads(runner.invoke(app, ["status", "--year", str(YEAR), "--db", db_url, "--json"]).stdout)
    assert st == []
    nothing = runner.invoke(app, ["void", str(blank), "--reason", "再次", "--by", "张三", "--db", db_url])
    assert nothing.exit_code == 1 and "没有由此文件归档的版本" in nothing.output
    refused = runner.invoke(app, ["void", str(blank), "--by", "张三", "--db", db_url])
    assert refused.exit_code == 2 and "--reason" in refused.output


# --------------------------------------------------------------------------- 已核实


def test_a_checked_warning_is_kept_and_no_longer_open(archive, db_url):
    r = archive.store(sub("101", b"x", findings=[V311, W2, E1]))
    assert archive.latest(YEAR)[0].warning_count == 2
    at = dt.datetime(2024, 3, 1, 0, 0, 0, 123456, tzinfo=UTC)
    checked = archive.mark_checked(r.id, "V311", by="张三", note="电话核实：追加预算", at=at)
    assert checked.warning_count == 1 and checked.error_count == 1
    mark = next(f["checked"] for f in checked.findings if f["code"] == "V311")
    assert mark == {"by": "张三", "at": "2024-03-01 08:00:00+08:00", "note": "电话核实：追加预算"}
    assert [f["code"] for f in checked.open_findings] == ["CHK_EXEC_OVER_100", "CHK_FUNDS_SUM"]
    (row,) = archive.status(YEAR)
    assert (row.warning_count, row.error_count) == (1, 1)
    (exported,) = archive.export_rows(YEAR)
    assert exported["warning_count"] == 1 and "V311" not in exported["finding_codes"].split(";")
    with pytest.raises(LookupError):  # errors are fixed by the department, not checked away
        archive.mark_checked(r.id, "CHK_FUNDS_SUM", by="张三")
    with pytest.raises(LookupError):
        archive.mark_checked(r.id, "CHK_EXEC_OVER_100", cell="A1", by="张三")
    archive.mark_checked(r.id, "V311", by="李四")  # again: the first mark stays
    with Archive(db_url) as reopened:
        (latest,) = reopened.latest(YEAR)
        assert latest.warning_count == 1
        assert next(f["checked"]["by"] for f in latest.findings if f["code"] == "V311") == "张三"


def test_cli_confirm_marks_the_latest_return(db_url, tmp_path):
    with Archive(db_url) as a:
        a.store(sub("101", b"x", findings=[V311]))
    runner = CliRunner()
    r = runner.invoke(app, ["confirm", "--year", str(YEAR), "--department", "101", "--code", "V311",
                            "--by", "张三", "--db", db_url])
    assert r.exit_code == 0, r.output
    assert "已核实" in r.stdout and "还有 0 条" in r.stdout
    st = json.loads(runner.invoke(app, ["status", "--year", str(YEAR), "--db", db_url, "--json"]).stdout)
    assert [(s["status"], s["warnings"]) for s in st] == [("已通过", 0)]
    missing = runner.invoke(app, ["confirm", "--year", str(YEAR), "--department", "101", "--code", "V999",
                                  "--by", "张三", "--db", db_url])
    assert missing.exit_code == 2 and "没有警告 V999" in missing.output


# --------------------------------------------------------------------------- order


def test_latest_is_by_fill_date_then_received_time(archive):
    t = dt.datetime(2024, 3, 1, tzinfo=UTC)
    archive.store(sub("101", b"new", fill=dt.date(2024, 2, 8), at=t))
    archive.store(sub("101", b"old draft", fill=dt.date(2024, 2, 1), at=t + dt.timedelta(hours=1)))
    assert [(r.version, r.fill_date) for r in archive.latest(YEAR)] == [(1, dt.date(2024, 2, 8))]
    archive.store(sub("101", b"same day, later", fill=dt.date(2024, 2, 8), at=t + dt.timedelta(hours=2)))
    assert [r.version for r in archive.latest(YEAR)] == [3]
    archive.store(sub("101", b"no date", at=t + dt.timedelta(hours=3)))  # undated comes before dated
    assert [r.version for r in archive.latest(YEAR)] == [3]
    archive.store(sub("102", b"a", at=t + dt.timedelta(hours=1)))
    archive.store(sub("102", b"b", at=t))  # received earlier (a late upload of an old file)
    assert [(r.department_code, r.version) for r in archive.latest(YEAR)] == [("101", 3), ("102", 1)]


def _draft(path: Path, fill: str, total: float) -> Path:
    def values(layout):
        v = seed_000_values(layout)
        v["zt_fill_date"], v["zt_fund_total_initial"] = fill, total
        return v

    return build_filled("guizhou-zhengti", values, path)[0]


def test_collect_orders_one_departments_files_by_fill_date_and_warns(db_url, tmp_path):
    batch = tmp_path / "batch"
    final = _draft(batch / "a_定稿.xlsx", "2024-02-08", 444.38)  # sorts first by name, but is newer
    draft = _draft(batch / "b_草稿.xlsx", "2024-02-01", 1.0)
    os.utime(final, (1_700_000_000, 1_700_000_000))
    os.utime(draft, (1_700_000_500, 1_700_000_500))  # even saved later: the 填报日期 decides
    r = CliRunner().invoke(app, ["collect", str(batch), "--db", db_url])
    assert r.exit_code == 0, r.output
    assert "同一批有 2 个文件（b_草稿.xlsx、a_定稿.xlsx）" in r.output and "以 a_定稿.xlsx 为最新版本" in r.output
    with Archive(db_url) as a:
        (latest,) = a.latest(YEAR)
        assert (latest.filename, latest.version, latest.status) == ("a_定稿.xlsx", 2, "已通过")
        assert latest.fill_date == dt.date(2024, 2, 8)


def test_same_fill_date_is_ordered_by_file_time(db_url, tmp_path):
    from jixiao.archive.collect import collect_files

    batch = tmp_path / "batch"
    later = _draft(batch / "a.xlsx", "2024-02-08", 444.38)
    earlier = _draft(batch / "b.xlsx", "2024-02-08", 1.0)
    os.utime(earlier, (1_700_000_000, 1_700_000_000))
    os.utime(later, (1_700_000_500, 1_700_000_500))
    with Archive(db_url) as a:
        run = collect_files([batch], a)
        assert [(c.path.name, c.stored.version) for c in run] == [("a.xlsx", 2), ("b.xlsx", 1)]
        assert [d.files for d in run.duplicates] == [(earlier, later)]
        assert a.latest(YEAR)[0].filename == "a.xlsx"


# --------------------------------------------------------------------------- 格式错误


def test_unreadable_return_is_kept_and_the_department_shows_format_error(archive):
    t = dt.datetime(2024, 3, 1, tzinfo=UTC)
    archive.store(sub("101", OLE, findings=[{"code": "R006", "severity": "error"}], unreadable=True, at=t,
                      name="101_甲局.xls"))
    roster = [("101", "甲局"), ("102", "乙局")]
    assert [(r.status, r.version, r.error_count) for r in archive.status(YEAR, roster)] == [
        ("格式错误", 1, 1), ("未交", None, 0)]
    assert archive.latest(YEAR) == []  # nothing to summarise or export
    archive.store(sub("101", b"xlsx", at=t + dt.timedelta(days=1)))  # the department sends an .xlsx
    assert [r.status for r in archive.status(YEAR, roster)] == ["已通过", "未交"]
    archive.store(sub("101", OLE + b"2", findings=[{"code": "R006", "severity": "error"}], unreadable=True,
                      at=t + dt.timedelta(days=2)))  # ... and then an .xls again: its newest file is unusable
    assert [r.status for r in archive.status(YEAR, roster)] == ["格式错误", "未交"]


def test_cli_collect_of_an_xls_shows_format_error(db_url, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "520101_甲局.xls").write_bytes(OLE)
    roster = tmp_path / "名册.csv"
    roster.write_text("单位编码,单位名称\n520101,甲局\n520102,乙局\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["collect", str(inbox), "--db", db_url, "--year", str(YEAR)])
    assert r.exit_code == 2 and "1 份格式错误" in r.stdout
    st = json.loads(runner.invoke(app, ["status", "--year", str(YEAR), "--db", db_url, "--departments", str(roster),
                                        "--json"]).stdout)
    assert [(s["department_code"], s["status"]) for s in st] == [("520101", "格式错误"), ("520102", "未交")]
    quiet = runner.invoke(app, ["status", "--year", str(YEAR), "--db", db_url, "--departments", str(roster),
                                "--quiet"])
    assert quiet.stdout.strip() == "2023 年度收表情况  2 个单位：未交 1，格式错误 1"
    english = runner.invoke(app, ["status", "--year", str(YEAR), "--db", db_url, "--departments", str(roster),
                                  "--lang", "en", "--quiet"])
    assert english.stdout.strip() == "2023 returns  2 department(s): not returned 1, wrong format 1"
    no_year = runner.invoke(app, ["collect", str(inbox), "--db", db_url])
    assert no_year.exit_code == 2 and "未归档" in no_year.stdout  # no year to file it under


# --------------------------------------------------------------------------- time zone


def test_times_are_in_beijing_time_without_microseconds(db_url, monkeypatch):
    at = dt.datetime(2024, 3, 1, 23, 59, 58, 987654, tzinfo=UTC)
    with Archive(db_url) as a:
        a.store(sub("101", b"x", at=at))
    runner = CliRunner()
    exported = runner.invoke(app, ["export", "--year", str(YEAR), "--db", db_url]).stdout
    (row,) = csv.DictReader(io.StringIO(exported))
    assert row["received_at"] == "2024-03-02 07:59:58+08:00"
    st = runner.invoke(app, ["status", "--year", str(YEAR), "--db", db_url])
    assert "2024-03-02 07:59" in st.stdout
    monkeypatch.setenv("JIXIAO_TZ", "UTC")
    (row,) = csv.DictReader(io.StringIO(runner.invoke(app, ["export", "--year", str(YEAR), "--db", db_url]).stdout))
    assert row["received_at"] == "2024-03-01 23:59:58+00:00"
    monkeypatch.setenv("JIXIAO_TZ", "Mars/Olympus")
    bad = runner.invoke(app, ["status", "--year", str(YEAR), "--db", db_url])
    assert bad.exit_code == 2 and "未知的时区" in bad.output


# --------------------------------------------------------------------------- --db path


def test_db_accepts_a_plain_file_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    form, _ = build_filled("guizhou-zhengti", seed_000_values, tmp_path / "r.xlsx")
    runner = CliRunner()
    r = runner.invoke(app, ["collect", str(form), "--db", "绩效档案.sqlite"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "绩效档案.sqlite").is_file()
    st = runner.invoke(app, ["status", "--year", str(YEAR), "--db", "绩效档案.sqlite", "--json"])
    assert [s["status"] for s in json.loads(st.stdout)] == ["待修改"]
    missing = runner.invoke(app, ["status", "--year", str(YEAR), "--db", "别的档案.sqlite"])
    assert missing.exit_code == 2 and "没有归档库" in missing.output and not (tmp_path / "别的档案.sqlite").exists()
    with Archive(str(tmp_path / "绩效档案.sqlite")) as a:  # the API takes a path too
        assert len(a.latest(YEAR)) == 1


# --------------------------------------------------------------------------- migration


def test_an_archive_at_0001_with_returns_is_migrated(db_url):
    from alembic import command

    command.upgrade(alembic_config(db_url), "0001")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO blobs (sha256, data, size) VALUES ('ab', :d, 1)"), {"d": b"x"})
        conn.execute(text("INSERT INTO return_series VALUES ('101', 2023, 'project', 1)"))
        conn.execute(text(
            "INSERT INTO returns (department_code, department_name, year, template_id, template_version, version,"
            " blob_sha256, filename, received_at, record, findings, error_count, warning_count, status) VALUES"
            " ('101', '甲局', 2023, 'project', '1', 1, 'ab', 'a.xlsx', :at, '{}', :f, 0, 1, '已通过')"),
            {"at": dt.datetime(2024, 3, 1, 12, 0), "f": json.dumps([V311])})
    engine.dispose()
    with Archive(db_url) as a:
        assert a.applied_migrations == ["0002"]
        (old,) = a.latest(YEAR)
        assert (old.version, old.fill_date, old.voided_at, old.warning_count) == (1, None, None, 1)
        a.mark_checked(old.id, "V311", by="张三")
        a.store(sub("102", OLE, findings=[{"code": "R006", "severity": "error"}], unreadable=True))
        assert [r.status for r in a.status(YEAR)] == ["已通过", "格式错误"]


# --------------------------------------------------------------------------- send back


def test_send_back_makes_a_passed_return_needs_fix_and_keeps_who_and_why(archive, db_url):
    r = archive.store(sub("101", b"x", findings=[W2]))
    assert archive.status(YEAR)[0].status == "已通过"
    at = dt.datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
    back = archive.send_back(r.id, reason="执行率超过 100% 的说明不充分", by="张三", at=at)
    assert (back.status, back.sent_back_by, back.send_back_reason) == ("待修改", "张三", "执行率超过 100% 的说明不充分")
    assert back.sent_back_at == at and back.sent_back_at.utcoffset() == dt.timedelta(hours=8)
    assert [(s.status, s.version) for s in archive.status(YEAR)] == [("待修改", 1)]
    assert archive.export_rows(YEAR)[0]["status"] == "待修改"
    again = archive.send_back(r.id, reason="另一个原因", by="李四")
    assert (again.sent_back_by, again.send_back_reason) == ("张三", "执行率超过 100% 的说明不充分")
    fixed = archive.store(sub("101", b"fixed"))  # the department sends a new version
    assert [(s.status, s.version) for s in archive.status(YEAR)] == [("已通过", 2)]
    archive.void(fixed.id, reason="误收", by="张三")
    with pytest.raises(ValueError):
        archive.send_back(fixed.id, reason="x", by="张三")
    bad = archive.store(sub("102", OLE, findings=[{"code": "R006", "severity": "error"}], unreadable=True))
    with pytest.raises(ValueError):
        archive.send_back(bad.id, reason="x", by="张三")
    with pytest.raises(ValueError):
        archive.send_back(r.id, reason="", by="张三")
    with Archive(db_url) as reopened:
        assert reopened.get(r.id).sent_back_by == "张三"


# --------------------------------------------------------------------------- one transaction


@pytest.mark.parametrize("action", ["void", "send_back", "mark_checked"])
def test_work_given_to_an_action_shares_its_transaction(archive, action):
    """``then`` (the portal's audit line) sees the action done, inside its transaction, and
    commits with it: when ``then`` fails, the action is not kept either."""
    r = archive.store(sub("101", b"x", findings=[V311]))

    def act(then):
        if action == "mark_checked":
            return archive.mark_checked(r.id, "V311", by="张三", then=then)
        return getattr(archive, action)(r.id, reason="原因", by="张三", then=then)

    def done(stored) -> bool:
        return bool(stored.voided_at or stored.sent_back_at or stored.findings[0].get("checked"))

    def fail(conn, stored) -> None:
        assert done(stored)  # the action is done in the transaction `then` runs in
        raise RuntimeError("the audit line could not be written")

    with pytest.raises(RuntimeError):
        act(fail)
    assert not done(archive.versions("101", YEAR)[0])  # rolled back with `then`
    seen = []
    act(lambda conn, stored: seen.append(done(stored)))
    assert seen == [True] and done(archive.versions("101", YEAR)[0])
