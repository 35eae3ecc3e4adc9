"""``read_package``: the intake, then each part of the zip parsed once.

Any failure surfaces as :class:`UnreadableWorkbook` with a stable code and a Chinese
message telling the department what to do; nothing is ever extracted, evaluated, run
or fetched (macros and external links are only flagged on the :class:`Package`).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from . import workbook as wbk
from .errors import Refuse, UnreadableWorkbook, malformed
from .intake import Source, classify, open_source, precheck_central_directory, stream_size
from .package import Package, SheetData
from .sheet import read_sheet
from .zipparts import (
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_RANGES,
    DEFAULT_MAX_RATIO,
    DEFAULT_MAX_UNCOMPRESSED,
    Archive,
    Budget,
)

_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

_MACRO_SHEETS = ("/xlMacrosheet", "/xlIntlMacrosheet")


def _refuse_ods(archive: Archive) -> None:
    mimetype = archive.find("mimetype")
    if mimetype is not None and archive.zf.getinfo(mimetype).file_size <= 256:
        kind = archive.read_small(mimetype).decode("ascii", "replace").strip()
        if kind == _ODS_MIMETYPE or kind.startswith(_ODS_MIMETYPE + "-"):
            raise Refuse("R007")


def _not_a_workbook(archive: Archive) -> Refuse:
    zh, en = archive.kind()
    return Refuse("R008", kind_zh=zh, kind_en=en)


def _sheets(
    archive: Archive, info: wbk.WorkbookInfo, wb_rels: dict[str, wbk.Rel], xf_locked: list[bool]
) -> tuple[list[SheetData], bool]:
    """Every sheet in workbook order, and whether one is an Excel 4 macro sheet."""
    sst_rel = wbk.rel_of(wb_rels.values(), "/sharedStrings")
    sst_name = archive.find(sst_rel.part) if sst_rel else None
    sst = wbk.shared_strings(archive, sst_name) if sst_name else []
    sheets: list[SheetData] = []
    seen: set[str] = set()
    macro_sheet = False
    for entry in info.sheets:
        name = entry["name"] or ""
        wbk.check_sheet_name(name, seen)
        rel = wb_rels.get(entry["rid"] or "")
        part = archive.find(rel.part) if rel is not None else None
        if rel is None or part is None:
            raise malformed(f"工作表“{name}”的内容缺失", f"sheet {name!r} has no part")
        macro_sheet = macro_sheet or rel.type.endswith(_MACRO_SHEETS)
        pieces = read_sheet(archive, part, sst, xf_locked)
        comments = any(
            r.type.endswith(("/comments", "/threadedComment")) for r in wbk.rels(archive, part)
        )
        sheets.append(
            SheetData(name=name, state=entry["state"] or "visible", has_comments=comments, **pieces)
        )
    return sheets, macro_sheet


def _links(archive: Archive) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Targets of external links, and embedded objects (both only flagged)."""
    names = sorted(archive.names.items())
    external: list[str] = []
    for lower, name in names:
        if lower.startswith("xl/externallinks/") and lower.endswith(".xml"):
            targets = [r.target for r in wbk.rels(archive, name) if r.external]
            external.extend(targets or [name])
    embedded = tuple(
        name
        for lower, name in names
        if lower.startswith(("xl/embeddings/", "xl/activex/")) and not lower.endswith("/")
    )
    return tuple(external), embedded


def _read_zip(archive: Archive, path: Path | None, names: bool) -> Package:
    archive.check_entries()
    _refuse_ods(archive)
    root_rels = wbk.rels(archive, "")
    office = wbk.rel_of(root_rels, "/officeDocument")
    wb_part = archive.find(office.part if office is not None else "xl/workbook.xml")
    if wb_part is None or not wb_part.lower().endswith(".xml"):
        raise _not_a_workbook(archive)
    info = wbk.workbook(archive, wb_part, names=names)
    if info.root != "workbook":
        raise _not_a_workbook(archive)
    main_type = wbk.content_type(archive, wb_part)
    wb_rels = {rel.id: rel for rel in wbk.rels(archive, wb_part)}
    styles_rel = wbk.rel_of(wb_rels.values(), "/styles")
    styles_name = archive.find(styles_rel.part) if styles_rel else None
    cell_formats = wbk.styles(archive, styles_name) if styles_name else ()
    sheets, macro_sheet = _sheets(archive, info, wb_rels, [f.locked for f in cell_formats])
    has_macros = (
        macro_sheet
        or any(n.endswith("vbaproject.bin") or n.startswith("xl/macrosheets/") for n in archive.names)
        or "macroenabled" in (main_type or "").lower()
    )
    external, embedded = _links(archive)
    app_rel = wbk.rel_of(root_rels, "/extended-properties")
    app_name = archive.find(app_rel.part if app_rel else "docProps/app.xml")
    custom_rel = wbk.rel_of(root_rels, "/custom-properties")
    custom_name = archive.find(custom_rel.part if custom_rel else "docProps/custom.xml")
    return Package(
        path=path,
        sheets=tuple(sheets),
        defined_names=tuple(info.names),
        custom_properties=wbk.custom_properties(archive, custom_name) if custom_name else {},
        application=wbk.application(archive, app_name) if app_name else None,
        has_macros=has_macros,
        external_links=external,
        embedded_objects=embedded,
        full_calc_on_load=info.full_calc_on_load,
        date1904=info.date1904,
        cell_formats=cell_formats,
        main_content_type=main_type,
        missing_parts=_missing_parts(archive, styles_name, main_type),
    )


