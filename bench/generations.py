"""Verify against openpyxl on the same departments' returns in each layout generation.

    python -m bench.generations            # 100 departments
    python -m bench.generations --n 200

The verify ratio of ``make bench`` was first recorded (0.61x, a8ac729) on forms of layout
generation 1. Generation 2 (issue 14: a message cell per row flag, declared totals) nearly
doubled the formulas of a form, and verify lays out, renders, compares and recomputes every
formula while the baseline reads values only. This bench tells the two apart: the same
data set (bench/dataset.py) built as generation 1 and as generation 2 returns (untimed),
then each return verified and read by openpyxl back to back, in one process tuned as a
bench worker is (jixiao.pool). jixiao still reads and verifies both generations.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from jixiao.layout import build_layout
from jixiao.layout.identity import FIRST_GENERATION, GENERATION
from jixiao.pool import tune_worker_gc
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file
from jixiao.write import write_workbook

from .baselines import openpyxl_read
from .dataset import TEMPLATE, department_dataset


def returns_of(generation: int, n: int, folder: Path) -> list[Path]:
    """The filled returns of the first ``n`` bench departments, laid out as ``generation``."""
    lt = load_template(TEMPLATE)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_workbook(build_layout(lt, prefill, generation=generation), folder / name, values=values)
            for name, prefill, values in department_dataset(n)]


def ratio(paths: list[Path], reps: int = 2) -> tuple[float, float]:
    """Mean seconds per return of verify and of the openpyxl read, alternating which goes first."""
    ours = base = 0.0
    for rep in range(reps):
        for i, path in enumerate(paths):
            order = (verify_file, openpyxl_read) if (i + rep) % 2 else (openpyxl_read, verify_file)
            for job in order:
                t = time.perf_counter()
                job(path)
                spent = time.perf_counter() - t
                if job is verify_file:
                    ours += spent
                else:
                    base += spent
    runs = reps * len(paths)
    return ours / runs, base / runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generations", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100, help="departments (default 100)")
    parser.add_argument("--reps", type=int, default=2, help="passes over the returns (default 2)")
    args = parser.parse_args(argv)
    tune_worker_gc()
    with tempfile.TemporaryDirectory(prefix="jixiao-generations-") as work:
        for generation in (FIRST_GENERATION, GENERATION):
            paths = returns_of(generation, args.n, Path(work) / f"generation-{generation}")
            verify_file(paths[0])  # imports and the template, outside the timing
            ours, base = ratio(paths, args.reps)
            print(f"layout generation {generation}: verify {ours * 1000:.0f} ms, openpyxl {base * 1000:.0f} ms "
                  f"a return ({args.n} returns x {args.reps}): {ours / base:.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
