"""Supervisor help for attempts in ``needs_reconciliation``: check again, or leave a note.

"Check again" reads the PaymentIntent (found by metadata if its id was never stored) and
moves the attempt only on what it shows: ``requires_capture`` -> authorised (then a
capture row if its sale is completed, a cancel row if the sale was voided);
``succeeded`` -> captured; ``canceled`` -> cancelled. Anything else leaves it where it is.
A note never moves the state.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from ireti_till.domain.errors import NotFoundError
from ireti_till.domain.outbox import OperationKind, OperationState
from ireti_till.domain.payment import AttemptState
from ireti_till.services.card_calls import attempt_call, capture_before_of
from ireti_till.services.payment_context import PaymentContext, log
from ireti_till.services.payment_port import IntentInfo
from ireti_till.services.payment_store_port import TenderSaleState
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
        with self.ctx.uow() as u:
            fresh = u.payments.get_attempt(attempt_id)
            if fresh is None or fresh.state is not S.NEEDS_RECONCILIATION:
                return a.state if fresh is None else fresh.state
            sale = u.payments.get_sale(fresh.sale_id)
            ops = u.payments.operations_for_attempt(attempt_id)
            if info.status == "requires_capture":
                moved = fresh.moved(S.AUTHORISED, now, intent_id=info.id,
                                    card_brand=info.card_brand, card_last4=info.card_last4,
                                    capture_before=capture_before_of(info))
                u.payments.save_attempt(moved)
                done = sale is not None and sale.state is TenderSaleState.COMPLETED
                voided = sale is not None and sale.state is TenderSaleState.VOIDED
                if done and not any(o.kind is OperationKind.CAPTURE and o.state.open
                                    for o in ops):
                    u.payments.enqueue(capture_op(moved, now))
                elif voided:
                    u.payments.save_attempt(moved.moved(S.CANCELLED, now,
                                                        reason="sale was voided"))
                    u.payments.enqueue(cancel_op(moved, now))
            elif info.status == "succeeded":
                u.payments.save_attempt(fresh.moved(S.CAPTURED, now, intent_id=info.id))
                for o in ops:
                    if o.kind is OperationKind.CAPTURE and o.state.open:
                        u.payments.save_operation(replace(o, state=OperationState.DONE))
            elif info.status == "canceled":
                u.payments.save_attempt(fresh.moved(S.CANCELLED, now, intent_id=info.id))
            else:
                return fresh.state
            u.commit()
            result = u.payments.get_attempt(attempt_id)
        log.info("reconciled attempt %s: PaymentIntent %s", attempt_id, info.status)
        return a.state if result is None else result.state

    def note(self, attempt_id: UUID, reason: str, who: str) -> None:
        with self.ctx.uow() as u:
            a = u.payments.get_attempt(attempt_id)
            if a is None:
                raise NotFoundError("No such queued item.", code="IT-372")
            text = f"{who}: {reason.strip()} | {a.reason or ''}"[:500]
            u.payments.save_attempt(replace(a, reason=text, updated_at=self.ctx.clock.now()))
            u.commit()

    def _intent(self, intent_id: str | None, attempt_id: UUID) -> IntentInfo | None:
        if intent_id is not None:
            info, _ = attempt_call(lambda: self.ctx.gateway.retrieve_intent(intent_id))
            return info
        found, _ = attempt_call(lambda: self.ctx.gateway.search_intents(
            {"attempt_id": str(attempt_id)}))
        return found[0] if found and len(found) == 1 else None
