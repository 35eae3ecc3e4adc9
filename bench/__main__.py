"""Build and verify throughput against same-process baselines, written to bench/RESULTS.md.

Baseline (a): bare xlsxwriter writing the same cells, formats and formulas (taken from
the layout, so no template layer). Baseline (b): bare openpyxl load_workbook(read_only=True)
of the same returns, iterating every cell. Figures are ratios to those, measured in one
run on the same files; never asserted in tests.

    python -m bench [--n 200]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import openpyxl
import xlsxwriter

from jixiao.layout import Layout, build_layout, evaluate
from jixiao.templates import load_template
from jixiao.verify import verify_file
from jixiao.writer import write_workbook

ROOT = Path(__file__).resolve().parent.parent


def filled_values(layout: Layout, i: int) -> dict:
    """Deterministic department-like inputs: funds and every indicator row filled."""
    values: dict = {}
    for c in layout.inputs():
        n = c.name or ""
        if c.value_type == "money":
            values[n] = round(100 + (i * 7 + c.row) % 500 + 0.37, 2)
        elif n.endswith("_direction"):
            values[n] = "≥"
        elif n.endswith(("_target", "_actual")):
            values[n] = 100 + (i + c.row) % 40
        elif n.endswith("_weight"):
            values[n] = 2
        elif n.endswith("_name"):
            values[n] = f"指标 {c.row}"
    return values


def bare_xlsxwriter(layout: Layout, values: dict, path: Path) -> None:
    """Baseline (a): the same cells, formulas and cached values, written straight."""
    computed = evaluate(layout, values)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    fmt = wb.add_format({"font_name": "宋体", "border": 1, "text_wrap": True})
    formulas = {c.name: layout.formula(c) for c in layout.computed()}
    for s in layout.sheets:
        ws = wb.add_worksheet(s.name)
        for c in s.cells:
            if c.role == "computed":
                v = computed.get(c.name)
                ws.write_formula(c.row, c.col, formulas[c.name], fmt, "" if v is None else v)
            else:
                v = values.get(c.name, c.value) if c.name else c.value
                if v is None:
                    ws.write_blank(c.row, c.col, None, fmt)
                elif isinstance(v, int | float):
                    ws.write_number(c.row, c.col, v, fmt)
                else:
                    ws.write_string(c.row, c.col, str(v), fmt)
    wb.close()


def bare_openpyxl(path: Path) -> int:
    """Baseline (b): open read-only and touch every cell."""
    wb = openpyxl.load_workbook(path, read_only=True)
    n = 0
    for ws in wb.worksheets:
        ws.reset_dimensions()
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
    return n


def timed(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100, help="workbooks per measurement")
    args = parser.parse_args()
    lt = load_template("guizhou-zhengti")
    layout = build_layout(lt)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        inputs = [filled_values(layout, i) for i in range(args.n)]
        ours = timed(lambda i: write_workbook(build_layout(lt), out / f"o{i}.xlsx", values=inputs[i]),
                     range(args.n))
        base_a = timed(lambda i: bare_xlsxwriter(layout, inputs[i], out / f"b{i}.xlsx"), range(args.n))
        files = [out / f"o{i}.xlsx" for i in range(args.n)]
        tracemalloc.start()
        verify = timed(verify_file, files)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        base_b = timed(bare_openpyxl, files)
    rows.append(("build (layout + formulas + cached values + validation)", args.n / ours, args.n / base_a,
                 ours / base_a, "1.3"))
    rows.append(("verify (read + recompute + every check)", args.n / verify, args.n / base_b,
                 verify / base_b, "1.0"))
    lines = [
        "# Benchmark results", "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()}; one process; {args.n} workbooks of template guizhou-zhengti "
        f"({len(list(layout.computed()))} formulas each).", "",
        "| operation | ours (wb/s) | baseline (wb/s) | time ratio ours/baseline | target |",
        "|---|---|---|---|---|",
        *[f"| {name} | {a:.1f} | {b:.1f} | {r:.2f}x | ≤ {t}x |" for name, a, b, r, t in rows],
        "", f"Peak traced memory while verifying {args.n} returns: {peak / 2**20:.1f} MiB.", "",
        "Baselines: (a) bare xlsxwriter writing the same cells and formulas from the layout;",
        "(b) openpyxl load_workbook(read_only=True) iterating every cell of the same files.",
    ]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
