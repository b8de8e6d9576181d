"""The sale use cases the sale screen calls (CONTRACT STUB: being implemented).

One ``SaleService`` per till window. It holds the open basket in memory (the basket is
only a draft: nothing a customer has paid for lives only in memory) and commits a
completed sale through one unit of work. Every method either succeeds or raises a
``TillError`` subclass with a code and a cashier-facing message, leaving the basket as
it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ireti_till.domain.catalog import Product
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale, TaxLine
from ireti_till.domain.settings import StoreSettings
from ireti_till.services.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class LineView:
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Money
    discount: Money  # line discount shown on the line (>= 0)
    total: Money
    tax_code: str
    override_reason: str | None
    discount_text: str | None  # "10%" or "€1.00 off", for display


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


@dataclass(frozen=True, slots=True)
class ScanResult:
    product: Product
    line_no: int
    basket: BasketView


class SaleService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        settings: StoreSettings,
        clock: Clock,
        cashier: str,
        training: bool,
    ) -> None:
        raise NotImplementedError

    def view(self) -> BasketView:
        raise NotImplementedError

    def scan(self, raw: str, quantity: int = 1) -> ScanResult:
        """Add by barcode (or SKU) as typed/scanned; strips control characters, caps length.

        Unknown or invalid barcodes raise ``InputError``/``NotFoundError``; the basket is
        unchanged. Scanning the same product again adds a new line (tills print each scan)."""
        raise NotImplementedError

    def parse_quantity_prefix(self, text: str) -> tuple[int, str]:
        """``"3*4006381333931"`` -> (3, "4006381333931"); ``"3*"`` -> (3, "")."""
        raise NotImplementedError

    def add_product(self, sku: str, quantity: int = 1) -> ScanResult:
        raise NotImplementedError

    def search(self, text: str, limit: int = 50) -> list[Product]:
        raise NotImplementedError

    def set_quantity(self, line_no: int, quantity: int) -> BasketView:
        raise NotImplementedError

    def void_line(self, line_no: int) -> BasketView:
        raise NotImplementedError

    def line_discount(self, line_no: int, *, percent: Decimal | None = None,
                      amount: Money | None = None) -> BasketView:
        raise NotImplementedError

    def basket_discount(self, *, percent: Decimal | None = None,
                        amount: Money | None = None) -> BasketView:
        raise NotImplementedError

    def override_price(self, line_no: int, price: Money, reason: str) -> BasketView:
        raise NotImplementedError

    def quick_cash(self) -> list[Money]:
        """Exact amount, then the next note values above it for the currency."""
        raise NotImplementedError

    def pay_cash(self, tendered: Money) -> CompletedSale:
        """Tendered below the amount due raises InputError. Commits the sale (lines, taxes,
        tender, change, cashier, till id, timestamps, receipt number) in one transaction,
        then starts a new empty basket."""
        raise NotImplementedError

    def cancel_sale(self) -> BasketView:
        """Drop the open (unpaid) basket."""
        raise NotImplementedError
