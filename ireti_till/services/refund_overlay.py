"""A sale of another till, seen by the refund service as if it were in this till's ledger.

The refund service is reused as it is (``RefundService.over``): its units of work are
wrapped so that ``sales.get(<that sale>)`` answers the sale as the back office showed it and
``payments`` answers, for each card payment of it, a captured attempt made up from the
payment's reference (its PaymentIntent). A card leg's outbox row is written without an
attempt (that attempt exists on the other till only): the outbox sends a refund by the
PaymentIntent id and ``<refund-id>:refund`` as for any refund. Everything else (the refunds,
the legs, the audit, the outbox) is this till's ledger, in the service's one transaction.

The made-up sale carries *this* till's id: the checks "rung on another till" (IT-443) and the
matrix's ``other_till`` rule are answered by the back office's reservation instead, and the
matrix applies as for a local refund (amount, age, cashier's daily total).

What each payment has left is the back office's figure (``refundable_minor``) plus what
this till has refunded of it already (its own legs are counted again by the service).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Operation
from ireti_till.domain.payment import Attempt, AttemptState
from ireti_till.domain.sale import CompletedSale, SaleLine, Tender
from ireti_till.services.backoffice_refunds import RemoteSale
from ireti_till.services.refund_ports import RefundUnitOfWork, RefundUnitOfWorkFactory


def remote_attempt_id(sale_id: str, seq: int) -> UUID:
    """The made-up attempt id of card payment ``seq`` of another till's sale (stable)."""
    return uuid5(NAMESPACE_URL, f"ireti-till:remote-sale:{sale_id}:{seq}")


def payment_ref(sale: RemoteSale, seq: int) -> str:
    """The ``payment_ref`` the refund service gives payment ``seq`` of ``sale``."""
    tender = next(t for t in sale.tenders if t.seq == seq)
    return f"cash:{seq}" if tender.kind == "cash" else str(remote_attempt_id(sale.sale_id, seq))


def tender_seq(sale: RemoteSale, ref: str | None) -> int | None:
    for t in sale.tenders:
        if payment_ref(sale, t.seq) == ref:
            return t.seq
    return None


def _when(text: str) -> datetime:
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ForeignSale(CompletedSale):
    """The made-up sale: ``till_id`` is this till's, its receipt code the other till's."""

    origin_till: str = ""

    @property
    def receipt_code(self) -> str:
        return f"{self.origin_till}-{self.receipt_no:06d}"


def as_local_sale(sale: RemoteSale, this_till: str, own: dict[str, int]) -> CompletedSale:
    """``own``: minor units this till has refunded already, per payment_ref."""
    cur = sale.currency
    at = _when(sale.completed_at)
    zero = Money.zero(cur)
    lines = tuple(SaleLine(
        ln.line_no, ln.sku, None, ln.name, ln.quantity,
        Money(ln.total_minor // max(ln.quantity, 1), cur),
        Money(ln.total_minor // max(ln.quantity, 1), cur), zero, Money(ln.total_minor, cur),
        "", zero) for ln in sale.lines)
    tenders = []
    for t in sale.tenders:
        ref = payment_ref(sale, t.seq)
        left = Money(min(t.amount_minor, t.refundable_minor + own.get(ref, 0)), cur)
        tenders.append(Tender(t.kind, left, left, zero, t.reference, t.card_brand,
                              t.card_last4))
    total = Money(sale.total_minor, cur)
    return ForeignSale(UUID(sale.sale_id), this_till, sale.receipt_no, "", at, at, cur,
                       lines, (), tuple(tenders), total, zero, zero, total, zero,
                       origin_till=sale.till_id)


def made_up_attempts(sale: RemoteSale, this_till: str) -> dict[UUID, Attempt]:
    at = _when(sale.completed_at)
    out = {}
    for t in sale.tenders:
        if t.kind != "card" or not t.reference:
            continue
        a = Attempt(remote_attempt_id(sale.sale_id, t.seq), UUID(sale.sale_id), this_till,
                    Money(t.amount_minor, sale.currency), AttemptState.CAPTURED, at, at,
                    intent_id=t.reference, card_brand=t.card_brand, card_last4=t.card_last4)
        out[a.attempt_id] = a
    return out


class _Sales:
    def __init__(self, inner: Any, sale: CompletedSale) -> None:
        self._inner, self._sale = inner, sale

    def get(self, sale_id: UUID) -> CompletedSale | None:
        return self._sale if sale_id == self._sale.sale_id else self._inner.get(sale_id)

    def by_receipt(self, till_id: str, receipt_no: int) -> CompletedSale | None:
        return self._inner.by_receipt(till_id, receipt_no)


class _Payments:
    def __init__(self, inner: Any, sale_id: UUID, attempts: dict[UUID, Attempt]) -> None:
        self._inner, self._sale_id, self._attempts = inner, sale_id, attempts

    def attempts_for_sale(self, sale_id: UUID) -> list[Attempt]:
        if sale_id == self._sale_id:
            return list(self._attempts.values())
        return list(self._inner.attempts_for_sale(sale_id))

    def get_attempt(self, attempt_id: UUID) -> Attempt | None:
        made_up = self._attempts.get(attempt_id)
        return made_up if made_up is not None else self._inner.get_attempt(attempt_id)

    def enqueue(self, op: Operation) -> None:
        if op.attempt_id in self._attempts:  # the attempt lives on the other till only
            op = replace(op, attempt_id=None)
        self._inner.enqueue(op)

    # the rest of what the refund service asks, from this till's ledger as it is
    def get_operation(self, op_id: UUID) -> Operation | None:
        return self._inner.get_operation(op_id)

    def operations_for_attempt(self, attempt_id: UUID) -> list[Operation]:
        return list(self._inner.operations_for_attempt(attempt_id))

    def transition(self, attempt_id: UUID, expected: AttemptState, target: AttemptState, *,
                   now: datetime, expected_try: int | None = None, **changes: Any) -> Attempt:
        return self._inner.transition(
            attempt_id, expected, target, now=now, expected_try=expected_try, **changes)


class _OverlayUow:
    def __init__(self, inner: RefundUnitOfWork, sale: CompletedSale,
                 attempts: dict[UUID, Attempt]) -> None:
        self._inner, self._sale, self._attempts = inner, sale, attempts

    def __enter__(self) -> Self:
        self._inner.__enter__()
        self.sales: Any = _Sales(self._inner.sales, self._sale)
        self.payments: Any = _Payments(self._inner.payments, self._sale.sale_id, self._attempts)
        self.refunds = self._inner.refunds
        self.audit = self._inner.audit
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._inner.commit()


class RemoteSaleUow:
    """A ``RefundUnitOfWorkFactory`` that shows ``sale`` (of another till) to the service."""

    def __init__(self, inner: RefundUnitOfWorkFactory, sale: RemoteSale, this_till: str) -> None:
        self._inner = inner
        self.remote = sale
        own: dict[str, int] = {}
        with inner() as u:
            for record in u.refunds.for_sale(UUID(sale.sale_id)):
                for leg in record.legs:
                    key = leg.payment_ref or ""
                    own[key] = own.get(key, 0) + leg.amount.minor
        self.sale = as_local_sale(sale, this_till, own)
        self._attempts = made_up_attempts(sale, this_till)

    def __call__(self) -> RefundUnitOfWork:
        return _OverlayUow(self._inner(), self.sale, self._attempts)
