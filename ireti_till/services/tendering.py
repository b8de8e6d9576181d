"""Taking tenders for one sale: cash parts and card parts, then completion or void.

A sale enters tendering when the cashier presses a tender key with a basket: its frozen
copy (lines, taxes, totals) is committed as an *open* tender sale first, so nothing a card
pays for can be lost. Then any mix of cash parts and card attempts is taken. The moment
the cash applied plus the authorised cards cover the total, the sale is completed in one
transaction: the core sale row (receipt number), the tender sale marked completed, and a
*capture* outbox row for every authorised card. Cards are captured only then, so a void
before completion only ever has authorisations to cancel, never captured money to refund.

Voiding an open sale cancels every card that is not final: an outbox *cancel* row per
attempt in the same transaction as the void, sent at once and retried until Stripe says
``canceled``. Cash parts are listed in the void reason so the cashier hands them back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from ireti_till.domain.errors import InputError, NotFoundError, PaymentError
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Operation, OperationKind, OperationState
from ireti_till.domain.payment import Attempt, AttemptState, cancel_key, capture_key
from ireti_till.domain.sale import CompletedSale, Tender
from ireti_till.services.payment_context import PaymentContext, log
from ireti_till.services.payment_store_port import (
    CashPart,
    PaymentUnitOfWork,
    TenderSale,
    TenderSaleState,
)

S = AttemptState
PAID_STATES = frozenset({S.AUTHORISED, S.CAPTURED})


@dataclass(frozen=True, slots=True)
class TenderProgress:
    """Where a sale's tendering stands (frozen, safe to hand to the UI thread)."""

    sale_id: UUID
    state: TenderSaleState
    total: Money
    paid: Money  # cash applied + authorised/captured cards
    remaining: Money
    change: Money
    cash: tuple[CashPart, ...]
    cards: tuple[Attempt, ...]
    receipt_no: int | None = None
    sale: CompletedSale | None = None  # the completed sale, once completed

    @property
    def completed(self) -> bool:
        return self.state is TenderSaleState.COMPLETED


def progress_of(ts: TenderSale, attempts: list[Attempt],
                sale: CompletedSale | None = None) -> TenderProgress:
    cur = ts.total.currency
    cash = sum(c.amount.minor for c in ts.cash)
    cards = sum(a.amount.minor for a in attempts if a.state in PAID_STATES)
    paid = cash + cards
    return TenderProgress(
        sale_id=ts.sale_id, state=ts.state, total=ts.total, paid=Money(paid, cur),
        remaining=Money(max(0, ts.total.minor - paid), cur),
        change=Money(sum(c.change.minor for c in ts.cash), cur), cash=ts.cash,
        cards=tuple(attempts), receipt_no=ts.receipt_no, sale=sale)


def capture_op(a: Attempt, now: datetime) -> Operation:
    return Operation(uuid4(), OperationKind.CAPTURE, a.attempt_id, a.sale_id, a.intent_id,
                     a.amount, (), capture_key(a.attempt_id), 0, OperationState.PENDING, 0,
                     now, now)


def cancel_op(a: Attempt, now: datetime, reason: str = "abandoned") -> Operation:
    return Operation(uuid4(), OperationKind.CANCEL, a.attempt_id, a.sale_id, a.intent_id,
                     a.amount, (("cancellation_reason", reason),), cancel_key(a.attempt_id), 0,
                     OperationState.PENDING, 0, now, now)


def complete_if_paid(u: PaymentUnitOfWork, sale_id: UUID, now: datetime,
                     ctx: PaymentContext | None = None, *, live: bool = True
                     ) -> CompletedSale | None:
    """Inside ``u``: complete the sale if its tenders cover it; queue captures (and, with
    ``ctx``, its ``on_completed`` work: the receipt job). Else None."""
    ts = u.payments.get_sale(sale_id)
    if ts is None or ts.state is not TenderSaleState.OPEN:
        return None
    attempts = u.payments.attempts_for_sale(sale_id)
    prog = progress_of(ts, attempts)
    if prog.remaining.minor > 0:
        return None
    cur = ts.total.currency
    parts: list[tuple[datetime, Tender]] = [
        (c.created_at, Tender("cash", c.amount, c.tendered, c.change)) for c in ts.cash]
    for a in attempts:
        if a.state in PAID_STATES:
            parts.append((a.created_at, Tender("card", a.amount, a.amount, Money(0, cur),
                                               a.intent_id, a.card_brand, a.card_last4)))
    parts.sort(key=lambda p: p[0])
    sale = dataclasses.replace(ts.sale, tenders=tuple(t for _, t in parts), change=prog.change,
                               completed_at=now)
    sale = u.sales.add(sale)
    u.payments.set_sale_state(sale_id, TenderSaleState.COMPLETED, now, receipt_no=sale.receipt_no)
    for a in attempts:
        if a.state is S.AUTHORISED and not any(
                o.kind is OperationKind.CAPTURE for o in u.payments.operations_for_attempt(
                    a.attempt_id)):
            u.payments.enqueue(capture_op(a, now))
    if ctx is not None:
        ctx.completed_in(u, sale, live)
    log.info("sale %s completed as receipt %s (%d card parts)", sale_id, sale.receipt_no,
             sum(1 for a in attempts if a.state in PAID_STATES))
    return sale


