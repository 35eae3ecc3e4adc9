"""The parts around the sheets: relationships, content types, ``workbook.xml`` (sheets,
defined names, calculation and date system), styles (cell locking), shared strings and
document properties. Each is one :func:`jixiao.read.xml.parse` with its own walk.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from .errors import malformed
from .package import CellFormat, CustomProperty, DefinedName
from .values import as_bool, as_int, vt_value
from .xml import Walk, local, parse, rich_text
from .zipparts import Archive


@dataclass
class Rel:
    id: str
    type: str
    target: str
    external: bool
    part: str | None  # resolved part name inside the package


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source_part: str, target: str) -> str | None:
    target = unquote(target.replace("\\", "/"))
    if target.startswith("/"):
        path = target.lstrip("/")
    else:
        path = posixpath.join(posixpath.dirname(source_part), target)
    path = posixpath.normpath(path)
    if path in (".", "..") or path.startswith("../"):
        return None
    return path


class _Rels(Walk):
    units = frozenset({"Relationship"})

    def __init__(self, part: str) -> None:
        self.part = part
        self.out: list[Rel] = []

    def unit(self, name: str, el: Element) -> None:
        a = el.attrib
        target = a.get("Target", "")
        external = a.get("TargetMode", "").lower() == "external"
        resolved = None if external else _resolve(self.part, target)
        self.out.append(Rel(a.get("Id", ""), a.get("Type", ""), target, external, resolved))


def rels(archive: Archive, part: str) -> list[Rel]:
    """The relationships of ``part`` (``""`` for the package's own)."""
    name = archive.find(_rels_name(part))
    if name is None:
        return []
    walk = _Rels(part)
    parse(archive.open(name), name, walk, archive.budget)
    return walk.out


def rel_of(items: Any, suffix: str) -> Rel | None:
    return next((rel for rel in items if rel.type.endswith(suffix)), None)


class _Types(Walk):
    units = frozenset({"Override"})

    def __init__(self) -> None:
        self.overrides: dict[str, str] = {}

    def unit(self, name: str, el: Element) -> None:
        a = el.attrib
        self.overrides[a.get("PartName", "").lstrip("/").lower()] = a.get("ContentType", "")


def content_type(archive: Archive, part: str) -> str | None:
    """The content type ``[Content_Types].xml`` overrides ``part`` with."""
    name = archive.find("[Content_Types].xml")
    if name is None:
        return None
    walk = _Types()
    parse(archive.open(name), name, walk, archive.budget)
    return walk.overrides.get(part.lower())


@dataclass
class WorkbookInfo:
    root: str = ""
    sheets: list[dict[str, str | None]] = field(default_factory=list)
    names: list[DefinedName] = field(default_factory=list)
    full_calc_on_load: bool = False
    date1904: bool = False


class _Workbook(Walk):
    units = frozenset({"sheet", "definedName", "calcPr", "workbookPr"})
    containers = frozenset({"sheets", "definedNames"})

    def __init__(self, names: bool = True) -> None:
        self.info = WorkbookInfo()
        if not names:  # counted against the budget as a whole, never looked into
            self.containers = frozenset({"sheets"})

    def unit(self, name: str, el: Element) -> None:
        a = el.attrib
        info = self.info
        if name == "sheet":
            rid = next((v for k, v in a.items() if k.endswith("relationships}id")), None)
            info.sheets.append(
                {"name": a.get("name"), "state": a.get("state", "visible"), "rid": rid}
            )
        elif name == "definedName":
            local_id = a.get("localSheetId")
            info.names.append(
                DefinedName(
                    a.get("name", ""),
                    "".join(el.itertext()) if len(el) else el.text or "",
                    as_int(local_id, "localSheetId") if local_id is not None else None,
                )
            )
        elif name == "calcPr":
            info.full_calc_on_load = as_bool(a.get("fullCalcOnLoad"))
        else:
            info.date1904 = as_bool(a.get("date1904"))


def workbook(archive: Archive, name: str, *, names: bool = True) -> WorkbookInfo:
    """Sheets, calculation and date settings of ``xl/workbook.xml``; its defined names
    too unless ``names`` is false (a form has one per named cell: a thousand or more)."""
    walk = _Workbook(names)
    walk.info.root = parse(archive.open(name), name, walk, archive.budget)
    return walk.info


class _Styles(Walk):
    units = frozenset({"xf"})
    containers = frozenset({"cellXfs"})

    def __init__(self, limit: int, too_big: Any) -> None:
        self.xfs: list[CellFormat] = []
        self.limit = limit
        self.too_big = too_big

    def unit(self, name: str, el: Element) -> None:
        prot = next((c.attrib for c in el if local(c.tag) == "protection"), None)
        apply = el.attrib.get("applyProtection")
        self.xfs.append(
            CellFormat(
                as_bool(prot.get("locked"), True) if prot else True,
                as_bool(prot.get("hidden"), False) if prot else False,
                as_bool(apply) if apply is not None else None,
            )
        )
        if len(self.xfs) > self.limit:
            raise self.too_big()


def styles(archive: Archive, name: str) -> tuple[CellFormat, ...]:
    """The ``cellXfs`` (a cell's ``s`` indexes them), capped by the cell budget."""
    budget = archive.budget
    walk = _Styles(budget.max_cells, budget.too_big)
    parse(archive.open(name), name, walk, budget)
    return tuple(walk.xfs)


class _SharedStrings(Walk):
    units = frozenset({"si"})

    def __init__(self, limit: int, too_big: Any) -> None:
        self.strings: list[str] = []
        self.limit = limit
        self.too_big = too_big

    def unit(self, name: str, el: Element) -> None:
        self.strings.append(rich_text(el))
        if len(self.strings) > self.limit:
            raise self.too_big()


def shared_strings(archive: Archive, name: str) -> list[str]:
    budget = archive.budget
    walk = _SharedStrings(budget.max_cells, budget.too_big)
    parse(archive.open(name), name, walk, budget)
    return walk.strings


class _App(Walk):
    units = frozenset({"Application"})

    def __init__(self) -> None:
        self.application: str | None = None

    def unit(self, name: str, el: Element) -> None:
        if self.application is None:
            self.application = "".join(el.itertext())
            # The rest of app.xml lists every defined name again (180 KB for a form): unread.
            self.done = True


def application(archive: Archive, name: str) -> str | None:
    """``<Application>`` of ``docProps/app.xml``: which program saved the file."""
    walk = _App()
    parse(archive.open(name), name, walk, archive.budget)
    return walk.application


class _Custom(Walk):
    units = frozenset({"property"})

    def __init__(self) -> None:
        self.props: dict[str, CustomProperty] = {}

    def unit(self, name: str, el: Element) -> None:
        prop = el.attrib.get("name")
        if prop is None or prop in self.props or not len(el):
            return
        value = el[0]
        vt = local(value.tag)
        self.props[prop] = CustomProperty(prop, vt_value(vt, "".join(value.itertext())), vt)


def custom_properties(archive: Archive, name: str) -> dict[str, CustomProperty]:
    walk = _Custom()
    parse(archive.open(name), name, walk, archive.budget)
    return walk.props


def check_sheet_name(name: str, seen: set[str]) -> None:
    if not name or name.casefold() in seen:
        raise malformed(
            f"工作表名称为空或重复：{name!r}", f"empty or duplicate sheet name {name!r}"
        )
    seen.add(name.casefold())
