"""Money: integer minor units, exponents, floats rejected, allocation, typed amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ireti_till.domain.errors import InputError
from ireti_till.domain.money import MAX_MINOR, Money, exponent, parse_amount

CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD", "GBP"])


def test_exponents():
    assert (exponent("EUR"), exponent("JPY"), exponent("KWD"), exponent("XYZ")) == (2, 0, 3, 2)


@pytest.mark.parametrize("bad", [1.5, 1.0, Decimal("1"), "100", True, None])
def test_construction_rejects_non_int(bad):
    with pytest.raises(TypeError):
        Money(bad, "EUR")


@pytest.mark.parametrize("bad", ["eur", "EURO", "", "E1R", 978, "EUR\n", " EUR"])
def test_bad_currency_codes(bad):
    with pytest.raises(InputError) as info:
        Money(1, bad)
    assert info.value.code == "IT-101"


def test_arithmetic_within_one_currency_only():
    assert Money(150, "EUR") + Money(50, "EUR") == Money(200, "EUR")
    assert Money(150, "EUR") - Money(200, "EUR") == Money(-50, "EUR")
    assert Money(150, "EUR") * 3 == 3 * Money(150, "EUR") == Money(450, "EUR")
    with pytest.raises(ValueError):
        Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(ValueError):
        _ = Money(1, "EUR") < Money(1, "USD")
    with pytest.raises(TypeError):
        Money(1, "EUR") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(1, "EUR").scale(0.2)  # type: ignore[arg-type]


def test_scale_rounds_half_away_from_zero():
    assert Money(5, "EUR").scale(Decimal("0.5")) == Money(3, "EUR")  # 2.5 -> 3
    assert Money(-5, "EUR").scale(Decimal("0.5")) == Money(-3, "EUR")  # -2.5 -> -3
    assert Money(5, "EUR").scale(Decimal("0.3")) == Money(2, "EUR")  # 1.5 -> 2


def test_decimal_round_trip_and_exactness():
    assert Money.from_decimal(Decimal("1.50"), "EUR") == Money(150, "EUR")
    assert Money.from_decimal(Decimal("150"), "JPY") == Money(150, "JPY")
    assert Money.from_decimal(Decimal("1.234"), "KWD") == Money(1234, "KWD")
    assert Money(1234, "KWD").to_decimal() == Decimal("1.234")
    for bad in (Decimal("1.005"), Decimal("NaN"), Decimal("Infinity")):
        with pytest.raises(InputError):
            Money.from_decimal(bad, "EUR")


def test_format():
    assert Money(123450, "EUR").format() == "€1,234.50"
    assert Money(-5, "EUR").format() == "-€0.05"
    assert Money(1500, "JPY").format() == "¥1,500"
    assert Money(1234, "KWD").format() == "KWD 1.234"
    assert Money(1250, "EUR").format(symbol=False) == "12.50"


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("1,5", "EUR", 150), ("1.5", "EUR", 150), (" 12.34 ", "EUR", 1234), ("0", "EUR", 0),
     ("1500", "JPY", 1500), ("1.234", "KWD", 1234), ("99999999", "JPY", 99_999_999),
     ("999999.99", "EUR", 99_999_999)],
)
def test_parse_amount_accepts(text, currency, minor):
    assert parse_amount(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency", "code"),
    [("1e3", "EUR", "IT-103"), ("NaN", "EUR", "IT-103"), ("Infinity", "EUR", "IT-103"),
     ("-1", "EUR", "IT-103"), ("+1", "EUR", "IT-103"), ("1.234", "EUR", "IT-102"),
     ("1,5", "JPY", "IT-102"), ("1.2345", "KWD", "IT-102"), ("123456789", "EUR", "IT-104"),
     ("1000000.00", "EUR", "IT-104"), ("", "EUR", "IT-103"), ("1,000.50", "EUR", "IT-103"),
     ("1 000", "EUR", "IT-103"), ("١٢", "EUR", "IT-103"), ("12.", "EUR", "IT-103"),
     ("0x10", "EUR", "IT-103")],
)
def test_parse_amount_rejects(text, currency, code):
    with pytest.raises(InputError) as info:
        parse_amount(text, currency)
    assert info.value.code == code


def test_parse_amount_does_not_echo_a_card_number():
    with pytest.raises(InputError) as info:
        parse_amount("4242424242424242", "EUR")
    assert "4242" not in str(info.value)


def test_parse_amount_zero_can_be_refused():
    with pytest.raises(InputError) as info:
        parse_amount("0,00", "EUR", allow_zero=False)
    assert info.value.code == "IT-105"


@settings(deadline=None)  # a shared CI machine must not make this flaky
@given(minor=st.integers(0, MAX_MINOR), currency=CURRENCIES)
def test_parse_amount_round_trips_format(minor, currency):
    money = Money(minor, currency)
    assert parse_amount(money.format(symbol=False).replace(",", ""), currency) == money


@settings(deadline=None)  # a shared CI machine must not make this flaky
@given(
    minor=st.integers(-(10**12), 10**12),
    weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=30).filter(lambda w: sum(w) > 0),
    currency=CURRENCIES,
)
def test_allocate_parts_add_up_and_are_fair(minor, weights, currency):
    parts = Money(minor, currency).allocate(weights)
    assert sum(p.minor for p in parts) == minor
    total = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        assert abs(part.minor * total - minor * w) < total  # within one minor unit
        assert part.currency == currency
        if w == 0:
            assert part.minor == 0


def test_allocate_is_deterministic_and_rejects_bad_weights():
    assert [m.minor for m in Money(100, "EUR").allocate([1, 1, 1])] == [34, 33, 33]
    for bad in ([], [0, 0], [1, -1]):
        with pytest.raises(ValueError):
            Money(100, "EUR").allocate(bad)