#: Main content types of a workbook Excel opens (plain, macro-enabled, template).
_MAIN_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
               "application/vnd.ms-excel.sheet.macroenabled.main+xml",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml")


def _missing_parts(archive: Archive, styles_name: str | None, main_type: str | None) -> tuple[str, ...]:
    missing = [part for part in ("[Content_Types].xml", "_rels/.rels") if archive.find(part) is None]
    if styles_name is None:
        missing.append("xl/styles.xml")
    if "[Content_Types].xml" not in missing and (main_type or "").lower() not in _MAIN_TYPES:
        missing.append("main content type")
    return tuple(missing)


def _damaged(exc: BaseException) -> Refuse:
    return Refuse("R004", detail_en=f" ({type(exc).__name__}: {str(exc)[:100]})")


def _read(source: Source, budget: Budget, names: bool) -> Package:
    with open_source(source, budget.max_bytes) as (fh, path):
        classify(fh, budget.max_bytes)
        try:
            precheck_central_directory(fh, stream_size(fh))
            fh.seek(0)
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error, NotImplementedError) as exc:
            raise _damaged(exc) from exc
        with zf:
            try:
                return _read_zip(Archive(zf, budget), path, names)
            except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
                raise _damaged(exc) from exc
            except NotImplementedError as exc:  # e.g. an unsupported compression method
                raise _damaged(exc) from exc


def read_package(
    source: Source,
    *,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
    max_ratio: float = DEFAULT_MAX_RATIO,
    max_cells: int = DEFAULT_MAX_CELLS,
    max_ranges: int = DEFAULT_MAX_RANGES,
    defined_names: bool = True,
) -> Package:
    """Read an .xlsx package from a path, bytes or a binary file object.

    ``max_uncompressed`` caps the bytes decompressed (declared and actual),
    ``max_ratio`` the compression ratio of any entry over 1 MiB, ``max_cells`` the cells
    of the whole workbook (shared strings and cell formats are capped by it too),
    ``max_ranges`` the validation and merge ranges. ``defined_names=False`` leaves
    :attr:`Package.defined_names` empty (still counted against the budget): a reader that
    finds cells by the layout, as verify does, has no use for a form's thousand names.
    Raises :class:`UnreadableWorkbook` (and nothing else) for anything it cannot read.

    >>> pkg = read_package(Path("returns/101002_乙局.xlsx"))
    >>> [s.name for s in pkg.sheets]
    ['部门整体支出绩效自评表', '_jixiao']
    >>> pkg.sheets[0].cells["C4"].value
    '乙局'
    """
    in_memory = isinstance(source, bytes | bytearray | memoryview) or hasattr(source, "read")
    where = None if in_memory else Path(source)  # type: ignore[arg-type]
    budget = Budget(max_uncompressed, max_ratio, max_cells, max_ranges)
    try:
        return _read(source, budget, defined_names)
    except Refuse as r:
        raise UnreadableWorkbook.from_code(r.code, where, **r.context) from r.__cause__
    except RecursionError as exc:  # pragma: no cover - defensive
        raise UnreadableWorkbook.from_code("R099", where, detail_en=" (recursion)") from exc
    except Exception as exc:  # the contract: only UnreadableWorkbook escapes
        raise UnreadableWorkbook.from_code(
            "R099", where, detail_en=f" ({type(exc).__name__}: {str(exc)[:120]})"
        ) from exc
