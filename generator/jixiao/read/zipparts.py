"""The zip of a workbook under budgets: bytes decompressed, ratio, cells, XML elements,
ranges. Sizes declared by the headers are checked before anything is decompressed and
the bytes really decompressed are counted again while reading (headers can lie).
"""

from __future__ import annotations

import zipfile
from typing import IO

from . import intake
from .errors import MiB, Refuse, detail, malformed
from .intake import too_many_entries

DEFAULT_MAX_UNCOMPRESSED = 200 * MiB
DEFAULT_MAX_RATIO = 200.0
DEFAULT_MAX_CELLS = 2_000_000
#: Data-validation and merge ranges allowed per workbook: a form has a few hundred; each
#: is kept as a box, so the budget bounds memory and the time of a coverage question.
DEFAULT_MAX_RANGES = 100_000
#: Entries smaller than this (uncompressed) are never refused for their ratio alone:
#: a small part that compresses very well is harmless.
RATIO_FLOOR = 1 * MiB
#: XML elements allowed per package: this many per cell of the cell budget, plus a margin.
ELEMENTS_PER_CELL = 5
ELEMENT_MARGIN = 100_000


class Budget:
    """What one package may still spend; every counter only grows."""

    __slots__ = (
        "max_bytes",
        "max_ratio",
        "max_cells",
        "max_elements",
        "max_ranges",
        "bytes",
        "cells",
        "elements",
        "ranges",
    )

    def __init__(
        self, max_bytes: int, max_ratio: float, max_cells: int, max_ranges: int = DEFAULT_MAX_RANGES
    ) -> None:
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.max_cells = max_cells
        self.max_elements = max_cells * ELEMENTS_PER_CELL + ELEMENT_MARGIN
        self.max_ranges = max_ranges
        self.bytes = 0
        self.cells = 0
        self.elements = 0
        self.ranges = 0

    def bomb(self, zh: str, en: str) -> Refuse:
        return Refuse("R009", **detail(zh, en))

    def too_big(self) -> Refuse:
        return Refuse("R012", max_cells=f"{self.max_cells:,}")

    def add_elements(self, n: int) -> None:
        self.elements += n
        if self.elements > self.max_elements:
            raise self.too_big()

    def add_ranges(self, n: int, part: str) -> None:
        self.ranges += n
        if self.ranges > self.max_ranges:
            raise Refuse("R013", max_ranges=f"{self.max_ranges:,}", **detail(f"位于 {part}", f"in {part}"))


def fmt_size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n} B"


class CappedReader:
    """File-like over a zip member that counts the bytes really decompressed and stops at
    the member's declared size and at the package budget (headers can lie)."""

    def __init__(self, raw: IO[bytes], declared: int, budget: Budget, name: str) -> None:
        self._raw = raw
        self._declared = declared
        self._budget = budget
        self._name = name
        self._count = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = 1 << 16
        data = self._raw.read(n)
        size = len(data)
        self._count += size
        self._budget.bytes += size
        if self._count > self._declared:
            raise self._budget.bomb(
                f"{self._name} 实际解压出的数据多于其声明的 {self._declared} 字节",
                f"{self._name} inflates beyond its declared {self._declared} bytes",
            )
        if self._budget.bytes > self._budget.max_bytes:
            limit = fmt_size(self._budget.max_bytes)
            raise self._budget.bomb(
                f"实际解压总量超过上限 {limit}", f"decompressed bytes over the {limit} limit"
            )
        return data


class Archive:
    """The zip's parts by case-insensitive name, each opened under the budget."""

    def __init__(self, zf: zipfile.ZipFile, budget: Budget) -> None:
        self.zf = zf
        self.budget = budget
        self.names: dict[str, str] = {}  # lower-case part name -> zip name

    def check_entries(self) -> None:
        """Entry count, per-entry ratio and declared total, before any decompression."""
        budget = self.budget
        infos = self.zf.infolist()
        if len(infos) > intake.MAX_ZIP_ENTRIES:
            raise too_many_entries(len(infos))
        total = 0
        for info in infos:
            key = info.filename.lower()
            if key in self.names:
                raise malformed(
                    f"压缩包中有重名的部件 {info.filename}", f"duplicate part {info.filename}"
                )
            self.names[key] = info.filename
            if info.flag_bits & 0x1:
                raise Refuse("R005")
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > budget.max_ratio:
                raise budget.bomb(
                    f"{info.filename} 的压缩比为 {ratio:.0f} 倍，上限 {budget.max_ratio:g} 倍",
                    f"{info.filename} ratio {ratio:.0f}, limit {budget.max_ratio:g}",
                )
        if total > budget.max_bytes:
            size, limit = fmt_size(total), fmt_size(budget.max_bytes)
            raise budget.bomb(
                f"声明的解压总量为 {size}，上限 {limit}", f"declared {size}, limit {limit}"
            )


    def find(self, part: str | None) -> str | None:
        if part is None:
            return None
        return self.names.get(part.lower())

    def open(self, name: str) -> CappedReader:
        info = self.zf.getinfo(name)
        return CappedReader(self.zf.open(info), info.file_size, self.budget, name)

    def read_small(self, name: str, cap: int = 4096) -> bytes:
        with self.zf.open(name) as fh:
            return fh.read(cap)

    def kind(self) -> tuple[str, str]:
        """What a zip that is no workbook looks like: (Chinese, English)."""
        names = self.names
        if "word/document.xml" in names:
            return "Word 文档（.docx）", "a Word document"
        if "ppt/presentation.xml" in names:
            return "PowerPoint 演示文稿（.pptx）", "a PowerPoint presentation"
        if "xl/workbook.bin" in names:
            return "Excel 二进制工作簿（.xlsb），请另存为 .xlsx", "an .xlsb workbook"
        if "mimetype" in names:
            return "OpenDocument 文档", "an OpenDocument file"
        if any(n.endswith((".xlsx", ".xlsm", ".xls", ".et", ".ods")) for n in names):
            return (
                "装有表格文件的压缩包，请解压后提交其中的 .xlsx",
                "a zip archive holding spreadsheets",
            )
        return "普通压缩包或其他文件", "some other zip file"
