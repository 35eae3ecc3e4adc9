"""``jixiao.template.lint``: a corpus of broken templates, the shipped templates, the wording.

Every file in ``tests/lint_corpus/`` starts with its expectations, one comment line per
problem, then a line or two saying what is wrong::

    # expect: T104 20:19
    # expect: T006 5:10 t006-cycle-b.yaml     (the problem sits in another file)
    # expect: clean                           (a control: lint must find nothing)

``line:col`` is where a person would look, decided before running lint: the key for a
problem with a key's name (T002, T003, T010, an unknown rule parameter), the mapping that
lacks a key (T011: its first key), the value for a problem with a value (T001 syntax: the
unclosed bracket, T005, T007, T008 the id, T009 the changed parameter, T012, T013 the kind,
T102, T103 values, T104, T105 the duplicate, T107 the unknown name, T110, T111, T112), the
list for a problem of a whole list (T101, T106, T108), and 1:1 for a problem of the whole
file (T001 encoding, T004, a missing top-level key). An archived version that a case needs
(T009) sits in ``lint_corpus/archive/``; it is linted with the folder and must be clean.

Where lint disagrees with a person, the expectation stays and the file is listed in
``KNOWN_BUGS`` (a strict xfail: fixing lint makes the test pass and asks for the entry
to be removed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import jixiao.codes.template
from jixiao.paths import TemplateSearchPath
from jixiao.template.lint import lint_file, lint_paths

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
CORPUS = TESTS / "lint_corpus"

EXPECT = re.compile(
    r"# expect: (?:(?P<clean>clean)|(?P<code>T\d{3}) (?P<line>\d+):(?P<col>\d+)(?: (?P<file>\S+))?)"
)

#: Corpus files where lint does not (yet) report what a person expects; see the report
#: in each reason. Strict: when lint is fixed the xfail turns into a failure.
KNOWN_BUGS: dict[str, str] = {}


def expectations(path: Path) -> list[tuple[int, int, str, str]]:
    """The ``# expect:`` lines of a corpus file as (line, col, code, file name)."""
    text = path.read_bytes().decode("utf-8", errors="replace")  # one file is GBK on purpose
    out: list[tuple[int, int, str, str]] = []
    clean = False
    for raw in text.splitlines():
        if not raw.startswith("# expect:"):
            continue
        m = EXPECT.fullmatch(raw.rstrip())
        assert m, f"{path.name}: malformed expectation {raw!r}"
        if m["clean"]:
            clean = True
        else:
            out.append((int(m["line"]), int(m["col"]), m["code"], m["file"] or path.name))
    assert clean != bool(out), f"{path.name}: expect either 'clean' or problems, not both/neither"
    return sorted(out)


def reported(path: Path) -> list[tuple[int, int, str, str]]:
    return sorted((p.line, p.col, p.code, Path(p.path).name) for p in lint_file(path))


CORPUS_FILES = sorted(CORPUS.glob("*.yaml"))


def _param(path: Path) -> pytest.ParameterSet:
    marks = []
    if path.name in KNOWN_BUGS:
        marks.append(pytest.mark.xfail(reason=KNOWN_BUGS[path.name], strict=True))
    return pytest.param(path, id=path.name, marks=marks)


def test_corpus_is_there() -> None:
    assert len(CORPUS_FILES) >= 30
    assert set(KNOWN_BUGS) <= {p.name for p in CORPUS_FILES}


@pytest.mark.parametrize("path", [_param(p) for p in CORPUS_FILES])
def test_corpus_file(path: Path) -> None:
    """lint reports exactly the expected (line, col, code, file) problems."""
    first = path.read_bytes().decode("utf-8", errors="replace").splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name} must start with '# expect:'"
    assert reported(path) == expectations(path)


def _documented_codes() -> set[str]:
    """The codes listed in the table of jixiao.codes.template's docstring."""
    return set(re.findall(r"^(T\d{3})\s", jixiao.codes.template.__doc__ or "", re.MULTILINE))


