"""Render the pictures of docs/guide.zh-CN.md by doing the bureau's year for real.

In a temporary folder this script runs the same ``jixiao`` commands the guide shows,
for four made-up departments of the shipped variant ``guizhou-zhengti``:

0. a bureau's own variant written in ./templates (two drafts with mistakes), linted and built;
1. ``jixiao init-data`` writes the department data workbook; the script fills it the way
   a bureau would (one bad cell, 全年执行数 pasted in 元), builds the forms with
   ``jixiao build --data``, fixes the bad cell and builds again;
2. an untouched form is verified (not accepted); three departments "fill" their forms
   (values written by jixiao's own writer, as a spreadsheet saves them); one makes mistakes,
   one corrects a pre-filled figure;
3. ``jixiao verify --report --annotate``, ``jixiao collect``, ``jixiao status --departments``; the
   department with mistakes fixes its annotated copy by typing into it in LibreOffice
   (keyboard path, locked cells refused) and sends it again; collect, status,
   ``jixiao summary`` and ``jixiao export``.

The workbooks are printed to PDF by LibreOffice (recalculated on load) and the relevant
part of a page becomes a PNG in docs/img/guide/ (poppler's pdftoppm, cropped here).
Print areas are widened on copies only (to show the self-check panel, every comment of
the annotated copy), and the forms' page breaks are left out of the copies (one picture
shows the form's first indicator rows); the findings report and the summary are printed as
they are, each picture from the page that has its sheet.

    python scripts/render_guide.py                      # about 20 seconds
    python scripts/render_guide.py --keep /tmp/guide-run --transcript /tmp/guide-run/transcript.md

``--keep`` leaves the working folder (data, forms, returns, archive) for inspection;
``--transcript`` writes every command with its real output (pasted into the guide).
Needs LibreOffice (``soffice``) and poppler-utils (``pdftoppm``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import RowBreak

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # calc/ (the LibreOffice tools) lives beside the package

from calc import libreoffice as lo  # noqa: E402
from jixiao.build import build_template  # noqa: E402
from jixiao.layout import build_layout  # noqa: E402
from jixiao.prefill.batch import plan_filenames  # noqa: E402
from jixiao.prefill.tables import DataSchema, read_dataset  # noqa: E402
from jixiao.signing import Keyring, user_key_path  # noqa: E402
from jixiao.template.load import load_template  # noqa: E402

IMG = ROOT / "docs" / "img" / "guide"
TEMPLATE = "guizhou-zhengti"
SHEET = "部门整体支出绩效自评表"
DB = "sqlite:///绩效档案.sqlite"

# ----------------------------------------------------------------------------- the data

# 单位 sheet: code, name, then (年初预算数, 全年预算数(A)) in 万元 and 全年执行数(B) in 元 for
# 年度资金总额, 基本支出, 项目支出; 预期目标, 联系人, 联系电话. 101004's 全年预算数 is "待定"
# at first (a bad cell the build reports), then 625.50.
DEPARTMENTS: list[dict[str, Any]] = [
    {"code": "101001", "name": "州直属机关工委",
     "funds": {"total": (444.38, 459.61, 4271495.00), "basic": (353.88, 369.11, 3432046.00),
               "project": (90.50, 90.50, 839449.00)},
     "goal": "组织州直机关党务干部专题培训，推进星级党支部创建，开展七一系列宣传活动。",
     "contact": "赵俊", "phone": "0854-8227322"},
    {"code": "101002", "name": "州农业农村局",
     "funds": {"total": (1520.30, 1611.45, 14986700.00), "basic": (820.30, 845.20, 8381000.00),
               "project": (700.00, 766.25, 6605700.00)},
     "goal": "完成高标准农田建设 2500 亩，开展农业技术培训，带动农民增收。",
     "contact": "王芳", "phone": "0854-8221001"},
    {"code": "101003", "name": "州卫生健康局",
     "funds": {"total": (2087.50, 2187.04, 20981100.00), "basic": (1348.22, 1348.22, 13309000.00),
               "project": (739.28, 838.82, 7672100.00)},
     "goal": "推进家庭医生签约服务，加强基层医务人员培训，提升基层医疗服务能力。",
     "contact": "李强", "phone": "0854-8221002"},
    {"code": "101004", "name": "州文体广电旅游局",
     "funds": {"total": (610.00, "待定", 5802000.00), "basic": (410.00, 420.50, 4153000.00),
               "project": (200.00, 205.00, 1649000.00)},
     "goal": "举办全州文化惠民演出，完善公共文化服务体系。",
     "contact": "陈静", "phone": "0854-8221003"},
]
FIXED_BUDGET = 625.50  # 101004's 年度资金总额 全年预算数(A) once the bureau has the figure

# 指标 sheet, per department: (一级, 二级, 三级, 年度指标值 as declared, 分值)
INDICATORS: dict[str, list[tuple[str, str, str, str, int]]] = {
    "101001": [("产出指标", "数量指标", "专题培训", "≥4次", 10), ("产出指标", "数量指标", "宣传材料", "≥300份", 10),
               ("产出指标", "质量指标", "创建合格率", "=100%", 10),
               ("产出指标", "时效指标", "完成时间", "2023年12月底", 10),
               ("产出指标", "成本指标", "公用经费", "≤26.43万元", 10),
               ("效益指标", "社会效益指标", "党员队伍建设", "有所提高", 15),
               ("效益指标", "可持续影响指标", "党建工作长效机制", "不断完善", 15),
               ("满意度指标", "服务对象满意度指标", "党员满意度", "≥90%", 10)],
    "101002": [("产出指标", "数量指标", "高标准农田建设面积", "≥2500亩", 10),
               ("产出指标", "数量指标", "农业技术培训", "≥300人次", 10),
               ("产出指标", "质量指标", "项目验收合格率", "=100%", 10),
               ("产出指标", "时效指标", "完成时间", "2023年11月底", 10),
               ("产出指标", "成本指标", "亩均建设成本", "≤3000元", 10),
               ("效益指标", "经济效益指标", "项目区农民增收", "有所提高", 15),
               ("效益指标", "可持续影响指标", "耕地质量", "不断提升", 15),
               ("满意度指标", "服务对象满意度指标", "受益农户满意度", "不低于90%", 10)],
    "101003": [("产出指标", "数量指标", "家庭医生签约人数", "≥12万人", 10),
               ("产出指标", "数量指标", "基层医务人员培训", "≥500人次", 10),
               ("产出指标", "质量指标", "疫苗接种率", "≥95%", 10),
               ("产出指标", "时效指标", "完成时间", "2023年12月底", 10),
               ("产出指标", "成本指标", "人均培训费用", "≤1200元", 10),
               ("效益指标", "社会效益指标", "居民健康水平", "有所提高", 15),
               ("效益指标", "可持续影响指标", "基层服务能力", "持续提升", 15),
               ("满意度指标", "服务对象满意度指标", "患者满意度", "≥90%", 10)],
    "101004": [("产出指标", "数量指标", "文化惠民演出", "≥120场", 10),
               ("产出指标", "数量指标", "送书下乡", "≥5000册", 10),
               ("产出指标", "质量指标", "演出验收合格率", "=100%", 10),
               ("产出指标", "时效指标", "完成时间", "2023年12月底", 10),
               ("产出指标", "成本指标", "场均演出成本", "≤1.5万元", 10),
               ("效益指标", "社会效益指标", "群众文化获得感", "有所提高", 15),
               ("效益指标", "可持续影响指标", "公共文化服务体系", "不断完善", 15),
               ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", 10)],
}

# What each department types into its form: by 三级指标 name, ("actual", B[, reason]),
# ("tier", 档次, 定性得分[, reason]) or None (left empty); then other inputs by cell name
# (a pre-filled one there is a figure the department changed).
QUALITY = "达成预期指标"
RETURNS: dict[str, tuple[dict[str, tuple[Any, ...] | None], dict[str, Any]]] = {
    "101001": ({"专题培训": ("actual", 6), "宣传材料": ("actual", 320), "创建合格率": ("actual", 1.0),
                "完成时间": ("tier", QUALITY, 10), "公用经费": ("actual", 26.16),
                "党员队伍建设": ("tier", QUALITY, 15), "党建工作长效机制": ("tier", QUALITY, 15),
                "党员满意度": ("actual", 0.96)},
               {"zt_fill_date": "2024-02-08", "zt_goal_actual": "举办专题培训 6 次，星级党支部创建覆盖全部州直机关。",
                "zt_conclusion": "全年已按照年初计划保质保量完成，自评为“优”。"}),
    # mistakes: 农业技术培训 below target without a reason; 完成时间 scored 5 in the
    # 80-100 % tier (and no reason); 受益农户满意度 left empty (the survey was not in yet);
    # the fill date typed with the wrong year.
    "101002": ({"高标准农田建设面积": ("actual", 2600), "农业技术培训": ("actual", 260),
                "项目验收合格率": ("actual", 1.0), "完成时间": ("tier", QUALITY, 5),
                "亩均建设成本": ("actual", 2850), "项目区农民增收": ("tier", QUALITY, 15),
                "耕地质量": ("tier", QUALITY, 15), "受益农户满意度": None},
               {"zt_fill_date": "2025-02-20", "zt_goal_actual": "建成高标准农田 2600 亩，培训 260 人次。",
                "zt_conclusion": "基本完成年度目标。"}),
    # no errors: a reason for each indicator below its weight; the
    # 全年执行数(B) of 项目支出 (and so of 年度资金总额) corrected: a payment booked after the
    # bureau's figures were taken (warnings, V311).
    "101003": ({"家庭医生签约人数": ("actual", 12.6), "基层医务人员培训": ("actual", 460, "两期培训合并举办，参训人数减少"),
                "疫苗接种率": ("actual", 0.97), "完成时间": ("tier", QUALITY, 10),
                "人均培训费用": ("actual", 1150),
                "居民健康水平": ("tier", "部分达成预期指标并具有一定效果", 10, "居民健康素养水平提升幅度低于预期"),
                "基层服务能力": ("tier", "部分达成预期指标并具有一定效果", 9, "部分乡镇卫生院设备尚未到位"),
                "患者满意度": ("actual", 0.94)},
               {"zt_fill_date": "2024-02-18", "zt_goal_actual": "签约 12.6 万人，培训基层医务人员 460 人次。",
                "zt_conclusion": "年度目标基本完成，自评为“优”。",
                "zt_fund_project_actual": 772.21, "zt_fund_total_actual": 2103.11}),
}
# 101002 fixes its annotated copy: (三级指标 or "" for a header cell, field, text typed).
# The 得分 of a row is a locked formula cell: LibreOffice refuses it, as Excel and WPS do.
FIXES = [("农业技术培训", "reason", "受汛期影响，第三期培训推迟至 2024 年 1 月举办"),
         ("完成时间", "declared", "10"), ("受益农户满意度", "actual", "93%"), ("", "zt_fill_date", "2024-02-20"),
         ("农业技术培训", "score", "10")]


# ----------------------------------------------------------------------------- commands


@dataclass
class Run:
    cmd: str
    rc: int
    out: str


class Shell:
    """Runs ``jixiao`` commands in the working folder and keeps a transcript."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.runs: list[Run] = []
        self.env = dict(os.environ, COLUMNS="120", NO_COLOR="1", TERM="dumb")
        exe = shutil.which("jixiao")
        self.prefix = [exe] if exe else [sys.executable, "-m", "jixiao.cli"]

    def __call__(self, *args: str, expect: tuple[int, ...] = (0,)) -> Run:
        # stderr into the same pipe: messages and tables in the order a terminal shows them
        proc = subprocess.run([*self.prefix, *args], cwd=self.cwd, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=600, check=False)
        # A terminal erases the progress bars (build, verify); a pipe gets the empty line each
        # leaves, so empty lines go (no command prints one on purpose). Lines lose their
        # trailing blanks (centred titles are padded), as pasted in the guide.
        text = "\n".join(line.rstrip() for line in proc.stdout.splitlines() if line.strip())
        shown = "jixiao " + " ".join(args)
        run = Run(shown, proc.returncode, text)
        self.runs.append(run)
        if proc.returncode not in expect:
            raise SystemExit(f"{shown}: exit {proc.returncode}, expected {expect}\n{text}")
        return run

    def note(self, cmd: str, out: str, rc: int = 0) -> None:
        self.runs.append(Run(cmd, rc, out))

    def transcript(self) -> str:
        parts = []
        for r in self.runs:
            parts.append(f"$ {r.cmd}\n{r.out.rstrip()}\n[exit {r.rc}]\n")
        return "\n".join(parts)


