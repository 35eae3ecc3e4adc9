"""Reading a workbook back: identify its template, rebuild its layout, extract the record.

The record is every input by its defined name, typed (numbers as float, text as str,
dates as ISO strings, blanks omitted). It is what ``jixiao read`` prints and what
``jixiao build --data record.json`` pre-fills, so build -> read -> build round-trips.

>>> ret = open_return("returns/101001_甲局.xlsx")
>>> ret.record.template_id, ret.record.values["zt_fund_total_budget"]
('guizhou-zhengti', 459.61)
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codes import data as D
from ..codes import verify as V
from ..layout import Cell, Layout, build_layout
from ..layout.identity import FIRST_GENERATION, GENERATION
from ..layout.prefilled import structure_of, with_values
from ..layout.refs import a1
from ..paths import TemplateSearchPath
from ..signing import KEY_ID_META, SIGNATURE_META, Signature
from ..template.load import LoadedTemplate, ParamError, TemplateError, load_template
from ..verify.findings import Finding
from ..write import GENERATION_META, META_SHEET, params_json
from .errors import UnreadableWorkbook
from .intake import Source
from .package import Package, SheetData
from .prefill import PrefillError, parse_prefill, refuse
from .reading import read_package

#: Cells the form computes with (targets and actuals hold text on qualitative rows).
NUMBERS = ("money", "weight", "score", "number")
#: Day 0 of serial dates: the 1900 system (Excel's 1900-02-29 included, hence the 30th)
#: and the 1904 system (``<workbookPr date1904="1">``, old Mac workbooks).
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)


class NotAForm(Exception):
    """A readable workbook that jixiao cannot read as one of its forms."""

    def __init__(self, code: str, message_zh: str, message_en: str, path: Path | None) -> None:
        super().__init__(f"{path}: {code} {message_zh} ({message_en})")
        self.code, self.message_zh, self.message_en, self.path = code, message_zh, message_en, path


@dataclass
class Record:
    """A filled form's inputs by defined name, with its template identity.

    ``values`` holds every input as it stands in the workbook; ``prefill`` what the bureau
    put in before sending it (values, declared indicators, project copies, the
    department's code and name), which also decides the layout. ``build_template(t,
    prefill=r.prefill, values=r.values)`` rebuilds the workbook a record was read from.
    docs/record.md documents the format.

    >>> r = Record("guizhou-zhengti", 1, {"zt_fund_total_budget": 459.61})
    >>> Record.from_dict(json.loads(r.to_json())) == r
    True
    """

    template_id: str
    template_version: int
    values: dict[str, Any] = field(default_factory=dict)
    prefill: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"template_id": self.template_id, "template_version": self.template_version}
        if self.prefill:
            out["prefill"] = self.prefill
        out["values"] = self.values
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        if not isinstance(data, dict) or "template_id" not in data:
            raise ValueError("a record needs template_id, template_version and values")
        return cls(str(data["template_id"]), int(data.get("template_version") or 0),
                   dict(data.get("values") or {}), dict(data.get("prefill") or {}))

    @classmethod
    def load(cls, path: str | Path) -> Record:
        """Read a record from .json or .yaml/.yml; ``ValueError`` names the file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            if path.suffix.lower() in (".yaml", ".yml"):
                from ..template.yamlload import load_data

                data = load_data(text, path)  # the node budget: no alias bomb
            else:
                data = json.loads(text)
            record = cls.from_dict(data)
        except Exception as exc:  # JSON/YAML syntax, wrong shape: one message naming the file
            raise ValueError(f"{path}: not a jixiao record: {exc}") from None
        bad = next((k for part in (record.values, record.prefill) for k, v in part.items()
                    if isinstance(v, float) and not math.isfinite(v)), None)
        if bad is not None:  # NaN or an infinity: a data problem, not the template's
            message = D.D104_NOT_FINITE.format(what=bad)
            raise ValueError(f"{path}: {message.code} {message.zh} ({message.en})")
        return record


@dataclass
class Return:
    """A workbook read against its template's layout."""

    path: Path | None
    package: Package
    template: LoadedTemplate
    layout: Layout
    record: Record
    fingerprint: str | None
    findings: list[Finding]  # from reading itself: coercions, text in number cells
    #: The template parameters the form says it was built with (None: a form from before
    #: they were part of its identity); ``template`` and ``layout`` are built with them.
    params: dict[str, Any] | None = None
    signature: Signature | None = None  # the bureau's over the pre-fill (jixiao.signing), if any

    def sheet(self, cell: Cell) -> SheetData | None:
        return next((s for s in self.package.sheets if s.name == cell.sheet), None)


