"""Refund records and what the refund service needs from the ledger (Protocols).

``RefundRecord`` is what one refund commits: the refund, its legs (one per payment it goes
back to) and the lines returned. Views handed to the screen (``SaleRefundView``,
``PaymentView``, ``RefundQuote``, ``RefundResult``) are frozen too: no ORM object, no open
transaction ever reaches the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from ireti_till.domain.money import Money
from ireti_till.domain.refund_policy import LegAction, PaymentStatus, RefundDecision
from ireti_till.domain.sale import CompletedSale
from ireti_till.services.payment_store_port import PaymentRepository
from ireti_till.services.ports import SaleRepository
from ireti_till.services.staff_ports import AuditRepository


class LegState(StrEnum):
    PAID = "paid"  # cash handed over from the drawer
    PENDING = "pending"  # card: queued in the outbox (or being sent)
    SUCCEEDED = "succeeded"  # card: Stripe confirmed the refund / the cancel
    FAILED = "failed"  # card: Stripe refused; a supervisor must look (queue panel)
    RESOLVED = "resolved"  # card: closed by a supervisor with a reason


@dataclass(frozen=True, slots=True)
class RefundLegRecord:
    seq: int
    payment_ref: str | None  # attempt id, "cash:<seq>", or None (no receipt)
    action: LegAction
    amount: Money
    intent_id: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    op_id: UUID | None = None
    #: the refund id Stripe sees for this leg (one Stripe refund per card leg): idempotency
    #: key ``<leg-id>:refund`` and ``metadata[refund_id]``; the first leg uses the refund's id
    leg_id: UUID | None = None
    state: LegState = LegState.PENDING  # filled from the outbox when read back

    @property
    def label(self) -> str:
        if self.action is LegAction.CASH_OUT:
            return "Cash from drawer"
        card = f"{(self.card_brand or 'card').title()} ****{self.card_last4 or '????'}"
        return f"{card} (cancel authorisation)" if self.action is LegAction.CARD_CANCEL else card


@dataclass(frozen=True, slots=True)
class RefundLineRecord:
    line_no: int
    quantity: int
    amount: Money


@dataclass(frozen=True, slots=True)
class RefundRecord:
    refund_id: UUID
    till_id: str
    refund_no: int
    sale_id: UUID | None
    amount: Money
    reason: str
    requester_id: str
    approver_id: str | None
    override_id: UUID | None
    receipt: bool
    rules: tuple[str, ...]
    created_at: datetime
    legs: tuple[RefundLegRecord, ...]
    lines: tuple[RefundLineRecord, ...] = ()

    @property
    def code(self) -> str:
        """Printed on the refund receipt; typed at F8 it is refused as a refund (IT-442)."""
        return refund_code(self.till_id, self.refund_no)

    @property
    def pending(self) -> bool:
        return any(leg.state is LegState.PENDING for leg in self.legs)


def refund_code(till_id: str, refund_no: int) -> str:
    return f"{till_id}-R{refund_no:06d}"


@dataclass(frozen=True, slots=True)
class PaymentView:
    payment_ref: str
    kind: str  # "cash" | "card"
    label: str  # "Cash" or "Visa ****4242"
    amount: Money  # what it paid towards the sale (captured, for a card)
    refunded: Money  # refunds so far, pending ones included
    pending: Money  # of which still waiting to be sent / confirmed
    status: PaymentStatus
    intent_id: str | None = None
    attempt_id: UUID | None = None
    card_brand: str | None = None
    card_last4: str | None = None

    @property
    def remaining(self) -> Money:
        return self.amount - self.refunded


@dataclass(frozen=True, slots=True)
class LineView:
    line_no: int
    name: str
    quantity: int
    total: Money
    refunded_qty: int
    refunded: Money

    @property
    def left_qty(self) -> int:
        return self.quantity - self.refunded_qty


@dataclass(frozen=True, slots=True)
class SaleRefundView:
    sale: CompletedSale
    lines: tuple[LineView, ...]
    payments: tuple[PaymentView, ...]
    refunds: tuple[RefundRecord, ...]

    @property
    def currency(self) -> str:
        return self.sale.currency

    @property
    def refunded(self) -> Money:
        total = Money.zero(self.currency)
        for p in self.payments:
            total = total + p.refunded
        return total

    @property
    def remaining(self) -> Money:
        total = Money.zero(self.currency)
        for p in self.payments:
            total = total + p.remaining
        return total


@dataclass(frozen=True, slots=True)
class RefundQuote:
    """What a refund would do, before it is approved and committed."""

    sale_id: UUID | None
    amount: Money
    lines: tuple[RefundLineRecord, ...]
    legs: tuple[RefundLegRecord, ...]
    decision: RefundDecision
    requester_id: str
    needs_approval: bool


# --- ports ------------------------------------------------------------------------------


class RefundRepository(Protocol):
    def next_no(self, till_id: str) -> int: ...
    def add(self, record: RefundRecord) -> None: ...
    def get(self, refund_id: UUID) -> RefundRecord | None: ...
    def by_no(self, till_id: str, refund_no: int) -> RefundRecord | None: ...
    def for_sale(self, sale_id: UUID) -> list[RefundRecord]: ...
    def override_used(self, override_id: UUID) -> bool: ...
    def total_by(self, requester_id: str, since: datetime) -> int:
        """Minor units refunded by ``requester_id`` at or after ``since``."""
        ...


class RefundUnitOfWork(Protocol):
    @property
    def sales(self) -> SaleRepository: ...
    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def refunds(self) -> RefundRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...
    def commit(self) -> None: ...


class RefundUnitOfWorkFactory(Protocol):
    def __call__(self) -> RefundUnitOfWork: ...
