"""Province-scale bench: build and verify throughput against same-run baselines.

    make bench                      # or: python -m bench  (2,000 departments)
    python -m bench --n 200 --lo 5  # smaller

1. A data set of ``--n`` departments (bench/dataset.py): each one workbook of the Hunan
   template with 20-40 declared 三级指标 and 0-5 projects (3-8 indicators each).
2. Build: each department's pre-filled form (what the bureau sends) and its filled return
   (inputs typed, cached results present: how a spreadsheet saves it), in ``--workers``
   processes. Baseline (a) - bare xlsxwriter making the very same calls (bench/baselines.py)
   - on every ``--sample``-th form, right after jixiao built it; its file must be
   byte-identical to jixiao's.
3. ``--lo`` returns are recalculated by LibreOffice (their cached values stripped first,
   so every saved result is LibreOffice's) and replace the Python-written ones.
4. Verify every return (read, structure and tamper checks, recomputation, rules).
   Baseline (b) - openpyxl read-only, every cell - on every ``--sample``-th return.
5. Row growth: one form with ``--rows`` declared indicator rows, built and verified alone.

The table is printed and written to bench/RESULTS.md (``--results``). Ratios are time
ratios, jixiao / baseline, on the same workbooks. Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from jixiao.build import build_template
from jixiao.layout import build_layout
from jixiao.pool import worker_pool
from jixiao.prefill.tables.weights import gap_message, locked_weight_gaps
from jixiao.read import record as reader
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file

from . import machine
from .baselines import Recording, openpyxl_read
from .dataset import TEMPLATE, department_dataset, growth_form
from .workers import BuildShare, VerifyShare, build_share, verify_share

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"build": 1.3, "verify": 1.0}
#: In the results file, what follows this line is kept when the bench rewrites the file.
HISTORY = "<!-- Earlier runs (kept by the bench when it rewrites this file) -->"
#: Finding codes that would mean a spreadsheet's own save looks like tampering.
TAMPER = {"V101", "V102", "V103", "V104", "V105", "V106", "V107"}


def _pool(workers: int) -> ProcessPoolExecutor:
    # Fresh interpreters: each process's peak memory is its own, not its parent's. The
    # workers are jixiao's own (collector tuned): the baselines run in them too.
    return worker_pool(workers, multiprocessing.get_context("spawn"))


def _shares(items: Sequence[Any], workers: int) -> list[list[Any]]:
    return [list(items[k::workers]) for k in range(workers)]


def _best(fn: Callable[[], Any], reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _ratio(ours: dict[int, float], base: dict[int, float]) -> tuple[float, float, float, int]:
    """(jixiao s/workbook, baseline s/workbook, time ratio) over the workbooks both timed."""
    both = sorted(set(ours) & set(base))
    a = sum(ours[i] for i in both)
    b = sum(base[i] for i in both)
    return a / len(both), b / len(both), a / b, len(both)


def _memory(shares: list[Any]) -> list[tuple[int, float]]:
    """Peak RSS (max over processes) after each number of files a process had done."""
    peaks: dict[int, float] = {}
    for share in shares:
        for done, mib in share.memory:
            peaks[done] = max(peaks.get(done, 0.0), mib)
    return sorted(peaks.items())


def _strip_cached(src: Path, dst: Path) -> Path:
    """The workbook without any formula's cached value: only a recalculation fills them."""
    import re
    import zipfile

    cached = re.compile(rb"(<f(?:\s[^>]*)?(?:/>|>.*?</f>))<v>[^<]*</v>", re.S)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/") and item.filename.endswith(".xml"):
                data = cached.sub(rb"\1", data)
            zout.writestr(item, data)
    return dst


def _libreoffice(returns: Path, names: list[tuple[int, str]], work: Path) -> tuple[dict[int, Path], str]:
    """Recalculate the chosen returns in LibreOffice; their saved files by index."""
    from calc.libreoffice import available, recalculate

    if not names:
        return {}, "no return recalculated by LibreOffice (--lo 0)"
    if not available():
        return {}, "LibreOffice is not installed: no return recalculated by it"
    stripped = {i: _strip_cached(returns / name, work / "uncached" / name) for i, name in names}
    t = time.perf_counter()
    saved = recalculate(list(stripped.values()), work / "libreoffice", timeout=60 + 10 * len(names))
    elapsed = time.perf_counter() - t
    return {i: saved[p] for i, p in stripped.items()}, f"{len(names)} recalculated by LibreOffice in {elapsed:.0f} s"


