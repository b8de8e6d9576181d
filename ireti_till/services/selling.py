"""The sale use cases the sale screen calls.

One ``SaleService`` per till window, used from one thread (the UI thread). It holds the
open basket in memory (the basket is only a draft: nothing a customer has paid for lives
only in memory) and commits a completed sale through one unit of work. Every method
either succeeds or raises a ``TillError`` subclass with a code and a cashier-facing
message, leaving the basket as it was (the domain basket is immutable; the service swaps
in the new basket only after it has been priced successfully).

Edits that need a supervisor (a price override, a discount above the store's limit, a
void of a line worth more than ``void_line_above``) take
``approval`` and raise ``ApprovalRequired`` (with the kind, role and amount to ask for)
when it is missing, does not cover the change, or was already used; the rules come from
``OverrideRules`` (``rules=None``: a till without staff sign-in, nobody to ask). A void is
recorded in the audit trail (``audit``) before the basket changes: if the entry cannot be
written, the line stays.

Rejected input is logged at INFO (``ireti_till.services.selling``) with its error code;
scanned text is never logged verbatim (a card swiped into the scan field types track
data), only valid GTINs and lengths.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NoReturn, Protocol, TypeVar
from uuid import UUID, uuid4

from ireti_till.domain.basket import Basket
from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import InputError, LedgerError, TillError
from ireti_till.domain.gtin import clean_scan, from_azerty, scanned_code
from ireti_till.domain.money import Money, parse_amount
from ireti_till.domain.numbers import parse_quantity
from ireti_till.domain.overrides import (
    Approval,
    OverrideKind,
    OverrideRules,
    discount_off,
    require_approval,
)
from ireti_till.domain.pricing import PricedBasket, price_basket, sale_lines
from ireti_till.domain.sale import CompletedSale, Tender
from ireti_till.domain.settings import StoreSettings
from ireti_till.domain.tender import cash_tender
from ireti_till.domain.tender import quick_cash as quick_cash_amounts
from ireti_till.services import product_lookup
from ireti_till.services.backoffice_tax import TaxRateBook
from ireti_till.services.ports import Clock, UnitOfWorkFactory
from ireti_till.services.sale_views import BasketView, LineView, ScanResult, to_view

__all__ = ["BasketView", "LineView", "SaleService", "ScanResult"]

log = logging.getLogger("ireti_till.services.selling")

_PREFIX_RE = re.compile(r"^\s*([^*]{0,12})\*\s*(.*)$", re.DOTALL)
T = TypeVar("T")


class AuditRecorder(Protocol):
    def record(self, kind: str, actor: str, details: Mapping[str, str | int]) -> object: ...


class SaleService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        settings: StoreSettings,
        clock: Clock,
        cashier: str,
        training: bool,
        *,
        read_uow_factory: UnitOfWorkFactory | None = None,
        rules: OverrideRules | None = None,
        audit: Callable[[], AuditRecorder] | None = None,
        actor_id: str = "system",
        tax_book: TaxRateBook | None = None,
    ) -> None:
        """``read_uow_factory`` (optional) serves catalog lookups and search: pass the
        ledger's read-only unit of work (deferred ``BEGIN``) so a scan never waits for
        the write lock held by another writer; sales are always committed through
        ``uow_factory``. ``rules``: what needs a supervisor; ``audit`` gives the audit
        log voids are recorded in, as ``actor_id``."""
        self._uow_factory = uow_factory
        self._read_uow_factory = read_uow_factory or uow_factory
        self._settings = settings
        self._tax_book = tax_book  # the back office's rates, else the config's (issue 14)
        self._clock = clock
        self.cashier = cashier
        self.training = training
        self._basket = Basket(settings.currency, max_lines=settings.max_basket_lines)
        self._priced = price_basket(self._basket, self._pricing())
        self._started_at = clock.now()
        self._sale_id = uuid4()
        self.last_sale: CompletedSale | None = None
        self.rules = rules
        self._audit = audit
        self._actor = actor_id
        self._spent: set[UUID] = set()  # approvals used on this sale (one change each)

    def _pricing(self) -> StoreSettings:
        return self._tax_book.settings_for(self._settings) if self._tax_book else self._settings

    @property
    def settings(self) -> StoreSettings:
        return self._settings

    # views ------------------------------------------------------------------------
    @property
    def sale_id(self) -> UUID:
        """The id of the open sale (a new one after each completed or cancelled sale)."""
        return self._sale_id

    def view(self) -> BasketView:
        return to_view(self._basket, self._priced, self._settings.prices_include_tax)

    def amount_due(self) -> Money:
        return self._priced.total

    # adding -----------------------------------------------------------------------
    def scan(self, raw: str, quantity: int = 1) -> ScanResult:
        """Add by barcode (or SKU) as typed/scanned; strips control characters, caps length.

        A ``3*`` prefix in ``raw`` sets the quantity (it wins over ``quantity``).
        Unknown or invalid barcodes raise ``InputError``/``NotFoundError``; the basket is
        unchanged. Scanning the same product again adds a new line (tills print each scan)."""
        code = self._guard("scan", lambda: clean_scan(raw))
        if _PREFIX_RE.match(code):
            quantity, code = self.parse_quantity_prefix(code)
            if not code:
                self._reject("scan", InputError(
                    f"Quantity {quantity} set: now scan the item", code="IT-132"))
        if from_azerty(code) is not None:
            log.warning("the scanner types with another keyboard layout (AZERTY digit row); "
                        "set the scanner's keyboard layout to match the computer")
        reads = self._read_uow_factory
        product = self._guard("scan", lambda: product_lookup.by_code(reads, scanned_code(code)))
        return self._add(product, quantity)

    def parse_quantity_prefix(self, text: str) -> tuple[int, str]:
        """``"3*4006381333931"`` -> (3, "4006381333931"); ``"3*"`` -> (3, "").

        Text without a prefix gives (1, text). The quantity must be 1..9999 (IT-131)."""
        m = _PREFIX_RE.match(text)
        if not m:
            return 1, text.strip()
        quantity = self._guard("quantity", lambda: parse_quantity(m.group(1)))
        return quantity, m.group(2).strip()

    def amount_from_text(self, text: str, *, allow_zero: bool = True) -> Money:
        """An amount typed by the cashier in the store currency (``money.parse_amount``):
        ``"1,5"`` is 1.50; ``"1e3"``, ``"NaN"``, ``"-1"``, too many decimals or more than
        8 digits of minor units raise ``InputError`` (logged)."""
        return self._guard(
            "amount", lambda: parse_amount(text, self._settings.currency, allow_zero=allow_zero)
        )

    def add_product(self, sku: str, quantity: int = 1) -> ScanResult:
        product = self._guard("add", lambda: product_lookup.by_sku(self._read_uow_factory, sku))
        return self._add(product, quantity)

    def search(self, text: str, limit: int = 50) -> list[Product]:
        """Active products by name/SKU/GTIN prefix; empty text gives no results."""
        return product_lookup.search(self._read_uow_factory, text, limit)

    # changing lines ---------------------------------------------------------------
    def set_quantity(self, line_no: int, quantity: int) -> BasketView:
        return self._apply("quantity", lambda b: b.set_quantity(line_no, quantity))

    def void_line(self, line_no: int, approval: Approval | None = None) -> BasketView:
        """Void a line. A line worth more than ``[staff] void_line_above`` (its value
        before its discount) needs a supervisor's approval of at least that worth
        (``ApprovalRequired``, nothing changes); an approval by the cashier voiding is
        refused (IT-483). The audit entry (with the approval's id and approver) is
        written in one transaction before the line goes: no entry, no void."""
        line = next((ln for ln in self.view().lines if ln.line_no == line_no), None)
        details: dict[str, str | int] = {"sale_id": str(self._sale_id), "scope": "line",
                                         "line_no": line_no}
        used = approval
        if line is not None:
            worth = line.total + line.discount
            details.update(sku=line.sku, quantity=line.quantity,
                           amount_minor=line.total.minor, currency=line.total.currency)
            if self.rules is not None and self.rules.void_needs_approval(worth):
                used = self._approved(OverrideKind.VOID_LINE, worth, approval)
        if used is not None:
            details.update(override_id=str(used.override_id), approver_id=used.approver_id)

        def commit() -> None:
            self._record("void", details)
            self._spend(used)

        view = self._apply("void", lambda b: b.void(line_no), commit)
        log.info("line %s voided by %s", line_no, self.cashier)
        return view

    def line_discount(self, line_no: int, *, percent: Decimal | None = None,
                      amount: Money | None = None,
                      approval: Approval | None = None) -> BasketView:
        line = next((ln for ln in self.view().lines if ln.line_no == line_no), None)
        base = line.total + line.discount if line is not None else self.view().subtotal
        return self._discount("line discount", base, percent, amount, approval,
                              lambda b: b.line_discount(line_no, percent, amount))

    def basket_discount(self, *, percent: Decimal | None = None, amount: Money | None = None,
                        approval: Approval | None = None) -> BasketView:
        return self._discount("basket discount", self.view().subtotal, percent, amount,
                              approval, lambda b: b.basket_discount(percent, amount))

    def override_price(self, line_no: int, price: Money, reason: str,
                       approval: Approval | None = None) -> BasketView:
        """A new unit price; needs a supervisor's approval for exactly ``price``."""
        used = self._approved(OverrideKind.PRICE_OVERRIDE, price, approval)
        view = self._apply("override", lambda b: b.override_price(line_no, price, reason),
                           lambda: self._spend(used))
        log.info("price of line %s overridden to %s by %s", line_no, price, self.cashier)
        return view

    def discount_needs_approval(self, base: Money, percent: Decimal | None,
                                amount: Money | None) -> bool:
        """Would this discount of ``base`` need a supervisor (the store's threshold)?"""
        return self.rules is not None and self.rules.discount.needs_approval(base, percent,
                                                                             amount)

    # paying -----------------------------------------------------------------------
    def quick_cash(self) -> list[Money]:
        """Exact amount, then the next note values above it for the currency."""
        return quick_cash_amounts(self._priced.total)

    def pay_cash(self, tendered: Money,
                 also: Callable[[Any, CompletedSale], None] | None = None) -> CompletedSale:
        """Tendered below the amount due raises InputError. Commits the sale (lines, taxes,
        tender, change, cashier, till id, timestamps, receipt number) in one transaction,
        then starts a new empty basket. If the ledger fails, the basket is kept.
        ``also(uow, sale)`` adds to the same transaction (the receipt's print job)."""
        if self._basket.is_empty():
            self._reject("pay", InputError("The sale is empty: scan an item first", code="IT-151"))
        tender = self._guard("pay", lambda: cash_tender(self._priced.total, tendered))
        draft = self.draft_sale((tender,))
        try:
            with self._uow_factory() as uow:
                sale = uow.sales.add(draft)
                if also is not None:
                    also(uow, sale)
                uow.commit()
        except TillError as exc:
            log.error("sale %s not saved (%s); basket kept", draft.sale_id, exc.code)
            raise
        except Exception as exc:
            log.exception("sale %s not saved; basket kept", draft.sale_id)
            raise LedgerError(
                "The sale could not be saved, nothing was recorded and the basket is kept; "
                "try again, and if it keeps failing call a supervisor",
                code="IT-203",
            ) from exc
        log.info("sale %s committed as receipt %s, total %s",
                 sale.sale_id, sale.receipt_code, sale.total)
        self.completed_elsewhere(sale)
        return sale

    def draft_sale(self, tenders: tuple[Tender, ...] = ()) -> CompletedSale:
        """The open basket frozen as a ``CompletedSale`` (``receipt_no`` 0, not stored).

        For tender flows that commit the sale themselves (card payments): they store this
        draft with their own records, then call ``completed_elsewhere``. The ``sale_id``
        belongs to the open basket: it stays the same across retries (so a retried commit
        can never store the sale twice) until the basket is paid or cancelled.
        Raises IT-151 when the basket is empty."""
        if self._basket.is_empty():
            self._reject("pay", InputError("The sale is empty: scan an item first", code="IT-151"))
        priced = self._priced
        return CompletedSale(
            sale_id=self._sale_id,
            till_id=self._settings.till_id,
            receipt_no=0,  # assigned by the ledger inside the transaction
            cashier=self.cashier,
            started_at=self._started_at,
            completed_at=self._clock.now(),
            currency=priced.currency,
            lines=sale_lines(priced),
            taxes=priced.taxes,
            tenders=tenders,
            subtotal=priced.gross_before,
            discount_total=priced.discount_total,
            tax_total=priced.tax_total,
            total=priced.total,
            change=Money(sum(t.change.minor for t in tenders), priced.currency),
            training=self.training,
        )

    def completed_elsewhere(self, sale: CompletedSale) -> BasketView:
        """The open basket was paid and committed (by ``pay_cash`` or another tender flow):
        remember the sale and start a new empty basket."""
        self.last_sale = sale
        self._reset()
        return self.view()

    def renew_sale_id(self) -> None:
        """Keep the basket under a new sale id: the old one was frozen for a card tender
        that was given up (and voided), so the basket may change and be paid anew."""
        self._sale_id = uuid4()

    def cancel_sale(self) -> BasketView:
        """Drop the open (unpaid) basket; a basket with lines is recorded as a void of the
        whole sale in the audit trail first (no entry, no cancel)."""
        view = self.view()
        if not view.is_empty:
            self._record("void", {"sale_id": str(self._sale_id), "scope": "sale",
                                  "lines": len(view.lines), "amount_minor": view.total.minor,
                                  "currency": view.total.currency})
            log.info("open sale with %d line(s) cancelled by %s", len(view.lines),
                     self.cashier)
        self._reset()
        return self.view()

    # internals --------------------------------------------------------------------
    def _approved(self, kind: OverrideKind, amount: Money | None,
                  approval: Approval | None) -> Approval | None:
        if self.rules is None:  # no staff sign-in: nobody to ask
            return approval
        try:
            return require_approval(approval, self.rules, kind, amount, self._sale_id,
                                    frozenset(self._spent), self._actor)
        except TillError as exc:
            self._reject(kind.value, exc)

    def _spend(self, approval: Approval | None) -> None:
        if approval is not None:
            self._spent.add(approval.override_id)

    def _discount(self, action: str, base: Money, percent: Decimal | None,
                  amount: Money | None, approval: Approval | None,
                  change: Callable[[Basket], Basket]) -> BasketView:
        used = approval
        if self.discount_needs_approval(base, percent, amount):
            used = self._approved(OverrideKind.DISCOUNT_ABOVE_THRESHOLD,
                                  discount_off(base, percent, amount), approval)
        return self._apply(action, change, lambda: self._spend(used))

    def _record(self, kind: str, details: Mapping[str, str | int]) -> None:
        if self._audit is None:
            return
        try:
            self._audit().record(kind, self._actor, details)
        except TillError:
            raise
        except Exception as exc:
            log.exception("audit %s not recorded; nothing changed", kind)
            raise LedgerError("The audit trail could not be written, so nothing was "
                              "changed; try again, and if it keeps failing call a "
                              "supervisor", code="IT-384") from exc

    def _reset(self) -> None:
        self._spent.clear()
        self._basket = Basket(self._settings.currency,
                              max_lines=self._settings.max_basket_lines)
        self._priced = price_basket(self._basket, self._pricing())
        self._started_at = self._clock.now()
        self._sale_id = uuid4()

    def _add(self, product: Product, quantity: int) -> ScanResult:
        was_empty = not self._basket.lines
        view = self._apply("add", lambda b: b.add(product, quantity))
        if was_empty:
            self._started_at = self._clock.now()
        return ScanResult(product, len(self._basket.lines), view)

    def _apply(self, action: str, change: Callable[[Basket], Basket],
               commit: Callable[[], None] | None = None) -> BasketView:
        """Price the changed basket; then ``commit`` (the audit entry, spending the
        approval); only then swap it in, so a failure at either step changes nothing."""
        def attempt() -> tuple[Basket, PricedBasket]:
            basket = change(self._basket)
            return basket, price_basket(basket, self._pricing())

        basket, priced = self._guard(action, attempt)
        if commit is not None:
            commit()
        self._basket, self._priced = basket, priced
        return self.view()

    def _guard(self, action: str, work: Callable[[], T]) -> T:
        try:
            return work()
        except TillError as exc:
            self._reject(action, exc)

    def _reject(self, action: str, exc: TillError) -> NoReturn:
        if action == "scan":  # scanned text is not logged: it could be card data
            log.info("scan rejected: %s", exc.code)
        else:
            log.info("%s rejected: %s", action, exc)
        raise exc
