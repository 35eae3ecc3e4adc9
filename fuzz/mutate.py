"""The mutation engine: deterministic hostile variants of real returns, data tables and
templates. Every mutator takes a ``random.Random`` and bytes and returns bytes; the
input of a campaign is a pure function of (seed, index), so any finding is replayable
with ``python -m fuzz --target T --replay INDEX``.

Families: byte flips (any file), zip-member mutations (drop, duplicate, rename, swap,
truncate, replace, store uncompressed), XML attribute and element mutations inside a
member, text-node mutations (the metadata sheet's pre-fill JSON, custom properties),
CSV cell and quoting mutations, YAML token and line mutations.
"""

from __future__ import annotations

import io
import json
import random
import re
import warnings
import zipfile
from collections.abc import Callable

#: Values that broke real readers: huge, negative, NaN, ranges over the whole sheet,
#: markup, path separators, NUL, lone surrogates (as UTF-8 they are invalid bytes).
INTERESTING = [
    "", "0", "-1", "1e309", "-1e309", "NaN", "nan", "inf", "-inf", "1.7976931348623157e308", "4294967296",
    "18446744073709551617", "9" * 400, "hidden", "A1:XFD1048576", "A1:XFD1048576 A1:B2", "XFD1048577", "A0",
    "ZZZZ1", "$A$1", "A1:A1:A1", "1:1048576", "#REF!", "true", "false", "1", "2", "-", ".", "..", "../../x",
    "/etc/passwd", "C:\\x", "[/x]", "[bold]x[/bold]", "[link=file:///]x", "\x00", "\ufffd", "\u202e",
    "x" * 300, "中" * 150, "=cmd|' /C calc'!A0", "{{ 1/0 }}", "{% for i in range(10**9) %}x{% endfor %}",
    "%s%s%n", "null", "[]", "{}", "[[[[[[[[[[]]]]]]]]]]", '"', "'", "<", "&amp;", "&#0;", "&#xD800;",
]