def void_in(u: PaymentUnitOfWork, sale_id: UUID, reason: str, now: datetime) -> list[Attempt]:
    """Inside ``u``: void an open sale; every non-final card is cancelled via the outbox."""
    ts = u.payments.get_sale(sale_id)
    if ts is None:
        raise NotFoundError("That sale is not being tendered.", code="IT-360")
    if ts.state is not TenderSaleState.OPEN:
        raise InputError("That sale is already completed or voided.", code="IT-361")
    attempts = u.payments.attempts_for_sale(sale_id)
    if any(a.state is S.CAPTURED for a in attempts):
        raise PaymentError("A card on this sale is already captured: refund it instead of "
                           "voiding.", code="IT-362")
    cancelled: list[Attempt] = []
    for a in attempts:
        if a.state.final or a.state is S.NEEDS_RECONCILIATION:
            continue
        moved = u.payments.transition(a.attempt_id, a.state, S.CANCELLED, now=now,
                                      reason=f"sale voided: {reason}"[:500])
        u.payments.enqueue(cancel_op(a, now, "requested_by_customer"))
        cancelled.append(moved)
    cash = sum(c.amount.minor for c in ts.cash)
    text = reason if not cash else f"{reason}; hand back cash {Money(cash, ts.total.currency)}"
    u.payments.set_sale_state(sale_id, TenderSaleState.VOIDED, now, reason=text)
    return cancelled


class TenderService:
    """Sale-level tendering. Thread-safe as far as the ledger is (one txn per call)."""

    def __init__(self, ctx: PaymentContext) -> None:
        self.ctx = ctx

    def begin(self, sale: CompletedSale) -> TenderProgress:
        """Commit the frozen sale as open for tendering (idempotent for the same sale id)."""
        if sale.total.minor <= 0:
            raise InputError("There is nothing to pay on this sale.", code="IT-366")
        if sale.tenders or sale.receipt_no:
            raise InputError("This sale is already paid.", code="IT-361")
        now = self.ctx.clock.now()
        with self.ctx.uow() as u:
            if u.payments.get_sale(sale.sale_id) is None:
                u.payments.open_sale(sale, now)
                u.commit()
        self.ctx.point("sale.opened")
        return self.progress(sale.sale_id)

    def progress(self, sale_id: UUID) -> TenderProgress:
        with self.ctx.uow() as u:
            ts = u.payments.get_sale(sale_id)
            if ts is None:
                raise NotFoundError("That sale is not being tendered.", code="IT-360")
            sale = u.sales.get(sale_id) if ts.state is TenderSaleState.COMPLETED else None
            return progress_of(ts, u.payments.attempts_for_sale(sale_id), sale)

    def pay_cash(self, sale_id: UUID, tendered: Money) -> TenderProgress:
        """Take cash towards the sale; the part above what remains is change."""
        if tendered.minor <= 0:
            raise InputError("Enter the cash handed over.", code="IT-367")
        now = self.ctx.clock.now()
        with self.ctx.uow() as u:
            ts = u.payments.get_sale(sale_id)
            if ts is None or ts.state is not TenderSaleState.OPEN:
                raise InputError("That sale is not open for payment.", code="IT-361")
            attempts = u.payments.attempts_for_sale(sale_id)
            if any(a.state.in_flight for a in attempts):
                raise PaymentError("A card payment is still in progress on this sale: finish "
                                   "or cancel it first.", code="IT-363")
            prog = progress_of(ts, attempts)
            if prog.remaining.minor == 0:
                raise InputError("Nothing remains to pay on this sale.", code="IT-361")
            applied = min(tendered.minor, prog.remaining.minor)
            cur = ts.total.currency
            u.payments.add_cash(sale_id, Money(applied, cur), tendered,
                                Money(tendered.minor - applied, cur), now)
            complete_if_paid(u, sale_id, now, self.ctx)
            u.commit()
        return self.progress(sale_id)

    def void(self, sale_id: UUID, reason: str) -> TenderProgress:
        """Void an open sale; authorised or pending cards are cancelled (queued, then sent)."""
        if not reason.strip():
            raise InputError("Give a reason for the void.", code="IT-368")
        now = self.ctx.clock.now()
        with self.ctx.uow() as u:
            cancelled = void_in(u, sale_id, reason.strip(), now)
            u.commit()
        self.ctx.point("cancel.queued")
        log.info("sale %s voided; %d card attempts to cancel", sale_id, len(cancelled))
        return self.progress(sale_id)

    def open_sales(self) -> list[TenderProgress]:
        with self.ctx.uow() as u:
            return [progress_of(ts, u.payments.attempts_for_sale(ts.sale_id))
                    for ts in u.payments.sales_in(TenderSaleState.OPEN)]
