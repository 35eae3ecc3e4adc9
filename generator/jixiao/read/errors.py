"""Refusals of the reader: stable R codes with a Chinese message saying what to do.

:data:`jixiao.codes.read.CODES` is the catalogue; :class:`UnreadableWorkbook` is the only exception
:func:`jixiao.read.read_package` lets out; :class:`Refuse` is raised inside the reader
and turned into it at the top (the path is only known there).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..codes.read import CODES, detail

MiB = 1024 * 1024

class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; nothing of it should be trusted.

    ``code`` is stable (see :data:`jixiao.codes.read.CODES`), ``message_zh`` says what happened and what
    the department should do, ``message_en`` is for logs.

    >>> err = UnreadableWorkbook("R002", "文件是空的", "The file is empty", Path("a.xlsx"))
    >>> str(err)
    'R002: 文件是空的 | The file is empty [a.xlsx]'
    """

    def __init__(
        self, code: str, message_zh: str, message_en: str, path: Path | None = None
    ) -> None:
        super().__init__(code, message_zh, message_en, path)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.path = path

    def __str__(self) -> str:
        where = f" [{self.path}]" if self.path is not None else ""
        return f"{self.code}: {self.message_zh} | {self.message_en}{where}"

    @classmethod
    def from_code(cls, code: str, path: Path | None = None, **context: Any) -> UnreadableWorkbook:
        """Build the error of ``code`` with its message templates filled from ``context``."""
        message = CODES[code].format(**context)
        return cls(code, message.zh, message.en, path)


class Refuse(Exception):
    """Internal: raised deep inside the reader, turned into UnreadableWorkbook at the top."""

    def __init__(self, code: str, **context: Any) -> None:
        super().__init__(code, context)
        self.code = code
        self.context = context


def malformed(zh: str, en: str) -> Refuse:
    return Refuse("R011", **detail(zh, en))
