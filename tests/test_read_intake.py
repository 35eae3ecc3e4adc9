"""jixiao.read: sources (path, bytes, file object), types refused before opening, the 1904
date system, and validation ranges kept as ranges under a count budget."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from forms import build_filled, rewrite_part, seed_000_values
from jixiao.read import UnreadableWorkbook, read_package
from jixiao.read.record import open_return
from jixiao.read.refs import covered
from jixiao.verify.verification import verify_file

SHEET = "xl/worksheets/sheet1.xml"
#: 2024-03-01 as a serial date in the 1900 and in the 1904 date system.
SERIAL_1900, SERIAL_1904 = 45352, 45352 - 1462


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = build_filled("guizhou-zhengti", seed_000_values, tmp_path_factory.mktemp("ret") / "ret.xlsx")
    return path


def _refused(source: object, code: str) -> UnreadableWorkbook:
    with pytest.raises(UnreadableWorkbook) as info:
        read_package(source)  # type: ignore[arg-type]
    assert info.value.code == code, str(info.value)
    assert "请" in info.value.message_zh
    return info.value


# --------------------------------------------------------------------------- sources


def test_bytes_and_file_objects_read_like_the_path(filled: Path) -> None:
    from_path = read_package(filled)
    data = filled.read_bytes()
    with open(filled, "rb") as fh:
        from_file = read_package(fh)
    for pkg in (read_package(data), read_package(bytearray(data)), read_package(io.BytesIO(data)), from_file):
        assert pkg.path is None
        assert pkg.sheets == from_path.sheets and pkg.custom_properties == from_path.custom_properties
    assert from_path.path == filled
    assert open_return(data).record == open_return(filled).record


def test_unseekable_stream_is_read_whole(filled: Path) -> None:
    read_end, write_end = os.pipe()
    data = filled.read_bytes()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    with os.fdopen(read_end, "rb") as stream:
        assert not stream.seekable()
        pkg = read_package(stream)
    writer.join()
    assert pkg.sheets == read_package(filled).sheets


def test_bad_bytes_get_codes() -> None:
    _refused(b"", "R002")
    _refused("名称,金额\n项目,1\n".encode(), "R003")


# --------------------------------------------------------------------------- refused by type


def test_fifo_refused_by_type_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "return.xlsx"
    os.mkfifo(fifo)
    signal.alarm(10)  # opening a FIFO for reading would block until a writer came
    try:
        err = _refused(fifo, "R014")
    finally:
        signal.alarm(0)
    assert "命名管道" in err.message_zh and err.path == fifo


def test_device_refused_by_type() -> None:
    err = _refused("/dev/null", "R014")
    assert "设备" in err.message_zh


def test_directory_refused_by_type(tmp_path: Path) -> None:
    err = _refused(tmp_path, "R001")
    assert "文件夹" in err.message_zh


# --------------------------------------------------------------------------- dates


def _set_date(src: Path, dst: Path, serial: int, date1904: bool) -> Path:
    """The return with its 填报日期 (I3) typed as a serial date, as a spreadsheet saves it."""
    tmp = dst.with_suffix(".tmp.xlsx")
    rewrite_part(src, tmp, SHEET, lambda t: re.sub(r'<c r="I3" s="(\d+)"(?: t="s")?><v>[\d.]+</v></c>',
                                                   rf'<c r="I3" s="\1"><v>{serial}</v></c>', t))
    if not date1904:
        return tmp.rename(dst)
    rewrite_part(tmp, dst, "xl/workbook.xml", lambda t: t.replace("<workbookPr ", '<workbookPr date1904="1" '))
    return dst


def test_dates_follow_the_workbook_date_system(filled: Path, tmp_path: Path) -> None:
    plain = _set_date(filled, tmp_path / "1900.xlsx", SERIAL_1900, date1904=False)
    mac = _set_date(filled, tmp_path / "1904.xlsx", SERIAL_1904, date1904=True)
    assert read_package(plain).date1904 is False and read_package(mac).date1904 is True
    assert open_return(plain).record.values["zt_fill_date"] == "2024-03-01"
    assert open_return(mac).record.values["zt_fill_date"] == "2024-03-01"


# --------------------------------------------------------------------------- ranges


def test_covered_answers_per_box_not_per_cell() -> None:
    cells = [(3, 9), (14, 5), (1_048_576, 16_384), (2, 2)]
    whole_sheet = (1, 1, 1_048_576, 16_384)
    assert covered([whole_sheet], cells) == set(cells)
    assert covered([(3, 9, 3, 9), (10, 1, 20, 5)], cells) == {(3, 9), (14, 5)}
    assert covered([], cells) == set()


def _run(code: str, timeout: float = 120) -> tuple[str, float, int]:
    """Run ``code`` in a fresh interpreter: its output, seconds and peak RSS in bytes."""
    script = code + "\nimport resource\nprint('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout,
                          env=env, check=True)
    seconds = time.perf_counter() - start
    rss = int(done.stdout.rsplit("RSS", 1)[1]) * 1024  # ru_maxrss is in KiB on Linux
    return done.stdout, seconds, rss


def test_whole_sheet_validation_is_a_range(filled: Path, tmp_path: Path) -> None:
    """One validation over A1:XFD1048576 in a small return: verified in seconds, small
    memory, every input counted as validated (no V106)."""
    path = rewrite_part(filled, tmp_path / "giant.xlsx", SHEET,
                        lambda t: t.replace('sqref="C3"', 'sqref="A1:XFD1048576"', 1))
    assert path.stat().st_size < 200_000
    out, seconds, rss = _run(f"from jixiao.verify.verification import verify_file\n"
                             f"v = verify_file({str(path)!r})\n"
                             f"print(sorted({{f.code for f in v.findings}}))")
    assert "V106" not in out and "R0" not in out
    assert seconds < 60 and rss < 1024**3


def test_200k_ranges_refused_by_budget_fast(filled: Path, tmp_path: Path) -> None:
    many = " ".join(f"Z{row}" for row in range(1, 200_001))
    path = rewrite_part(filled, tmp_path / "many.xlsx", SHEET, lambda t: re.sub(r'(<dataValidation [^>]*?)sqref="C3"',
                                                                   rf'\1sqref="{many}"', t, count=1))
    assert path.stat().st_size < 2 * 1024**2
    out, seconds, rss = _run(f"from jixiao.verify.verification import verify_file\n"
                             f"v = verify_file({str(path)!r})\n"
                             f"print([(f.code, f.message_zh) for f in v.findings])")
    assert "R013" in out and "100,000" in out
    assert seconds < 60 and rss < 1024**3
    # under a budget that allows them, they are read as ranges and the coverage is quick
    pkg = read_package(path, max_ranges=300_000)
    boxes = [box for v in pkg.sheets[0].validations for box in v.boxes]
    assert len(boxes) > 200_000
    start = time.perf_counter()
    assert covered(boxes, [(row, 26) for row in range(1, 1000)] + [(3, 3)]) >= {(1, 26), (999, 26)}
    assert time.perf_counter() - start < 10


def test_range_that_is_no_range_is_a_code(filled: Path, tmp_path: Path) -> None:
    path = rewrite_part(filled, tmp_path / "hidden.xlsx", SHEET,
                        lambda t: t.replace('sqref="C3"', 'sqref="hidden"', 1))
    err = _refused(path, "R011")
    assert "区域无效" in err.message_zh and "hidden" in err.message_zh
    verification = verify_file(path)
    assert verification.unreadable and [f.code for f in verification.findings] == ["R011"]


@pytest.mark.parametrize("pattern,bad", [
    (r'<mergeCell ref="[^"]+"/>', '<mergeCell ref="A1:B"/>'),
    (r'<conditionalFormatting sqref="[^"]+">', '<conditionalFormatting sqref="A1 XFE1">'),
])
def test_bad_merge_or_format_range_is_a_code(filled: Path, tmp_path: Path, pattern: str, bad: str) -> None:
    path = rewrite_part(filled, tmp_path / "bad.xlsx", SHEET, lambda t: re.sub(pattern, bad, t, count=1))
    _refused(path, "R011")


def test_conditional_format_ranges_count(filled: Path, tmp_path: Path) -> None:
    many = " ".join(f"Z{row}" for row in range(1, 2001))
    path = rewrite_part(filled, tmp_path / "cf.xlsx", SHEET,
                        lambda t: re.sub(r'<conditionalFormatting sqref="[^"]+">',
                                         f'<conditionalFormatting sqref="{many}">', t, count=1))
    assert read_package(path).sheets[0].cells
    with pytest.raises(UnreadableWorkbook) as info:
        read_package(path, max_ranges=1000)
    assert info.value.code == "R013" and "1,000" in info.value.message_zh


@pytest.mark.parametrize("levels", [3_000, 200_000])
def test_deep_nesting_is_a_code_not_a_crash(filled: Path, tmp_path: Path, levels: int) -> None:
    """Nested containers (walked) deeper than any spreadsheet: R011, within one chunk of
    the parser or across many; nested elements nobody reads are only counted."""
    nested = "<extLst>" + "<ext>" * levels + "</ext>" * levels + "</extLst>"
    path = rewrite_part(filled, tmp_path / "deep.xlsx", SHEET, lambda t: t.replace("</sheetData>", "</sheetData>" + nested))
    err = _refused(path, "R011")
    assert "嵌套" in err.message_zh
    ignored = "<x>" * 3_000 + "</x>" * 3_000
    path = rewrite_part(filled, tmp_path / "ignored.xlsx", SHEET,
                        lambda t: t.replace("</sheetData>", "</sheetData>" + ignored))
    assert read_package(path).sheets[0].cells
