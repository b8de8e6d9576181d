"""A completed sale as it is written to the ledger in one transaction (frozen records).

These are the values the sale service hands to the ledger and the ledger hands back:
no ORM object ever leaves the storage adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ireti_till.domain.money import Money


@dataclass(frozen=True, slots=True)
class SaleLine:
    line_no: int  # 1-based, in the order scanned
    sku: str
    gtin: str | None
    name: str
    quantity: int
    unit_price: Money  # price charged per unit after any override (before discounts)
    list_price: Money  # catalog price when scanned
    discount: Money  # total discount on this line (line + share of basket discount), >= 0
    total: Money  # what the customer pays for this line, incl. tax
    tax_code: str
    tax: Money  # tax contained in ``total``
    override_reason: str | None = None
    voided: bool = False  # voided lines are kept for the audit trail but total to zero


@dataclass(frozen=True, slots=True)
class TaxLine:
    tax_code: str
    rate_text: str  # "20%" as printed
    net: Money
    tax: Money
    gross: Money


@dataclass(frozen=True, slots=True)
class Tender:
    kind: str  # "cash" | "card"
    amount: Money  # amount applied to the sale (cash: tendered minus change)
    tendered: Money  # cash handed over (card: same as amount)
    change: Money
    reference: str | None = None  # card: PaymentIntent id; never card data
    card_brand: str | None = None
    card_last4: str | None = None


@dataclass(frozen=True, slots=True)
class CompletedSale:
    sale_id: UUID
    till_id: str
    receipt_no: int  # per till, gap-free, assigned by the ledger inside the transaction
    cashier: str
    started_at: datetime  # UTC aware
    completed_at: datetime  # UTC aware
    currency: str
    lines: tuple[SaleLine, ...]
    taxes: tuple[TaxLine, ...]
    tenders: tuple[Tender, ...]
    subtotal: Money  # sum of line totals before basket discount... see basket.py docs
    discount_total: Money
    tax_total: Money
    total: Money  # amount due
    change: Money
    training: bool = False

    @property
    def receipt_code(self) -> str:
        """Printed under the receipt barcode and typed or scanned for refunds."""
        return f"{self.till_id}-{self.receipt_no:06d}"
