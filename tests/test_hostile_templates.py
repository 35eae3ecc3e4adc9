"""Template files are data: their text never runs code, and no small file can make lint hang
or exhaust memory. Each case runs ``jixiao lint`` in a child process, so its time and peak
memory are measured for that file alone (resource.getrusage of the child)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from jixiao.safe_text import UnsafeText, render

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "tests" / "lint_corpus" / "t110-title-param.yaml").read_text(encoding="utf-8")


def _template(title: str) -> str:
    return BASE.replace("部门整体支出绩效自评表（{{ yaer }}年度）", title)


def _bounded() -> None:
    """A hang or a runaway allocation ends the child (CPU 60 s, 4 GiB) instead of the run."""
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _lint(path: Path) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run lint on ``path`` in a child; (process, CPU seconds, peak RSS in MiB) of that child
    alone (os.wait4, not RUSAGE_CHILDREN, which keeps the largest child of the session)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "generator")}
    out, err = path.parent / "lint.out", path.parent / "lint.err"
    with out.open("w") as o, err.open("w") as e:
        child = subprocess.Popen([sys.executable, "-m", "jixiao.cli", "lint", str(path)], stdout=o,
                                 stderr=e, env=env, cwd=path.parent, text=True,
                                 preexec_fn=_bounded)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    proc = subprocess.CompletedProcess(child.args, child.returncode, out.read_text(), err.read_text())
    return proc, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


@pytest.mark.parametrize("title", [
    "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "{{ lipsum.__globals__['os'].system('touch PWNED') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{{ 9**9**9**9 }}",
    "{{ 'x' * 1000000000 }}",
    "{{ 1/0 }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{{ year|attr('__class__') }}",
])
def test_template_text_never_runs_code_or_hangs(tmp_path: Path, title: str) -> None:
    bad = tmp_path / "t110-title-param.yaml"
    bad.write_text(_template(title.replace('"', '\\"')).replace(
        f"title: {title}", f'title: "{title}"'), encoding="utf-8")
    proc, cpu, rss = _lint(bad)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert " T110 " in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "PWNED").exists()
    assert cpu < 10 and rss < 1024, (cpu, rss)


def test_yaml_alias_bomb_is_refused_in_bounded_time(tmp_path: Path) -> None:
    levels = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("l0: &l0 [x, x, x, x, x, x, x, x, x]\n" + levels, encoding="utf-8")
    assert bomb.stat().st_size < 1000  # 9^10 nodes once expanded
    proc, cpu, rss = _lint(bomb)
    assert proc.returncode == 1 and " T001 " in proc.stdout and "节点" in proc.stdout, proc.stdout + proc.stderr
    assert cpu < 10 and rss < 1024, (cpu, rss)


def test_params_still_render() -> None:
    assert render("{{ year - 1 }}年 {{ region|default('某地') }}", {"year": 2024}) == "2023年 某地"
    assert render("{{ '优' if score >= 90 else '良' }}", {"score": 95}) == "优"
    with pytest.raises(UnsafeText, match="过长"):
        render("{{ year }}" + "x" * 10_000, {"year": 1})
