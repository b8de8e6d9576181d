"""The events sweep: what happened at Stripe while the till was away (DESIGN §5).

No webhook reaches a desktop, so after a start and after every reconnect the till pages
through ``GET /v1/events`` (newest first, ``types[]``, ``created[gte]`` from the newest
event already seen, minus a small overlap) and applies each event it has not seen before
(de-duplicated by event id in the ledger). An event is *evidence* about one of our
PaymentIntents; it can only confirm what the outbox was going to do (a capture or cancel
that landed before its answer was lost) or flag an attempt for reconciliation (an
authorisation that Stripe cancelled, e.g. it lapsed). It never charges anything.

Refunds: Stripe may accept a refund as ``pending`` and fail it days later (the card was
closed). ``refund.failed``, ``refund.updated`` and ``charge.refund.updated`` with a failed or
cancelled refund move our refund operation (found through the refund's ``attempt_id`` and
``refund_id`` metadata) to ``failed``: the refund leg shows failed, the amount stops counting
as refunded, and the queue panel asks a supervisor to pay the customer another way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import Final
from uuid import UUID

from ireti_till.domain.outbox import OperationKind, OperationState
from ireti_till.domain.payment import AttemptState
from ireti_till.domain.stream_notices import RefundNotice
from ireti_till.services.card_calls import attempt_call
from ireti_till.services.payment_context import PaymentContext, log
from ireti_till.services.payment_port import EventInfo
from ireti_till.services.payment_store_port import PaymentUnitOfWork

TYPES: Final = ("payment_intent.succeeded", "payment_intent.canceled",
                "payment_intent.amount_capturable_updated", "payment_intent.payment_failed",
                "refund.failed", "refund.updated", "charge.refund.updated")
REFUND_FAILED_STATUSES: Final = frozenset({"failed", "canceled"})
REFUND_FAILED_TASK: Final = ("Stripe failed this refund after accepting it ({status}); the "
                             "customer has NOT been refunded: pay them another way (cash), "
                             "then resolve this item")
OVERLAP_S: Final = 300  # events can be stamped a little out of order
LOOKBACK: Final = timedelta(days=30)  # Stripe keeps events 30 days
MAX_PAGES: Final = 50
S = AttemptState


@dataclass(frozen=True, slots=True)
class SweepResult:
    ok: bool
    fetched: int = 0
    new: int = 0
    applied: int = 0
    lag_s: float | None = None  # now - created of the newest new event
    error: str | None = None


class EventsSweep:
    def __init__(self, ctx: PaymentContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()  # the sweep (worker) and stream notices (stream thread)

    def refund_notice(self, notice: RefundNotice) -> bool:
        """The back office's stream says one of our refunds changed (issue 15; called on the
        stream thread). A notice is a hint: the refund is read from Stripe and applied as the
        sweep would, so a refund that failed after acceptance shows failed at once. The event
        is not marked seen (the sweep's cursor stays where it is); applying it twice is a
        no-op (the operation is already failed). True if the refund leg moved."""
        info, outcome = attempt_call(partial(self.ctx.gateway.retrieve_refund, notice.refund))
        if info is None:
            log.info("refund notice %s: refund not read (%s); the sweep will see it",
                     notice.event_id, outcome.describe())
            return False
        ev = EventInfo(notice.event_id, notice.type, notice.created, info.id, "refund",
                       info.status, dict(info.metadata))
        with self._lock, self.ctx.uow() as u:
            if not self._apply(u, ev):
                return False
            u.commit()
        return True

    def run(self) -> SweepResult:
        now = self.ctx.clock.now()
        with self.ctx.uow() as u:
            last = u.payments.last_event_created()
        floor = int((now - LOOKBACK).timestamp())
        since = max(floor, (last or floor) - OVERLAP_S)
        events: list[EventInfo] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page, outcome = attempt_call(partial(
                self.ctx.gateway.list_events, types=TYPES, created_gte=since,
                starting_after=cursor, limit=100))
            if page is None:
                return SweepResult(False, len(events), error=outcome.describe())
            events.extend(page.items)
            if not page.has_more or page.last_id is None:
                break
            cursor = page.last_id
        new = applied = 0
        newest: int | None = None
        for ev in reversed(events):  # oldest first
            with self._lock, self.ctx.uow() as u:
                if not u.payments.mark_event_seen(ev.id, ev.type, ev.created, now):
                    continue
                new += 1
                newest = ev.created if newest is None else max(newest, ev.created)
                if self._apply(u, ev):
                    applied += 1
                u.commit()
        lag = None if newest is None else max(0.0, now.timestamp() - newest)
        if lag is not None:
            self.ctx.metric("event_sweep_lag_s", lag)
        return SweepResult(True, len(events), new, applied, lag)

    def _apply(self, uow: PaymentUnitOfWork, ev: EventInfo) -> bool:
        raw = ev.object_metadata.get("attempt_id")
        if not raw or ev.object_metadata.get("till_id") not in (None, self.ctx.till_id):
            return False
        try:
            a = uow.payments.get_attempt(UUID(raw))
        except ValueError:
            return False
        if a is None:
            return False
        if ev.object_type == "refund":
            return self._apply_refund(uow, a.attempt_id, ev)
        if a.intent_id != ev.object_id:
            return False
        now = self.ctx.clock.now()
        if ev.type == "payment_intent.succeeded":
            for op in uow.payments.operations_for_attempt(a.attempt_id):
                if op.kind is OperationKind.CAPTURE and op.state.open:
                    uow.payments.save_operation(replace(
                        op, state=OperationState.DONE, last_error="confirmed by event"))
            if a.state in (S.AUTHORISED, S.NEEDS_RECONCILIATION):
                uow.payments.transition(a.attempt_id, a.state, S.CAPTURED, now=now)
                return True
        elif ev.type == "payment_intent.canceled":
            for op in uow.payments.operations_for_attempt(a.attempt_id):
                if op.kind is OperationKind.CANCEL and op.state.open:
                    uow.payments.save_operation(replace(
                        op, state=OperationState.DONE, last_error="confirmed by event"))
            if a.state is S.AUTHORISED:
                sale = uow.payments.get_sale(a.sale_id)
                if sale is not None and sale.state.value == "completed":
                    # The sale counts this card as paid but Stripe released the money.
                    uow.payments.transition(
                        a.attempt_id, a.state, S.NEEDS_RECONCILIATION, now=now,
                        reason="Stripe cancelled the authorisation before capture")
                    log.error("attempt %s: authorisation cancelled at Stripe", a.attempt_id)
                    return True
        return False

    def _apply_refund(self, uow: PaymentUnitOfWork, attempt_id: UUID, ev: EventInfo) -> bool:
        if ev.object_status not in REFUND_FAILED_STATUSES:
            return False
        ours = ev.object_metadata.get("refund_id")
        for op in uow.payments.operations_for_attempt(attempt_id):
            if (op.kind is OperationKind.REFUND and dict(op.params).get("refund_id") == ours
                    and op.state in (OperationState.DONE, OperationState.PENDING,
                                     OperationState.RECONCILE)):
                task = REFUND_FAILED_TASK.format(status=ev.object_status)
                uow.payments.save_operation(replace(
                    op, state=OperationState.FAILED, last_error=f"{ev.object_id}: {task}"))
                log.error("refund %s for attempt %s failed at Stripe after acceptance",
                          ours, attempt_id)
                self.ctx.metric("refunds_failed", 1)
                return True
        return False
