"""Issue 13 item 14: the basket has a line limit with a clear message (IT-228)."""

from __future__ import annotations

import pytest

from ireti_till.domain.basket import DEFAULT_MAX_LINES, Basket
from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import InputError
from ireti_till.domain.money import Money


def _product() -> Product:
    return Product("SKU1", None, "Tea", Money(150, "EUR"), "S")


def test_the_basket_stops_at_its_line_limit() -> None:
    basket = Basket("EUR", max_lines=3)
    for _ in range(3):
        basket = basket.add(_product())
    with pytest.raises(InputError) as info:
        basket.add(_product())
    assert info.value.code == "IT-228" and "3 lines" in info.value.message
    assert len(basket.void(1).lines) == 3  # voided lines still count; nothing was lost


def test_the_default_limit_is_sensible() -> None:
    assert Basket("EUR").max_lines == DEFAULT_MAX_LINES == 500
