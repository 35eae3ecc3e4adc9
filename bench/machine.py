"""What the bench ran on: CPU, cores, memory, system, Python and library versions."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except (OSError, ValueError):
        pass
    return None


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def libreoffice_version() -> str | None:
    from calc.libreoffice import soffice_path

    soffice = soffice_path()
    if soffice is None:
        return None
    try:
        out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown version"
    return " ".join(out.split()[:2]) or "unknown version"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def describe() -> list[tuple[str, str]]:
    """(what, value) lines for the results."""
    mem = _memory_gib()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    lines = [
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} logical cores ({usable_cores()} usable by the bench)"),
        ("memory", f"{mem:.1f} GiB" if mem is not None else "unknown"),
        ("system", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("libraries", ", ".join(f"{p} {_version(p)}" for p in ("jixiao", "xlsxwriter", "openpyxl", "jinja2",
                                                            "pydantic"))),
        ("LibreOffice", libreoffice_version() or "not installed"),
    ]
    if load is not None:
        lines.append(("load average at start", " ".join(f"{x:.2f}" for x in load)))
    return lines


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if platform.system() == "Darwin" else peak / 1024