#: JSON values for the pre-fill: wrong types, non-finite numbers, deep nesting, width.
def hostile_json(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return "[" * rng.choice([50, 101, 1000, 100000]) + "]" * rng.choice([0, 50, 1000])
    if kind == 1:
        return rng.choice(["NaN", "Infinity", "-Infinity", '{"a": NaN}', '{"_department": {"code": Infinity}}'])
    if kind == 2:
        return json.dumps({f"zt_ind{i}_name": "x" * rng.randrange(5) for i in range(rng.choice([100, 5000, 20000]))})
    if kind == 3:
        return rng.choice(["[]", "1", '"x"', "null", "true", '{"_department": "x"}', '{"_department": []}',
                           '{"_indicators": 5}', '{"_indicators": [1, 2]}', '{"_projects": {"a": 1}}',
                           '{"_department": {"code": ["x"], "name": {"a": 1}}}'])
    if kind == 4:
        return json.dumps({"_indicators": [{"level1": rng.choice(INTERESTING), "weight": rng.choice([1e308, -1, "x"])}
                                           for _ in range(rng.randrange(1, 50))]})
    if kind == 5:
        return '{"x": ' * 2000 + "1" + "}" * 2000
    if kind == 6:
        return json.dumps({rng.choice(INTERESTING): rng.choice(INTERESTING) for _ in range(rng.randrange(1, 8))})
    if kind == 7:
        return "9" * rng.choice([4300, 5000, 100000])
    if kind == 8:
        return '{"zt_fund_total_budget": 1e999, "zt_unit": ' + json.dumps("x" * 200000) + "}"
    return "".join(rng.choice('{}[]":,0123456789.eE-+ntrufals\\') for _ in range(rng.randrange(1, 200)))


def pick(rng: random.Random) -> str:
    return rng.choice(INTERESTING) if rng.random() < 0.8 else str(rng.randint(-2**70, 2**70))


# ------------------------------------------------------------------ bytes


def byte_flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    if not buf:
        return bytes([rng.randrange(256)])
    for _ in range(rng.choice([1, 1, 2, 4, 16])):
        if not buf:
            buf.append(0)
        op = rng.randrange(5)
        i = rng.randrange(len(buf))
        if op == 0:
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[i] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
        elif op == 2:
            del buf[i:i + rng.randrange(1, 64)]
        elif op == 3:
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
        else:
            del buf[i:]
            if not buf:
                buf.append(0)
    return bytes(buf)


# ------------------------------------------------------------------ XML text

_ATTR = re.compile(rb'\b([A-Za-z:]{1,40})="([^"]{0,2000})"')
_ELEMENT = re.compile(rb"<([A-Za-z:]+)\b[^<>]*?(?:/>|>[^<]*</\1>)")
_TEXT = re.compile(rb">([^<>]{1,5000})<")


def _escape(text: str) -> bytes:
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return out.encode("utf-8", "surrogatepass")


def xml_attribute(rng: random.Random, data: bytes) -> bytes:
    spots = list(_ATTR.finditer(data, 0, 2_000_000))
    if not spots:
        return byte_flip(rng, data)
    for m in rng.sample(spots, min(len(spots), rng.choice([1, 1, 3]))):
        value = pick(rng)
        if m.group(1) in (b"sqref", b"ref") and rng.random() < 0.3:
            value = " ".join(f"A{i}:B{i}" for i in range(rng.choice([10, 10000, 300000])))
        data = data.replace(m.group(0), m.group(1) + b'="' + _escape(value) + b'"', 1)
    return data


def xml_element(rng: random.Random, data: bytes) -> bytes:
    spots = list(_ELEMENT.finditer(data[:2_000_000]))
    if not spots:
        return byte_flip(rng, data)
    m = rng.choice(spots)
    op = rng.randrange(4)
    if op == 0:  # delete
        return data[:m.start()] + data[m.end():]
    if op == 1:  # duplicate (a few, or many: element budgets)
        return data[:m.end()] + m.group(0) * rng.choice([1, 2, 50, 20000]) + data[m.end():]
    if op == 2:  # move elsewhere
        other = rng.choice(spots)
        return data[:other.start()] + m.group(0) + data[other.start():]
    return data[:m.start()] + b"<" + m.group(1) + b">" + data[m.end():]  # unclosed


def xml_text(rng: random.Random, data: bytes) -> bytes:
    spots = list(_TEXT.finditer(data, 0, 2_000_000))
    if not spots:
        return xml_attribute(rng, data)
    m = rng.choice(spots)
    text = hostile_json(rng) if rng.random() < 0.5 else pick(rng)
    return data[:m.start(1)] + _escape(text) + data[m.end(1):]


_PREFILL = re.compile(rb"<t[^>]*>(\{[^<]*)</t>")


def prefill_json(rng: random.Random, data: bytes) -> bytes:
    """The metadata sheet's pre-fill JSON (a shared string) replaced by hostile JSON."""
    m = _PREFILL.search(data)
    if m is None:
        return xml_text(rng, data)
    return data[:m.start(1)] + _escape(hostile_json(rng)) + data[m.end(1):]


#: weighted: mutations that keep the XML well formed reach further into the readers
XML_MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    xml_attribute, xml_attribute, xml_attribute, xml_text, xml_text, prefill_json, xml_element, byte_flip]


# ------------------------------------------------------------------ zip packages


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i, z.read(i.filename)) for i in z.infolist()]


