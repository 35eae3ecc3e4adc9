"""The three fuzz targets: seeds (real inputs built once per worker) and one call each.

Each ``run`` returns an outcome: ``"ok"``, ``"coded:<CODE>"`` (a documented refusal such
as a data file that cannot be used, with its D code) or ``"internal:<CODE>"`` (a finding
that says "unexpected error": the total function caught a bug; it is counted as a
failure). An exception escaping ``run`` is an escaped exception.
"""

from __future__ import annotations

import io
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import mutate

ROOT = Path(__file__).resolve().parent.parent
#: Codes that mean "the function caught an exception it did not expect".
INTERNAL = {"R098", "R099", "D099", "T099"}


@dataclass
class Target:
    name: str
    seeds: list[tuple[str, bytes]]  # (file name, content)
    work: Path

    def make(self, rng: random.Random) -> tuple[str, bytes]:
        name, data = rng.choice(self.seeds)
        return name, MUTATE[self.name](rng, name, data)

    def write(self, name: str, data: bytes) -> Path:
        path = self.work / name
        path.write_bytes(data)
        return path

    def run(self, name: str, data: bytes) -> str:
        return RUN[self.name](self, self.write(name, data))


# ------------------------------------------------------------------ verify


def _filled_return(tmp: Path, template: str, prefill: dict[str, Any]) -> bytes:
    from jixiao.layout import build_layout
    from jixiao.template.load import load_template
    from jixiao.write import write_workbook

    layout = build_layout(load_template(template), prefill)
    values = dict(layout_values(layout))
    values.update({k: v for k, v in prefill.items() if not k.startswith("_")})
    path = write_workbook(layout, tmp / f"{template}-filled.xlsx", values=values)
    return path.read_bytes()


def layout_values(layout: Any) -> dict[str, Any]:
    """A plausible value for every input (numbers for money, text elsewhere)."""
    out: dict[str, Any] = {}
    for i, cell in enumerate(layout.inputs()):
        if cell.value_type in ("money", "weight", "score", "number"):
            out[cell.name] = float(i % 7 + 1)
        elif cell.value_type == "text":
            out[cell.name] = f"文本{i}"
    return out


def verify_seeds(tmp: Path) -> list[tuple[str, bytes]]:
    seeds = [(p.name, p.read_bytes()) for p in sorted((ROOT / "dist").glob("*.xlsx"))]
    prefill = {"_department": {"code": "440005", "name": "某某局"}, "zt_department": "某某局",
               "zt_fund_total_budget": 459.61,
               "_indicators": {"zt": [{"level1": "产出指标", "level2": "数量", "name": "培训人次", "direction": "≥",
                                       "target": 300.0, "unit": "人次", "weight": 20.0}]}}
    seeds.append(("guizhou-prefilled.xlsx", _filled_return(tmp, "guizhou-zhengti", prefill)))
    seeds.append(("guizhou-2022-filled.xlsx", _filled_return(tmp, "guizhou-zhengti-2022", {})))
    # the small forms are cheaper: weight them so the campaign is not dominated by one
    return [s for s in seeds if not s[0].startswith("hunan")] * 3 + [s for s in seeds if s[0].startswith("hunan")]


def run_verify(target: Target, path: Path) -> str:
    from jixiao.verify.verification import verify_file

    result = verify_file(path)
    codes = [f.code for f in result.findings]
    internal = [c for c in codes if c in INTERNAL]
    return f"internal:{internal[0]}" if internal else ("coded:" + codes[0] if result.unreadable else "ok")


# ------------------------------------------------------------------ dataset


def dataset_seeds(tmp: Path) -> list[tuple[str, bytes]]:
    from openpyxl import load_workbook

    from jixiao.prefill.init_data import init_data

    seeds = []
    for template in ("guizhou-zhengti", "hunan-zhengti"):
        path = init_data(template, tmp / f"{template}-data.xlsx", force=True)
        wb = load_workbook(path)
        rows_csv = []
        for ws in wb.worksheets:
            headers = [c.value for c in ws[1]]
            for n in range(3):
                row = []
                for h in headers:
                    h = str(h or "")
                    if "编码" in h:
                        row.append(f"44000{n}")
                    elif "名称" in h or h in ("单位", "项目"):
                        row.append(f"单位{n}")
                    elif "万元" in h or "元" in h or "分值" in h:
                        row.append(10 + n)
                    elif "指标值" in h:
                        row.append("≥300人次")
                    elif "一级" in h:
                        row.append("产出指标")
                    elif "二级" in h:
                        row.append("数量")
                    else:
                        row.append(f"值{n}")
                ws.append(row)
                if ws.title == "单位":
                    rows_csv.append(row)
            if ws.title == "单位":
                csv_text = "\n".join(",".join(str(v) for v in r) for r in [headers, *rows_csv])
        out = io.BytesIO()
        wb.save(out)
        seeds.append((f"{template}-data.xlsx", out.getvalue()))
        seeds.append((f"{template}-data.csv", csv_text.encode("utf-8")))
    return seeds


_SCHEMAS: dict[str, Any] = {}


def run_dataset(target: Target, path: Path) -> str:
    from jixiao.prefill.tables import DataFileError, DataSchema, read_dataset
    from jixiao.template.load import load_template

    template = "hunan-zhengti" if path.name.startswith("hunan") else "guizhou-zhengti"
    if template not in _SCHEMAS:
        _SCHEMAS[template] = DataSchema.for_template(load_template(template))
    try:
        data = read_dataset(_SCHEMAS[template], path)
    except DataFileError as exc:
        code = exc.problem.code
        return f"internal:{code}" if code in INTERNAL else f"coded:{code}"
    internal = [p.code for p in data.problems if p.code in INTERNAL]
    return f"internal:{internal[0]}" if internal else "ok"


def mutate_dataset(rng: random.Random, name: str, data: bytes) -> bytes:
    if name.endswith(".csv"):
        return mutate.csv_table(rng, data.decode("utf-8"))
    return mutate.mutate_package(rng, data, prefer="sheet")


# ------------------------------------------------------------------ lint


def lint_seeds(tmp: Path) -> list[tuple[str, bytes]]:
    folder = ROOT / "templates"
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.yaml"))]


def run_lint(target: Target, path: Path) -> str:
    from jixiao.template.lint import lint_paths

    problems = lint_paths([path])
    internal = [p.code for p in problems if p.code in INTERNAL]
    return f"internal:{internal[0]}" if internal else "ok"


def mutate_lint(rng: random.Random, name: str, data: bytes) -> bytes:
    return mutate.yaml_text(rng, data.decode("utf-8"))


SEEDS = {"verify": verify_seeds, "dataset": dataset_seeds, "lint": lint_seeds}
RUN = {"verify": run_verify, "dataset": run_dataset, "lint": run_lint}
MUTATE = {"verify": lambda rng, name, data: mutate.mutate_package(rng, data, prefer="sharedStrings"),
          "dataset": mutate_dataset, "lint": mutate_lint}


def make_target(name: str) -> Target:
    work = Path(tempfile.mkdtemp(prefix=f"jixiao-fuzz-{name}-"))
    return Target(name, SEEDS[name](work), work)