# ----------------------------------------------------------------------------- the year


def write_data(path: Path, *, fixed: bool) -> None:
    """Fill the init-data workbook: headers of 全年执行数(B) switched to 元, four departments."""
    wb = openpyxl.load_workbook(path)
    ws = wb["单位"]
    headers = {str(c.value): c.column for c in ws[1] if c.value}
    for header, col in list(headers.items()):
        if "全年执行数" in header and header.endswith("（万元）"):
            ws.cell(1, col, header[: -len("（万元）")] + "（元）")
    col_of = {h.split("（")[0]: c for h, c in headers.items()}
    for i, d in enumerate(DEPARTMENTS):
        r = 3 + i
        ws.cell(r, col_of["单位编码"], d["code"])
        ws.cell(r, col_of["单位名称"], d["name"])
        label = {"total": "年度资金总额", "basic": "基本支出", "project": "项目支出"}
        for key, (initial, budget, actual) in d["funds"].items():
            if fixed and budget == "待定":
                budget = FIXED_BUDGET
            for column, value in (("年初预算数", initial), ("全年预算数(A)", budget), ("全年执行数(B)", actual)):
                ws.cell(r, col_of[f"{label[key]} {column}"], value).number_format = "0.00"
        ws.cell(r, col_of["预期目标"], d["goal"])
        ws.cell(r, col_of["联系人"], d["contact"])
        ws.cell(r, col_of["联系电话"], d["phone"])
    ind = wb["指标"]
    r = 3
    for code, rows in INDICATORS.items():
        for level1, level2, name, target, weight in rows:
            for col, value in enumerate((code, None, level1, level2, name, target, weight), start=1):
                cell = ind.cell(r, col, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # typed into a text column: "=100%" stays text
            r += 1
    wb.save(path)


def declared_rows(layout) -> dict[str, str]:
    """三级指标 name -> row key (``zt_ind3``) of the rows the bureau pre-filled."""
    out = {}
    for name, cell in layout.by_name.items():
        if name.startswith("zt_ind") and name.endswith("_name") and cell.role == "constant":
            out[str(cell.value)] = name[: -len("_name")]
    return out


def fill_returns(data: Path, out: Path) -> dict[str, Path]:
    """Each returning department's form as it comes back (inputs typed, values saved; the
    pre-fill and its signature as `build --data` sent them, else collect refuses it: V008)."""
    lt = load_template(TEMPLATE)
    signing_keys = Keyring.load(user_key_path())  # the key `build --data` just signed with
    dataset = read_dataset(DataSchema.for_template(lt), data)
    names = dict(zip([d.code for d in dataset.buildable], plan_filenames(dataset.buildable), strict=True))
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for dept in dataset.buildable:
        if dept.code not in RETURNS:
            continue  # 101004 does not return its form
        rows, extra = RETURNS[dept.code]
        layout = build_layout(lt, dept.prefill)
        keys = declared_rows(layout)
        values: dict[str, Any] = {}
        for indicator, spec in rows.items():
            key = keys[indicator]
            if spec is None:
                continue  # left empty
            if spec[0] == "actual":
                values[f"{key}_actual"] = spec[1]
                reason = spec[2] if len(spec) > 2 else None
            else:
                values[f"{key}_actual"] = "已完成"
                values[f"{key}_tier"] = spec[1]
                values[f"{key}_declared"] = spec[2]
                reason = spec[3] if len(spec) > 3 else None
            if reason:
                values[f"{key}_reason"] = reason
        values.update(extra)
        written[dept.code] = build_template(lt, out, prefill=dept.prefill, values=values,
                                            filename=names[dept.code], force=True, keys=signing_keys)
    return written


# ----------------------------------------------------------------------------- print copies


def _edit_zip(src: Path, dst: Path, edits: dict[str, Any]) -> Path:
    """Copy an .xlsx package, applying ``edits[part](text) -> text`` to XML parts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in edits:
                data = edits[item.filename](data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return dst


def with_print_area(src: Path, dst: Path, sheet_index: int, ref: str | None) -> Path:
    """A copy whose sheet ``sheet_index`` prints ``ref`` (e.g. ``$A$1:$P$30``; None: its own
    area) without the form's page breaks, so one picture shows what follows a break."""

    def edit(xml: str) -> str:
        pattern = re.compile(rf'(<definedName name="_xlnm\.Print_Area" localSheetId="{sheet_index}">)'
                             r"([^<]*!)[^<]*(</definedName>)")
        if not pattern.search(xml):
            raise ValueError(f"{src}: no print area on sheet {sheet_index}")
        return pattern.sub(lambda m: m.group(1) + m.group(2) + ref + m.group(3), xml)

    def no_breaks(xml: str) -> str:
        return re.sub(r"<rowBreaks\b.*?</rowBreaks>", "", xml, flags=re.S)

    edits = {f"xl/worksheets/sheet{sheet_index + 1}.xml": no_breaks}
    if ref is not None:
        edits["xl/workbook.xml"] = edit
    return _edit_zip(src, dst, edits)


def landscape_copy(src: Path, dst: Path, areas: dict[str, str] | None = None, *,
                   comments_at_end: bool = False, widths: dict[str, dict[str, float]] | None = None) -> Path:
    """A copy (openpyxl: plain workbooks only, no charts) printed landscape, one page wide."""
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        wanted = (widths or {}).get(ws.title, {})
        if wanted:
            # openpyxl reads equal neighbouring columns as one range (A:G): split it first
            for dim in list(ws.column_dimensions.values()):
                if dim.min and dim.max and dim.max > dim.min:
                    del ws.column_dimensions[dim.index]
                    for i in range(dim.min, dim.max + 1):
                        ws.column_dimensions[get_column_letter(i)].width = dim.width
            for col, width in wanted.items():
                ws.column_dimensions[col].width = width
            ws.row_dimensions[1].height = 48
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.3
        ws.row_breaks = RowBreak()  # the form's page breaks: one picture shows what follows one
        if comments_at_end:
            ws.page_setup.cellComments = "asDisplayed"
        if areas and ws.title in areas:
            ws.print_area = areas[ws.title]
    wb.save(dst)
    return dst


# ----------------------------------------------------------------------------- pictures


@dataclass
class Image:
    width: int
    height: int
    rows: list[bytes]  # RGB, 3 bytes a pixel

    def crop(self, left: int, top: int, right: int, bottom: int) -> Image:
        right, bottom = min(right, self.width), min(bottom, self.height)
        return Image(right - left, bottom - top, [r[left * 3: right * 3] for r in self.rows[top:bottom]])

    def trim(self, margin: int = 12) -> Image:
        """Crop to the non-white content, keeping a white ``margin``."""
        ink = re.compile(rb"[\x00-\xef]")  # any channel darker than 240
        top, bottom, left, right = None, 0, self.width, 0
        for y, row in enumerate(self.rows):
            first = ink.search(row)
            if first is None:
                continue
            last = max(m.start() for m in ink.finditer(row, first.start()))
            top = y if top is None else top
            bottom = y
            left, right = min(left, first.start() // 3), max(right, last // 3)
        if top is None:
            return self
        return self.crop(max(left - margin, 0), max(top - margin, 0), right + margin + 1, bottom + margin + 1)

    def body(self, fraction: float = 0.93) -> Image:
        """The page without its footer (第 1 页，共 N 页)."""
        return self.crop(0, 0, self.width, int(self.height * fraction))

    def top(self, fraction: float) -> Image:
        return self.crop(0, 0, self.width, int(self.height * fraction))


def stack(images: list[Image], gap: int = 16) -> Image:
    width = max(i.width for i in images)
    white = b"\xff" * (width * 3)
    rows: list[bytes] = []
    for n, img in enumerate(images):
        if n:
            rows += [white] * gap
        rows += [r + white[len(r):] for r in img.rows]
    return Image(width, len(rows), rows)


def page_image(pdf: Path, page: int, dpi: int) -> Image:
    """One PDF page as RGB pixels (pdftoppm)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                        str(pdf), str(root)], check=True, timeout=120)
        data = root.with_suffix(".ppm").read_bytes()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m:
        raise ValueError(f"{pdf}: pdftoppm gave no PPM")
    width, height = int(m.group(1)), int(m.group(2))
    body = data[m.end():]
    stride = width * 3
    return Image(width, height, [body[y * stride:(y + 1) * stride] for y in range(height)])


def page_with(pdf: Path, text: str) -> int:
    """The first page of ``pdf`` whose text has ``text`` (poppler's pdftotext): workbooks
    print sheet after sheet, and how many pages a sheet takes changes with the forms."""
    for page in range(1, pages(pdf) + 1):
        out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                             capture_output=True, text=True, check=True, timeout=120).stdout
        if text in out:
            return page
    raise ValueError(f"{pdf}: no page with {text!r}")


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def write_png(img: Image, path: Path) -> Path:
    """An RGB PNG, each row with the Up filter (tables compress well)."""
    raw = bytearray()
    prev = bytes(img.width * 3)
    for row in img.rows:
        raw.append(2)  # filter type Up: byte minus the byte above
        raw += bytes((a - b) & 0xFF for a, b in zip(row, prev, strict=True))
        prev = row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", img.width, img.height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + \
        chunk(b"IEND", b"")
    path.write_bytes(png)
    return path


# ----------------------------------------------------------------------------- main


# 1.2 of the guide: a bureau's own variant in the working folder's templates/, first with
# two mistakes (a misspelt key, then a bad rounding mode), each fixed after lint reports it.
OWN_VARIANT = """\
# 都匀市：沿用黔南州表样，执行率四舍五入（不截位），反向指标按平台口径计分
id: guizhou-duyun
version: 1
name: 贵州 都匀市 部门整体支出绩效目标自评表
extends: guizhou-zhengti
params:
  region: 都匀市
scoring:
  execution_rate: {rule: EXEC_RATE, params: {digits: 4, mode: round}}
  negative: RATIO_INVERSE_PLATFORM
"""
OWN_VARIANT_DRAFTS = [OWN_VARIANT.replace("scoring:", "scorng:").replace("mode: round}", "mode: rounded}"),
                      OWN_VARIANT.replace("mode: round}", "mode: rounded}")]


def own_variant(work: Path, sh: Shell) -> None:
    """Write templates/guizhou-duyun.yaml as the guide does, lint each draft, build a blank form."""
    path = work / "templates" / "guizhou-duyun.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    for draft in OWN_VARIANT_DRAFTS:
        path.write_text(draft, encoding="utf-8")
        sh("lint", "templates/guizhou-duyun.yaml", expect=(1,))
    path.write_text(OWN_VARIANT, encoding="utf-8")
    sh("lint", "templates/")
    sh("build", "templates/guizhou-duyun.yaml", "--out", "空白表/")


def run_year(work: Path, sh: Shell) -> dict[str, Path]:
    """Everything the guide shows, in order; returns the workbooks to picture."""
    own_variant(work, sh)
    sh("init-data", TEMPLATE, "--out", "单位数据.xlsx")
    data = work / "单位数据.xlsx"
    write_data(data, fixed=False)
    first_draft = work / "单位数据-第1稿.xlsx"  # as pictured: 101004 still "待定"
    shutil.copy(data, first_draft)
    sh("build", TEMPLATE, "--data", "单位数据.xlsx", "--out", "下发/", expect=(1,))
    write_data(data, fixed=True)
    sh("build", TEMPLATE, "--data", "单位数据.xlsx", "--out", "下发/")

    # a form sent back untouched (101004's, as built): not accepted
    sh("verify", "下发/101004_州文体广电旅游局.xlsx", expect=(1,))
    fill_returns(data, work / "收回")
    sh("verify", "收回/", "--report", "问题清单.xlsx", "--annotate", "退回/", expect=(1,))
    sh("collect", "收回/", "--db", DB)
    sh("status", "--year", "2023", "--db", DB, "--departments", "单位数据.xlsx")
    sh("status", "--year", "2023", expect=(2,))  # --db forgotten: one line, no empty archive

    # 101002 fixes its annotated copy and sends it back: it replaces the old file in 收回/.
    # the round's copy: 退回/第1轮/101002_州农业农村局_第1轮_待修改.xlsx
    annotated = next((work / "退回").rglob("101002_*.xlsx"))
    resubmitted = work / "收回" / "101002_州农业农村局.xlsx"
    first_return = work / "101002-第1版.xlsx"
    shutil.copy(resubmitted, first_return)
    lt = load_template(TEMPLATE)
    dept = next(d for d in read_dataset(DataSchema.for_template(lt), data).departments if d.code == "101002")
    layout = build_layout(lt, dept.prefill)
    keys = declared_rows(layout)
    entries = [(SHEET, layout.cell(f"{keys[row]}_{field}" if row else field).address, text)
               for row, field, text in FIXES]
    if lo.typing_available():
        result = lo.fill_by_typing(annotated, resubmitted, entries)
        sh.note(f"(LibreOffice typing into {annotated.relative_to(work).as_posix()})",
                f"accepted: {[e[1] for e in result.accepted]}\nrefused: "
                f"{[(e[1], why) for e, why in zip(result.refused, result.reasons, strict=True)]}")
    else:  # no python3-uno: write the fixed return directly
        raise SystemExit("LibreOffice typing (python3-uno) is needed to fix the annotated copy")
    sh("verify", "收回/101002_州农业农村局.xlsx")
    sh("collect", "收回/", "--db", DB)
    sh("status", "--year", "2023", "--db", DB, "--departments", "单位数据.xlsx")
    sh("status", "--year", "2023", "--db", DB, "--departments", "单位数据.xlsx", "--json")
    sh("summary", "--year", "2023", "--db", DB, "--out", "汇总表.xlsx")
    sh("summary", "--year", "2023", "--db", DB, "--out", "汇总表.xlsx", expect=(2,))
    sh("export", "--year", "2023", "--db", DB, "--out", "汇总导出.csv")
    csv = (work / "汇总导出.csv").read_bytes()
    sh.note("(汇总导出.csv: first bytes, then the first two lines)",
            f"{csv[:3]!r}\n" + "\n".join(csv.decode("utf-8-sig").splitlines()[:2]))
    return {"data": first_draft, "form": work / "下发" / "101001_州直属机关工委.xlsx",
            "mistakes": first_return, "report": work / "问题清单.xlsx", "annotated": annotated,
            "summary": work / "汇总表.xlsx"}


def render(books: dict[str, Path], work: Path) -> list[Path]:
    prints = work / "print"
    prints.mkdir()
    copies = {
        "data": landscape_copy(books["data"], prints / "data.xlsx", {"单位": "A1:K6", "指标": "A1:G18"},
                               widths={"单位": {c: 13 for c in "CDEFGHIJK"} | {"B": 20},
                                       "指标": {"C": 11, "D": 18, "E": 20, "F": 15, "G": 7}}),
        "form": with_print_area(books["form"], prints / "form.xlsx", 0, None),
        # the whole width: rows' own checks (column M) and the self-check panel (O:P)
        "mistakes": with_print_area(books["mistakes"], prints / "mistakes.xlsx", 0, "$A$1:$P$31"),
        "report": books["report"],  # prints as it is: A4 landscape, one page wide
        "annotated": landscape_copy(books["annotated"], prints / "annotated.xlsx",
                                    {SHEET: "A1:M59"}, comments_at_end=True),
        "summary": books["summary"],  # 封面, then each form's table, its 统计图表, ...
    }
    pdfs = lo.convert_to_pdf(list(copies.values()), prints / "pdf")
    pdf = {k: pdfs[v] for k, v in copies.items()}
    IMG.mkdir(parents=True, exist_ok=True)
    for old in IMG.glob("*.png"):
        old.unlink()
    out = []

    def save(name: str, img: Image) -> None:
        out.append(write_png(img, IMG / name))

    data_pages = pages(pdf["data"])
    save("01-data-units.png", page_image(pdf["data"], 1, 100).body().trim())
    save("02-data-indicators.png", page_image(pdf["data"], min(2, data_pages), 80).body().trim())
    save("03-form-prefilled.png", page_image(pdf["form"], 1, 90).body().trim().top(0.66))
    save("04-form-mistakes.png", page_image(pdf["mistakes"], 1, 130).body().trim())
    # the 汇总 sheet and the first page of 全部问题
    save("05-findings-report.png", stack([page_image(pdf["report"], page_with(pdf["report"], text), 120)
                                          .body().trim() for text in ("（汇总）", "（全部）")]))
    # 退回意见, the top of the form with its marked cells, the comments printed at the end
    n = pages(pdf["annotated"])
    form_page = page_with(pdf["annotated"], "年度总体目标")
    save("06-annotated-copy.png", stack([page_image(pdf["annotated"], 1, 80).body(0.9).trim(),
                                         page_image(pdf["annotated"], form_page, 80).body().trim().top(0.55),
                                         page_image(pdf["annotated"], n, 80).body().trim()]))
    save("07-summary-table.png", page_image(pdf["summary"], page_with(pdf["summary"], "全年预算数(A)"), 100)
         .body().trim())
    save("08-summary-chart.png", page_image(pdf["summary"], page_with(pdf["summary"], "单位数（已通过）"), 80)
         .body().trim())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="working folder to keep (emptied first)")
    parser.add_argument("--transcript", type=Path, help="write the commands and their output here")
    args = parser.parse_args(argv)
    if not lo.available() or not shutil.which("pdftoppm"):
        print("needs LibreOffice (soffice) and poppler-utils (pdftoppm)", file=sys.stderr)
        return 2
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        if args.keep:
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        sh = Shell(work)
        books = run_year(work, sh)
        pictures = render(books, work)
        if args.transcript:
            args.transcript.write_text(sh.transcript(), encoding="utf-8")
    for p in pictures:
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size // 1024} KB")
    print(f"done in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
