"""What the ledger says about a refund's legs and a sale's card payments right now: the leg
states from their outbox operations, and whether a card payment can still be refunded."""

from __future__ import annotations

from dataclasses import replace

from ireti_till.domain.outbox import OperationKind, OperationState
from ireti_till.domain.payment import Attempt, AttemptState
from ireti_till.domain.refund_policy import PaymentStatus
from ireti_till.services.refund_ports import LegState, RefundRecord, RefundUnitOfWork

_OP_STATE = {
    OperationState.PENDING: LegState.PENDING, OperationState.RECONCILE: LegState.PENDING,
    OperationState.DONE: LegState.SUCCEEDED, OperationState.FAILED: LegState.FAILED,
    OperationState.RESOLVED: LegState.RESOLVED,
}
_QUEUED = (OperationState.PENDING, OperationState.RECONCILE)


def with_states(u: RefundUnitOfWork, record: RefundRecord) -> RefundRecord:
    legs = []
    for leg in record.legs:
        if leg.op_id is None:
            legs.append(replace(leg, state=LegState.PAID))
            continue
        op = u.payments.get_operation(leg.op_id)
        legs.append(replace(leg, state=LegState.PENDING if op is None
                            else _OP_STATE[op.state]))
    return replace(record, legs=tuple(legs))


def card_status(u: RefundUnitOfWork, a: Attempt | None) -> tuple[PaymentStatus, bool]:
    """(status for the allocation, True when the payment has nothing left at all)."""
    if a is None:  # no local attempt: the card tender cannot be refunded from here
        return PaymentStatus.CAPTURE_QUEUED, False
    if a.state is AttemptState.CAPTURED:
        return PaymentStatus.SETTLED, False
    if a.state is AttemptState.CANCELLED:
        return PaymentStatus.SETTLED, True
    if a.state is AttemptState.AUTHORISED:
        queued = any(o.kind is OperationKind.CAPTURE and o.state in _QUEUED
                     for o in u.payments.operations_for_attempt(a.attempt_id))
        return (PaymentStatus.CAPTURE_QUEUED if queued else PaymentStatus.AUTHORISED), False
    return PaymentStatus.CAPTURE_QUEUED, False  # needs reconciliation: wait for it
