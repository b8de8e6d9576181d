"""Hand-built completed sales for the ledger tests (no tests in this module).

Imported by the other ``test_ledger*`` modules and by the crash child process, which runs
with this folder on ``sys.path``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ireti_till.domain.catalog import Product
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale, SaleLine, TaxLine, Tender

BASE_TIME = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def make_sale(n: int = 0, *, lines: int = 3, till_id: str = "T01", cashier: str = "Ada",
              training: bool = True, when: datetime | None = None) -> CompletedSale:
    """A consistent cash sale: ``lines`` lines of 1.20 (20 % tax included), paid with 20.00."""
    at = when or BASE_TIME + timedelta(minutes=n)
    sale_lines = tuple(
        SaleLine(line_no=i, sku=f"SKU{i:03d}", gtin="4006381333931" if i == 1 else None,
                 name=f"Item {i} «ü»", quantity=1, unit_price=eur(120), list_price=eur(120),
                 discount=eur(0), total=eur(120), tax_code="S", tax=eur(20))
        for i in range(1, lines + 1)
    )
    total = eur(120 * lines)
    tax = eur(20 * lines)
    change = eur(2000) - total
    return CompletedSale(
        sale_id=uuid.uuid4(), till_id=till_id, receipt_no=0, cashier=cashier,
        started_at=at - timedelta(seconds=40), completed_at=at, currency="EUR",
        lines=sale_lines,
        taxes=(TaxLine("S", "20%", net=total - tax, tax=tax, gross=total),),
        tenders=(Tender("cash", amount=total, tendered=eur(2000), change=change),),
        subtotal=total, discount_total=eur(0), tax_total=tax, total=total, change=change,
        training=training,
    )


def make_product(i: int, *, price: int = 199, tax_code: str = "S") -> Product:
    return Product(sku=f"P{i:06d}", gtin=None, name=f"Product {i}", unit_price=eur(price),
                   tax_code=tax_code)
