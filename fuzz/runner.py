"""The campaign: inputs run in a worker process under resource limits, watched by the parent.

The worker (spawned, so it imports jixiao itself) builds the target's seeds once, then
for each index it is sent makes the input (``random.Random(f"{seed}:{index}")``), calls
the target and answers with the outcome. Its address space is capped (RLIMIT_AS) and its
CPU time too; the parent gives every input ``timeout`` seconds of wall time and kills the
worker when one takes longer (a hang) or when the worker dies (a memory or CPU kill);
a new worker goes on with the next index. Peak RSS is the worker's ru_maxrss.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import resource
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: A worker is replaced after this many inputs: a peak read from one worker belongs to
#: fewer inputs, and a slow leak cannot pile up.
WORKER_INPUTS = 5000


def rng_for(seed: int, index: int) -> random.Random:
    return random.Random(f"{seed}:{index}")


def _worker(target_name: str, seed: int, conn: Any, rss_limit: int, cpu_limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (rss_limit, rss_limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 5))
    sys.setrecursionlimit(10_000)  # jixiao must not depend on a bigger stack than Python's default
    from .targets import make_target

    target = make_target(target_name)
    conn.send(("ready", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
    while True:
        index = conn.recv()
        if index is None:
            return
        rng = rng_for(seed, index)
        name, data = target.make(rng)
        started = time.process_time()
        try:
            outcome = target.run(name, data)
        except BaseException as exc:  # noqa: BLE001 - exactly what the campaign counts
            outcome = "escaped:" + "".join(traceback.format_exception_only(type(exc), exc)).strip()[:500]
            outcome += "\n" + "".join(traceback.format_tb(exc.__traceback__)[-6:])
        conn.send((outcome, time.process_time() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


@dataclass
class Tally:
    target: str
    inputs: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    escaped: list[tuple[int, str]] = field(default_factory=list)
    internal: list[tuple[int, str]] = field(default_factory=list)
    hangs: list[int] = field(default_factory=list)
    killed: list[int] = field(default_factory=list)
    peak_rss: int = 0
    worker_base_rss: int = 0
    max_cpu: float = 0.0
    max_cpu_index: int = -1
    seconds: float = 0.0

    def add(self, index: int, outcome: str, cpu: float) -> None:
        self.inputs += 1
        kind = outcome.split(":", 1)[0]
        key = outcome.split("\n", 1)[0] if kind in ("coded", "internal") else kind
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        if kind == "escaped":
            self.escaped.append((index, outcome))
        elif kind == "internal":
            self.internal.append((index, outcome))
        if cpu > self.max_cpu:
            self.max_cpu, self.max_cpu_index = cpu, index


class Campaign:
    def __init__(self, target: str, seed: int, timeout: float, rss_limit: int, cpu_limit: int) -> None:
        self.target, self.seed, self.timeout = target, seed, timeout
        self.rss_limit, self.cpu_limit = rss_limit, cpu_limit
        self.ctx = mp.get_context("spawn")
        self.proc: Any = None
        self.conn: Any = None
        self.served = 0

    def _start(self, tally: Tally) -> None:
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_worker, args=(self.target, self.seed, child, self.rss_limit,
                                                           self.cpu_limit), daemon=True)
        self.proc.start()
        child.close()
        self.conn, self.served = parent, 0
        _, base = self.conn.recv()
        tally.worker_base_rss = max(tally.worker_base_rss, base)

    def _stop(self, kill: bool) -> None:
        if self.proc is None:
            return
        if kill:
            self.proc.kill()
        else:
            self.conn.send(None)
        self.proc.join(10)
        self.proc, self.conn = None, None

    def run(self, indices: range, progress_every: int = 1000, seconds: float = 0.0) -> Tally:
        """Run ``indices`` in order; with ``seconds``, stop at the first input after that long."""
        tally = Tally(self.target)
        started = time.monotonic()
        for index in indices:
            if seconds and time.monotonic() - started > seconds:
                break
            if self.proc is None or self.served >= WORKER_INPUTS:
                self._stop(kill=False)
                self._start(tally)
            self.conn.send(index)
            self.served += 1
            if not self.conn.poll(self.timeout):
                tally.hangs.append(index)
                tally.add(index, "hang", self.timeout)
                self._stop(kill=True)
                continue
            try:
                outcome, cpu, rss = self.conn.recv()
            except EOFError:  # the worker died: memory or CPU limit
                tally.killed.append(index)
                tally.add(index, "killed", 0.0)
                self._stop(kill=True)
                continue
            tally.peak_rss = max(tally.peak_rss, rss)
            tally.add(index, outcome, cpu)
            if progress_every and tally.inputs % progress_every == 0:
                rate = tally.inputs / (time.monotonic() - started)
                print(f"[{self.target}] {tally.inputs} inputs, {rate:.1f}/s, escaped {len(tally.escaped)}, "
                      f"internal {len(tally.internal)}, hangs {len(tally.hangs)}, killed {len(tally.killed)}, "
                      f"peak RSS {tally.peak_rss >> 20} MiB", file=sys.stderr, flush=True)
        self._stop(kill=False)
        tally.seconds = time.monotonic() - started
        return tally


def replay(target_name: str, seed: int, index: int, out: Path | None) -> str:
    """Rebuild one input and run it here (for debugging a failure)."""
    from .targets import make_target

    target = make_target(target_name)
    name, data = target.make(rng_for(seed, index))
    if out is not None:
        (out / name).write_bytes(data)
    return target.run(name, data)
