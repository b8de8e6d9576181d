"""Pricing a basket: discounts, the basket-discount split, tax, totals that add up.

Amounts per active line, all in minor units of the sale currency:

- ``gross_before``  = quantity x unit price (store price basis: incl. or excl. tax)
- ``line_discount`` = the line's own discount (percentage rounded half away from zero)
- ``after_line``    = gross_before - line_discount
- ``basket_share``  = the line's share of the basket discount, split over the lines by
  largest remainder with weights ``after_line`` (so the shares add up exactly)
- ``base``          = after_line - basket_share (what tax is computed on, see tax.py)
- ``tax`` / ``total`` = the line's share of its rate's tax / its amount incl. tax

Basket figures: ``subtotal`` = sum(after_line); ``basket_discount``; ``tax_total``;
``total`` (amount due) = sum(line totals) = sum(gross per rate) =
``subtotal - basket_discount`` (+ ``tax_total`` when prices exclude tax).

For the ledger (``CompletedSale``): ``subtotal`` there is the sum of ``gross_before``
(before any discount), ``discount_total`` = sum of every line's ``discount``
(line discount + basket share), so ``subtotal - discount_total (+ tax_total when prices
exclude tax) == total`` on every receipt. Voided lines are stored with zero amounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ireti_till.domain.basket import Basket, BasketLine
from ireti_till.domain.errors import InputError
from ireti_till.domain.money import MAX_MINOR, Money
from ireti_till.domain.sale import SaleLine, TaxLine
from ireti_till.domain.settings import StoreSettings
from ireti_till.domain.tax import compute_taxes


@dataclass(frozen=True, slots=True)
class PricedLine:
    line: BasketLine
    gross_before: Money
    line_discount: Money
    after_line: Money
    basket_share: Money
    base: Money
    tax: Money
    total: Money

    @property
    def discount(self) -> Money:
        """Everything taken off this line (own discount + basket-discount share)."""
        return self.line_discount + self.basket_share


@dataclass(frozen=True, slots=True)
class PricedBasket:
    currency: str
    lines: tuple[PricedLine, ...]  # active lines only, in line order
    voided: tuple[BasketLine, ...]
    gross_before: Money  # sum of quantity x unit price, before any discount
    subtotal: Money  # after line discounts, before the basket discount
    basket_discount: Money
    taxes: tuple[TaxLine, ...]
    tax_total: Money
    total: Money  # amount due
    item_count: int  # sum of quantities of active lines

    @property
    def discount_total(self) -> Money:
        return Money(sum(p.discount.minor for p in self.lines), self.currency)


def price_basket(basket: Basket, settings: StoreSettings) -> PricedBasket:
    """Price ``basket`` under ``settings``; raises ``InputError`` when it cannot be sold
    (unknown tax code IT-113, amount over the 8-digit limit IT-106)."""
    cur = basket.currency
    active = basket.active_lines()
    gross = [line.gross_minor() for line in active]
    line_off = [line.discount_minor() for line in active]
    after = [g - d for g, d in zip(gross, line_off, strict=True)]
    subtotal = sum(after)
    basket_off = basket.discount.on_minor(subtotal) if basket.discount and active else 0
    if basket_off and subtotal:
        shares = [m.minor for m in Money(basket_off, cur).allocate(after)]
    else:
        shares = [0] * len(active)
    bases = [a - s for a, s in zip(after, shares, strict=True)]
    rates = {rate.code: rate for rate in settings.tax_rates}
    taxable = [(ln.product.tax_code, Money(b, cur)) for ln, b in zip(active, bases, strict=True)]
    result = compute_taxes(
        taxable,
        rates,
        settings.prices_include_tax,
        cur,
    )
    priced = tuple(
        PricedLine(
            line=line,
            gross_before=Money(gross[i], cur),
            line_discount=Money(line_off[i], cur),
            after_line=Money(after[i], cur),
            basket_share=Money(shares[i], cur),
            base=Money(bases[i], cur),
            tax=result.line_tax[i],
            total=result.line_gross[i],
        )
        for i, line in enumerate(active)
    )
    total = result.gross_total
    if total.minor > MAX_MINOR:
        raise InputError(
            f"The sale would come to {total}, more than the till can take "
            f"({Money(MAX_MINOR, cur)}); finish this sale and start another",
            code="IT-106",
        )
    return PricedBasket(
        currency=cur,
        lines=priced,
        voided=tuple(line for line in basket.lines if line.voided),
        gross_before=Money(sum(gross), cur),
        subtotal=Money(subtotal, cur),
        basket_discount=Money(basket_off, cur),
        taxes=result.taxes,
        tax_total=result.tax_total,
        total=total,
        item_count=sum(line.quantity for line in active),
    )


def sale_lines(priced: PricedBasket) -> tuple[SaleLine, ...]:
    """The ledger's lines, voided ones included (zero amounts), in line-number order."""
    zero = Money.zero(priced.currency)
    out: list[SaleLine] = []
    for p in priced.lines:
        out.append(_sale_line(p.line, p.discount, p.total, p.tax))
    for line in priced.voided:
        out.append(_sale_line(line, zero, zero, zero))
    return tuple(sorted(out, key=lambda s: s.line_no))


def _sale_line(line: BasketLine, discount: Money, total: Money, tax: Money) -> SaleLine:
    return SaleLine(
        line_no=line.line_no,
        sku=line.product.sku,
        gtin=line.product.gtin,
        name=line.product.name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        list_price=line.list_price,
        discount=discount,
        total=total,
        tax_code=line.product.tax_code,
        tax=tax,
        override_reason=line.override_reason,
        voided=line.voided,
    )
