"""jixiao as users get it: a wheel and an sdist built from the checkout, the wheel installed
into a fresh virtual environment, and the shipped templates linted and built from there.

The venv sees the already-installed dependencies (``--system-site-packages``) so nothing is
downloaded; the wheel itself is installed with ``--no-deps --no-index``. The commands run in
an empty folder, so neither the checkout's ``templates/`` nor its ``formulas/`` can be found
by accident: they must come from the wheel.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.name for p in (ROOT / "templates").glob("*.yaml"))


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "200"})
    assert proc.returncode == 0, f"{args}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT, cwd=ROOT)
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_wheel_carries_the_templates_and_the_rule_library(built: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    assert "jixiao/_data/formulas/rules.yaml" in names
    for template in SHIPPED:
        assert f"jixiao/_data/templates/{template}" in names
    assert any(n.startswith("jixiao/_data/templates/archive/") for n in names)
    assert "jixiao/archive/migrations/versions/0001_initial.py" in names
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


def test_sdist_has_what_a_rebuild_needs(built: dict[str, Path]) -> None:
    with tarfile.open(built["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "formulas/rules.yaml", "generator/jixiao/cli/__init__.py"} <= names
    assert {f"templates/{t}" for t in SHIPPED} <= names


def test_installed_wheel_lints_and_builds_the_shipped_templates(
        built: dict[str, Path], tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py, cli = env_dir / "bin" / "python", env_dir / "bin" / "jixiao"
    _run(py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", built["wheel"], cwd=tmp_path)
    where = _run(py, "-c", "import jixiao.paths as p; print(p.templates_dir()); print(p.formulas_dir())",
                 cwd=tmp_path).stdout.split()
    assert all(Path(w).is_relative_to(env_dir) for w in where), where  # from the wheel, not the checkout

    work = tmp_path / "work"
    work.mkdir()
    templates = Path(where[0])
    _run(cli, "lint", templates, cwd=work)
    _run(cli, "build", templates, "--out", work / "out", cwd=work)
    built_forms = sorted(p.name for p in (work / "out").glob("*.xlsx"))
    assert built_forms == sorted(t.replace(".yaml", ".xlsx") for t in SHIPPED)
    for name in built_forms:  # the same bytes the checkout ships in dist/
        assert (work / "out" / name).read_bytes() == (ROOT / "dist" / name).read_bytes(), name
