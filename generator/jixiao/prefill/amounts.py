"""Money from accounting exports (元) to the forms' 万元 with two decimals, and 舍位平衡.

The forms show funds in 万元 with two decimals (``459.61``); accounting systems export 元
(``4596100.00``). Rounding is half-up (四舍五入) on the decimal value of the number as
written: a float is converted through ``str()``, so ``0.1`` is ``Decimal("0.1")``, never
``0.1000000000000000055…``.

Rounding parts and their total separately breaks the sum: three parts of 33 333.33 元 are
3.33 万元 each (9.99) but their total 99 999.99 元 is 10.00 万元. :func:`balance_rounding`
applies 舍位平衡 (rounding with balancing): it rounds everything half-up, then moves the
smallest possible number of parts by one unit of the last digit so they add up to the
rounded total, and reports every move.

Example:
    >>> yuan_to_wan(4596100)
    Decimal('459.61')
    >>> r = balance_rounding([Decimal("33333.33")] * 3, Decimal("99999.99"))
    >>> r.parts, r.total
    ((Decimal('3.34'), Decimal('3.33'), Decimal('3.33')), Decimal('10.00'))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

__all__ = [
    "Adjustment",
    "BalanceResult",
    "InconsistentTotalError",
    "balance_rounding",
    "round_half_up",
    "yuan_to_wan",
]

Amount = Decimal | int | float | str

_GROUPED_RE = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
WAN_SCALE = 4
"""元 → 万元: divide by 10**4."""


@dataclass(frozen=True)
class Adjustment:
    """One part moved by one unit of the last digit to balance the sum.

    Example:
        >>> a = Adjustment(index=0, before=Decimal("3.33"), after=Decimal("3.34"))
        >>> a.delta
        Decimal('0.01')
    """

    index: int
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        """``after - before``: always plus or minus one unit of the last digit.

        Example:
            >>> Adjustment(1, Decimal("1.01"), Decimal("1.00")).delta
            Decimal('-0.01')
        """
        return self.after - self.before


@dataclass(frozen=True)
class BalanceResult:
    """Rounded parts that add up exactly to the rounded total, with every adjustment.

    ``parts[i]`` is the half-up rounding of input ``i``, except for the parts listed in
    ``adjustments`` (at most one adjustment per part, in index order).

    Example:
        >>> r = balance_rounding([Decimal("10050"), Decimal("10050")], Decimal("20100"))
        >>> r.parts, r.total, r.adjustments
        ((Decimal('1.00'), Decimal('1.01')), Decimal('2.01'), (Adjustment(index=0, before=Decimal('1.01'), after=Decimal('1.00')),))
    """

    parts: tuple[Decimal, ...]
    total: Decimal
    adjustments: tuple[Adjustment, ...]


class InconsistentTotalError(ValueError):
    """The unrounded parts do not add up to the total: rounding cannot fix that.

    Raised by :func:`balance_rounding` instead of forcing the figures to agree; the
    message gives both sums and the difference, and the attributes carry them (in the
    input unit, before any scaling).

    Example:
        >>> try:
        ...     balance_rounding([Decimal("1"), Decimal("2")], Decimal("4"))
        ... except InconsistentTotalError as e:
        ...     e.difference
        Decimal('-1')
    """

    def __init__(self, parts_sum: Decimal, total: Decimal) -> None:
        self.parts_sum = parts_sum
        self.total = total
        self.difference = parts_sum - total
        super().__init__(
            f"the parts add up to {parts_sum}, not to the total {total} "
            f"(difference {self.difference}); 舍位平衡 only balances rounding, "
            "so the figures must agree before rounding"
        )


def _to_decimal(value: Amount, what: str = "amount") -> Decimal:
    """Exact decimal of ``value`` as written; ``ValueError``/``TypeError`` name the value."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number, not the bool {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int | float):
        d = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip()
        if _GROUPED_RE.fullmatch(text):
            text = text.replace(",", "")
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{what} {value!r} is not a number") from None
    else:
        raise TypeError(f"{what} must be a Decimal, int, float or str, not {value!r}")
    if not d.is_finite():
        raise ValueError(f"{what} {value!r} is not a finite number")
    return d


def _precision_for(values: Sequence[Decimal], digits: int, scale: int) -> int:
    """Enough significant digits that sums, scaling and quantizing are exact."""
    nonzero = [v for v in values if v]
    if not nonzero:
        return 28
    top = max(v.adjusted() for v in nonzero) + len(str(len(values))) + 2
    lowest = min(int(v.as_tuple().exponent) for v in nonzero)
    bottom = min(lowest - scale, -digits)
    return max(28, top - bottom + 4)


