"""``python -m fuzz --n 100000 --target verify|dataset|lint`` (``make fuzz``).

Prints progress to stderr and the campaign's figures at the end; ``--results FILE``
appends them as a Markdown section; ``--replay INDEX`` reruns one input in this process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
from pathlib import Path

from .runner import Campaign, Tally, replay


def _report(t: Tally, args: argparse.Namespace) -> str:
    rate = t.inputs / t.seconds if t.seconds else 0.0
    lines = [
        f"## {t.target}: {t.inputs:,} inputs (seed {args.seed}, from index {args.start})",
        "",
        f"- run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.python_implementation()} "
        f"{platform.python_version()}, {t.seconds:.0f} s ({rate:.1f} inputs/s), one worker at a time, nice 10",
        f"- limits per worker: address space {args.rss_mb} MiB, {args.timeout:g} s wall per input, "
        f"{args.cpu} s CPU per worker",
        f"- **escaped exceptions: {len(t.escaped)}**, internal-error findings: {len(t.internal)}, "
        f"**hangs: {len(t.hangs)}**, workers killed (memory/CPU): {len(t.killed)}",
        f"- peak RSS of a worker: {t.peak_rss / 2**20:.0f} MiB (after building the seeds: "
        f"{t.worker_base_rss / 2**20:.0f} MiB); slowest input: {t.max_cpu:.2f} s CPU (index {t.max_cpu_index})",
        "- outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(t.outcomes.items(), key=lambda kv: -kv[1])),
    ]
    for index, outcome in (t.escaped + t.internal)[:20]:
        lines.append(f"- index {index}: `{outcome.splitlines()[0]}`")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    p.add_argument("--target", choices=("verify", "dataset", "lint"), required=True)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--timeout", type=float, default=10.0, help="wall seconds per input")
    p.add_argument("--rss-mb", type=int, default=3072, help="address-space limit of a worker")
    p.add_argument("--cpu", type=int, default=3600, help="CPU seconds per worker (5000 inputs)")
    p.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: run all --n)")
    p.add_argument("--results", type=Path, help="append the figures to this Markdown file")
    p.add_argument("--json", type=Path, help="write failures (index, outcome) as JSON")
    p.add_argument("--replay", type=int, help="rerun one input here")
    p.add_argument("--save", type=Path, help="with --replay: write the input into this folder")
    args = p.parse_args(argv)
    if args.replay is not None:
        print(replay(args.target, args.seed, args.replay, args.save))
        return 0
    campaign = Campaign(args.target, args.seed, args.timeout, args.rss_mb << 20, args.cpu)
    tally = campaign.run(range(args.start, args.start + args.n), seconds=args.seconds)
    text = _report(tally, args)
    print(text)
    if args.results:
        with args.results.open("a", encoding="utf-8") as f:
            f.write("\n" + text)
    if args.json:
        args.json.write_text(json.dumps({"escaped": tally.escaped, "internal": tally.internal, "hangs": tally.hangs,
                                         "killed": tally.killed}, indent=1))
    return 1 if tally.escaped or tally.hangs or tally.internal or tally.killed else 0


if __name__ == "__main__":
    sys.exit(main())
