"""Tests for jixiao.prefill.amounts: 元 → 万元 and 舍位平衡 (rounding with balancing)."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.prefill import amounts
from jixiao.prefill.amounts import (
    Adjustment,
    BalanceResult,
    InconsistentTotalError,
    balance_rounding,
    round_half_up,
    yuan_to_wan,
)

D = Decimal

# ------------------------------------------------------------------------------ yuan_to_wan


@pytest.mark.parametrize(
    ("yuan", "wan"),
    [
        (4596100, "459.61"),  # seed 000 全年预算数
        (D("4271400.00"), "427.14"),
        ("21870400", "2187.04"),  # seed 004 全年预算数
        (0, "0.00"),
        (49, "0.00"),
        (50, "0.01"),  # half a 分 of 万元 rounds up
        (149, "0.01"),
        (150, "0.02"),
        (12345, "1.23"),
        (12350, "1.24"),
        ("12,350", "1.24"),
        ("1,234,567.89", "123.46"),
        (" 100000 ", "10.00"),
        (1234.5, "0.12"),
        (0.1, "0.00"),
        (9999.9999, "1.00"),
        (D("99999.99"), "10.00"),
        (-50, "-0.01"),  # symmetric: a reversal rounds like the amount it reverses
        (-49, "-0.00"),
        (10**30 + 50, "100000000000000000000000000.01"),  # beyond the default 28 digits
        ("1E+5", "10.00"),
    ],
)
def test_yuan_to_wan(yuan: object, wan: str) -> None:
    got = yuan_to_wan(yuan)  # type: ignore[arg-type]
    assert got == D(wan)
    assert got.as_tuple().exponent == -2  # always two decimals


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_yuan_to_wan_reads_a_float_as_printed(x: float) -> None:
    assert yuan_to_wan(x) == yuan_to_wan(str(x)) == round_half_up(D(repr(x)).scaleb(-4))


@pytest.mark.parametrize("bad", ["abc", "", "1,23", "12.3.4", "NaN", "Infinity", float("nan")])
def test_yuan_to_wan_rejects_non_numbers(bad: object) -> None:
    with pytest.raises(ValueError, match="amount in 元"):
        yuan_to_wan(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [True, None, [1], object()])
def test_yuan_to_wan_rejects_other_types(bad: object) -> None:
    with pytest.raises(TypeError):
        yuan_to_wan(bad)  # type: ignore[arg-type]


def test_round_half_up() -> None:
    assert round_half_up(D("2.675")) == D("2.68")
    assert round_half_up(D("2.665"), 1) == D("2.7")
    assert round_half_up(D("92.9353"), 2) == D("92.94")
    assert round_half_up(D("-1.005")) == D("-1.01")
    assert round_half_up(D("12.5"), 0) == D("13")


# ------------------------------------------------------------------------ balance_rounding


def test_three_thirds_balance_up_first_index() -> None:
    r = balance_rounding([D("33333.33")] * 3, D("99999.99"))
    assert r == BalanceResult(
        parts=(D("3.34"), D("3.33"), D("3.33")),
        total=D("10.00"),
        adjustments=(Adjustment(0, D("3.33"), D("3.34")),),
    )


def test_balance_down_picks_largest_round_up() -> None:
    # 1.004 万 rounds down, 1.006 and 1.005 round up; sum 3.02 vs total 3.015 -> 3.02: ok
    r = balance_rounding([D("10040"), D("10060"), D("10050")], D("30150"))
    assert r.parts == (D("1.00"), D("1.01"), D("1.01")) and r.total == D("3.02")
    assert r.adjustments == ()
    # 1.005 + 1.005 = 2.01 but parts round to 1.01 + 1.01: lower the first
    r = balance_rounding([D("10050"), D("10050")], D("20100"))
    assert r.parts == (D("1.00"), D("1.01")) and r.total == D("2.01")
    assert r.adjustments == (Adjustment(0, D("1.01"), D("1.00")),)
    # the part that gained most by rounding up is the one lowered, ties to the lower index:
    # exact 1.0046 1.0054 1.005 1.005 -> 1.00 1.01 1.01 1.01 = 4.03, total 4.02 -> 4.02;
    # gains -0.0046, 0.0046, 0.005, 0.005 -> index 2
    r = balance_rounding([D("10046"), D("10054"), D("10050"), D("10050")], D("40200"))
    assert r.parts == (D("1.00"), D("1.01"), D("1.00"), D("1.01"))
    assert r.adjustments == (Adjustment(2, D("1.01"), D("1.00")),)


def test_balance_up_picks_largest_round_down() -> None:
    # exact 0.0044 0.0040 0.0044 0.0044 = 0.0172 -> 0.02; rounded 0.00 each: need +2
    r = balance_rounding([D(44), D(40), D(44), D(44)], D(172))
    assert r.total == D("0.02")
    assert r.parts == (D("0.01"), D("0.00"), D("0.01"), D("0.00"))
    assert [a.index for a in r.adjustments] == [0, 2]  # largest remainders, then index


def test_seed_004_figures_need_no_balancing() -> None:
    # 全年预算数 2187.04 = 基本支出 1348.22 + 项目支出 838.82 (万元), in 元
    r = balance_rounding([D("13482200.00"), D("8388200.00")], D("21870400.00"))
    assert r == BalanceResult((D("1348.22"), D("838.82")), D("2187.04"), ())
    # 项目支出 838.82 = 709.5 + 0 + 129.32
    r = balance_rounding([D("7095000"), D("0"), D("1293200")], D("8388200"))
    assert r.parts == (D("709.50"), D("0.00"), D("129.32")) and r.adjustments == ()


def test_scale_zero_and_other_digits() -> None:
    r = balance_rounding([D("1.005"), D("1.005")], D("2.01"), scale=0)
    assert r.parts == (D("1.00"), D("1.01")) and r.total == D("2.01")
    r = balance_rounding([D("0.5"), D("0.5"), D("0.5"), D("0.5")], D("2.0"), digits=0, scale=0)
    # each rounds up to 1 (sum 4), total 2: lower two, lowest indices first
    assert r.parts == (D(0), D(0), D(1), D(1)) and r.total == D(2)
    assert [(a.index, a.delta) for a in r.adjustments] == [(0, D(-1)), (1, D(-1))]
    r = balance_rounding([D("12345")], D("12345"), digits=1)
    assert r.parts == (D("1.2"),) and r.total == D("1.2")


def test_zero_and_empty() -> None:
    assert balance_rounding([], D(0)) == BalanceResult((), D("0.00"), ())
    assert balance_rounding([D(0), D(0)], D(0)) == BalanceResult(
        (D("0.00"), D("0.00")), D("0.00"), ()
    )
    with pytest.raises(InconsistentTotalError):
        balance_rounding([], D(1))


def test_inconsistent_total_is_an_error_not_forced() -> None:
    with pytest.raises(InconsistentTotalError, match="add up to 3, not to the total 4") as e:
        balance_rounding([D(1), D(2)], D(4))
    assert (e.value.parts_sum, e.value.total, e.value.difference) == (D(3), D(4), D(-1))
    assert isinstance(e.value, ValueError)
    # even a difference of one 分 is reported: balancing only ever covers our own rounding
    with pytest.raises(InconsistentTotalError):
        balance_rounding([D("100.00"), D("200.00")], D("300.01"))


@pytest.mark.parametrize(
    ("parts", "total", "message"),
    [
        ([D("-0.01"), D("1")], D("0.99"), r"part 0 is negative \(Decimal\('-0.01'\)\)"),
        ([D("1"), D("-5")], D("-4"), r"part 1 is negative \(Decimal\('-5'\)\)"),
        ([D("1")], D("-1"), r"total is negative \(Decimal\('-1'\)\)"),
        ([D("NaN")], D("1"), r"part 0 Decimal\('NaN'\) is not a finite number"),
        (["x"], D("1"), r"part 0 'x' is not a number"),
    ],
)
def test_bad_amounts_are_rejected_by_name(parts: list, total: Decimal, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        balance_rounding(parts, total)


def test_bad_digits_and_scale() -> None:
    with pytest.raises(ValueError, match="digits"):
        balance_rounding([D(1)], D(1), digits=-1)
    with pytest.raises(ValueError, match="scale"):
        balance_rounding([D(1)], D(1), scale=1.5)  # type: ignore[arg-type]


def test_huge_numbers_stay_exact() -> None:
    big = D("123456789012345678901234567890.12")  # 32 digits, beyond the default context
    total = D("246913578024691357802469135780.25")
    r = balance_rounding([big, big, D("0.01")], total)
    assert r.total == D("24691357802469135780246913.58")
    assert sum(r.parts) == r.total
    assert r.parts[0] == D("12345678901234567890123456.79")


def test_accepts_int_and_str_parts() -> None:
    # 333.3333 + 333.3333 + 333.3334 = 1000: the largest remainder (index 2) goes up
    r = balance_rounding([3333333, "3333333", D(3333334)], 10000000)
    assert r.parts == (D("333.33"), D("333.33"), D("333.34")) and r.total == D("1000.00")
    assert r.adjustments == (Adjustment(2, D("333.33"), D("333.34")),)


def test_doctests() -> None:
    result = doctest.testmod(amounts)
    assert result.attempted > 0 and result.failed == 0


# ----------------------------------------------------------------------------- properties

_cents = st.integers(min_value=0, max_value=10**13).map(lambda c: D(c).scaleb(-2))


@given(parts=st.lists(_cents, max_size=25), digits=st.integers(0, 4), scale=st.integers(0, 6))
def test_balanced_parts_always_add_up(parts: list[Decimal], digits: int, scale: int) -> None:
    total = sum(parts, D(0))
    r = balance_rounding(parts, total, digits=digits, scale=scale)
    unit = D(1).scaleb(-digits)

    # the point of 舍位平衡: the shown parts add up to the shown total
    assert sum(r.parts, D(0)) == r.total
    assert len(r.parts) == len(parts)
    assert r.total == round_half_up(total.scaleb(-scale), digits)

    # every adjustment is exactly one unit of the last digit, one per part, reported in order
    indices = [a.index for a in r.adjustments]
    assert indices == sorted(set(indices))
    assert all(abs(a.delta) == unit for a in r.adjustments)
    assert len({a.delta for a in r.adjustments}) <= 1  # all up or all down
    # half-up moves each value by at most u/2, so the gap is below (n + 1)/2 units
    assert len(r.adjustments) <= len(parts) // 2

    adjusted = {a.index: a for a in r.adjustments}
    for i, (p, shown) in enumerate(zip(parts, r.parts, strict=True)):
        exact = p.scaleb(-scale)
        plain = round_half_up(exact, digits)
        if i in adjusted:
            assert adjusted[i].before == plain and adjusted[i].after == shown
            assert exact != plain  # only parts with a remainder move
        else:
            assert shown == plain
        # every shown part stays on the floor or ceiling of its exact value
        assert abs(shown - exact) < unit
        assert shown.as_tuple().exponent == -digits


@given(parts=st.lists(_cents, min_size=1, max_size=10), extra=_cents.filter(bool))
def test_inconsistent_inputs_always_raise(parts: list[Decimal], extra: Decimal) -> None:
    total = sum(parts, D(0))
    with pytest.raises(InconsistentTotalError):
        balance_rounding(parts, total + extra)
    if total >= extra:
        with pytest.raises(InconsistentTotalError):
            balance_rounding(parts, total - extra)


@given(parts=st.lists(_cents, max_size=12))
def test_balancing_is_deterministic(parts: list[Decimal]) -> None:
    total = sum(parts, D(0))
    assert balance_rounding(parts, total) == balance_rounding(list(parts), total)


@given(st.integers(min_value=-(10**20), max_value=10**20), st.integers(0, 99))
def test_yuan_to_wan_matches_integer_arithmetic(whole: int, cents: int) -> None:
    # half-up on the absolute value, computed with integers only (units of 0.01 元)
    total_cents = whole * 100 + (cents if whole >= 0 else -cents)
    magnitude, sign = abs(total_cents), (-1 if total_cents < 0 else 1)
    expected_hundredths = (magnitude + 5000) // 10000  # 1 万元/100 = 10000 分 per 0.01 万元
    got = yuan_to_wan(D(total_cents).scaleb(-2))
    assert got == D(sign * expected_hundredths).scaleb(-2)
