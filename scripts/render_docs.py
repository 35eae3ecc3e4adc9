"""Render docs/variants.md and its pictures: each dist/ workbook printed to PDF by
LibreOffice (recalculated), and the first page of each sheet as a PNG.

    python scripts/render_docs.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # calc/ (the LibreOffice tools) lives beside the package

from calc.libreoffice import convert_to_pdf  # noqa: E402
from jixiao.build import template_paths  # noqa: E402
from jixiao.layout import build_layout  # noqa: E402
from jixiao.template.load import load_template  # noqa: E402

IMG = ROOT / "docs" / "img"


def main() -> int:
    IMG.mkdir(parents=True, exist_ok=True)
    templates = template_paths([ROOT / "templates"])
    books = [ROOT / "dist" / f"{t.stem}.xlsx" for t in templates]
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = convert_to_pdf(books, Path(tmp))
        lines = ["# The shipped variants", "",
                 "Each picture is the first printed page of the form as LibreOffice renders the",
                 "blank workbook in `dist/` (regenerate with `python scripts/render_docs.py`).", ""]
        for t, book in zip(templates, books, strict=True):
            lt = load_template(t)
            layout = build_layout(lt)
            prefix = IMG / t.stem
            subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", str(pdfs[book]), str(prefix)],
                           check=True)
            png = next(IMG.glob(f"{t.stem}-*1.png"))
            png.rename(IMG / f"{t.stem}.png")
            lines += [f"## {lt.template.name} (`{t.stem}`)", "",
                      f"Template: [`templates/{t.name}`](../templates/{t.name}) · workbook: "
                      f"[`dist/{book.name}`](../dist/{book.name}) · scoring mode: {lt.template.scoring.mode}", "",
                      "Sheets: " + ", ".join(f"{s.name}" for s in layout.sheets), "",
                      f"![{lt.template.name}](img/{t.stem}.png)", ""]
    (ROOT / "docs" / "variants.md").write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
