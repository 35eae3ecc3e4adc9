"""Worker processes for batch work (``build --data``, ``verify --jobs``, the bench).

A worker handles file after file, each allocating a few hundred thousand objects that
live until the file is done. With Python's default thresholds (700, 10, 10) the cyclic
collector scans that growing heap again and again: a third of the time of a verify.
Workers collect less often instead; reference counting still frees nearly everything,
and the cycles xlsxwriter leaves per workbook (about 3 MiB) wait a little longer, which
raises a worker's peak memory by 10-20 MiB (measured on the bench's forms).
"""

from __future__ import annotations

import gc
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

#: Collector thresholds of a worker: young collections every 20,000 allocations, not 700.
WORKER_GC_THRESHOLDS = (20_000, 3, 3)


def tune_worker_gc() -> None:
    """A worker process's initialiser: the collector runs less often (see the module)."""
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


def worker_pool(workers: int, mp_context: BaseContext | None = None) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes, each tuned by :func:`tune_worker_gc`."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp_context, initializer=tune_worker_gc)
