"""File intake: what was handed in, before any part of it is parsed.

``source`` is a path, bytes or a binary file object. A path is checked with ``stat``
before it is opened and opened non-blocking, so a FIFO, a device or a socket is refused
by its type (R014) and never blocks the reader; a directory or a missing file is R001.
The first bytes classify the input: empty (R002), OLE/CFB (an encrypted workbook R005,
a legacy .xls/.et R006, a .doc/.ppt R003), anything else that is no zip (R003, saying
what it looks like). A zip's end-of-central-directory record is checked for an absurd
entry count before :mod:`zipfile` allocates for it (R009).
"""

from __future__ import annotations

import io
import os
import stat
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import MiB, Refuse, detail

#: What :func:`jixiao.read.read_package` accepts.
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

#: A zip with more entries than this is refused (an .xlsx form has a few dozen).
MAX_ZIP_ENTRIES = 10_000
#: How much of an OLE/CFB file is scanned for the encryption stream names.
CFB_SCAN_LIMIT = 64 * MiB

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: OLE directory entry names looked for: encryption streams (a workbook with a password
#: to open), legacy spreadsheet streams (BIFF8 / BIFF5), legacy Word and PowerPoint.
_CFB_NAMES = (
    "EncryptionInfo",
    "EncryptedPackage",
    "Workbook",
    "Book",
    "WordDocument",
    "PowerPoint Document",
)

_SPECIAL = (
    (stat.S_ISFIFO, "命名管道（FIFO）", "a FIFO"),
    (stat.S_ISCHR, "字符设备", "a character device"),
    (stat.S_ISBLK, "块设备", "a block device"),
    (stat.S_ISSOCK, "套接字", "a socket"),
)


def _check_type(mode: int) -> None:
    """Refuse anything but a regular file, by its type alone."""
    if stat.S_ISDIR(mode):
        raise Refuse("R001", **detail("这是一个文件夹", "is a directory"))
    if stat.S_ISREG(mode):
        return
    for test, zh, en in _SPECIAL:
        if test(mode):
            raise Refuse("R014", kind_zh=zh, kind_en=en)
    raise Refuse("R014", kind_zh="特殊文件", kind_en="a special file")


def _cannot_open(exc: OSError) -> Refuse:
    if isinstance(exc, FileNotFoundError):
        zh = "文件不存在"
    elif isinstance(exc, IsADirectoryError):
        zh = "这是一个文件夹"
    elif isinstance(exc, PermissionError):
        zh = "没有读取权限"
    else:
        zh = "读取出错"
    return Refuse("R001", **detail(zh, exc.strerror or type(exc).__name__))


def _open_path(path: Path) -> IO[bytes]:
    """The regular file at ``path``, opened without ever blocking: ``stat`` first, then
    a non-blocking open and ``fstat`` again (the path may have been swapped between)."""
    try:
        _check_type(os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _cannot_open(exc) from exc
    try:
        _check_type(os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _read_capped(fh: IO[bytes], cap: int) -> bytes:
    data = fh.read(cap + 1)
    if len(data) > cap:
        limit = f"{cap / MiB:g} MiB"
        raise Refuse("R009", **detail(f"文件超过 {limit}", f"file over {limit}"))
    return data


@contextmanager
def open_source(source: Source, max_bytes: int) -> Iterator[tuple[IO[bytes], Path | None]]:
    """A seekable binary stream over ``source`` and the path it came from (None for
    bytes and file objects). A file object that cannot seek is read into memory, at
    most ``max_bytes``; it is left open (its owner closes it)."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(bytes(source)), None
        return
    if hasattr(source, "read"):
        fh: IO[bytes] = source  # type: ignore[assignment]
        seekable = getattr(fh, "seekable", None)
        if seekable is not None and seekable():
            yield fh, None
        else:
            yield io.BytesIO(_read_capped(fh, max_bytes)), None
        return
    path = Path(source)  # type: ignore[arg-type]
    with _open_path(path) as fh:
        yield fh, path


def stream_size(fh: IO[bytes]) -> int:
    start = fh.tell()
    size = fh.seek(0, os.SEEK_END)
    fh.seek(start)
    return size


def classify(fh: IO[bytes], scan_limit: int) -> None:
    """Refuse anything that is not a zip, by its first bytes (see the module docstring)."""
    fh.seek(0)
    head = fh.read(2048)
    if not head:
        raise Refuse("R002")
    if head.startswith(CFB_MAGIC):
        names = _scan_cfb(fh, max(CFB_SCAN_LIMIT, scan_limit))
        if names & {"EncryptionInfo", "EncryptedPackage"}:
            raise Refuse("R005")
        if names & {"WordDocument", "PowerPoint Document"} and not names & {"Workbook", "Book"}:
            raise Refuse(
                "R003",
                kind_zh="旧版 Word 或 PowerPoint 文档（.doc/.ppt）",
                kind_en="a legacy Word or PowerPoint document",
            )
        raise Refuse("R006")
    if not head.startswith(b"PK"):
        zh, en = _sniff(head)
        raise Refuse("R003", kind_zh=zh, kind_en=en)


def too_many_entries(n: int) -> Refuse:
    return Refuse(
        "R009",
        **detail(
            f"压缩包含 {n} 个条目，上限 {MAX_ZIP_ENTRIES} 个",
            f"{n} zip entries, limit {MAX_ZIP_ENTRIES}",
        ),
    )


def _scan_cfb(fh: IO[bytes], limit: int) -> set[str]:
    """Names of interest among the directory entries of an OLE/CFB file.

    Directory entries are 128 bytes, aligned on 128 in the file, and start with the
    NUL-terminated UTF-16LE name: a name counts only there, so the same text inside a
    stream's content is not mistaken for an entry. Scans at most ``limit`` bytes and
    stops early once an encryption stream is found."""
    markers = {name: name.encode("utf-16-le") + b"\0\0" for name in _CFB_NAMES}
    keep = max(len(m) for m in markers.values())
    found: set[str] = set()
    fh.seek(0)
    tail = b""
    offset = 0  # file offset of window[0]
    while offset + len(tail) < limit:
        chunk = fh.read(min(MiB, limit - offset - len(tail)))
        if not chunk:
            break
        window = tail + chunk
        for name, marker in markers.items():
            pos = window.find(marker)
            while pos >= 0:
                if (offset + pos) % 128 == 0:
                    found.add(name)
                    break
                pos = window.find(marker, pos + 1)
        if found & {"EncryptionInfo", "EncryptedPackage"}:
            break
        cut = max(len(window) - keep, 0)
        offset += cut
        tail = window[cut:]
    return found


def _sniff(head: bytes) -> tuple[str, str]:
    """What a non-zip, non-OLE file looks like: (Chinese, English)."""
    if head.startswith(b"\x89PNG"):
        return "一张 PNG 图片", "a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "一张 JPEG 图片", "a JPEG image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "一张 GIF 图片", "a GIF image"
    if head.startswith(b"%PDF"):
        return "PDF 文档", "a PDF document"
    if head.startswith(b"Rar!"):
        return "RAR 压缩包（请解压后提交其中的 .xlsx）", "a RAR archive"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z 压缩包（请解压后提交其中的 .xlsx）", "a 7z archive"
    if head.startswith(b"\x1f\x8b"):
        return "gzip 压缩包", "a gzip archive"
    if head.startswith(b"{\\rtf"):
        return "RTF 文档", "an RTF document"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<table" in text:
        return "网页（HTML）格式的表格", "an HTML page"
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "Excel 2003 XML 表格", "an Excel 2003 XML spreadsheet"
    if text.startswith(b"<"):
        return "XML 或网页文件", "an XML/HTML file"
    if b"\0" not in head:
        for enc in ("utf-8", "gb18030"):
            try:
                head.decode(enc)
            except UnicodeDecodeError:
                continue
            return "文本或 CSV 文件", "a text or CSV file"
    return "无法识别的文件", "an unrecognised file"


def precheck_central_directory(fh: IO[bytes], size: int) -> None:
    """Refuse absurd entry counts or central-directory sizes from the end-of-central-
    directory record before zipfile parses (and allocates for) every entry. Anything
    unparsable is left to zipfile, which reports it."""
    tail_len = min(size, 65_535 + 22)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return
    entries, cd_size = struct.unpack("<HI", tail[pos + 10 : pos + 16])
    if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and pos >= 20:
        loc = tail[pos - 20 : pos]
        if loc[:4] == b"PK\x06\x07":
            (offset,) = struct.unpack("<Q", loc[8:16])
            if offset + 56 <= size:
                fh.seek(offset)
                rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06":
                    entries, cd_size = struct.unpack("<QQ", rec[32:48])
    if entries > MAX_ZIP_ENTRIES or cd_size > MAX_ZIP_ENTRIES * (46 + 2 * 65_535):
        raise too_many_entries(entries)