def _fmt_rate(seconds: float) -> str:
    return f"{1 / seconds:.1f}"


def _verify_afresh(path: Path) -> None:
    """verify_file as for a return seen for the first time: its layout not cached yet
    (each department's pre-filled form has its own layout)."""
    reader._structure.cache_clear()
    verify_file(path)


def _refused(data: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> dict[str, str]:
    """The first D402 message of each department whose pre-fill `build` refuses, by file name."""
    t = load_template(TEMPLATE).template
    return {name: str(gap_message(gaps[0], p, lambda _entry: ""))
            for name, p, _ in data if (gaps := locked_weight_gaps(t, p))}


def _row_growth(rows: list[int], work: Path) -> list[dict[str, Any]]:
    """Build and verify one form of each size alone, best of a few runs."""
    lt = load_template(TEMPLATE)
    out = []
    for n in rows:
        name, prefill, values = growth_form(n)
        if refused := _refused([(name, prefill, values)]):
            raise SystemExit(f"growth form of {n} rows refused: {refused[name]}")
        layout = build_layout(lt, prefill)
        reps = 5 if n <= 100 else 3
        forms = work / "rows"
        build = _best(lambda: build_template(lt, forms, prefill=prefill, filename=name, force=True), reps)  # noqa: B023
        rec = Recording.of(build_layout(lt, prefill), None, work / "rows-scratch.xlsx")
        bare = _best(lambda: rec.replay(work / "rows-bare.xlsx"), reps)  # noqa: B023
        ret = build_template(lt, work / "rows-returns", prefill=prefill, values=values, filename=name, force=True)
        verify = _best(lambda: _verify_afresh(ret), reps)  # noqa: B023
        read = _best(lambda: openpyxl_read(ret), reps)  # noqa: B023
        total_rows = len(layout.sheet("zt").indicator_rows)
        out.append({"declared": n, "rows": total_rows, "cells": sum(len(s.cells) for s in layout.sheets),
                    "build": build, "bare": bare, "verify": verify, "read": read})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="departments (one workbook each), default 2000")
    parser.add_argument("--workers", type=int, default=min(2, machine.usable_cores()),
                        help="processes for build and verify (default: 2, or 1 on one core)")
    parser.add_argument("--sample", type=int, default=5,
                        help="baselines on one workbook in SAMPLE (default 5; 1: all)")
    parser.add_argument("--lean-sample", type=int, default=20,
                        help="the replay through jixiao's worksheet class on every N-th form (default 20)")
    parser.add_argument("--lo", type=int, default=20, help="returns recalculated by LibreOffice (default 20)")
    parser.add_argument("--rows", default="10,100,1000", help="indicator rows of the growth forms")
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"),
                        help="where to write the results (default bench/RESULTS.md; '-' for nowhere)")
    parser.add_argument("--keep", metavar="DIR", help="build into DIR and keep the files")
    args = parser.parse_args(argv)
    n, workers, sample = max(args.n, 1), max(args.workers, 1), max(args.sample, 1)
    lean_sample = max(args.lean_sample, sample)
    lean_sample -= lean_sample % sample  # a multiple of sample: the lean replay reuses the recording
    rows = [int(x) for x in args.rows.split(",") if x.strip()]
    started = time.perf_counter()
    described = machine.describe()
    print(f"jixiao bench: {n} departments, {workers} processes", flush=True)

    t = time.perf_counter()
    data = department_dataset(n)
    t_data = time.perf_counter() - t
    # What `jixiao build` refuses (D402: locked weights that can never add up) a bureau
    # never sends: such departments are left out and counted.
    refused = _refused(data)
    if refused:
        data = [d for d in data if d[0] not in refused]
        n = len(data)
        print(f"{len(refused)} pre-fills refused (D402), e.g. {next(iter(refused.values()))}", flush=True)
    zt = [len(p["_indicators"]["zt"]) for _, p, _ in data]
    projects = [p.get("_copies", {}).get("xm", 0) for _, p, _ in data]
    project_rows = [len(v) for _, p, _ in data for k, v in p["_indicators"].items() if k != "zt"]

    work_ctx = tempfile.TemporaryDirectory(prefix="jixiao-bench-") if not args.keep else None
    work = Path(args.keep or work_ctx.name)  # type: ignore[union-attr]
    if args.keep:
        shutil.rmtree(work, ignore_errors=True)
    forms, returns, base = work / "forms", work / "returns", work / "baseline"
    for d in (forms, returns, base):
        d.mkdir(parents=True, exist_ok=True)
    try:
        # ------------------------------------------------------------------ build
        items = [(i, name, p, v) for i, (name, p, v) in enumerate(data)]
        t = time.perf_counter()
        with _pool(workers) as pool:
            built: list[BuildShare] = list(pool.map(build_share, _shares(items, workers), [forms] * workers,
                                                    [returns] * workers, [base] * workers, [sample] * workers,
                                                    [lean_sample] * workers))
        t_build = time.perf_counter() - t
        form = {i: s for b in built for i, s in b.form.items()}
        fill = {i: s for b in built for i, s in b.fill.items()}
        bare = {i: s for b in built for i, s in b.bare.items()}
        lean = {i: s for b in built for i, s in b.lean.items()}
        identical, compared = sum(b.identical for b in built), sum(b.compared for b in built)
        print(f"built {n} forms and {n} returns in {t_build:.0f} s", flush=True)

        # ------------------------------------------------------------------ LibreOffice
        step = max(n // max(args.lo, 1), 1)
        chosen = [(i, data[i][0]) for i in range(0, n, step)][: max(args.lo, 0)]
        lo_saved, lo_note = _libreoffice(returns, chosen, work / "lo")
        print(lo_note, flush=True)
        paths = {i: returns / data[i][0] for i in range(n)}
        lo_items = sorted(lo_saved)
        # The Python-written twins of the LibreOffice files are verified too, for comparison.
        twins = {n + k: paths[i] for k, i in enumerate(lo_items)}
        paths.update({i: lo_saved[i] for i in lo_items})

        # ------------------------------------------------------------------ verify
        vitems = [(i, paths[i]) for i in range(n)]
        keep = set(lo_items)
        t = time.perf_counter()
        with _pool(workers) as pool:
            checked: list[VerifyShare] = list(pool.map(verify_share, _shares(vitems, workers), [sample] * workers,
                                                       [keep] * workers))
        t_verify = time.perf_counter() - t
        ours = {i: s for v in checked for i, s in v.ours.items()}
        opx = {i: s for v in checked for i, s in v.openpyxl.items()}
        codes: Counter[str] = Counter()
        returns_with: Counter[str] = Counter()
        status: Counter[str] = Counter()
        lo_findings: dict[int, list[tuple[str, str]]] = {}
        for v in checked:
            codes.update(v.codes)
            returns_with.update(v.returns_with)
            status.update(v.status)
            lo_findings.update(v.by_file)
        print(f"verified {n} returns in {t_verify:.0f} s", flush=True)
        twin_findings = {}
        for k, i in enumerate(lo_items):
            twin = verify_file(twins[n + k])
            twin_findings[i] = sorted((f.code, f.cell or "") for f in twin.findings)

        # ------------------------------------------------------------------ rows
        growth = _row_growth(rows, work) if rows else []
        print("row growth measured", flush=True)
    finally:
        if work_ctx is not None:
            work_ctx.cleanup()

    # ---------------------------------------------------------------------- report
    b_ours, b_base, b_ratio, b_n = _ratio(form, bare)
    _, b_lean, l_ratio, l_n = _ratio(form, lean) if lean else (0.0, 0.0, float("nan"), 0)
    v_ours, v_base, v_ratio, v_n = _ratio(ours, opx)
    all_form = statistics.fmean(form.values())
    all_fill = statistics.fmean(fill.values())
    all_verify = statistics.fmean(ours.values())
    build_mem = _memory(built)
    verify_mem = _memory(checked)
    lo_same = sum(lo_findings.get(i) == twin_findings.get(i) for i in lo_items)
    lo_tamper = sorted({c for i in lo_items for c, _ in lo_findings.get(i, []) if c in TAMPER})
    lo_diff = [(data[i][0], sorted(set(lo_findings.get(i, [])) ^ set(twin_findings.get(i, []))))
               for i in lo_items if lo_findings.get(i) != twin_findings.get(i)]

    def met(ratio: float, what: str) -> str:
        return "met" if ratio <= TARGETS[what] else f"missed by {ratio / TARGETS[what] - 1:.0%}"

    lines = [
        "# Benchmark results", "",
        "Regenerated by `make bench` (`python -m bench`); do not edit by hand, except the dated notes "
        "on earlier runs at the end, which the bench keeps.", "",
        "## Machine", "",
        *[f"- {what}: {value}" for what, value in described], "",
        "## Data set", "",
        f"{n} departments of template `{TEMPLATE}` (bench/dataset.py, seeded; generated in {t_data:.1f} s): "
        f"one workbook each with the basic data sheet, the 部门整体 sheet with {min(zt)}-{max(zt)} declared "
        f"三级指标 (mean {statistics.fmean(zt):.1f}) and max(3, projects) project sheets; "
        f"{sum(projects)} projects in all (0-5 per department, mean {statistics.fmean(projects):.2f}) "
        f"with {min(project_rows, default=0)}-{max(project_rows, default=0)} indicators each. "
        f"Each department gets its pre-filled form (built from its own pre-fill: department, budget, "
        f"declared indicators, project copies) and its filled return (inputs typed, cached results "
        f"written as a spreadsheet saves them). Pre-fills `jixiao build` refuses (D402, locked weights that "
        f"can never add up), left out: {len(refused)}"
        + (f", e.g. {next(iter(refused.values()))}" if refused else "") + ".", "",
        "## Throughput and ratios", "",
        f"{workers} processes; each figure is per process (one core). Ratios are time ratios "
        "jixiao / baseline on the same workbooks, measured in the same process one right after the other.", "",
        "| operation | jixiao (workbooks/s) | baseline (workbooks/s) | time ratio | target | |",
        "|---|---|---|---|---|---|",
        f"| build: pre-filled form (layout, formulas, cached values, validations, names, write) "
        f"| {_fmt_rate(b_ours)} | (a) bare xlsxwriter, same calls: {_fmt_rate(b_base)} | **{b_ratio:.2f}x** "
        f"| ≤ {TARGETS['build']}x | {met(b_ratio, 'build')} |",
        f"| verify: return (read, structure and tamper checks, recompute, rules) "
        f"| {_fmt_rate(v_ours)} | (b) openpyxl read-only, every cell: {_fmt_rate(v_base)} | **{v_ratio:.2f}x** "
        f"| ≤ {TARGETS['verify']}x | {met(v_ratio, 'verify')} |",
        "",
        f"- Ratios over {b_n} forms (a) and {v_n} returns (b), one workbook in {sample}. "
        f"Baseline (a) replayed files byte-identical to jixiao's: {identical} of {compared}.",
        f"- All {n} departments: build {_fmt_rate(all_form)} forms/s (and write {_fmt_rate(all_fill)} filled returns/s "
        f"from the same layouts), "
        f"verify {_fmt_rate(all_verify)} returns/s per process; the province ({n} forms, {n} returns) took "
        f"{t_build:.0f} s to build (jixiao's own share {sum(form.values()) / workers:.0f} s for the forms) and "
        f"{t_verify:.0f} s to verify (jixiao's own share {sum(ours.values()) / workers:.0f} s) "
        f"on {workers} processes, baselines included.",
    ]
    if l_n:
        lines.append(
            f"- Why the build beats bare xlsxwriter: jixiao's worksheets skip xlsxwriter's ~150 "
            f"regular-expression passes per formula (`_prepare_formula`) when a formula calls none of the "
            f"functions they rewrite (output byte-identical; jixiao/write/fastpath.py). Both run in the same "
            f"worker processes, whose garbage collector jixiao tunes (jixiao/pool.py). Against "
            f"the same calls replayed through jixiao's worksheet class ({l_n} forms, {_fmt_rate(b_lean)} "
            f"forms/s) the build is {l_ratio:.2f}x: the template layer (layout, formula text, recomputation, "
            f"the writer's own work) costs {(b_ours - b_lean) * 1000:.0f} ms per form.")
    lines += [
        "", "## Peak memory", "",
        "Peak resident memory (RSS, MiB) of one process after it had handled so many workbooks "
        "(max over processes; each process is a fresh interpreter).", "",
        "| workbooks per process | " + " | ".join(str(k) for k, _ in verify_mem) + " |",
        "|---|" + "---|" * len(verify_mem),
        "| build (form + return) | " + " | ".join(f"{m:.0f}" for _, m in build_mem) + " |",
        "| verify | " + " | ".join(f"{m:.0f}" for _, m in verify_mem) + " |",
    ]
    if growth:
        g0 = growth[0]
        lines += [
            "", "## Growth with indicator rows", "",
            "One department, no projects; the 部门整体 sheet with this many declared rows (plus the "
            "template's 24 blank ones); best of 3-5 runs, milliseconds per workbook.", "",
            "| declared rows | indicator rows | cells | build | bare xlsxwriter | build ratio | verify "
            "| openpyxl | verify ratio | build ms/row | verify ms/row |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for g in growth:
            per_build = per_verify = "—"
            if g is not g0:
                per_build = f"{(g['build'] - g0['build']) / (g['rows'] - g0['rows']) * 1000:.2f}"
                per_verify = f"{(g['verify'] - g0['verify']) / (g['rows'] - g0['rows']) * 1000:.2f}"
            lines.append(
                f"| {g['declared']} | {g['rows']} | {g['cells']} | {g['build'] * 1000:.0f} | {g['bare'] * 1000:.0f} "
                f"| {g['build'] / g['bare']:.2f}x | {g['verify'] * 1000:.0f} | {g['read'] * 1000:.0f} "
                f"| {g['verify'] / g['read']:.2f}x | {per_build} | {per_verify} |")
        lines += ["", "ms/row: the extra time per extra indicator row from the smallest form (constant = linear)."]
    lines += ["", "## Returns recalculated by LibreOffice", "", f"- {lo_note}."]
    if lo_items:
        lines.append(f"- Verified with the rest: findings identical to those of the same return written by "
                     f"jixiao itself for {lo_same} of {len(lo_items)}; tamper findings "
                     f"({', '.join(sorted(TAMPER))}): {', '.join(lo_tamper) or 'none'}.")
        for name, diff in lo_diff[:5]:
            lines.append(f"  - {name}: differs in {diff[:6]}")
    unused = sum(max(0, 3 - k) for k in projects)
    off = {i for i, (_, _, v) in enumerate(data)
           if abs(v["zt_fund_general_actual"] + v["zt_fund_nontax_actual"] - v["zt_fund_total_actual"]) > 0.005}
    odd = {i for i, k in enumerate(projects) if k == 0}  # 项目支出 spent, but no project form to add up
    lines += [
        "", "## Findings over all returns", "",
        f"- Status: {', '.join(f'{k} {v}' for k, v in sorted(status.items()))}.",
        "- Findings (returns with them): " + ", ".join(f"{c} {k} ({returns_with[c]})"
                                                      for c, k in sorted(codes.items())) + ".",
        f"- Expected from the data: no V301 (every field a department uses is filled; the {unused} project "
        f"sheets nobody uses, every form having at least 3, are not asked for theirs); CHK_FUNDS_SUM in every return "
        f"with 0 projects (项目支出 spent but no project form; the cross-check adds up every 项目支出表) or with funds "
        f"that do not add up: {len(odd | off)} expected; ROW_REASON_MISSING where a careless department "
        f"left out reasons.",
        "", "## Baselines", "",
        "- (a) bench/baselines.py runs jixiao's writer once against a recording stand-in for "
        "`xlsxwriter.Workbook` (untimed), then replays every call - the same cells, cached values, "
        "formats, merges, formulas, data validations, conditional formats, defined names, page setup, "
        "protection and metadata sheet - on a real `xlsxwriter.Workbook` with xlsxwriter's own worksheets.",
        "- (b) `openpyxl.load_workbook(path, read_only=True)`, `reset_dimensions()` and every cell of every "
        "sheet through `iter_rows(values_only=True)`; it gets no formulas (read-only mode cannot), "
        "jixiao's verify gets values and formulas in one pass and does every check.",
        "", f"Total bench time {time.perf_counter() - started:.0f} s.",
    ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if args.results != "-":
        path = Path(args.results)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        kept = old[old.index(HISTORY):] if HISTORY in old else ""  # dated notes on earlier runs
        path.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
