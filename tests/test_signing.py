"""The bureau's signature over its pre-fill: a department cannot file as another.

Forms are built with `build --data` (signed with the test's own key), then edited the way
a department could edit them (the hidden metadata's JSON, the custom properties), then
verified and collected on SQLite and PostgreSQL, and uploaded to the portal.
"""

from __future__ import annotations

import os
import stat
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forms import TWO_DEPARTMENTS
from jixiao.archive import Archive
from jixiao.archive.collect import collect_files
from jixiao.build import build_template
from jixiao.cli import app
from jixiao.paths import TemplateSearchPath, templates_dir
from jixiao.read.record import open_return
from jixiao.serve import returns, service
from jixiao.signing import Keyring, user_key_path
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file

TEMPLATE = "guizhou-zhengti"


def edit_member(src: Path, dst: Path, member: str, old: str, new: str) -> Path:
    """A copy of ``src`` with ``old`` replaced by ``new`` (exactly once) in one zip member."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == member:
                text = data.decode()
                assert text.count(old) == 1, (member, old)
                data = text.replace(old, new).encode()
            zout.writestr(info, data)
    return dst


#: What a department of 440005 could change, and where: (member, old text, new text).
FORGERIES = {
    "department code": ("xl/sharedStrings.xml", '"code": "440005"', '"code": "440008"'),
    "budget": ("xl/sharedStrings.xml", '"zt_fund_total_budget": 459.61', '"zt_fund_total_budget": 900'),
    "template version": ("docProps/custom.xml", 'name="jixiao.template_version"><vt:i4>2<',
                         'name="jixiao.template_version"><vt:i4>1<'),
}



def test_build_data_creates_the_key_once_private_and_signs(sent: Path) -> None:
    key = user_key_path()
    assert key.exists() and stat.S_IMODE(os.stat(key).st_mode) == 0o600
    keys = Keyring.load(key)
    for form in sent.glob("*.xlsx"):
        v = verify_file(form, keys=keys)
        assert v.origin == "signed" and not {"V004", "V005", "V006", "V007"} & {f.code for f in v.findings}
    assert Keyring.load(key) == keys  # a second build reuses it


@pytest.mark.parametrize("what", FORGERIES)
def test_a_forged_prefill_is_an_error_and_never_filed(what: str, sent: Path, tmp_path: Path, db_url: str) -> None:
    keys = Keyring.load(user_key_path())
    genuine_b = next(sent.glob("440008_*.xlsx"))
    forged = edit_member(next(sent.glob("440005_*.xlsx")), tmp_path / "forged.xlsx", *FORGERIES[what])
    v = verify_file(forged, keys=keys)
    assert v.origin == "forged" and [f.severity for f in v.findings if f.code == "V006"] == ["error"]
    with Archive(db_url) as archive:
        first = collect_files([genuine_b], archive, keys=keys, jobs=1)
        results = collect_files([forged], archive, keys=keys, jobs=1)
        assert first[0].stored is not None and first[0].stored.department_code == "440008"
        assert results[0].stored is None and results[0].refused
        # 440008's newest version is still its own return; 440005 has nothing either.
        assert [s.version for s in archive.versions("440008", 2023)] == [1]
        assert archive.versions("440005", 2023) == []
    r = CliRunner().invoke(app, ["collect", str(forged), "--db", db_url, "--year", "2023"])
    assert r.exit_code == 1 and "未归档（预填内容与财政局签名不符）" in r.output, r.output


def test_a_key_that_is_not_ours_is_an_error_and_without_a_key_a_warning(sent: Path, tmp_path: Path) -> None:
    form = next(sent.glob("440005_*.xlsx"))
    other = Keyring.load_or_create(tmp_path / "other.key")
    v = verify_file(form, keys=other)
    assert v.origin == "unknown_key" and not v.prefill_trusted and "V007" in {f.code for f in v.findings}
    unchecked = verify_file(form)
    assert unchecked.origin == "unchecked" and [f.severity for f in unchecked.findings if f.code == "V005"] == [
        "warning"]


def test_forms_built_without_a_key_still_verify_with_a_note(tmp_path: Path) -> None:
    prefill = {"_department": {"code": "440005", "name": "甲局"}, "zt_fund_total_budget": 459.61}
    form = build_template(TEMPLATE, tmp_path, prefill=prefill)
    keys = Keyring.load_or_create(tmp_path / "k.key")
    v = verify_file(form)
    notes = [f for f in v.findings if f.code == "V004"]
    assert v.origin == "unsigned" and v.prefill_trusted and [f.severity for f in notes] == ["note"]
    assert "无法证明" in notes[0].message_zh
    # Where the bureau signs its forms, an unsigned pre-fill (a stripped signature?) is a warning.
    v = verify_file(form, keys=keys)
    assert [(f.code, f.severity) for f in v.findings if f.code in ("V004", "V008")] == [("V008", "warning")]
    blank = verify_file(build_template(TEMPLATE, tmp_path / "blank"), keys=keys)
    assert "V004" not in {f.code for f in blank.findings}  # nothing pre-filled: nothing to prove


def test_a_mangled_signature_is_forged_not_a_crash(sent: Path, tmp_path: Path) -> None:
    keys = Keyring.load(user_key_path())
    form = next(sent.glob("440005_*.xlsx"))
    mac = keys.sign(*_signed_parts(form)).mac
    mangled = edit_member(form, tmp_path / "mangled.xlsx", "xl/sharedStrings.xml", mac, "签名" + mac[4:])
    assert verify_file(mangled, keys=keys).origin == "forged"


def _signed_parts(form: Path) -> tuple[str, int, str, dict]:
    ret = open_return(form)
    return ret.record.template_id, ret.record.template_version, ret.fingerprint or "", ret.record.prefill


def test_a_signed_form_saved_again_by_libreoffice_or_openpyxl_keeps_its_signature(sent: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from calc.libreoffice import available, recalculate
    from conftest import require

    require(available(), "LibreOffice")
    keys = Keyring.load(user_key_path())
    form = next(sent.glob("440005_*.xlsx"))
    saved = list(recalculate([form], tmp_path / "lo").values())
    wb = load_workbook(form)
    wb.save(tmp_path / "openpyxl.xlsx")
    for path in (*saved, tmp_path / "openpyxl.xlsx"):
        assert verify_file(path, keys=keys).origin == "signed", path


def test_where_the_keys_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jixiao.signing import archive_key_path

    monkeypatch.delenv("JIXIAO_KEY")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert user_key_path() == tmp_path / "config" / "jixiao" / "bureau.key"
    assert archive_key_path(f"sqlite:///{tmp_path}/a.sqlite") == tmp_path / "a.sqlite.key"
    monkeypatch.chdir(tmp_path)  # --db as a plain path (jixiao serve and the portal commands alike)
    assert archive_key_path("a.sqlite") == tmp_path / "a.sqlite.key"
    assert archive_key_path("postgresql://u@h/db") == user_key_path()
    monkeypatch.setenv("JIXIAO_KEY", str(tmp_path / "k"))
    assert archive_key_path(f"sqlite:///{tmp_path}/a.sqlite") == tmp_path / "k"
    (tmp_path / "bad.key").write_text("not a key\n")
    with pytest.raises(ValueError, match="bad.key"):
        Keyring.load(tmp_path / "bad.key")


def test_a_rotated_key_still_checks_the_forms_of_the_old_one(sent: Path, tmp_path: Path) -> None:
    old = Keyring.load(user_key_path())
    rotated = Keyring((bytes(range(32)), *old.secrets))
    assert rotated.key_id != old.key_id
    assert verify_file(next(sent.glob("440005_*.xlsx")), keys=rotated).origin == "signed"


def test_the_portal_refuses_a_forged_or_unsigned_upload(db_url: str, tmp_path: Path) -> None:
    p = service.Portal.open(db_url, keys=Keyring.load_or_create(tmp_path / "portal.key"))
    try:
        task = service.create_task(p, "czj", "2023 自评", 2023, TEMPLATE, "2099-12-31")
        service.upload_roster(p, "czj", task, "单位.csv", TWO_DEPARTMENTS.encode())
        service.build_forms(p, task)
        links = {i.department_code: i.token for i in service.issue_links(p, "czj", task)}
        access = {code: service.resolve_link(p, token) for code, token in links.items()}
        name, form = service.form_file(p, access["440005"])
        original = tmp_path / name
        original.write_bytes(form)
        forged = edit_member(original, tmp_path / "forged.xlsx", *FORGERIES["department code"]).read_bytes()
        got = returns.receive_upload(p, access["440008"], "乙局.xlsx", forged)
        assert got.stored is None and [f["code"] for f in got.findings] == ["V006"]
        unsigned = build_template(TEMPLATE, tmp_path / "u", prefill=open_return(original).record.prefill
                                  | {"_department": {"code": "440008", "name": "乙局"}})
        got = returns.receive_upload(p, access["440008"], "乙局.xlsx", unsigned.read_bytes())
        assert got.stored is None and [f["code"] for f in got.findings] == ["P003"]
        assert p.archive.versions("440008", 2023) == []
        kept = returns.receive_upload(p, access["440005"], name, form)
        assert kept.stored is not None and kept.stored.department_code == "440005"
    finally:
        p.close()


# --------------------------------------------------------------------------- template lookup for returns


def test_a_template_planted_in_the_working_folder_is_not_used_to_read_returns(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    form = build_template(TEMPLATE, tmp_path / "returns")
    shipped = (templates_dir() / f"{TEMPLATE}.yaml").read_text(encoding="utf-8")
    planted = tmp_path / "prepared" / "templates" / f"{TEMPLATE}.yaml"
    planted.parent.mkdir(parents=True)
    # Someone else's rules under the shipped id and version: another title and year.
    planted.write_text(shipped.replace("name: ", "name: 被替换的", 1).replace("year: 2023", "year: 2099", 1),
                       encoding="utf-8")
    monkeypatch.chdir(planted.parent.parent)
    assert open_return(form).template.path == templates_dir() / f"{TEMPLATE}.yaml"
    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        assert collect_files([form], archive, jobs=1)[0].stored.year == 2023
    r = CliRunner().invoke(app, ["read", str(form)])
    assert r.exit_code == 0 and "被替换的" not in r.output, r.output
    # Building still finds the bureau's own variants in ./templates (docs/guide.zh-CN.md 1.2).
    assert load_template(TEMPLATE, search=TemplateSearchPath.default()).path == planted.resolve()


@pytest.mark.parametrize("template_id", ["../evil", "../../etc/x", "a" * 300])
def test_a_template_id_from_a_return_never_forms_a_path(template_id: str, tmp_path: Path) -> None:
    folder = tmp_path / "search"
    folder.mkdir()
    evil = tmp_path / "evil.yaml"  # where folder / "../evil.yaml" would lead
    evil.write_text((templates_dir() / f"{TEMPLATE}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    form = build_template(TEMPLATE, tmp_path / "blank")
    hostile = edit_member(form, tmp_path / "hostile.xlsx", "docProps/custom.xml",
                          f"<vt:lpwstr>{TEMPLATE}</vt:lpwstr>", f"<vt:lpwstr>{template_id}</vt:lpwstr>")
    opened: list[str] = []
    watching = [True]

    def hook(event: str, args: tuple) -> None:
        if watching[0] and event == "open" and isinstance(args[0], str | Path):
            opened.append(str(args[0]))

    sys.addaudithook(hook)  # audit hooks cannot be removed: this one stops watching below
    try:
        v = verify_file(hostile, search=TemplateSearchPath((folder, templates_dir())))
    finally:
        watching[0] = False
    assert [f.code for f in v.findings] == ["V002"] and v.unreadable
    assert len(v.findings[0].message_zh) < 200  # a 300-character id is not echoed whole
    roots = (str(folder), str(templates_dir()), str(hostile))
    outside = [p for p in map(os.path.normpath, opened) if p.endswith(".yaml") and not p.startswith(roots)]
    assert outside == [] and str(evil) not in map(os.path.normpath, opened)
