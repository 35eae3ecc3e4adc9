"""Hostile and broken inputs: only UnreadableWorkbook, each with its stable code and a
Chinese message saying what to do; never a crash, a hang, an expansion or a fetch.

Every file is generated in tmp_path by the builders of tests/hostile (no binary blobs).
"""

from __future__ import annotations

import io
import random
import warnings
import zipfile
from pathlib import Path

import pytest

import hostile
from jixiao.read import CODES, UnreadableWorkbook, intake, read_package, reading
from jixiao.read.errors import Refuse
from jixiao.read.zipparts import Budget, CappedReader

#: the phrase of each code's Chinese message a department reads first
KEY_PHRASE = {
    "R001": "无法打开",
    "R002": "文件是空的",
    "R003": "不是 Excel 工作簿",
    "R004": "已损坏或不完整",
    "R005": "打开密码",
    "R006": "另存为 .xlsx",
    "R007": "OpenDocument 表格",
    "R008": "不是 Excel 工作簿",
    "R009": "压缩炸弹",
    "R010": "不允许的 XML 结构",
    "R011": "内部结构有误",
    "R012": "内容过多",
    "R013": "区域过多",
    "R014": "不是普通文件",
    "R015": "预填数据无效",
    "R016": "没有找到要读取的报表文件",
    "R098": "内部错误",
    "R099": "意外错误",
}


def refused(path: Path, code: str, **limits: int | float) -> UnreadableWorkbook:
    with pytest.raises(UnreadableWorkbook) as info:
        read_package(path, **limits)  # type: ignore[arg-type]
    err = info.value
    assert err.code == code, str(err)
    assert KEY_PHRASE[code] in err.message_zh
    assert "请" in err.message_zh  # every message says what to do
    assert err.message_en and err.path == path
    assert err.message_zh in str(err) and err.message_en in str(err)
    return err


def test_every_code_has_a_key_phrase() -> None:
    assert set(KEY_PHRASE) == set(CODES)
    for code, entry in CODES.items():
        assert KEY_PHRASE[code] in entry.zh


# --------------------------------------------------------------------------- not a workbook


def test_missing_file(tmp_path: Path) -> None:
    err = refused(tmp_path / "nope.xlsx", "R001")
    assert "文件不存在" in err.message_zh


def test_directory(tmp_path: Path) -> None:
    err = refused(tmp_path, "R001")
    assert "文件夹" in err.message_zh


def test_empty_file(tmp_path: Path) -> None:
    refused(hostile.empty_file(tmp_path), "R002")


def test_text_file(tmp_path: Path) -> None:
    err = refused(hostile.text_file(tmp_path), "R003")
    assert "CSV" in err.message_zh


def test_png_file(tmp_path: Path) -> None:
    err = refused(hostile.png_file(tmp_path), "R003")
    assert "PNG 图片" in err.message_zh


def test_html_table_saved_as_xls(tmp_path: Path) -> None:
    err = refused(hostile.html_table(tmp_path), "R003")
    assert "网页" in err.message_zh and "另存为 .xlsx" in err.message_zh


def test_truncated_zip(tmp_path: Path) -> None:
    refused(hostile.truncated_zip(tmp_path), "R004")


def test_corrupted_member(tmp_path: Path) -> None:
    refused(hostile.corrupted_member(tmp_path), "R004")


def test_encrypted_workbook(tmp_path: Path) -> None:
    err = refused(hostile.encrypted_workbook(tmp_path), "R005")
    assert "取消" in err.message_zh


def test_zip_with_password_protected_members(tmp_path: Path) -> None:
    refused(hostile.zip_encrypted_members(tmp_path), "R005")


def test_legacy_xls(tmp_path: Path) -> None:
    err = refused(hostile.legacy_xls(tmp_path), "R006")
    assert ".xls" in err.message_zh


def test_wps_et(tmp_path: Path) -> None:
    err = refused(hostile.legacy_xls(tmp_path, "自评表.et"), "R006")
    assert ".et" in err.message_zh


def test_legacy_xls_mentioning_encryption_in_a_cell(tmp_path: Path) -> None:
    refused(hostile.legacy_xls_mentioning_encryption(tmp_path), "R006")


def test_legacy_word_document(tmp_path: Path) -> None:
    err = refused(hostile.legacy_doc(tmp_path), "R003")
    assert "Word" in err.message_zh


