"""The typed layout: what consumers read instead of taking cell names apart, and the
package's shape (no import cycle, small modules and functions)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from jixiao.build import build_template
from jixiao.layout import build_layout
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file
from scripts import structure

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "generator" / "jixiao"
GANSU = load_template(ROOT / "templates" / "gansu-checklist.yaml")
HUNAN = load_template(ROOT / "templates" / "hunan-zhengti.yaml")


def v301(v) -> set[tuple[str, str]]:
    """(sheet, field name) of each required field the form and verify find empty."""
    return {(f.sheet, f.name.replace("_panel_", "_").removesuffix("_required"))
            for f in v.findings if f.code == "CHK_REQUIRED"}


# ------------------------------------------------------------------ the model


def test_sheets_say_what_their_cells_are() -> None:
    layout = build_layout(HUNAN)
    assert [(s.id, s.role) for s in layout.sheets] == [
        ("jc", "basic_data"), ("zt", "self_evaluation"), ("xm1", "self_evaluation"), ("xm2", "self_evaluation"),
        ("xm3", "self_evaluation")]
    zt = layout.sheet("zt")
    assert (zt.total, zt.grade) == ("zt_total_score", "zt_grade")
    assert zt.execution is not None and layout.cell(zt.execution.rate).value_type == "rate"
    assert [sub.title for sub in zt.subtotals] == [x.name for x in HUNAN.template.sheets[1].indicators.level1]
    row = zt.indicator_rows[0]
    assert (row.level1, row.key, row.actual) == ("产出指标", "ind1", "zt_ind1_actual")
    assert {c.flag for c in zt.row_checks if c.row_name == row.name} == {
        n for n in layout.by_name if n.startswith("zt_ind1_chk_")}
    assert zt.field_named("head_sign") is not None and not zt.field_named("head_sign").required
    assert all(layout.cell(f.name).key == f.key for s in layout.sheets for f in s.fields)


def test_a_checklist_knows_the_totals_it_averages() -> None:
    layout = build_layout(GANSU)
    qd = layout.sheet("qd")
    assert qd.role == "checklist" and qd.total == "qd_total_self" and qd.grade is None
    assert qd.averaged == ["xm1_total_score", "xm2_total_score"]
    assert [sub.title for sub in qd.subtotals] == [sec.name for sec in GANSU.template.sheets[-1].sections]


# ------------------------------------------------------------------ required fields


def test_gansu_required_signature_missing_is_reported(tmp_path) -> None:
    """填报人（签字） is required (the default): left empty it is reported; the bureau's own
    signature fields (required: false) are not."""
    values = {"qd_unit": "某局", "qd_fill_date": "2024-01-20", "qd_head": "张三", "qd_leader": "李四",
              "qd_finance_self": 8.0}
    v = verify_file(build_template(GANSU, tmp_path, values=values))
    qd = {name for sheet, name in v301(v) if sheet == "整体绩效自评表"}
    assert qd == {"qd_filler"}
    (finding,) = [f for f in v.findings if f.code == "CHK_REQUIRED" and f.name == "qd_panel_filler_required"]
    assert finding.message_zh == "填报人（签字）：未填写" and finding.severity == "error"
    assert finding.cell == build_layout(GANSU).cell("qd_panel_filler_required").address


def test_unused_project_sheets_ask_for_no_fields(tmp_path) -> None:
    """hunan-zhengti has three project forms; a department with one project leaves two empty."""
    values = {"zt_department": "某局", "zt_fund_total_budget": 10.0, "xm1_project": "项目一",
              "xm1_fund_total_budget": 10.0, "jc_staff_quota": 5.0}
    v = verify_file(build_template(HUNAN, tmp_path, values=values))
    sheets = {sheet for sheet, _ in v301(v)}
    assert sheets == {"部门整体支出绩效评价基础数据表", "部门整体支出绩效自评表", "项目支出绩效自评表1"}
    assert ("项目支出绩效自评表1", "xm1_authority") in v301(v)  # a required header field of a used sheet
    assert not [n for _, n in v301(v) if n.endswith("head_sign")]  # signed by hand: not required


# ------------------------------------------------------------------ no name parsing, no cycle, small pieces


def test_consumers_do_not_parse_cell_names() -> None:
    pattern = re.compile(r"_chk_|_ind\\?d|_ind[0-9]|_total_score")
    paths = [*(PACKAGE / "verify").glob("*.py"), *(PACKAGE / "outputs").glob("*.py"),
             *(PACKAGE / "prefill" / "tables").glob("*.py"), PACKAGE / "archive" / "collect.py",
             PACKAGE / "template" / "lint.py"]
    for path in paths:
        assert not pattern.search(path.read_text(encoding="utf-8")), f"{path.name} takes a cell name apart"


def _imports(path: Path) -> set[str]:
    """The jixiao modules a module imports (anywhere in it, at any depth)."""
    name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    if path.name == "__init__.py":
        name = package
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("jixiao")}


def test_no_import_cycle() -> None:
    files = {p: ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
             for p in PACKAGE.rglob("*.py")}
    modules = set(files.values())
    graph = {name: {m for m in _imports(p) if m in modules and m != name} for p, name in files.items()}
    # A module importing a package's submodule imports the package (its __init__) first.
    for name, deps in graph.items():
        deps |= {".".join(d.split(".")[:i]) for d in set(deps) for i in range(2, d.count(".") + 1)} & modules
        deps.discard(name)
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            assert state.get(dep) != 1, "import cycle: " + " -> ".join([*path, node, dep])
            if dep not in state:
                visit(dep, [*path, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_modules_and_functions_are_small() -> None:
    """No module over 500 lines, no function over 80, anywhere in the package: the limits
    of scripts/structure.py, whose ``--check`` fails on the same list."""
    assert structure.measure(PACKAGE).size_problems() == []


def test_structure_check_fails_over_the_limits(tmp_path: Path) -> None:
    """``scripts/structure.py --check`` exits 1 on a module or function over the limits or an
    import cycle, 0 on a package within them; without ``--check`` it only reports."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text('"""A small package."""\n', encoding="utf-8")
    (pkg / "a.py").write_text("def f() -> int:\n    return 1\n", encoding="utf-8")
    assert structure.main(["--check", "--root", str(pkg)]) == 0
    long_body = "".join(f"    x{i} = {i}\n" for i in range(structure.MAX_FUNCTION_LINES))
    cases = [
        {"big.py": "\n" * (structure.MAX_MODULE_LINES + 1)},
        {"long.py": "def g() -> None:\n" + long_body},
        {"b.py": "from . import c\n", "c.py": "from . import b\n"},
    ]
    for files in cases:
        for name, text in files.items():
            (pkg / name).write_text(text, encoding="utf-8")
        assert len(structure.measure(pkg).problems()) == 1, files
        assert structure.main(["--check", "--root", str(pkg)]) == 1
        assert structure.main(["--root", str(pkg)]) == 0
        for name in files:
            (pkg / name).unlink()