def _meta(pkg: Package) -> dict[str, Any]:
    """Identity from custom properties, falling back to the hidden metadata sheet."""
    meta: dict[str, Any] = {}
    props = pkg.custom_properties
    for key in ("template_id", "template_version", "fingerprint", "params", GENERATION_META):
        prop = props.get(f"jixiao.{key}")
        if prop is not None:
            meta[key] = prop.value
    sheet = next((s for s in pkg.sheets if s.name == META_SHEET), None)
    if sheet is not None:
        for row in range(1, 20):
            key = sheet.value(f"A{row}")
            if not isinstance(key, str):
                continue
            parts = []
            col = 2
            while True:
                v = sheet.value(a1(row - 1, col - 1))
                if v is None:
                    break
                parts.append(v)
                col += 1
            if parts:
                meta.setdefault(key, parts[0] if len(parts) == 1 and not isinstance(parts[0], str)
                                else "".join(str(p) for p in parts))
    return meta


#: A template id a return may name (the template model's own rule): anything else never
#: becomes part of a path. Versions are counted from 1.
_TEMPLATE_ID = re.compile(r"[a-z][a-z0-9_-]{0,59}")
_MAX_VERSION = 100_000


def _version(raw: Any) -> int:
    """The template version a workbook carries (0 when it is not a plain number)."""
    try:
        number = float(raw)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        return 0
    return int(number) if math.isfinite(number) and 0 <= number < 1_000_000 else 0


def _generation(raw: Any) -> int:
    """The layout generation a form was built with: none recorded is the first (forms
    from before generations were recorded); one this jixiao does not know is read as
    its own (the fingerprint then says whether the layout is the form's).

    >>> _generation(None), _generation(1.0), _generation("x"), _generation(10**6)
    (1, 1, 2, 2)
    """
    if raw is None:
        return FIRST_GENERATION
    number = _version(raw)
    return number if FIRST_GENERATION <= number <= GENERATION else GENERATION


def find_version(template_id: str, version: int, search: TemplateSearchPath | None = None) -> LoadedTemplate:
    """The template with this id and version, searched along ``search`` (by default
    :meth:`TemplateSearchPath.for_reading`: never the working folder's ``templates/``).

    In each folder: ``<id>.yaml`` (the current version) and ``archive/<id>@<version>.yaml``
    (older ones kept so their returns stay readable). An id or version no template can
    have raises :class:`LookupError` before any path is formed from it.
    """
    if not isinstance(template_id, str) or not _TEMPLATE_ID.fullmatch(template_id) or not (
            isinstance(version, int) and 1 <= version <= _MAX_VERSION):
        raise LookupError(template_id)
    search = search or TemplateSearchPath.for_reading()
    for folder in search.folders:
        for path in (folder / f"{template_id}.yaml", folder / "archive" / f"{template_id}@{version}.yaml"):
            if path.exists():
                try:
                    lt = _cached_template(path, path.stat().st_mtime_ns, search)
                except TemplateError:
                    continue  # a broken current file must not hide a good archived version
                if lt.template.id == template_id and lt.template.version == version:
                    return lt
    raise LookupError(version)


def _excel_date(value: Any, date1904: bool = False) -> str | None:
    """A serial date as ISO text, in the workbook's date system; None for anything else.

    >>> _excel_date(45352.0), _excel_date(43890.0, date1904=True)
    ('2024-03-01', '2024-03-01')
    """
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 2958466:
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        return (epoch + dt.timedelta(days=int(value))).isoformat()
    return None


def extract(layout: Layout, pkg: Package) -> tuple[dict[str, Any], list[Finding]]:
    """Every input's value as the spreadsheet holds it.

    One rule for number cells, the spreadsheet's own (ISNUMBER): a number is a number,
    text is text - ``280人次`` or ``85%`` typed as text included - and stays text in the
    record, so that the recomputed scores are the ones the form showed; the form's checks
    (and verify, from them) say what to type instead. Text of nothing but spaces is blank
    (TRIM). Dates are ISO text when the cell holds a serial date. No finding comes from
    reading itself any more: the list is kept for the reader's callers.
    """
    values: dict[str, Any] = {}
    sheets = {s.name: s for s in pkg.sheets}
    for cell in layout.inputs():
        sheet = sheets.get(cell.sheet)
        if sheet is None:
            continue
        raw = sheet.value(cell.address)
        if raw is None or isinstance(raw, str) and not raw.strip(" "):
            continue
        if cell.value_type in NUMBERS:
            value = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else raw
        elif cell.value_type == "date":
            value = _excel_date(raw, pkg.date1904) or (raw.strip() if isinstance(raw, str) else raw)
        else:  # text cells: a number typed there is its text ("8227322", not 8227322.0)
            value = raw if isinstance(raw, str) else str(int(raw) if isinstance(raw, float) and raw.is_integer()
                                                          else raw)
        values[cell.name] = value  # type: ignore[index]
    return values, []


@functools.lru_cache(maxsize=64)
def _cached_template(path: Path, mtime_ns: int, search: TemplateSearchPath) -> LoadedTemplate:
    return load_template(path, search=search)  # the search path finds the variant it extends


