"""`jixiao collect` files a return only under a department its signed pre-fill names.

A department that strips the bureau's signature from its form (and names another
department in the pre-fill), or builds an unsigned form of its own, gets V008 where the
bureau signs its forms; the portal refuses such an upload (serve/returns.py), and so does
collect: reported with its code and message, counted as not archived, exit 1. Blank forms
(nothing pre-filled) and the forms the bureau signed are filed as before. Real files, built
by `jixiao build --data` with the test session's key, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forms import build_filled, seed_000_values
from jixiao.archive import Archive
from jixiao.archive.collect import collect_files
from jixiao.build import build_template
from jixiao.cli import app
from jixiao.read.record import open_return
from jixiao.signing import Keyring, user_key_path

TEMPLATE = "guizhou-zhengti"
UNSIGNED_ZH = "预填内容没有财政局签名"



def stripped(src: Path, dst: Path) -> Path:
    """440005's form with its signature taken out of the hidden metadata and 440008 named in
    the pre-fill instead (a department filing as another)."""
    edits = [("<t>signature</t>", "<t>remark</t>"), ('"code": "440005"', '"code": "440008"')]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/sharedStrings.xml":
                text = data.decode()
                for old, new in edits:
                    assert text.count(old) == 1, old
                    text = text.replace(old, new)
                data = text.encode()
            zout.writestr(info, data)
    return dst


def rebuilt(src: Path, dst: Path) -> Path:
    """A form built without the bureau's key whose pre-fill names 440008 (what anyone with
    jixiao can make from 440005's form)."""
    prefill = open_return(src).record.prefill | {"_department": {"code": "440008", "name": "乙局"}}
    return build_template(TEMPLATE, dst.parent, prefill=prefill, filename=dst.name)


@pytest.mark.parametrize("forge", [stripped, rebuilt])
def test_an_unsigned_prefill_is_never_filed_where_the_bureau_signs(forge, sent: Path, tmp_path: Path,
                                                                   db_url: str) -> None:
    keys = Keyring.load(user_key_path())
    forged = forge(next(sent.glob("440005_*.xlsx")), tmp_path / "forged.xlsx")
    genuine = next(sent.glob("440008_*.xlsx"))
    blank, _ = build_filled(TEMPLATE, seed_000_values, tmp_path / "blank.xlsx")  # nothing pre-filled
    with Archive(db_url) as archive:
        run = collect_files([forged, genuine, blank], archive, keys=keys, jobs=1, year=2023)
        by_name = {c.path.name: c for c in run}
        refused = by_name["forged.xlsx"]
        assert refused.stored is None and refused.refused and run.refused == [refused]
        assert refused.refusal.code == "V008" and UNSIGNED_ZH in refused.refusal.message_zh
        assert by_name[genuine.name].stored.department_code == "440008" and by_name[genuine.name].refusal is None
        assert by_name["blank.xlsx"].stored is not None and by_name["blank.xlsx"].stored.created
        assert [r.filename for r in archive.versions("440008", 2023)] == [genuine.name]
        assert archive.versions("440005", 2023) == []
        # Sending it again changes nothing: still refused, 440008 still has its own return only.
        again = collect_files([forged], archive, keys=keys, jobs=1, year=2023)
        assert again[0].refusal.code == "V008" and len(archive.versions("440008", 2023)) == 1


def test_without_the_bureaus_key_an_unsigned_prefill_cannot_be_told_from_a_stripped_one(
        sent: Path, tmp_path: Path) -> None:
    """No key here (``keys`` None): nothing can be checked, V004 is a note and the return is
    filed, as the portal files it when it has no key."""
    forged = stripped(next(sent.glob("440005_*.xlsx")), tmp_path / "forged.xlsx")
    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        run = collect_files([forged], archive, jobs=1, year=2023)
    assert run.refused == [] and run[0].stored is not None
    assert "V004" in {f["code"] for f in run[0].stored.findings}


@pytest.mark.parametrize("quiet", [False, True])
def test_cli_collect_reports_an_unsigned_prefill_and_exits_1(quiet: bool, sent: Path, tmp_path: Path,
                                                             db_url: str) -> None:
    forged = stripped(next(sent.glob("440005_*.xlsx")), tmp_path / "forged.xlsx")
    genuine = next(sent.glob("440008_*.xlsx"))
    runner = CliRunner()
    r = runner.invoke(app, ["collect", str(forged), str(genuine), "--db", db_url, "--year", "2023",
                            *(["--quiet"] if quiet else [])])
    assert r.exit_code == 1, r.output
    assert "共 2 个文件：归档 1 份新版本，0 份已归档过，0 份格式错误，1 份未归档" in r.output
    line = next(x for x in r.output.splitlines() if "forged.xlsx" in x and "V008" in x)
    assert "未归档" in line and UNSIGNED_ZH in line
    assert quiet or "未归档（预填内容没有财政局签名）" in r.output
    st = json.loads(runner.invoke(app, ["status", "--year", "2023", "--db", db_url, "--json"]).stdout)
    assert [(s["department_code"], s["version"]) for s in st] == [("440008", 1)]
    english = runner.invoke(app, ["collect", str(forged), "--db", db_url, "--year", "2023", "--lang", "en"])
    assert english.exit_code == 1 and "not archived, V008 pre-fill not signed" in english.output, english.output
