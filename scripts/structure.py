"""Size and shape of the runtime package, counted with ``ast``: the largest modules, the
longest functions and any import cycle between modules.

    python scripts/structure.py            # a report
    python scripts/structure.py --check    # exit 1 if a module > 500 lines, a function > 80
                                           # lines or an import cycle exists

The limits are defined here once: tests/test_layout.py asserts ``measure().size_problems()``
is empty, so the test and ``--check`` cannot disagree about them.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "generator" / "jixiao"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


@dataclass(frozen=True)
class Function:
    module: str
    name: str
    lines: int


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (Alembic's generated scripts aside: nothing
    imports them, so they are left out of the import graph, not out of the size limits)."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py")) if "migrations" not in p.parts}


def functions(tree: ast.AST, module: str) -> list[Function]:
    """Every function and method with its length in lines (decorators excluded)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(Function(module, node.name, node.end_lineno - node.lineno + 1))
    return found


def imports(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The package modules ``module`` imports at module level or inside functions.

    Imports under ``if TYPE_CHECKING:`` are left out: they never run.
    """
    base = module.split(".") if is_package else module.split(".")[:-1]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            prefix = ".".join(base[: len(base) - node.level + 1]) if node.level else ""
            mod = ".".join(p for p in (prefix, node.module or "") if p)
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@dataclass
class Report:
    module_lines: dict[str, int]
    functions: list[Function]
    cycles: list[list[str]]

    def size_problems(self) -> list[str]:
        """Every module over MAX_MODULE_LINES lines and function over MAX_FUNCTION_LINES."""
        out = [f"module {m}: {n} lines > {MAX_MODULE_LINES}"
               for m, n in self.module_lines.items() if n > MAX_MODULE_LINES]
        out += [f"function {f.module}.{f.name}: {f.lines} lines > {MAX_FUNCTION_LINES}"
                for f in self.functions if f.lines > MAX_FUNCTION_LINES]
        return out

    def problems(self) -> list[str]:
        """The size problems and every import cycle: what ``--check`` fails on."""
        return self.size_problems() + ["import cycle: " + " -> ".join(c) for c in self.cycles]


def measure(root: Path = PACKAGE) -> Report:
    """Sizes of every file under ``root`` and the import graph of its modules."""
    known = set(modules(root))
    lines: dict[str, int] = {}
    funcs: list[Function] = []
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        lines[name] = len(source.splitlines())
        funcs += functions(tree, name)
        if name in known:
            graph[name] = imports(tree, name, path.name == "__init__.py", known)
    # A package's __init__ importing its own submodules is how a package presents itself,
    # not a cycle between stages.
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    return Report(lines, funcs, cycles(graph))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a limit is broken")
    parser.add_argument("--root", type=Path, default=PACKAGE, help="the package folder (default: jixiao's)")
    args = parser.parse_args(argv)
    report = measure(args.root)
    biggest = sorted(report.module_lines.items(), key=lambda kv: -kv[1])[:5]
    longest = sorted(report.functions, key=lambda f: -f.lines)[:5]
    print(f"modules: {len(report.module_lines)}, functions: {len(report.functions)}")
    print("largest modules: " + ", ".join(f"{m} {n}" for m, n in biggest))
    print("longest functions: " + ", ".join(f"{f.module}.{f.name} {f.lines}" for f in longest))
    print(f"import cycles: {len(report.cycles)}" + "".join(f"\n  {' -> '.join(c)}" for c in report.cycles))
    problems = report.problems()
    for p in problems:
        print("over the limit: " + p)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