def test_ods(tmp_path: Path) -> None:
    err = refused(hostile.ods_file(tmp_path), "R007")
    assert "另存为 .xlsx" in err.message_zh


def test_docx(tmp_path: Path) -> None:
    err = refused(hostile.docx_file(tmp_path), "R008")
    assert "Word" in err.message_zh


def test_zip_holding_the_form(tmp_path: Path) -> None:
    err = refused(hostile.zipped_workbook(tmp_path), "R008")
    assert "解压" in err.message_zh


# --------------------------------------------------------------------------- zip bombs


def test_zip_bomb_ratio(tmp_path: Path) -> None:
    err = refused(hostile.ratio_bomb(tmp_path), "R009")
    assert "压缩比" in err.message_zh


def test_zip_bomb_declared_total(tmp_path: Path) -> None:
    path = hostile.ratio_bomb(tmp_path, mib=2)
    err = refused(path, "R009", max_uncompressed=1024 * 1024, max_ratio=1e9)
    assert "声明的解压总量" in err.message_zh and "1 MiB" in err.message_zh


def test_zip_bomb_too_many_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "MAX_ZIP_ENTRIES", 40)
    err = refused(hostile.many_entries(tmp_path, 50), "R009")
    assert "条目" in err.message_zh


def test_zip_bomb_lying_headers(tmp_path: Path) -> None:
    """Declared 1000 bytes, inflates to 4 MiB: zipfile stops at the declared size and the
    CRC no longer matches, so the package is refused as damaged before any blow-up."""
    refused(hostile.lying_sizes(tmp_path), "R004")


def test_streaming_cap_enforced_when_headers_lie() -> None:
    budget = Budget(10_000, 200, 100)
    reader = CappedReader(io.BytesIO(b"x" * 5000), 1000, budget, "xl/a.xml")
    with pytest.raises(Refuse) as info:
        while reader.read(512):
            pass
    assert info.value.code == "R009"

    budget = Budget(3000, 200, 100)
    first = CappedReader(io.BytesIO(b"x" * 2000), 2000, budget, "xl/a.xml")
    assert len(first.read(4096)) == 2000
    second = CappedReader(io.BytesIO(b"x" * 2000), 2000, budget, "xl/b.xml")
    with pytest.raises(Refuse) as info:
        second.read(4096)
    assert info.value.code == "R009"


# --------------------------------------------------------------------------- hostile XML


def test_billion_laughs_refused_not_expanded(tmp_path: Path) -> None:
    path = hostile.with_xml(tmp_path, "xl/worksheets/sheet1.xml", hostile.BILLION_LAUGHS)
    err = refused(path, "R010")
    assert "xl/worksheets/sheet1.xml" in err.message_zh


def test_external_entity_refused_not_fetched(tmp_path: Path) -> None:
    path = hostile.with_xml(tmp_path, "xl/sharedStrings.xml", hostile.EXTERNAL_ENTITY)
    refused(path, "R010")


def test_parameter_entity_refused(tmp_path: Path) -> None:
    path = hostile.with_xml(tmp_path, "[Content_Types].xml", hostile.PARAMETER_ENTITY)
    refused(path, "R010")


def test_bare_doctype_refused(tmp_path: Path) -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE workbook><workbook xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    refused(hostile.with_xml(tmp_path, "xl/workbook.xml", xml), "R010")


# --------------------------------------------------------------------------- budgets


def test_huge_sheet_over_cell_budget(tmp_path: Path) -> None:
    err = refused(hostile.huge_sheet(tmp_path, 101), "R012", max_cells=100)
    assert "100" in err.message_zh and "100" in err.message_en


def test_cell_budget_is_per_workbook(tmp_path: Path) -> None:
    path = hostile.valid_workbook(tmp_path / "two.xlsx", sheets=2, cells=30)  # 2 x 61 cells
    assert len(read_package(path, max_cells=122).sheets) == 2
    refused(path, "R012", max_cells=100)  # each sheet alone would fit


def test_element_budget(tmp_path: Path) -> None:
    refused(hostile.many_rows(tmp_path, 101_000), "R012", max_cells=100)


# --------------------------------------------------------------------------- malformed


def _sheet_xml(body: str) -> bytes:
    return (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>'
    ).encode()


