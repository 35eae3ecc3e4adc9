"""Builders of hostile and broken "workbooks", generated at test time (no binary blobs).

Each builder writes one file into the given folder and returns its path. They are small
and fast: the zip bomb is a few MiB of zeros that compress to a few KiB.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --------------------------------------------------------------------------- valid bases


def valid_workbook(path: Path, *, sheets: int = 1, cells: int = 20) -> Path:
    """A small, valid xlsxwriter workbook (strings, numbers, one formula)."""
    wb = xlsxwriter.Workbook(str(path))
    for s in range(sheets):
        ws = wb.add_worksheet(f"表{s + 1}")
        for i in range(cells):
            ws.write_string(i, 0, f"项目{i}")
            ws.write_number(i, 1, i * 1.5)
        ws.write_formula(cells, 1, f"=SUM(B1:B{cells})", None, sum(i * 1.5 for i in range(cells)))
    wb.close()
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_zip(
    path: Path,
    parts: dict[str, bytes],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    stored: tuple[str, ...] = (),
) -> Path:
    """Write ``parts`` in order (``stored`` names uncompressed, e.g. an ODF mimetype)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data, zipfile.ZIP_STORED if name in stored else compression)
    return path


def rezip(
    src: Path,
    dst: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    """Copy a package, replacing, adding or dropping members."""
    parts = {n: d for n, d in members(src).items() if n not in drop}
    parts.update(replace or {})
    parts.update(add or {})
    return write_zip(dst, parts)


# --------------------------------------------------------------------------- not a zip


def empty_file(folder: Path) -> Path:
    path = folder / "empty.xlsx"
    path.write_bytes(b"")
    return path


def text_file(folder: Path) -> Path:
    path = folder / "csv.xlsx"
    path.write_text("项目名称,预算金额\n示例项目,100\n", encoding="utf-8")
    return path


def png_file(folder: Path) -> Path:
    path = folder / "picture.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64))
    return path


def html_table(folder: Path) -> Path:
    path = folder / "export.xls"
    path.write_text(
        "<html><body><table><tr><td>项目</td><td>100</td></tr></table></body></html>",
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------- OLE / CFB


def _cfb(stream_names: list[str], content: bytes = b"") -> bytes:
    """A minimal-looking OLE compound file: header sector, then a directory sector whose
    128-byte entries carry UTF-16LE names (enough for a reader that scans for them)."""
    header = bytearray(512)
    header[:8] = CFB_MAGIC
    struct.pack_into("<HHHHH", header, 0x18, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x30, 0)  # first directory sector
    entries = bytearray()
    for i, name in enumerate(["Root Entry", *stream_names]):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        entry[: len(raw)] = raw
        struct.pack_into("<HBB", entry, 64, len(raw), 5 if i == 0 else 2, 1)
        entries += entry
    entries += bytes(-len(entries) % 512)
    return bytes(header) + bytes(entries) + content + bytes(2048)


def encrypted_workbook(folder: Path) -> Path:
    """What Excel/WPS write for a workbook with a password to open (ECMA-376 agile)."""
    path = folder / "encrypted.xlsx"
    path.write_bytes(
        _cfb(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage", "Version", "Primary"])
    )
    return path


def legacy_xls(folder: Path, name: str = "old.xls") -> Path:
    """A BIFF8 .xls (or a WPS .et): OLE with a Workbook stream, no encryption streams."""
    path = folder / name
    path.write_bytes(_cfb(["Workbook", "\x05SummaryInformation", "\x05DocumentSummaryInformation"]))
    return path


def legacy_xls_mentioning_encryption(folder: Path) -> Path:
    """An unencrypted .xls whose cell text happens to contain "EncryptionInfo" (UTF-16,
    not at a directory-entry position): still a legacy workbook, not an encrypted one."""
    path = folder / "mentions.xls"
    text = b"\x01" + "EncryptionInfo".encode("utf-16-le") + b"\0\0"
    path.write_bytes(_cfb(["Workbook"], content=text * 3))
    return path


def legacy_doc(folder: Path) -> Path:
    path = folder / "说明.doc"
    path.write_bytes(_cfb(["WordDocument", "1Table", "\x05SummaryInformation"]))
    return path


# --------------------------------------------------------------------------- zips that are not xlsx


def truncated_zip(folder: Path) -> Path:
    src = valid_workbook(folder / "whole.xlsx", cells=200)
    data = src.read_bytes()
    path = folder / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupted_member(folder: Path) -> Path:
    """Central directory intact, compressed bytes of the sheet flipped: CRC / inflate fail."""
    src = valid_workbook(folder / "whole.xlsx", cells=300)
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    # local header: 30 bytes + name + extra, then the compressed data
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for k in range(start + 20, start + min(info.compress_size, 400) - 20):
        data[k] ^= 0x5A
    path = folder / "corrupted.xlsx"
    path.write_bytes(bytes(data))
    return path


def lying_sizes(folder: Path) -> Path:
    """A zip bomb whose headers lie: the sheet declares 1000 bytes, inflates to MiBs."""
    big = b"<worksheet>" + b" " * (4 * 1024 * 1024) + b"</worksheet>"
    src = valid_workbook(folder / "whole.xlsx")
    path = rezip(src, folder / "lying.xlsx", replace={"xl/worksheets/sheet1.xml": big})
    data = bytearray(path.read_bytes())
    target = b"xl/worksheets/sheet1.xml"

    def shrink(buf: bytearray, pos: int, name: bytes) -> None:
        if name == target:
            struct.pack_into("<I", buf, pos + 24, 1000)  # central directory
            (local,) = struct.unpack_from("<I", buf, pos + 42)
            struct.pack_into("<I", buf, local + 22, 1000)  # local header

    _patch_central_directory(data, shrink)
    path.write_bytes(bytes(data))
    return path


def _patch_central_directory(
    data: bytearray, patch: Callable[[bytearray, int, bytes], None]
) -> None:
    """Call ``patch(data, header_offset, name)`` for every central-directory entry."""
    eocd = data.rfind(b"PK\x05\x06")
    (pos,) = struct.unpack_from("<I", data, eocd + 16)
    while data[pos : pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        patch(data, pos, bytes(data[pos + 46 : pos + 46 + name_len]))
        pos += 46 + name_len + extra_len + comment_len


def zip_encrypted_members(folder: Path) -> Path:
    """Members flagged as (traditional PKWARE) encrypted: someone zipped with a password."""
    src = valid_workbook(folder / "whole.xlsx")
    data = bytearray(src.read_bytes())

    def flag(buf: bytearray, pos: int, _name: bytes) -> None:
        (bits,) = struct.unpack_from("<H", buf, pos + 8)
        struct.pack_into("<H", buf, pos + 8, bits | 1)
        (local,) = struct.unpack_from("<I", buf, pos + 42)
        (bits,) = struct.unpack_from("<H", buf, local + 6)
        struct.pack_into("<H", buf, local + 6, bits | 1)

    _patch_central_directory(data, flag)
    path = folder / "zip_password.xlsx"
    path.write_bytes(bytes(data))
    return path


def ods_file(folder: Path) -> Path:
    path = folder / "sheet.ods"
    return write_zip(
        path,
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest/>",
        },
        stored=("mimetype",),
    )


def docx_file(folder: Path) -> Path:
    path = folder / "report.docx"
    return write_zip(
        path,
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types '
            b'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            "_rels/.rels": b'<?xml version="1.0"?><Relationships '
            b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            b"</Relationships>",
            "word/document.xml": b"<w:document xmlns:w='urn:w'/>",
        },
    )


def zipped_workbook(folder: Path) -> Path:
    """A .zip holding the form (the department compressed it before sending)."""
    inner = valid_workbook(folder / "inner.xlsx")
    return write_zip(folder / "form.zip", {"自评表.xlsx": inner.read_bytes()})


# --------------------------------------------------------------------------- bombs


def ratio_bomb(folder: Path, mib: int = 4) -> Path:
    """One member of ``mib`` MiB of zeros (ratio about 1000:1)."""
    src = valid_workbook(folder / "whole.xlsx")
    return rezip(
        src, folder / "ratio_bomb.xlsx", add={"xl/media/pad.bin": bytes(mib * 1024 * 1024)}
    )


def many_entries(folder: Path, n: int) -> Path:
    src = valid_workbook(folder / "whole.xlsx")
    return rezip(src, folder / "entries.xlsx", add={f"xl/media/p{i}.bin": b"x" for i in range(n)})


# --------------------------------------------------------------------------- hostile XML

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"
 uniqueCount="1"><si><t>&xxe;</t></si></sst>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>
"""


def with_xml(folder: Path, member: str, xml: bytes, name: str = "hostile.xlsx") -> Path:
    src = valid_workbook(folder / "whole.xlsx")
    return rezip(src, folder / name, replace={member: xml})


def many_rows(folder: Path, rows: int) -> Path:
    """Empty rows only: no cell, but a great many XML elements."""
    body = "".join(f'<row r="{r}"/>' for r in range(1, rows + 1))
    xml = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>'
    ).encode()
    return with_xml(folder, "xl/worksheets/sheet1.xml", xml, "rows.xlsx")


def huge_sheet(folder: Path, cells: int) -> Path:
    wb = xlsxwriter.Workbook(str(folder / "huge.xlsx"))
    ws = wb.add_worksheet()
    for i in range(cells):
        ws.write_number(i // 10, i % 10, i)
    wb.close()
    return folder / "huge.xlsx"


# --------------------------------------------------------------------------- flagged, still read


def with_macros(folder: Path) -> Path:
    """An .xlsm: xlsxwriter embeds the given (here fake, inert) VBA project bytes."""
    vba = folder / "vbaProject.bin"
    vba.write_bytes(_cfb(["VBA", "PROJECT", "dir"]))
    wb = xlsxwriter.Workbook(str(folder / "macro.xlsm"))
    ws = wb.add_worksheet("表1")
    ws.write_number("A1", 42)
    wb.add_vba_project(str(vba))
    wb.close()
    return folder / "macro.xlsm"


EXTERNAL_TARGET = "file:///C:/Users/someone/Desktop/other.xlsx"


def with_external_link(folder: Path) -> Path:
    src = valid_workbook(folder / "whole.xlsx")
    link = (
        b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships"><externalBook r:id="rId1"/></externalLink>'
    )
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        f'Target="{EXTERNAL_TARGET}" TargetMode="External"/></Relationships>'
    ).encode()
    return rezip(
        src,
        folder / "linked.xlsx",
        add={
            "xl/externalLinks/externalLink1.xml": link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels,
        },
    )