@functools.lru_cache(maxsize=64)
def _with_params(path: Path, mtime_ns: int, search: TemplateSearchPath, params: str | None) -> LoadedTemplate:
    """The template as a return was built from it: with the parameters (JSON) the return carries."""
    lt = _cached_template(path, mtime_ns, search)
    return lt if params is None else lt.with_params(json.loads(params), replace=True)


@functools.lru_cache(maxsize=4)
def _structure(path: Path, mtime_ns: int, search: TemplateSearchPath, structure_json: str,
               params: str | None, generation: int) -> Layout:
    """One layout per template file, parameters and pre-fill structure (declared indicators,
    project copies): a batch of returns shares it (read only).

    Few are kept (a layout with its formulas is about 3 MB): the departments of a roster
    without declared indicators share one per template; forms with declared indicators
    each have their own, which is never read again, yet every full garbage collection
    scans it while it is kept (four kept instead of eight: a bench verify 2 % faster).
    """
    return build_layout(_with_params(path, mtime_ns, search, params), json.loads(structure_json),
                        generation=generation)


def _layout(path: Path, mtime_ns: int, search: TemplateSearchPath, prefill: dict[str, Any],
            params: str | None, generation: int) -> Layout:
    """The layout of a return's pre-fill: its structure's (shared), with its values."""
    structure = json.dumps(structure_of(prefill), sort_keys=True, ensure_ascii=False)
    return with_values(_structure(path, mtime_ns, search, structure, params, generation), prefill)


def _params(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The parameters a form's metadata carries, or None (none, or not a JSON mapping:
    the template's own are used and the fingerprint tells whether that was right)."""
    raw = meta.get("params")
    # Params are a flat mapping of a few scalars: anything long or nested is not ours (and a
    # deeply nested array would exhaust the JSON decoder's recursion, found by make fuzz).
    if not isinstance(raw, str) or len(raw) > 4000 or raw.count("[") + raw.count("{") > 1:
        return None
    try:
        params = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(params, dict) or any(isinstance(v, (dict, list)) for v in params.values()):
        return None
    return params


def open_return(source: Source, *, search: TemplateSearchPath | None = None) -> Return:
    """Read a workbook made by jixiao from a path, bytes or a binary file object.
    Raises UnreadableWorkbook or NotAForm, and nothing else (a bug is R099).

    Its template (by the id and version the workbook carries) is looked for along
    ``search``, by default :meth:`TemplateSearchPath.for_reading`.
    """
    try:
        return _open_return(source, search)
    except (UnreadableWorkbook, NotAForm):
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: coded refusals only
        where = Path(source) if isinstance(source, str | Path) else None
        raise UnreadableWorkbook.from_code("R099", where, detail_en=f" ({type(exc).__name__}: {str(exc)[:120]})") from exc


def _open_return(source: Source, search: TemplateSearchPath | None) -> Return:
    pkg = read_package(source, defined_names=False)  # cells are found by the layout, not by name
    path = pkg.path
    search = search or TemplateSearchPath.for_reading()
    meta = _meta(pkg)
    tid = meta.get("template_id")
    if not tid:
        message = V.V001.format()
        raise NotAForm(message.code, message.zh, message.en, path)
    version = _version(meta.get("template_version", 0))
    try:
        lt = find_version(str(tid), version, search)
    except (LookupError, OSError, TemplateError):
        shown = str(tid) if len(str(tid)) <= 64 else str(tid)[:64] + "…"
        message = V.V002.format(template=shown, version=version)
        raise NotAForm(message.code, message.zh, message.en, path) from None
    params = _params(meta)
    mtime = lt.path.stat().st_mtime_ns
    own = None if params is None else params_json(params)
    try:
        lt = _with_params(lt.path, mtime, search, own)
    except ParamError:  # parameters this template cannot take: its own, and V003 says so
        own = None
    try:
        prefill = parse_prefill(meta.get("prefill"))
        layout = _layout(lt.path, mtime, search, prefill, own, _generation(meta.get(GENERATION_META)))
    except PrefillError as exc:
        raise refuse(exc, path) from None
    except (ValueError, TypeError) as exc:  # a declared indicator the form has no place for
        raise refuse(PrefillError("与表样不符", f"does not fit the form: {type(exc).__name__}"), path) from None
    values, findings = extract(layout, pkg)
    record = Record(lt.template.id, lt.template.version, values, prefill)
    fp = meta.get("fingerprint")
    mac, key_id = meta.get(SIGNATURE_META), meta.get(KEY_ID_META)
    signature = Signature(str(key_id), str(mac)) if mac and key_id else None
    return Return(path, pkg, lt, layout, record, str(fp) if fp else None, findings, params, signature)


__all__ = ["NotAForm", "Record", "Return", "UnreadableWorkbook", "open_return", "extract"]
