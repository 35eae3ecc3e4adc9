"""What a text typed into a number cell seems to mean: ``5219.46万元``, ``92.93%``, ``１２３．４``.

Only a hint for a message (「现为“280人次”，应填 280」): the spreadsheet computes with no
text, so neither does verify (see :func:`jixiao.read.record.extract`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_UNITS = ("万元", "元", "分", "%", "％", "人次", "人", "次", "个", "份", "册", "天")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def number_in_text(raw: Any) -> float | None:
    """The number a text seems to mean (a percentage as its fraction), or None.

    >>> number_in_text("5219.46万元"), number_in_text("92.93%"), number_in_text("280人次")
    (5219.46, 0.9293, 280.0)
    >>> number_in_text("１２３．４"), number_in_text("1,234.5"), number_in_text("很好")
    (123.4, 1234.5, None)
    """
    if not isinstance(raw, str):
        return None
    body = unicodedata.normalize("NFKC", raw).strip().replace(",", "").replace(" ", "")
    percent = False
    for unit in _UNITS:
        if body.endswith(unit):
            percent = unit in ("%", "％")
            body = body[: -len(unit)]
            break
    if not _NUMBER.match(body):
        return None
    value = float(body)
    return round(value / 100, 12) if percent else value