def test_corpus_covers_every_documented_code() -> None:
    documented = _documented_codes()
    assert {"T001", "T013", "T101", "T112"} <= documented
    expected = {code for p in CORPUS_FILES for _, _, code, _ in expectations(p)}
    assert documented - expected == set()
    assert expected - documented == set()


def test_shipped_templates_lint_clean() -> None:
    assert lint_paths([ROOT / "templates"]) == []


def test_lint_paths_sorted_and_complete() -> None:
    """Linting the corpus folder gives every file's problems, sorted by file and line."""
    problems = lint_paths([CORPUS])
    keys = [(p.path, p.line, p.col, p.code) for p in problems]
    assert keys == sorted(keys)
    assert len(problems) == sum(len(lint_file(p)) for p in CORPUS_FILES)


CJK = re.compile(r"[\u4e00-\u9fff]")
# "(english ...)", allowing one level of nested parentheses inside the gloss.
GLOSS = re.compile(r"\([A-Za-z][^()]*(?:\([^()]*\)[^()]*)*\)")


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.name) for p in CORPUS_FILES if expectations(p)]
)
def test_messages_are_chinese_with_english_gloss(path: Path) -> None:
    # Files lint wrongly finds clean (KNOWN_BUGS) have nothing to check here.
    for p in lint_file(path):
        assert CJK.search(p.message), f"no Chinese text: {p}"
        assert GLOSS.search(p.message), f"no English gloss in parentheses: {p}"


@pytest.mark.parametrize(
    ("name", "typo", "suggestion"),
    [
        ("t010-level1-level_2.yaml", "level_2", "level2"),
        ("t010-indicator-wieght.yaml", "wieght", "weight"),
        ("t010-top-level.yaml", "scorng", "scoring"),
        ("t010-scoring.yaml", "excution_weight", "execution_weight"),
        ("t010-sheet.yaml", "subtitel", "subtitle"),
        ("t010-funds-row.yaml", "gruop", "group"),
        ("t010-level2.yaml", "rwos", "rows"),
        ("t010-print.yaml", "orientaton", "orientation"),
        ("t010-basic-data.yaml", "staffing_lable", "staffing_label"),
    ],
)
def test_did_you_mean(name: str, typo: str, suggestion: str) -> None:
    unknown = [p for p in lint_file(CORPUS / name) if p.code == "T010"]
    assert len(unknown) == 1
    message = unknown[0].message
    assert repr(typo) in message
    assert f"是否应为 {suggestion!r}" in message
    assert f"did you mean {suggestion!r}" in message


def test_did_you_mean_inline(tmp_path: Path) -> None:
    """The same two typos written fresh, outside the corpus (no extends, one file)."""
    text = (CORPUS / "t010-level1-level_2.yaml").read_text(encoding="utf-8")
    text = text.replace("level_2:", "level2:").replace(
        "          weight: 50", "          wieght: 50"
    )
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    problems = {p.code: p for p in lint_file(path)}
    assert set(problems) == {"T010", "T011"}
    assert "did you mean 'weight'" in problems["T010"].message
    assert problems["T011"].message.startswith("缺少必填键 'weight'")


def test_t007_lists_every_template_of_the_search_path(tmp_path: Path) -> None:
    """Not only the child's folder: the shipped variants and a --templates folder too."""
    child = tmp_path / "child.yaml"
    child.write_text("id: child\nextends: hunan-zhengtl\nversion: 1\nname: 语料\n", encoding="utf-8")
    own = tmp_path / "own"
    own.mkdir()
    (own / "my-base.yaml").write_text("id: my-base\n", encoding="utf-8")
    (problem,) = lint_file(child, search=TemplateSearchPath.default(own))
    assert (problem.code, problem.line, problem.col) == ("T007", 2, 10)
    assert "是否应为 'hunan-zhengti'" in problem.message and "did you mean 'hunan-zhengti'" in problem.message
    known = problem.message.split("已有：")[1].split(" (")[0].split(", ")
    assert {"my-base", "gansu-checklist", "guizhou-zhengti", "guizhou-zhengti-2022", "hunan-zhengti"} <= set(known)
    assert "child" not in known
