"""The immutable basket: lines, quantities, voids, discounts, overrides, limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ireti_till.domain.basket import Basket
from ireti_till.domain.errors import InputError, NotFoundError
from ireti_till.domain.money import MAX_MINOR, Money
from ireti_till.domain.pricing import price_basket
from tests.fakes import make_product, make_settings


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


@pytest.fixture
def basket() -> Basket:
    return Basket("EUR").add(make_product(1, 1000)).add(make_product(2, 500), 2)


def test_operations_return_new_baskets(basket):
    changed = basket.set_quantity(1, 3)
    assert basket.lines[0].quantity == 1
    assert changed.lines[0].quantity == 3
    assert changed.subtotal() == eur(3000 + 1000)


def test_void_keeps_the_line_marked(basket):
    voided = basket.void(1)
    assert [ln.voided for ln in voided.lines] == [True, False]
    assert voided.subtotal() == eur(1000)
    assert len(voided.active_lines()) == 1
    with pytest.raises(InputError) as info:
        voided.void(1)
    assert info.value.code == "IT-161"
    assert voided.add(make_product(3)).lines[-1].line_no == 3  # numbers are never reused


@pytest.mark.parametrize("line_no", [0, 3, -1])
def test_missing_line(basket, line_no):
    with pytest.raises(NotFoundError) as info:
        basket.set_quantity(line_no, 1)
    assert info.value.code == "IT-160"


@pytest.mark.parametrize("qty", [0, -1, 10_000, 1_000_000, 1.5, True])
def test_quantity_limits(basket, qty):
    with pytest.raises(InputError):
        basket.set_quantity(1, qty)
    with pytest.raises(InputError):
        basket.add(make_product(3), qty)


def test_line_discounts(basket):
    pct = basket.line_discount(2, percent=Decimal("12.5"))
    assert pct.lines[1].discount_amount() == eur(125)
    assert pct.lines[1].discount.text() == "12.5%"
    amt = basket.line_discount(2, amount=eur(250))
    assert amt.lines[1].after_discount() == eur(750)
    assert amt.lines[1].discount.text() == "€2.50 off"
    assert amt.line_discount(2).lines[1].discount is None  # neither -> removed
    full = basket.line_discount(1, percent=Decimal(100))
    assert full.lines[0].after_discount() == eur(0)


@pytest.mark.parametrize(
    "kwargs",
    [{"amount": Money(1001, "EUR")}, {"amount": Money(0, "EUR")}, {"amount": Money(-5, "EUR")},
     {"amount": Money(5, "USD")}, {"percent": Decimal("100.5")}, {"percent": Decimal(0)},
     {"percent": Decimal("-10")}, {"percent": Decimal("NaN")}, {"percent": Decimal("1.234")},
     {"percent": Decimal(5), "amount": Money(5, "EUR")}],
)
def test_line_discount_rejects(basket, kwargs):
    with pytest.raises(InputError) as info:
        basket.line_discount(1, **kwargs)
    assert info.value.code in {"IT-140", "IT-141"}


def test_discount_can_never_make_a_line_negative_later(basket):
    discounted = basket.set_quantity(1, 3).line_discount(1, amount=eur(2500))
    with pytest.raises(InputError) as info:
        discounted.set_quantity(1, 2)  # 2000 < 2500 discount
    assert info.value.code == "IT-141"
    with pytest.raises(InputError):
        discounted.override_price(1, eur(100), "cheaper")


def test_basket_discount(basket):
    pct = basket.basket_discount(percent=Decimal(10))
    priced = price_basket(pct, make_settings())
    assert priced.basket_discount == eur(200)
    assert [p.basket_share.minor for p in priced.lines] == [100, 100]
    with pytest.raises(InputError) as info:
        basket.basket_discount(amount=eur(2001))
    assert info.value.code == "IT-141"
    amt = basket.basket_discount(amount=eur(1500))
    with pytest.raises(InputError) as info:
        amt.void(1)  # would leave 1000 < 1500 of discount
    assert info.value.code == "IT-141"
    assert amt.basket_discount().discount is None


def test_price_override(basket):
    over = basket.override_price(1, eur(0), "  free   sample ")
    line = over.lines[0]
    assert (line.unit_price, line.list_price, line.override_reason) == (
        eur(0), eur(1000), "free sample")
    single = Basket("EUR").add(make_product(1, 1000))
    assert single.override_price(1, eur(MAX_MINOR), "ok").lines[0].unit_price == eur(MAX_MINOR)


@pytest.mark.parametrize(
    ("price", "reason", "code"),
    [(eur(-1), "x", "IT-143"), (eur(MAX_MINOR + 1), "x", "IT-143"),
     (Money(5, "USD"), "x", "IT-143"), (eur(5), "", "IT-142"), (eur(5), "  ", "IT-142"),
     (eur(5), "bad\x00reason", "IT-171"), (eur(5), "r" * 201, "IT-172")],
)
def test_price_override_rejects(basket, price, reason, code):
    with pytest.raises(InputError) as info:
        basket.override_price(1, price, reason)
    assert info.value.code == code


def test_amounts_over_eight_digits_are_refused(basket):
    with pytest.raises(InputError) as info:
        basket.override_price(1, eur(50_000_000), "x").set_quantity(1, 2)
    assert info.value.code == "IT-106"
    big = Basket("EUR").add(make_product(9, 60_000_000)).add(make_product(8, 30_000_000))
    with pytest.raises(InputError) as info:
        big.add(make_product(7, 10_000_000))
    assert info.value.code == "IT-106"
    # exclusive prices: the tax pushes the total over the limit
    near = Basket("EUR").add(make_product(6, 90_000_000))
    with pytest.raises(InputError) as info:
        price_basket(near, make_settings(prices_include_tax=False))
    assert info.value.code == "IT-106"


def test_other_currency_product_is_refused():
    with pytest.raises(InputError) as info:
        Basket("EUR").add(make_product(1, currency="USD"))
    assert info.value.code == "IT-114"


def test_exclusive_prices_add_tax_on_top():
    basket = Basket("USD").add(make_product(1, 1000, "USD"), 3)
    priced = price_basket(basket, make_settings("USD", prices_include_tax=False))
    assert (priced.subtotal, priced.tax_total, priced.total) == (
        Money(3000, "USD"), Money(600, "USD"), Money(3600, "USD"))
    assert priced.lines[0].total == Money(3600, "USD")