def _pack(members: list[tuple[zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    warnings.simplefilter("ignore")  # duplicate member names are one of the mutations
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method, compresslevel=1) as z:
        for info, body in members:
            info.compress_type = method
            z.writestr(info, body)
    return out.getvalue()


def zip_member(rng: random.Random, data: bytes, prefer: str = "") -> bytes:
    """One or more mutations of the package's members (``prefer``: a member name part
    chosen more often, e.g. the metadata sheet)."""
    members = _members(data)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if not members:
            break
        xmlish = [k for k, (i, _) in enumerate(members) if i.filename.endswith((".xml", ".rels"))]
        preferred = [k for k in xmlish if prefer and prefer in members[k][0].filename]
        op = rng.randrange(10)
        k = rng.choice(preferred if preferred and rng.random() < 0.5 else xmlish or range(len(members)))
        info, body = members[k]
        if op <= 4:  # mutate the member's XML (most often: it reaches the readers' logic)
            mutator = prefill_json if info.filename.endswith("sharedStrings.xml") and rng.random() < 0.5 \
                else rng.choice(XML_MUTATORS)
            members[k] = (info, mutator(rng, body))
        elif op == 5:
            del members[k]
        elif op == 6:
            j = rng.randrange(len(members))
            members[k], members[j] = (info, members[j][1]), (members[j][0], body)
        elif op == 7:
            new = zipfile.ZipInfo(rng.choice([info.filename, info.filename.upper(), "../" + info.filename,
                                              "/" + info.filename, info.filename + "\x00", "xl/" * 50 + "a.xml"]))
            members[k] = (new, body)
        elif op == 8:
            members.append((zipfile.ZipInfo(info.filename), body))  # duplicate name
        else:
            members[k] = (info, body[: rng.randrange(len(body) + 1)])
    method = zipfile.ZIP_STORED if rng.random() < 0.1 else zipfile.ZIP_DEFLATED
    try:
        return _pack(members, method)
    except (ValueError, OSError):
        return data


def mutate_package(rng: random.Random, data: bytes, prefer: str = "") -> bytes:
    if rng.random() < 0.15:
        return byte_flip(rng, data)
    return zip_member(rng, data, prefer)


# ------------------------------------------------------------------ CSV


def csv_table(rng: random.Random, text: str) -> bytes:
    lines = text.split("\n")
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.randrange(8)
        i = rng.randrange(len(lines))
        cells = lines[i].split(",")
        j = rng.randrange(len(cells))
        if op == 0:
            cells[j] = pick(rng)
        elif op == 1:
            cells[j] = '"' + cells[j]  # unterminated quote
        elif op == 2:
            cells[j] = "x" * rng.choice([100, 131_073, 500_000])
        elif op == 3:
            cells[j] = rng.choice(["1e309", "NaN", "-0", "1,000.5", "１２３", "12万", "(3.5)", "9" * 5000])
        elif op == 4:
            del cells[j]
        elif op == 5:
            cells.extend([pick(rng)] * rng.choice([1, 5, 20000]))
        elif op == 6:
            lines.insert(i, lines[i])
        else:
            lines[i] = rng.choice(["", "\r", ";;;", "\t\t", '"""', "\x00\x00"])
            continue
        lines[i] = ",".join(cells)
    out = "\n".join(lines)
    encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16"])
    data = out.encode(encoding, "replace")
    return byte_flip(rng, data) if rng.random() < 0.15 else data


# ------------------------------------------------------------------ YAML

YAML_TOKENS = [
    "2023-02-30", "2023-13-01", "*a", "&a", "<<: *a", "!!python/object:os.system", "!!binary", "? ", "|", ">",
    "{{ 1/0 }}", "{{ cycler.__init__.__globals__ }}", "{% for i in range(10**9) %}x{% endfor %}",
    "{{ '%s' % x }}", "\x00", "\ud800", "x" * 300, "extends", "id", "version", "sheets", "rows", "type",
    "1e309", ".nan", ".inf", "-.inf", "null", "~", "[", "]", "{", "}", "-", ":", "'", '"', "#", "\t", "999999999999",
    "-1", "0", "true", "money", "choice", "score", "../../etc/passwd", "/dev/zero", "guizhou-zhengti",
    "hunan-zhengti", "[/x]", "[bold]",
]
_YAML_TOKEN = re.compile(r"[\w\u4e00-\u9fff.-]+|[^\w\s]|\s+")


def yaml_text(rng: random.Random, text: str) -> bytes:
    lines = text.split("\n")
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        op = rng.randrange(7)
        i = rng.randrange(len(lines))
        if op <= 2:  # a token replaced
            tokens = _YAML_TOKEN.findall(lines[i]) or [""]
            j = rng.randrange(len(tokens))
            tokens[j] = rng.choice(YAML_TOKENS) if rng.random() < 0.85 else pick(rng)
            lines[i] = "".join(tokens)
        elif op == 3:
            del lines[i]
        elif op == 4:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 5:  # indentation
            lines[i] = " " * rng.choice([0, 1, 2, 3, 4, 8]) + lines[i].lstrip()
        else:
            lines.insert(i, rng.choice(['extends: "' + rng.choice(YAML_TOKENS) + '"', "a: &a [x, x, x, x]",
                                        "b: &b [*a, *a, *a, *a]", "year: 2023-02-30", "version: 1e309",
                                        "id: " + "x" * 300, "title: '{{ 1/0 }}'"]))
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    return byte_flip(rng, data) if rng.random() < 0.1 else data
