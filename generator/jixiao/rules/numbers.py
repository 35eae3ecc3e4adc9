"""Spreadsheet-compatible number handling for the Python reference implementations.

Excel, WPS and LibreOffice round half away from zero on the *decimal* value of a number
(ROUND(2.675, 2) = 2.68), while Python's round() works on the binary value (2.67). Every
reference implementation rounds through these helpers so that it agrees with the engines
to the last displayed digit.
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

#: Excel keeps 15 significant digits; rounding through this many digits first removes
#: binary noise (0.1 + 0.2) before the decimal rounding step, as the engines do.
_SIGNIFICANT = 15


def _decimal(x: float) -> Decimal:
    """``x`` at 15 significant digits, ties away from zero on the exact binary value
    (what the engines show: 1.000030517578125 -> 1.00003051757813)."""
    exact = Decimal(x)
    if exact == 0 or not exact.is_finite():
        return exact
    exponent = exact.adjusted() - (_SIGNIFICANT - 1)
    return exact.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def _quantize(x: float, digits: int, rounding: str) -> float:
    # Through 15 significant digits first (binary noise off, as the engines do), then
    # the decimal rounding; a wide context so 1e33 at 2 decimals is no InvalidOperation.
    if not math.isfinite(x):
        return float(x)  # an infinity stays itself (a file may hold 1e309)
    with localcontext() as ctx:
        ctx.prec = 400
        return float(_decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=rounding))


def excel_round(x: float, digits: int) -> float:
    """ROUND(x, digits) as Excel computes it: half away from zero on the decimal value.

    >>> excel_round(2.675, 2), round(2.675, 2)
    (2.68, 2.67)
    >>> excel_round(-0.125, 2)
    -0.13
    """
    return _quantize(x, digits, ROUND_HALF_UP)


def excel_rounddown(x: float, digits: int) -> float:
    """ROUNDDOWN(x, digits): cut towards zero, used by variants that cut rather than round.

    >>> excel_rounddown(0.929353, 4)
    0.9293
    """
    return _quantize(x, digits, ROUND_DOWN)


def apply_rounding(x: float, digits: int, mode: str) -> float:
    """Round (``mode="round"``) or cut (``mode="cut"``) to ``digits`` decimals.

    >>> apply_rounding(0.9293534, 4, "cut"), apply_rounding(0.8660673, 4, "round")
    (0.9293, 0.8661)
    """
    if mode == "cut":
        return excel_rounddown(x, digits)
    if mode == "round":
        return excel_round(x, digits)
    raise ValueError(f"unknown rounding mode {mode!r} (round or cut)")


def is_number(v: Any) -> bool:
    """ISNUMBER(v): true for numbers only; text, blanks and booleans are not numbers.

    >>> is_number(3.0), is_number("3"), is_number(None), is_number(True)
    (True, False, False, False)
    """
    return isinstance(v, int | float) and not isinstance(v, bool)


def is_blank(v: Any) -> bool:
    """True for an empty cell, or a formula result of "" (what our formulas show when empty)."""
    return v is None or v == ""


def excel_general(x: float) -> str:
    """A number as Excel's General format shows it when joined to text with ``&``.

    >>> excel_general(110.0), excel_general(99.5), excel_general(0.1 + 0.2)
    ('110', '99.5', '0.3')
    """
    text = format(_decimal(x).normalize(), "f")
    return "0" if text in ("-0", "") else text


#: Decimals of a number written into a message (the form's ROUND(x,2)&"" and :func:`shown`).
SHOWN_DIGITS = 2


def shown(x: float) -> str:
    """A number as every message writes it: rounded to 2 decimals (half away from zero),
    no trailing zeros, as ``ROUND(x,2)&""`` in Excel, WPS and LibreOffice. Below 1e16
    only: there the engines turn to exponents, and not alike (LibreOffice 7.4 writes
    ``1E+016``, Excel ``1E+16``), while this writes the digits.

    >>> shown(12.0), shown(96.8), shown(2.675), shown(1 / 3), shown(-0.001)
    ('12', '96.8', '2.68', '0.33', '0')
    """
    return excel_general(excel_round(float(x), SHOWN_DIGITS))


def same_at_digits(a: Any, b: Any, digits: int = 9) -> bool:
    """Compare two cell values the way a person reads them: numbers at ``digits`` decimals.

    Spreadsheet engines store ratios to 15 significant digits and sum in binary, so values
    are never compared with ``==``.
    """
    if is_number(a) and is_number(b):
        return excel_round(float(a) - float(b), digits) == 0
    if is_blank(a) and is_blank(b):
        return True
    return a == b
