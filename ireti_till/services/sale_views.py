"""What the sale screen shows about the open basket: frozen views (re-exported by
``services.selling``, where the screen imports them from)."""

from __future__ import annotations

from dataclasses import dataclass

from ireti_till.domain.basket import Basket
from ireti_till.domain.catalog import Product
from ireti_till.domain.money import Money
from ireti_till.domain.pricing import PricedBasket
from ireti_till.domain.sale import TaxLine


@dataclass(frozen=True, slots=True)
class LineView:
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Money
    discount: Money  # line discount shown on the line (>= 0)
    total: Money  # after the line discount, in the store's price basis
    tax_code: str
    override_reason: str | None
    discount_text: str | None  # "10%" or "€1.00 off", for display
    gtin: str | None = None
    list_price: Money | None = None  # catalog price (differs from unit_price on override)


@dataclass(frozen=True, slots=True)
class BasketView:
    """Everything the screen shows about the open basket, frozen."""

    lines: tuple[LineView, ...]  # voided lines are not shown
    item_count: int
    subtotal: Money  # sum of line totals after line discounts
    basket_discount: Money  # >= 0
    basket_discount_text: str | None
    taxes: tuple[TaxLine, ...]
    tax_total: Money
    total: Money  # amount due
    currency: str
    prices_include_tax: bool = True
    voided_count: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.lines


@dataclass(frozen=True, slots=True)
class ScanResult:
    product: Product
    line_no: int
    basket: BasketView



def to_view(basket: Basket, priced: PricedBasket, inclusive: bool) -> BasketView:
    lines = tuple(
        LineView(
            line_no=p.line.line_no,
            sku=p.line.product.sku,
            name=p.line.product.name,
            quantity=p.line.quantity,
            unit_price=p.line.unit_price,
            discount=p.line_discount,
            total=p.after_line,
            tax_code=p.line.product.tax_code,
            override_reason=p.line.override_reason,
            discount_text=p.line.discount.text() if p.line.discount else None,
            gtin=p.line.product.gtin,
            list_price=p.line.list_price,
        )
        for p in priced.lines
    )
    return BasketView(
        lines=lines,
        item_count=priced.item_count,
        subtotal=priced.subtotal,
        basket_discount=priced.basket_discount,
        basket_discount_text=basket.discount.text() if basket.discount else None,
        taxes=priced.taxes,
        tax_total=priced.tax_total,
        total=priced.total,
        currency=priced.currency,
        prices_include_tax=inclusive,
        voided_count=len(priced.voided),
    )
