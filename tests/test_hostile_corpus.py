"""The hostile corpus (tests/hostile/corpus, written by tests/hostile/make_corpus.py): the CLI
on each file in a child process gives the expected code and exit code, no traceback, in
under 10 s of CPU and 1 GiB of memory, measured for that child alone (os.wait4)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "hostile" / "corpus"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))
#: The issue's bounds for one file.
MAX_CPU_S, MAX_RSS_MIB = 10, 1024


def _bounded() -> None:
    """A hang or a runaway allocation ends the child (CPU 60 s, 4 GiB) instead of the run."""
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def run_cli(args: list[str], cwd: Path) -> tuple[int, str, float, int]:
    """``jixiao ARGS`` in a child: (exit code, stdout + stderr, CPU seconds, peak RSS MiB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "generator"), "COLUMNS": "200"}
    out = cwd / "cli.out"
    with out.open("w") as o:
        child = subprocess.Popen([sys.executable, "-m", "jixiao.cli", *args], stdout=o, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env, cwd=cwd, preexec_fn=_bounded)
        _, status, usage = os.wait4(child.pid, 0)
    return (os.waitstatus_to_exitcode(status), out.read_text(encoding="utf-8", errors="replace"),
            usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024)


def _args(entry: dict, path: Path, tmp: Path) -> list[str]:
    command = entry["command"]
    if command in ("verify", "read", "lint"):
        return [command, str(path)]
    if command == "annotate":
        return ["verify", str(path), "--annotate", str(tmp / "back")]
    if command == "collect":
        return ["collect", str(path), "--db", f"sqlite:///{tmp / 'a.sqlite'}"]
    return ["build", "guizhou-zhengti", "--data", str(path), "--out", str(tmp / "out")]  # data, record


def test_the_corpus_covers_every_class() -> None:
    assert len(MANIFEST) >= 60
    assert {e["command"] for e in MANIFEST} == {"verify", "read", "annotate", "collect", "lint", "data", "record"}
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 5_000_000


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_hostile_file(tmp_path: Path, entry: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    if entry["command"] == "collect":
        # A bureau without a key: the corpus's unsigned pre-fill is filed (V004, a note), so its
        # department reaches the archive and status. Where the bureau signs, collect refuses it
        # (V008, tests/test_collect_signing.py).
        monkeypatch.setenv("JIXIAO_KEY", str(tmp_path / "no-key-here.key"))
    path = tmp_path / entry["file"]
    shutil.copy(CORPUS / entry["file"], path)
    code, output, cpu, rss = run_cli(_args(entry, path, tmp_path), tmp_path)
    assert code == entry["exit"], (entry, output[-3000:])
    if entry["code"]:
        assert entry["code"] in output, (entry, output[-3000:])
    assert "Traceback" not in output, output[-3000:]
    if entry["command"] in ("verify", "read", "annotate"):
        assert entry["file"] in output.replace("\n", "")  # the name, markup and all, printed as text
    assert cpu < MAX_CPU_S and rss < MAX_RSS_MIB, (entry["file"], cpu, rss)
    if entry["command"] == "collect":  # what was filed is shown as text by status too
        code, output, _, _ = run_cli(["status", "--year", "2023", "--db", f"sqlite:///{tmp_path / 'a.sqlite'}"],
                                     tmp_path)
        assert code == 0 and "[/x]" in output and "[bold]某局[/bold]" in output, output


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    code, output, cpu, _ = run_cli(["verify", str(fifo)], tmp_path)
    assert code == 2 and "R014" in output, output


@pytest.mark.parametrize("name", ["empty", "x.xlsx"])
def test_a_folder_with_no_returns_is_not_clean(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    for command in ("verify", "collect"):
        extra = ["--db", f"sqlite:///{tmp_path / 'a.sqlite'}"] if command == "collect" else []
        code, output, _, _ = run_cli([command, name, *extra], tmp_path)
        assert code == 2 and "R016" in output and "0 return(s)" not in output, output


def test_one_bad_return_does_not_stop_the_batch(tmp_path: Path) -> None:
    """5 good returns and one whose pre-fill is a list: all six reported, the bad one as R015."""
    folder = tmp_path / "returns"
    folder.mkdir()
    for i in range(5):
        shutil.copy(ROOT / "dist" / "guizhou-zhengti-2022.xlsx", folder / f"good{i}.xlsx")
    shutil.copy(CORPUS / "prefill-list.xlsx", folder / "bad.xlsx")
    code, output, _, _ = run_cli(["verify", "--jobs", "2", str(folder)], tmp_path)
    assert code == 2 and "R015" in output and "共 6 份报表" in output, output
    assert all(f"good{i}.xlsx" in output for i in range(5))
    code, output, _, _ = run_cli(["collect", "--jobs", "2", str(folder), "--db",
                                  f"sqlite:///{tmp_path / 'a.sqlite'}"], tmp_path)
    assert code == 2 and all(f"good{i}.xlsx" in output for i in range(5)) and "bad.xlsx" in output, output


_BOOM = """
import sys
from jixiao import cli

@cli.app.command()
def boom() -> None:  # a command with a bug: what main() does with what no command expected
    raise RuntimeError("[red]bug")

sys.argv = ["jixiao", *sys.argv[1:]]
sys.exit(cli.main())
"""


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_is_exit_3_with_one_line(tmp_path: Path, debug: bool) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "generator")}
    proc = subprocess.run([sys.executable, "-c", _BOOM, *(["--debug"] if debug else []), "boom"], env=env,
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 3 and proc.stdout == "", proc
    assert "R098" not in proc.stderr and "RuntimeError: [red]bug" in proc.stderr
    assert ("Traceback" in proc.stderr) == debug
    if not debug:
        assert proc.stderr.count("\n") == 1 and "--debug" in proc.stderr
