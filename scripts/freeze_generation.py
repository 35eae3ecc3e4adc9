"""Write one layout generation's fingerprints into tests/data/generations.json: every
shipped template version (templates/ and templates/archive/) laid out as that generation.

    python scripts/freeze_generation.py 2

Only for a generation no form was sent out with yet (the current one while it is being
made): a released generation's fingerprints are frozen, and tests/test_generations.py
fails when a builder change would alter them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from jixiao.layout import build_layout
from jixiao.layout.identity import FIRST_GENERATION, GENERATION
from jixiao.template.load import load_template

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "data" / "generations.json"


def fingerprints(generation: int) -> dict[str, str]:
    """``id@version`` -> the fingerprint of that shipped template version in ``generation``."""
    templates = ROOT / "templates"
    out: dict[str, str] = {}
    for path in sorted(templates.glob("*.yaml")) + sorted((templates / "archive").glob("*.yaml")):
        lt = load_template(path)
        out[f"{lt.template.id}@{lt.template.version}"] = build_layout(lt, generation=generation).fingerprint()
    return dict(sorted(out.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generation", type=int, choices=range(FIRST_GENERATION, GENERATION + 1))
    generation = parser.parse_args().generation
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    table[str(generation)] = fingerprints(generation)
    table = dict(sorted(table.items(), key=lambda kv: int(kv[0])))
    TABLE.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"generation {generation}: {len(table[str(generation)])} template versions written to {TABLE}")


if __name__ == "__main__":
    main()
