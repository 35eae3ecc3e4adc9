"""What each bench process does with its share of the data set (module level: picklable).

Every measurement is per workbook, jixiao and its baseline on the same workbook one right
after the other, in the same process, so both see the same machine at the same moment.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.layout import build_layout
from jixiao.template.load import load_template
from jixiao.verify.verification import verify_file
from jixiao.write import write_workbook
from jixiao.write.fastpath import FastWorksheet

from .baselines import Recording, openpyxl_read, same_bytes
from .dataset import TEMPLATE
from .machine import peak_rss_mib

#: Files done by one process at which its peak memory is noted.
CHECKPOINTS = (1, 10, 100, 500, 1000, 2000, 5000, 10000)

Item = tuple[int, str, dict[str, Any], dict[str, Any]]  # index, file name, pre-fill, typed values


@dataclass
class BuildShare:
    form: dict[int, float] = field(default_factory=dict)  # jixiao: the pre-filled form, seconds
    fill: dict[int, float] = field(default_factory=dict)  # jixiao: the filled return
    bare: dict[int, float] = field(default_factory=dict)  # baseline (a) on the same form
    lean: dict[int, float] = field(default_factory=dict)  # the replay through jixiao's worksheet class
    identical: int = 0  # replayed files byte-identical to jixiao's
    compared: int = 0
    memory: list[tuple[int, float]] = field(default_factory=list)  # (files done, peak RSS MiB)


@dataclass
class VerifyShare:
    ours: dict[int, float] = field(default_factory=dict)
    openpyxl: dict[int, float] = field(default_factory=dict)
    cells: int = 0  # cells openpyxl touched
    codes: Counter[str] = field(default_factory=Counter)  # findings by code
    returns_with: Counter[str] = field(default_factory=Counter)  # returns with at least one, by code
    status: Counter[str] = field(default_factory=Counter)
    by_file: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # (code, cell) of chosen files
    memory: list[tuple[int, float]] = field(default_factory=list)


def build_share(items: list[Item], forms: Path, returns: Path, base: Path, sample: int, lean_sample: int) -> BuildShare:
    """Build each department's pre-filled form and its filled return; the baselines on a
    sample (every ``sample``-th department; the lean replay every ``lean_sample``-th)."""
    lt = load_template(TEMPLATE)
    out = BuildShare()
    scratch = base / f"scratch-{items[0][0] if items else 0}.xlsx"
    for done, (i, name, prefill, values) in enumerate(items, 1):
        # What build_template does (layout from the template and this pre-fill, then write).
        t = time.perf_counter()
        layout = build_layout(lt, prefill)
        form = write_workbook(layout, forms / name)
        out.form[i] = time.perf_counter() - t
        # The department's return, as its spreadsheet saves it (the same layout).
        t = time.perf_counter()
        write_workbook(layout, returns / name, values=values)
        out.fill[i] = time.perf_counter() - t
        if i % sample == 0:
            rec = Recording.of(layout, None, scratch)  # untimed
            target = base / name
            t = time.perf_counter()
            rec.replay(target)
            out.bare[i] = time.perf_counter() - t
            out.compared += 1
            out.identical += same_bytes(form, target)
            target.unlink()
            if i % lean_sample == 0:
                t = time.perf_counter()
                rec.replay(target, worksheet_class=FastWorksheet)
                out.lean[i] = time.perf_counter() - t
                out.compared += 1
                out.identical += same_bytes(form, target)
                target.unlink()
        if done in CHECKPOINTS or done == len(items):
            out.memory.append((done, peak_rss_mib()))
    return out


def verify_share(items: list[tuple[int, Path]], sample: int, keep: set[int]) -> VerifyShare:
    """Verify every return; openpyxl reads every ``sample``-th, in alternating order."""
    out = VerifyShare()
    for done, (i, path) in enumerate(items, 1):
        base_first = i % (2 * sample) == sample
        if i % sample == 0 and base_first:
            t = time.perf_counter()
            out.cells += openpyxl_read(path)
            out.openpyxl[i] = time.perf_counter() - t
        t = time.perf_counter()
        v = verify_file(path)
        out.ours[i] = time.perf_counter() - t
        if i % sample == 0 and not base_first:
            t = time.perf_counter()
            out.cells += openpyxl_read(path)
            out.openpyxl[i] = time.perf_counter() - t
        out.codes.update(f.code for f in v.findings)
        out.returns_with.update({f.code for f in v.findings})
        out.status[v.status] += 1
        if i in keep:
            out.by_file[i] = sorted((f.code, f.cell or "") for f in v.findings)
        if done in CHECKPOINTS or done == len(items):
            out.memory.append((done, peak_rss_mib()))
    return out
