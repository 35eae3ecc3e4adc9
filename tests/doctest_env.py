"""The folder the package's docstring examples run in (a pytest plugin: ``-p doctest_env``).

The examples show the API as a bureau uses it — a ``returns/`` folder, a data table, an
archive — so each doctest runs in a fresh copy of a small year prepared once per session:

    dist/                the shipped blank forms
    returns/             two returns of 2023: 101001_甲局.xlsx (clean) and
                         101002_乙局.xlsx (a score over its weight, no reason)
    departments.csv      two departments of guizhou-zhengti with budgets
    jixiao.sqlite        an archive holding both returns

Examples then read like the README, and they run (``--doctest-modules``), so they cannot
drift from the code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

from forms import build_filled, seed_000_values

ROOT = Path(__file__).resolve().parents[1]


def _prepare(folder: Path) -> None:
    from jixiao.archive import Archive
    from jixiao.archive.collect import collect_files

    shutil.copytree(ROOT / "dist", folder / "dist")
    returns = folder / "returns"
    returns.mkdir()
    def clean(layout):  # seed 000 with its published 年初预算数 total corrected (443.88 -> 444.38)
        values = seed_000_values(layout)
        values.update({"zt_department": "甲局", "zt_unit": "甲局", "zt_fund_total_initial": 444.38})
        far = next(k for k, v in values.items() if v == "志愿服务").removesuffix("_name")
        values[f"{far}_reason"] = "按实际参加人次统计"  # 400 against a target of 1: explained
        return values

    def over_weight(layout):
        values = clean(layout)
        values.update({"zt_department": "乙局", "zt_unit": "乙局"})
        first = next(k for k in values if k.endswith("_declared"))
        values[first] = 99  # a qualitative score far above its weight
        return values

    build_filled("guizhou-zhengti", clean, returns / "101001_甲局.xlsx")
    build_filled("guizhou-zhengti", over_weight, returns / "101002_乙局.xlsx")
    (folder / "departments.csv").write_text(
        "单位编码,单位名称,年度资金总额 全年预算数,基本支出 全年预算数,项目支出 全年预算数\n"
        "101001,甲局,459.61,369.11,90.5\n101002,乙局,120,100,20\n", encoding="utf-8")
    with Archive(f"sqlite:///{folder / 'jixiao.sqlite'}") as archive:
        collect_files([returns], archive)


@pytest.fixture(scope="session")
def _doctest_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("doctest-year")
    _prepare(folder)
    return folder


@pytest.fixture(autouse=True)
def _doctest_folder(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Docstring examples run in a fresh copy of the prepared year; other tests untouched."""
    if not isinstance(request.node, DoctestItem):
        return
    year = request.getfixturevalue("_doctest_year")
    work = tmp_path / "year"
    shutil.copytree(year, work)
    monkeypatch.chdir(work)
