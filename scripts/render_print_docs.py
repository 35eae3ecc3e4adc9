"""Render docs/img/print/: what the bureau prints and sends, as LibreOffice prints it.

Every shipped form blank (dist/) and filled (seed 000; a form whose bureau declared an
indicator in every 二级指标), the summary at 5 and at 2,000 departments, a findings report
and a return package; each page a small PNG (pdftoppm at 40 dpi), listed in
docs/img/print/pages.txt. Slow (the 2,000-department summary takes minutes).

    python scripts/render_print_docs.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # calc/ (the LibreOffice tools) lives beside the package
sys.path.insert(0, str(ROOT / "tests"))  # the seed returns the tests use

from calc.libreoffice import convert_to_pdf  # noqa: E402
from forms import build_filled, seed_000_values  # noqa: E402
from jixiao.archive import Archive, Submission  # noqa: E402
from jixiao.build import template_paths  # noqa: E402
from jixiao.layout import DEPARTMENT_KEY, build_layout  # noqa: E402
from jixiao.outputs.findings_report import write_findings_report  # noqa: E402
from jixiao.outputs.return_package import write_return_packages  # noqa: E402
from jixiao.outputs.summary import write_summary  # noqa: E402
from jixiao.template.load import load_template  # noqa: E402
from jixiao.verify.verification import verify_file  # noqa: E402
from jixiao.write import write_workbook  # noqa: E402

OUT = ROOT / "docs" / "img" / "print"


def _declared(template: str, folder: Path) -> Path:
    plain = build_layout(load_template(template))
    declared = {s.id: [{"level1": a, "level2": b, "name": f"{b}的一项指标，名称写得较长以便换行显示", "direction": "≥",
                        "target": 10, "unit": "次", "weight": 1}
                       for a, b in dict.fromkeys((r.level1, r.level2) for r in s.indicator_rows)]
                for s in plain.sheets if s.indicator_rows}
    return write_workbook(build_layout(load_template(template), {"_indicators": declared}),
                          folder / f"{template}-declared.xlsx")


def _summary(folder: Path, n: int) -> Path:
    kinds = []
    for k in range(8):
        actual = 300 + 20 * k
        funds = {"total": (443.88 if k == 0 else 444.38, 459.61, actual),
                 "basic": (353.88, 369.11, actual - 83.94), "project": (90.5, 90.5, 83.94)}
        path, _ = build_filled("guizhou-zhengti", lambda layout, f=funds: seed_000_values(layout, funds=f),
                               folder / f"k{k}.xlsx")
        kinds.append((path.read_bytes(), [f.to_dict() for f in verify_file(path).findings]))
    roster = [(f"{i:04d}", f"第{i}局") for i in range(n + max(1, n // 10))]
    with Archive(f"sqlite:///{folder / f'a{n}.sqlite'}") as archive:
        for i in range(n):
            data, findings = kinds[i % 8]
            archive.store(Submission(data, f"{i}.xlsx", f"{i:04d}", f"第{i}局", 2023, "guizhou-zhengti", "2",
                                     findings=findings))
        out = folder / f"summary-{n}.xlsx"
        write_summary(archive, 2023, out, roster=roster, compiled_by="黔南州财政局", force=True)
    return out


def _returns(folder: Path) -> tuple[Path, Path]:
    paths = []
    for code, name in (("001", "甲局"), ("002", "乙局")):
        layout = build_layout(load_template("guizhou-zhengti"), {DEPARTMENT_KEY: {"code": code, "name": name}})
        paths.append(write_workbook(layout, folder / f"{code}.xlsx", values=seed_000_values(layout)))
    results = [verify_file(p) for p in paths]
    report = write_findings_report(results, folder / "findings-report.xlsx", force=True)
    package = write_return_packages(results, folder / "back", round_no=2).workbooks[0]
    (folder / "return-package.xlsx").write_bytes(package.read_bytes())
    return report, folder / "return-package.xlsx"


def _page_texts(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for i in range(1, count + 1)]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        books = [ROOT / "dist" / f"{t.stem}.xlsx" for t in template_paths([ROOT / "templates"])]
        books += [_declared(t.stem, folder) for t in template_paths([ROOT / "templates"])]
        books.append(build_filled("guizhou-zhengti", seed_000_values, folder / "guizhou-zhengti-seed000.xlsx")[0])
        books += [_summary(folder, 5), _summary(folder, 2000), *_returns(folder)]
        pdfs = convert_to_pdf(books, folder / "pdf")
        lines = []
        for book in books:
            texts = _page_texts(pdfs[book])
            keep = range(1, len(texts) + 1)
            if book.stem.startswith("summary-"):  # the cover, the first table page and the charts
                keep = [1, 2, *(i for i, x in enumerate(texts, start=1) if "（已通过" in x or "总分前" in x)]
            for page in keep:
                subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                                str(pdfs[book]), str(OUT / f"{book.stem}-p{page}")], check=True)
            lines.append(f"{book.stem}: {len(texts)} pages (pictures of pages {', '.join(map(str, keep))})")
        (OUT / "pages.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