@pytest.mark.parametrize(
    ("member", "xml", "phrase"),
    [
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>", "XML 格式错误"),
        ("xl/worksheets/sheet1.xml", _sheet_xml('<row r="1"><c r="A0"><v>1</v></c></row>'), "A0"),
        (
            "xl/worksheets/sheet1.xml",
            _sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>'),
            "重复",
        ),
        (
            "xl/worksheets/sheet1.xml",
            _sheet_xml('<row r="1"><c r="A1" t="s"><v>999</v></c></row>'),
            "共享字符串",
        ),
        (
            "xl/worksheets/sheet1.xml",
            _sheet_xml('<row r="1"><c r="A1"><v>abc</v></c></row>'),
            "数值",
        ),
        (
            "xl/worksheets/sheet1.xml",
            _sheet_xml('<row r="1"><c r="B1"><f t="shared" si="7"/><v>1</v></c></row>'),
            "共享公式",
        ),
        ("xl/worksheets/sheet1.xml", _sheet_xml('<row r="1"><c r="A1" t="zz"/></row>'), "类型"),
    ],
)
def test_malformed_parts(tmp_path: Path, member: str, xml: bytes, phrase: str) -> None:
    err = refused(hostile.with_xml(tmp_path, member, xml), "R011")
    assert phrase in err.message_zh


def test_missing_sheet_part(tmp_path: Path) -> None:
    src = hostile.valid_workbook(tmp_path / "whole.xlsx")
    path = hostile.rezip(src, tmp_path / "nosheet.xlsx", drop=("xl/worksheets/sheet1.xml",))
    err = refused(path, "R011")
    assert "表1" in err.message_zh


def test_duplicate_zip_members(tmp_path: Path) -> None:
    """Two entries with one name: readers would disagree on which one counts."""
    src = hostile.valid_workbook(tmp_path / "whole.xlsx")
    parts = hostile.members(src)
    path = tmp_path / "dup.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
            zf.writestr("XL/worksheets/sheet1.xml", _sheet_xml(""))
    refused(path, "R011")


def test_unexpected_error_still_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(reading, "_read_zip", boom)
    err = refused(hostile.valid_workbook(tmp_path / "ok.xlsx"), "R099")
    assert "KeyError" in err.message_en


# --------------------------------------------------------------------------- read, but flagged


def test_macros_read_and_flagged(tmp_path: Path) -> None:
    pkg = read_package(hostile.with_macros(tmp_path))
    assert pkg.has_macros is True
    assert "macroEnabled" in (pkg.main_content_type or "")
    assert pkg.sheet("表1").cells["A1"].value == 42.0


def test_external_links_read_and_flagged(tmp_path: Path) -> None:
    pkg = read_package(hostile.with_external_link(tmp_path))
    assert pkg.external_links == (hostile.EXTERNAL_TARGET,)
    assert pkg.has_macros is False
    assert pkg.sheet("表1").cells["A1"].value == "项目0"


# --------------------------------------------------------------------------- fuzz


def _outcome(path: Path) -> str:
    try:
        read_package(path, max_uncompressed=8 * 1024 * 1024, max_cells=10_000)
    except UnreadableWorkbook as err:
        assert err.code in CODES
        return err.code
    return "ok"


def test_random_byte_damage_never_crashes(tmp_path: Path) -> None:
    data = hostile.valid_workbook(tmp_path / "base.xlsx", cells=40).read_bytes()
    rng = random.Random(20240301)
    path = tmp_path / "damaged.xlsx"
    outcomes = set()
    for _ in range(150):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        if rng.random() < 0.2:
            del buf[rng.randrange(len(buf)) :]
        path.write_bytes(bytes(buf))
        outcomes.add(_outcome(path))
    assert outcomes - {"ok"}  # some damage was seen


def test_random_xml_damage_never_crashes(tmp_path: Path) -> None:
    src = hostile.valid_workbook(tmp_path / "base.xlsx", cells=40)
    parts = hostile.members(src)
    rng = random.Random(7)
    names = [n for n in parts if n.endswith((".xml", ".rels"))]
    junk = [b"<", b">", b"&", b'"', b"</c>", b"<c r='A1'>", b"\xff", b"<!DOCTYPE x>", b't="s"']
    for i in range(120):
        name = rng.choice(names)
        xml = bytearray(parts[name])
        pos = rng.randrange(len(xml))
        xml[pos:pos] = rng.choice(junk)
        path = hostile.write_zip(tmp_path / f"x{i % 4}.xlsx", {**parts, name: bytes(xml)})
        _outcome(path)
