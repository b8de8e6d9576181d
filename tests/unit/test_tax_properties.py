"""The tax and pricing rule: properties that must hold for every basket (EUR, JPY, KWD)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ireti_till.domain.basket import Basket
from ireti_till.domain.catalog import Product, TaxRate
from ireti_till.domain.errors import InputError
from ireti_till.domain.money import Money
from ireti_till.domain.pricing import price_basket, sale_lines
from ireti_till.domain.settings import StoreSettings
from ireti_till.domain.tax import compute_taxes, rate_text, round_half_away, split_base

RATES = (
    TaxRate("S", "Standard", Decimal("0.20")),
    TaxRate("R", "Reduced", Decimal("0.055")),
    TaxRate("Z", "Zero", Decimal("0")),
    TaxRate("H", "High", Decimal("0.275")),
)
RATE = {r.code: r.rate for r in RATES}


def store(currency: str, inclusive: bool) -> StoreSettings:
    return StoreSettings("S", currency, "T1", inclusive, RATES)


def test_round_half_away():
    assert [round_half_away(Fraction(n, 2)) for n in (-3, -1, 1, 3, 5)] == [-2, -1, 1, 2, 3]
    assert round_half_away(Fraction(1, 3)) == 0
    assert round_half_away(Fraction(-2, 3)) == -1


def test_rate_text():
    assert [rate_text(r.rate) for r in RATES] == ["20%", "5.5%", "0%", "27.5%"]


def test_split_base_both_ways():
    assert split_base(Money(1200, "EUR"), Decimal("0.20"), True) == (
        Money(1000, "EUR"), Money(200, "EUR"), Money(1200, "EUR"))
    assert split_base(Money(1000, "EUR"), Decimal("0.20"), False) == (
        Money(1000, "EUR"), Money(200, "EUR"), Money(1200, "EUR"))
    # 7 * 0.2/1.2 = 1.1666 -> 1; 0.25 * 0.2 -> 0.05 with half up on 2.5 -> 3
    assert split_base(Money(7, "EUR"), Decimal("0.20"), True)[1] == Money(1, "EUR")
    assert split_base(Money(25, "JPY"), Decimal("0.10"), False)[1] == Money(3, "JPY")


def test_tax_is_per_rate_not_per_line():
    lines = [("S", Money(1, "EUR"))] * 3
    result = compute_taxes(lines, {"S": RATES[0]}, False, "EUR")
    # per line: round(0.2) = 0 each; per rate: round(0.6) = 1
    assert result.tax_total == Money(1, "EUR")
    assert sum(t.minor for t in result.line_tax) == 1
    assert result.gross_total == Money(4, "EUR")


def test_unknown_tax_code_and_bad_rate():
    with pytest.raises(InputError) as info:
        compute_taxes([("X", Money(1, "EUR"))], {"S": RATES[0]}, True, "EUR")
    assert info.value.code == "IT-113"
    bad = TaxRate("B", "Bad", Decimal("1.5"))
    with pytest.raises(InputError):
        compute_taxes([("B", Money(1, "EUR"))], {"B": bad}, True, "EUR")


@st.composite
def baskets(draw):
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    inclusive = draw(st.booleans())
    basket = Basket(currency)
    for n in range(draw(st.integers(1, 12))):
        price = draw(st.integers(0, 100_000))  # keeps totals under 8 digits
        product = Product(f"P{n}", None, f"Item {n}", Money(price, currency),
                          draw(st.sampled_from(list(RATE))))
        basket = basket.add(product, draw(st.integers(1, 40)))
        gross = basket.lines[-1].gross().minor
        kind = draw(st.sampled_from(["none", "percent", "amount", "override", "void"]))
        if kind == "percent":
            pct = Decimal(draw(st.integers(1, 10_000))) / 100
            basket = basket.line_discount(n + 1, percent=pct)
        elif kind == "amount" and gross > 0:
            off = Money(draw(st.integers(1, gross)), currency)
            basket = basket.line_discount(n + 1, amount=off)
        elif kind == "override":
            price = Money(draw(st.integers(0, 5000)), currency)
            basket = basket.override_price(n + 1, price, "why")
        elif kind == "void":
            basket = basket.void(n + 1)
    subtotal = basket.subtotal().minor
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    if kind == "percent":
        basket = basket.basket_discount(percent=Decimal(draw(st.integers(1, 10_000))) / 100)
    elif kind == "amount" and subtotal > 0:
        basket = basket.basket_discount(amount=Money(draw(st.integers(1, subtotal)), currency))
    return basket, store(currency, inclusive)


@settings(max_examples=300, deadline=None)
@given(baskets())
def test_totals_always_add_up(case):
    basket, settings_ = case
    priced = price_basket(basket, settings_)
    cur = settings_.currency
    lines = priced.lines
    # every line and every figure is non-negative, in the sale currency
    for p in lines:
        for m in (p.gross_before, p.line_discount, p.after_line, p.basket_share, p.base, p.tax,
                  p.total):
            assert m.minor >= 0 and m.currency == cur
        assert p.after_line == p.gross_before - p.line_discount
        assert p.base == p.after_line - p.basket_share
    assert priced.total.minor >= 0
    # sum(lines) == total; shares add up to the basket discount
    assert sum(p.total.minor for p in lines) == priced.total.minor
    assert sum(p.basket_share.minor for p in lines) == priced.basket_discount.minor
    assert sum(p.after_line.minor for p in lines) == priced.subtotal.minor
    # per rate: net + tax == gross; line tax adds up to the rate's tax
    for t in priced.taxes:
        assert t.net + t.tax == t.gross
        assert sum(p.tax.minor for p in lines if p.line.product.tax_code == t.tax_code) == (
            t.tax.minor)
        base = sum(p.base.minor for p in lines if p.line.product.tax_code == t.tax_code)
        r = Fraction(RATE[t.tax_code])
        exact = base * r / (1 + r) if settings_.prices_include_tax else base * r
        assert abs(t.tax.minor - exact) <= Fraction(1, 2)  # one rounding per rate
    assert sum(t.gross.minor for t in priced.taxes) == priced.total.minor
    assert sum(t.tax.minor for t in priced.taxes) == priced.tax_total.minor
    # the amount due follows from the screen's figures
    extra = 0 if settings_.prices_include_tax else priced.tax_total.minor
    assert priced.total.minor == priced.subtotal.minor - priced.basket_discount.minor + extra
    # and the ledger's identity holds on every receipt
    assert priced.total.minor == (
        priced.gross_before.minor - priced.discount_total.minor + extra)
    stored = sale_lines(priced)
    assert [s.line_no for s in stored] == list(range(1, len(basket.lines) + 1))
    assert sum(s.total.minor for s in stored) == priced.total.minor
    assert sum(s.discount.minor for s in stored) == priced.discount_total.minor
    assert all(s.total.minor == 0 for s in stored if s.voided)


@settings(max_examples=200, deadline=None)
@given(
    bases=st.lists(st.integers(0, 10**7), min_size=1, max_size=20),
    rate=st.decimals(min_value=0, max_value=1, places=4),
    inclusive=st.booleans(),
)
def test_line_tax_shares_are_proportional(bases, rate, inclusive):
    rates = {"S": TaxRate("S", "S", rate)}
    result = compute_taxes([("S", Money(b, "EUR")) for b in bases], rates, inclusive, "EUR")
    total_base = sum(bases)
    for base, share in zip(bases, result.line_tax, strict=True):
        if total_base:
            assert abs(share.minor * total_base - result.tax_total.minor * base) < total_base
    assert sum(g.minor for g in result.line_gross) == result.gross_total.minor