def round_half_up(value: Decimal, digits: int = 2) -> Decimal:
    """Round half-up (away from zero on a tie) to ``digits`` decimals, exactly.

    Example:
        >>> round_half_up(Decimal("1.005")), round_half_up(Decimal("-1.005"))
        (Decimal('1.01'), Decimal('-1.01'))
    """
    with localcontext() as ctx:
        ctx.prec = _precision_for([value], digits, 0)
        return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def yuan_to_wan(yuan: Amount) -> Decimal:
    """Convert 元 to 万元, rounded half-up to two decimals.

    The value goes through ``Decimal(str(value))``, so a float is taken as printed. A
    string may carry thousands separators in proper groups (``"1,234,567.89"``).
    Negative amounts (refunds, reversals) are converted symmetrically:
    ``-0.5`` 分 of a 万元 rounds away from zero, as the positive does.

    Raises ``ValueError`` for text that is not a number, NaN or infinity, and
    ``TypeError`` for other types (including ``bool``).

    Example:
        >>> yuan_to_wan(4596100), yuan_to_wan("12,350"), yuan_to_wan(1234.5)
        (Decimal('459.61'), Decimal('1.24'), Decimal('0.12'))
    """
    d = _to_decimal(yuan, "amount in 元")
    with localcontext() as ctx:
        ctx.prec = _precision_for([d], 2, WAN_SCALE)
        return d.scaleb(-WAN_SCALE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def balance_rounding(
    parts: Sequence[Decimal | int | str],
    total: Decimal | int | str,
    digits: int = 2,
    scale: int = WAN_SCALE,
) -> BalanceResult:
    """舍位平衡: round parts and total half-up, then balance the parts to the total.

    Inputs are divided by ``10**scale`` first (``scale=4``, the default, reads 元 and
    returns 万元; ``scale=0`` for figures already in the output unit), then every part and
    the total are rounded half-up to ``digits`` decimals. If the rounded parts do not add
    up to the rounded total, the difference is ``k`` units of the last digit
    (``u = 10**-digits``) and ``|k| <= len(parts) // 2`` always: each half-up rounding
    moves a value by at most half a unit, so ``|k·u| < (len(parts) + 1)·u/2``. The
    ``|k|`` parts whose rounding lost the most (when ``k > 0``) or gained the most (when
    ``k < 0``) move by one ``u`` towards their exact value's other neighbour, ties going
    to the lower index (largest-remainder method). So every part ends within one unit of
    its exact value, on the floor or ceiling of it, and only parts with a non-zero
    remainder ever move.

    Raises ``ValueError`` (naming the value) for a negative or non-finite amount or a
    negative ``digits``, and :class:`InconsistentTotalError` (a ``ValueError``) when the
    unrounded parts do not add up exactly to the total: that is a data error, and
    balancing it away would hide it.

    Example:
        >>> r = balance_rounding([Decimal("13482200"), Decimal("8388200")], Decimal("21870400"))
        >>> r.parts, r.total, r.adjustments
        ((Decimal('1348.22'), Decimal('838.82')), Decimal('2187.04'), ())
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a non-negative int, not {digits!r}")
    if isinstance(scale, bool) or not isinstance(scale, int):
        raise ValueError(f"scale must be an int, not {scale!r}")
    exact_parts = [_to_decimal(p, f"part {i}") for i, p in enumerate(parts)]
    exact_total = _to_decimal(total, "total")
    for i, p in enumerate(exact_parts):
        if p < 0:
            raise ValueError(f"part {i} is negative ({parts[i]!r}); 舍位平衡 needs amounts >= 0")
    if exact_total < 0:
        raise ValueError(f"total is negative ({total!r}); 舍位平衡 needs amounts >= 0")

    unit = Decimal(1).scaleb(-digits)
    with localcontext() as ctx:
        ctx.prec = _precision_for([*exact_parts, exact_total], digits, scale)
        parts_sum = sum(exact_parts, Decimal(0))
        if parts_sum != exact_total:
            raise InconsistentTotalError(parts_sum, exact_total)

        scaled = [p.scaleb(-scale) for p in exact_parts]
        rounded = [p.quantize(unit, rounding=ROUND_HALF_UP) for p in scaled]
        rounded_total = exact_total.scaleb(-scale).quantize(unit, rounding=ROUND_HALF_UP)
        k = int((rounded_total - sum(rounded, Decimal(0))) / unit)
        sign = 1 if k > 0 else -1
        step = unit * sign
        # k > 0: raise the parts rounded down the most; k < 0: lower those rounded up most.
        # That is the largest (exact - rounded) * sign first, ties to the lower index.
        order = sorted(range(len(rounded)), key=lambda i: (-(scaled[i] - rounded[i]) * sign, i))
        adjustments = []
        for i in sorted(order[: abs(k)]):
            adjustments.append(Adjustment(i, rounded[i], rounded[i] + step))
            rounded[i] += step

    return BalanceResult(tuple(rounded), rounded_total, tuple(adjustments))
