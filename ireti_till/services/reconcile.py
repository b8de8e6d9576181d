"""Supervisor help for attempts in ``needs_reconciliation``: check again, or leave a note.

"Check again" reads the PaymentIntent (found by metadata if its id was never stored) and
moves the attempt only on what it shows: ``requires_capture`` -> authorised (then a
capture row if its sale is completed, a cancel row if the sale was voided);
``succeeded`` -> captured; ``canceled`` -> cancelled. Anything else leaves it where it is.
A note never moves the state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from ireti_till.domain.errors import NotFoundError
from ireti_till.domain.outbox import OperationKind, OperationState
from ireti_till.domain.payment import Attempt, AttemptMoved, AttemptState
from ireti_till.services.card_calls import attempt_call, capture_before_of
from ireti_till.services.payment_context import PaymentContext, log
from ireti_till.services.payment_port import IntentInfo
from ireti_till.services.payment_store_port import PaymentUnitOfWork, TenderSaleState
from ireti_till.services.tendering import cancel_op, capture_op

S = AttemptState


class Reconciler:
    def __init__(self, ctx: PaymentContext) -> None:
        self.ctx = ctx

    def recheck(self, attempt_id: UUID) -> AttemptState:
        with self.ctx.uow() as u:
            a = u.payments.get_attempt(attempt_id)
        if a is None:
            raise NotFoundError("No such queued item.", code="IT-372")
        if a.state is not S.NEEDS_RECONCILIATION:
            return a.state
        info = self._intent(a.intent_id, attempt_id)
        if info is None:
            return a.state
        now = self.ctx.clock.now()
        target = {"requires_capture": S.AUTHORISED, "succeeded": S.CAPTURED,
                  "canceled": S.CANCELLED}.get(info.status)
        if target is None:
            return a.state
        try:
            with self.ctx.uow() as u:
                moved = u.payments.transition(attempt_id, S.NEEDS_RECONCILIATION, target,
                                              now=now, **self._evidence(info))
                self._follow_up(u, moved, info, now)
                u.commit()
        except AttemptMoved as lost:  # someone settled it meanwhile: theirs stands
            return a.state if lost.current is None else lost.current.state
        log.info("reconciled attempt %s: PaymentIntent %s", attempt_id, info.status)
        return self._state(attempt_id)

    @staticmethod
    def _evidence(info: IntentInfo) -> dict[str, Any]:
        if info.status == "requires_capture":
            return {"intent_id": info.id, "card_brand": info.card_brand,
                    "card_last4": info.card_last4, "capture_before": capture_before_of(info)}
        return {"intent_id": info.id}

    @staticmethod
    def _follow_up(u: PaymentUnitOfWork, moved: Attempt, info: IntentInfo,
                   now: datetime) -> None:
        """In the same transaction: what the new state asks of the outbox."""
        ops = u.payments.operations_for_attempt(moved.attempt_id)
        if moved.state is S.AUTHORISED:
            sale = u.payments.get_sale(moved.sale_id)
            done = sale is not None and sale.state is TenderSaleState.COMPLETED
            voided = sale is not None and sale.state is TenderSaleState.VOIDED
            if done and not any(o.kind is OperationKind.CAPTURE and o.state.open
                                for o in ops):
                u.payments.enqueue(capture_op(moved, now))
            elif voided:
                cancelled = u.payments.transition(moved.attempt_id, S.AUTHORISED, S.CANCELLED,
                                                  now=now, reason="sale was voided")
                u.payments.enqueue(cancel_op(cancelled, now))
        elif moved.state is S.CAPTURED:
            for o in ops:
                if o.kind is OperationKind.CAPTURE and o.state.open:
                    u.payments.save_operation(replace(o, state=OperationState.DONE))

    def _state(self, attempt_id: UUID) -> AttemptState:
        with self.ctx.uow() as u:
            a = u.payments.get_attempt(attempt_id)
        if a is None:
            raise NotFoundError("No such queued item.", code="IT-372")
        return a.state

    def note(self, attempt_id: UUID, reason: str, who: str) -> None:
        with self.ctx.uow() as u:
            a = u.payments.get_attempt(attempt_id)
            if a is None:
                raise NotFoundError("No such queued item.", code="IT-372")
            text = f"{who}: {reason.strip()} | {a.reason or ''}"[:500]
            u.payments.transition(attempt_id, a.state, a.state, now=self.ctx.clock.now(),
                                  reason=text)  # a note: the state stays as it is
            u.commit()

    def _intent(self, intent_id: str | None, attempt_id: UUID) -> IntentInfo | None:
        if intent_id is not None:
            info, _ = attempt_call(lambda: self.ctx.gateway.retrieve_intent(intent_id))
            return info
        found, _ = attempt_call(lambda: self.ctx.gateway.search_intents(
            {"attempt_id": str(attempt_id)}))
        return found[0] if found and len(found) == 1 else None
