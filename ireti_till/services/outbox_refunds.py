"""Refunds through the outbox: the row, the send, and reconciliation by ``refund_id``.

The refund service (supervisor approval, the ``amount <= captured - refunded`` check) writes
``refund_op(...)`` in the same transaction as its refund record; the outbox runner sends it
with the key ``<refund-id>:refund`` and the frozen amount and reason. Reconciliation lists
the PaymentIntent's refunds and looks for ``metadata[refund_id]``: found and not failed ->
done; found and failed -> surfaced; not found -> resent under a new key generation (the
read proved the first key made nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

from ireti_till.domain.money import Money
from ireti_till.domain.outbox import CallOutcome, Operation, OperationKind, OperationState
from ireti_till.domain.payment import Attempt, refund_key
from ireti_till.services.card_calls import attempt_call
from ireti_till.services.payment_context import PaymentContext
from ireti_till.services.payment_port import RefundInfo

Reading = Literal["done", "failed", "resend", "unknown"]


def refund_op(refund_id: UUID, attempt: Attempt, amount: Money, reason: str | None,
              now: datetime) -> Operation:
    params: tuple[tuple[str, str], ...] = (("refund_id", str(refund_id)),)
    if reason:
        params += (("reason", reason),)
    return Operation(uuid4(), OperationKind.REFUND, attempt.attempt_id, attempt.sale_id,
                     attempt.intent_id, amount, params, refund_key(refund_id), 0,
                     OperationState.PENDING, 0, now, now)


def send_refund(ctx: PaymentContext, op: Operation) -> tuple[RefundInfo | None, CallOutcome]:
    assert op.intent_id is not None and op.amount is not None
    params = dict(op.params)
    intent_id, amount = op.intent_id, op.amount.minor
    info, outcome = attempt_call(lambda: ctx.gateway.create_refund(
        intent_id, idempotency_key=op.key, amount_minor=amount, reason=params.get("reason"),
        metadata={"refund_id": params.get("refund_id", ""),
                  "attempt_id": str(op.attempt_id or ""), "till_id": ctx.till_id}))
    if info is not None and op.tries == 0:  # first send only: a replay is not a new refund
        ctx.metric("refund_sent", 1, amount_minor=str(amount), currency=op.amount.currency,
                   status=str(getattr(info, "status", "")))
    return info, outcome


def read_refund(ctx: PaymentContext, op: Operation) -> tuple[Reading, str]:
    assert op.intent_id is not None
    intent_id = op.intent_id
    refunds, outcome = attempt_call(lambda: ctx.gateway.list_refunds(intent_id))
    if refunds is None:
        return "unknown", outcome.describe()
    ours = dict(op.params).get("refund_id")
    for r in refunds:
        if r.metadata.get("refund_id") == ours:
            if r.status in ("failed", "canceled"):
                return "failed", f"refund {r.id} {r.status}: {r.failure_reason or ''}"
            return "done", f"refund {r.id} {r.status}"
    return "resend", "no refund with this id at Stripe"
