"""The catalogue of finding codes: complete, documented, and every entry formats.

Every code the source mentions is in the catalogue; every catalogue code is in the docs
(T in docs/templates.md, D in docs/data.md, V and R in the guide's table of codes) and
the docs list no code the catalogue lacks; every entry formats with exactly its fields.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jixiao.codes import SEVERITIES, Code, Text, data, read, template, verify
from jixiao.layout import ROW_FLAGS

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = {"T": template, "R": read, "V": verify, "D": data}
ALL: list[Code] = [c for module in FAMILIES.values() for c in module.ALL]
CATALOGUE = {c.id for c in ALL}
CODE = re.compile(r"(?<![A-Za-z0-9_])([TRVD]\d{3})(?![0-9])")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _ids(module: object) -> set[str]:
    return {c.id for c in module.ALL}  # type: ignore[attr-defined]


def _table_codes(path: Path, letter: str) -> dict[str, str]:
    """code -> the rest of its row, for the rows of a Markdown table that start with a code."""
    rows = re.findall(rf"^\| ({letter}\d{{3}}) \|(.*)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return dict(rows)


def _guide_codes(letter: str) -> set[str]:
    """The codes named in the guide's table of code families (rows starting ``| `V`` ...)."""
    text = (ROOT / "docs" / "guide.zh-CN.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(f"| `{letter}")]
    assert rows, f"docs/guide.zh-CN.md has no table row for {letter} codes"
    return {c for line in rows for c in CODE.findall(line)}


@pytest.mark.parametrize("letter", FAMILIES)
def test_a_family_holds_its_own_codes(letter: str) -> None:
    module = FAMILIES[letter]
    assert module.ALL, f"no codes in {module.__name__}"
    for c in module.ALL:
        assert re.fullmatch(rf"{letter}\d{{3}}", c.id), c
        assert c.severity in SEVERITIES


def test_one_severity_per_code() -> None:
    """Variants of one code (T105's duplicate tier, field ...) share its severity."""
    severity: dict[str, set[str]] = {}
    for c in ALL:
        severity.setdefault(c.id, set()).add(c.severity)
    assert {k: v for k, v in severity.items() if len(v) > 1} == {}


def test_template_codes_are_documented() -> None:
    assert set(_table_codes(ROOT / "docs" / "templates.md", "T")) == _ids(template)


def test_data_codes_are_documented_with_their_severity() -> None:
    rows = _table_codes(ROOT / "docs" / "data.md", "D")
    assert set(rows) == _ids(data)
    for c in data.ALL:
        assert rows[c.id].split("|")[0].strip() == c.severity, c.id


@pytest.mark.parametrize("letter", ["V", "R"])
def test_verify_and_read_codes_are_documented(letter: str) -> None:
    assert _guide_codes(letter) == _ids(FAMILIES[letter])


def test_every_code_in_the_source_is_in_the_catalogue() -> None:
    used: dict[str, list[str]] = {}
    for path in sorted((ROOT / "generator" / "jixiao").rglob("*.py")):
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(code, []).append(path.name)
    assert {"T001", "V311", "R010", "D104"} <= set(used)  # the scan sees the families
    assert {k: v for k, v in used.items() if k not in CATALOGUE} == {}


def test_read_codes_by_id() -> None:
    assert list(read.CODES) == [c.id for c in read.ALL]


@pytest.mark.parametrize("code", ALL, ids=lambda c: f"{c.id}-{c.zh[:12]}")
def test_every_entry_formats_with_its_fields(code: Code) -> None:
    message = code.format(**{f: f"<{f}>" for f in code.fields})
    assert (message.code, message.severity) == (code.id, code.severity)
    assert CJK.search(message.zh)
    assert message.en
    for text in (message.zh, message.en):
        assert "{" not in text.replace("{{", "") and "<>" not in text
    for f in code.fields:
        assert f"<{f}>" in message.zh + message.en
    assert str(message) == f"{message.zh} ({message.en})"


@pytest.mark.parametrize("code", [c for c in ALL if c.fields], ids=lambda c: f"{c.id}-{c.zh[:12]}")
def test_a_missing_value_fails(code: Code) -> None:
    values = {f: "x" for f in code.fields[1:]}
    with pytest.raises(TypeError, match=re.escape(f"missing ['{code.fields[0]}']")):
        code.format(**values)


def test_an_unknown_value_fails() -> None:
    with pytest.raises(TypeError, match="unknown"):
        template.T004.format(key="x")
    with pytest.raises(TypeError, match="unknown"):
        verify.PANEL_CHECK.format(label="a", value="b", rule="c", extra="d")


def test_optional_values_format_as_nothing() -> None:
    bare = read.CODES["R010"].format()
    detailed = read.CODES["R010"].format(**read.detail("位于 xl/workbook.xml", "in xl/workbook.xml"))
    assert "（位于 xl/workbook.xml）" in detailed.zh and "（" + "位于" not in bare.zh
    assert detailed.en.replace(" (in xl/workbook.xml)", "") == bare.en


def test_declared_fields_must_match_the_templates() -> None:
    with pytest.raises(ValueError, match="declared"):
        Code("T999", "error", "键 {key!r} 重复", "duplicate key")
    with pytest.raises(ValueError, match="format spec"):
        Code("T999", "error", "合计 {total:g}", "total {total}", ("total",))
    with pytest.raises(ValueError, match="severity"):
        Code("T999", "fatal", "错误", "error")  # type: ignore[arg-type]


def test_rule_texts_format() -> None:
    texts = [v for v in vars(verify).values() if isinstance(v, Text)]
    assert len(texts) == 9  # TYPED_NOW, TYPED_HINT, PERCENT_HINT: for generation 1 forms
    for t in texts:
        zh, en = t.format(**{f: f"<{f}>" for f in t.fields})
        assert all(f"<{f}>" in zh + en for f in t.fields)
    assert set(verify.ROW_FLAG_EN) == {rid for rid, *_ in ROW_FLAGS}


def test_target_reasons_cover_every_kind() -> None:
    from typing import get_args

    from jixiao.prefill.targets import TargetKind

    assert set(data.TARGET_REASONS) == set(get_args(TargetKind))
    assert all(zh and en for kind, (zh, en) in data.TARGET_REASONS.items() if kind != "quantity")
