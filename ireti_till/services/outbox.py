"""Sending the outbox: captures and cancels that wait for Stripe (DESIGN §6).

Each operation is sent with its stored key and frozen parameters, and the answer judged by
``domain.outbox.decide``. Reconciliation reads the PaymentIntent first and acts on what it
shows; it is the only path that may move an operation to a new key generation, and only
when the read proves the operation has not happened yet. Nothing here holds a database
transaction across a network call: read (short txn), call, write (short txn).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from ireti_till.domain.errors import InputError, NotFoundError
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import (
    KEY_SAFE_AGE,
    CallOutcome,
    Operation,
    OperationKind,
    OperationState,
    Verdict,
    decide,
    needs_reconcile_first,
    next_attempt_at,
)
from ireti_till.domain.payment import (
    AttemptState,
    CaptureUrgency,
    IllegalTransition,
    IntentParams,
    capture_urgency,
    check_transition,
    create_key,
    regenerated,
)
from ireti_till.services.card_calls import attempt_call
from ireti_till.services.outbox_refunds import read_refund, send_refund
from ireti_till.services.payment_context import PaymentContext, log
from ireti_till.services.payment_port import IntentInfo
from ireti_till.services.payment_store_port import PaymentUnitOfWork

S = AttemptState
OS = OperationState


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One row of the queue panel (frozen)."""

    op_id: UUID
    kind: str
    sale_id: UUID | None
    amount: Money | None
    age_s: float
    tries: int
    last_error: str | None
    state: str
    next_at: datetime
    urgency: CaptureUrgency
    attempt_state: str | None


@dataclass(frozen=True, slots=True)
class DrainResult:
    sent: int = 0
    done: int = 0
    retried: int = 0
    reconciled: int = 0
    failed: int = 0


class OutboxRunner:
    def __init__(self, ctx: PaymentContext, pace: Callable[[], None] | None = None,
                 seed: int = 0) -> None:
        self.ctx = ctx
        self.pace = pace or (lambda: None)
        self.seed = seed
        self._busy: set[UUID] = set()
        self._lock = threading.Lock()

    # ---- public ----------------------------------------------------------------
    def drain(self, limit: int = 50) -> DrainResult:
        with self.ctx.uow() as u:
            due = u.payments.due_operations(self.ctx.clock.now(), limit)
        totals = {"sent": 0, "done": 0, "retried": 0, "reconciled": 0, "failed": 0}
        for op in due:
            verdict = self.run(op.op_id)
            for _ in range(2):  # a reconcile read may clear the way for a resend at once
                if verdict is not Verdict.RECONCILE:
                    break
                verdict = self.run(op.op_id) or verdict
            if verdict is None:
                continue
            totals["sent"] += 1
            key = {Verdict.DONE: "done", Verdict.RETRY: "retried",
                   Verdict.RECONCILE: "reconciled", Verdict.SURFACE: "failed"}[verdict]
            totals[key] += 1
        return DrainResult(**totals)

    def run_for_attempt(self, attempt_id: UUID) -> None:
        """Send this attempt's open operations now (best effort; failures stay queued)."""
        with self.ctx.uow() as u:
            ops = [o for o in u.payments.operations_for_attempt(attempt_id)
                   if o.state in (OS.PENDING, OS.RECONCILE)]
        for op in ops:
            self.run(op.op_id)

    def run(self, op_id: UUID) -> Verdict | None:
        """Send (or reconcile) one operation; None if it was busy or already closed."""
        with self._lock:
            if op_id in self._busy:
                return None
            self._busy.add(op_id)
        try:
            with self.ctx.uow() as u:
                op = u.payments.get_operation(op_id)
            if op is None or op.state not in (OS.PENDING, OS.RECONCILE):
                return None
            return self._run(op)
        finally:
            with self._lock:
                self._busy.discard(op_id)

    def retry_now(self, op_id: UUID) -> Operation:
        """Supervisor: try again now. A failed operation is reconciled before any resend."""
        with self.ctx.uow() as u:
            op = self._get(u.payments.get_operation(op_id))
            if not op.state.open:
                raise InputError("That operation is already closed.", code="IT-370")
            state = OS.RECONCILE if op.state is OS.FAILED else op.state
            op = replace(op, state=state, next_at=self.ctx.clock.now())
            u.payments.save_operation(op)
            u.commit()
        return op

    def resolve(self, op_id: UUID, reason: str, who: str) -> Operation:
        """Supervisor: close an operation by hand, with the reason recorded."""
        if not reason.strip():
            raise InputError("Give a reason for resolving this operation.", code="IT-371")
        with self.ctx.uow() as u:
            op = self._get(u.payments.get_operation(op_id))
            if not op.state.open:
                raise InputError("That operation is already closed.", code="IT-370")
            op = replace(op, state=OS.RESOLVED, resolution=f"{who}: {reason.strip()}"[:500])
            u.payments.save_operation(op)
            u.commit()
        log.warning("outbox %s %s resolved by %s: %s", op.kind, op.op_id, who, reason)
        return op

    def queue(self) -> list[QueueItem]:
        now = self.ctx.clock.now()
        with self.ctx.uow() as u:
            items = []
            for op in u.payments.open_operations():
                a = u.payments.get_attempt(op.attempt_id) if op.attempt_id else None
                urgency = (capture_urgency(a.capture_before, now)
                           if a is not None and op.kind is OperationKind.CAPTURE
                           else CaptureUrgency.OK)
                items.append(QueueItem(
                    op.op_id, op.kind.value, op.sale_id, op.amount,
                    (now - op.created_at).total_seconds(), op.tries, op.last_error,
                    op.state.value, op.next_at, urgency, a.state.value if a else None))
            return items

    # ---- internals -------------------------------------------------------------
    @staticmethod
    def _get(op: Operation | None) -> Operation:
        if op is None:
            raise NotFoundError("No such queued operation.", code="IT-372")
        return op

    def _run(self, op: Operation) -> Verdict:
        now = self.ctx.clock.now()
        if op.intent_id is None:
            op = self._find_intent(op)
            if op.state is OS.DONE:
                return Verdict.DONE
            if op.intent_id is None:
                return Verdict.RETRY
        if needs_reconcile_first(op, now):
            return self._reconcile(op)
        intent_id = op.intent_id
        assert intent_id is not None
        self.pace()
        if op.kind is OperationKind.CAPTURE:
            info, outcome = attempt_call(lambda: self.ctx.gateway.capture_intent(
                intent_id, idempotency_key=op.key))
            self.ctx.point("capture.sent")
        elif op.kind is OperationKind.CANCEL:
            reason = dict(op.params).get("cancellation_reason")
            info, outcome = attempt_call(lambda: self.ctx.gateway.cancel_intent(
                intent_id, idempotency_key=op.key, reason=reason))
            self.ctx.point("cancel.sent")
        else:
            info, outcome = None, send_refund(self.ctx, op)[1]
        verdict = decide(outcome, age=op.age(now))
        self._apply(op, verdict, outcome, info)
        return verdict

    def _apply(self, op: Operation, verdict: Verdict, outcome: CallOutcome,
               info: IntentInfo | None) -> None:
        now = self.ctx.clock.now()
        tries = op.tries + 1
        if verdict is Verdict.DONE:
            new = replace(op, state=OS.DONE, tries=tries, last_error=None)
        elif verdict is Verdict.RETRY:
            new = replace(op, state=OS.PENDING, tries=tries, last_error=outcome.describe())
            new = replace(new, next_at=next_attempt_at(new, now, self.seed))
        elif verdict is Verdict.RECONCILE:
            new = replace(op, state=OS.RECONCILE, tries=tries, next_at=now,
                          last_error=outcome.describe())
        else:
            new = replace(op, state=OS.FAILED, tries=tries, last_error=outcome.describe())
        with self.ctx.uow() as u:
            if not u.payments.save_operation(new, expected=op):  # resolved meanwhile: stands
                log.warning("outbox %s %s changed while it was sent; left as it is",
                            op.kind, op.op_id)
            if verdict is Verdict.DONE:  # Stripe's answer is evidence either way
                self._settle_attempt(u, op, info, now)
            u.commit()
        if op.kind is OperationKind.CAPTURE and verdict is Verdict.DONE:
            self.ctx.point("capture.stored")
        self.ctx.metric("outbox_result", 1, kind=op.kind.value, verdict=verdict.value)
        if verdict is not Verdict.DONE:
            log.warning("outbox %s %s: %s -> %s", op.kind, op.op_id, outcome.describe(), verdict)

    def _settle_attempt(self, uow: PaymentUnitOfWork, op: Operation, info: IntentInfo | None,
                        now: datetime) -> None:
        if op.attempt_id is None or op.kind is OperationKind.REFUND:
            return  # a refund never moves the attempt
        a = uow.payments.get_attempt(op.attempt_id)
        if a is None:
            return
        target = S.CAPTURED if op.kind is OperationKind.CAPTURE else S.CANCELLED
        if a.state is target:
            return
        try:
            check_transition(a.state, target)
        except IllegalTransition:  # logged, never forced
            log.error("attempt %s cannot go %s -> %s", a.attempt_id, a.state, target)
            return
        extra: dict[str, Any] = {}
        if info is not None and info.card_brand and not a.card_brand:
            extra = {"card_brand": info.card_brand, "card_last4": info.card_last4}
        uow.payments.transition(a.attempt_id, a.state, target, now=now, **extra)

    def _find_intent(self, op: Operation) -> Operation:
        """A cancel queued before the PI id was known: find the PI, or prove there is none."""
        now = self.ctx.clock.now()
        if op.attempt_id is None:
            return replace(op, state=OS.FAILED, last_error="no attempt and no PaymentIntent")
        found: list[IntentInfo] = []
        with self.ctx.uow() as u:
            a = u.payments.get_attempt(op.attempt_id)
        if a is None:
            return op
        if a.intent_id is not None:
            found_id: str | None = a.intent_id
        else:
            self.pace()
            result, outcome = attempt_call(lambda: self.ctx.gateway.search_intents(
                {"attempt_id": str(op.attempt_id)}))
            if result is None:
                self._apply(op, Verdict.RETRY, outcome, None)
                return replace(op, intent_id=None)
            found = list(result)
            found_id = found[0].id if len(found) == 1 else None
            if not found and now - a.created_at < KEY_SAFE_AGE:
                # Search may lag behind creation; the create key settles it for 23 h.
                found_id = self._replay_create(op, a.params)
                if found_id is None:
                    done = self._get_fresh(op)
                    return replace(op, intent_id=None, state=done.state)
            elif not found:
                new = replace(op, state=OS.DONE, last_error="no PaymentIntent was ever created")
                with self.ctx.uow() as u:
                    u.payments.save_operation(new, expected=op)
                    u.commit()
                return new
        new = replace(op, intent_id=found_id)
        with self.ctx.uow() as u:
            wrote = u.payments.save_operation(new, expected=op)
            u.commit()
        return new if wrote else replace(op, intent_id=None)  # moved on: do not send

    def _replay_create(self, op: Operation, params: IntentParams) -> str | None:
        self.pace()
        info, outcome = attempt_call(lambda: self.ctx.gateway.create_intent(
            params.amount.minor, params.amount.currency.lower(),
            idempotency_key=create_key(params.attempt_id), metadata=params.metadata))
        if info is None and outcome.replayed and (outcome.http_status or 0) >= 500:
            # The create key holds a stored failure and search finds nothing: no PI.
            with self.ctx.uow() as u:
                u.payments.save_operation(replace(
                    op, state=OS.DONE, last_error="create failed at Stripe; no PaymentIntent"),
                    expected=op)
                u.commit()
            return None
        if info is None:
            self._apply(op, Verdict.RETRY, outcome, None)
            return None
        return info.id

    def _reconcile_refund(self, op: Operation) -> Verdict:
        reading, text = read_refund(self.ctx, op)
        if reading == "unknown":
            self._apply(op, Verdict.RETRY, CallOutcome(ok=False, message=text), None)
            return Verdict.RETRY
        if reading == "done":
            self._apply(op, Verdict.DONE, CallOutcome(ok=True), None)
            return Verdict.DONE
        if reading == "failed":
            self._apply(op, Verdict.SURFACE, CallOutcome(ok=False, message=text), None)
            return Verdict.SURFACE
        self._regenerate(op, f"reconciled: {text}; resending")
        return Verdict.RECONCILE

    def _regenerate(self, op: Operation, why: str) -> None:
        gen = op.key_generation + 1
        base = op.key if op.key_generation == 0 else op.key.rsplit(":r", 1)[0]
        with self.ctx.uow() as u:
            u.payments.save_operation(replace(
                op, state=OS.PENDING, key=regenerated(base, gen), key_generation=gen,
                next_at=self.ctx.clock.now(), tries=0, last_error=why), expected=op)
            u.commit()

    def _get_fresh(self, op: Operation) -> Operation:
        with self.ctx.uow() as u:
            return self._get(u.payments.get_operation(op.op_id))

    def _reconcile(self, op: Operation) -> Verdict:
        intent_id = op.intent_id
        assert intent_id is not None
        self.pace()
        if op.kind is OperationKind.REFUND:
            return self._reconcile_refund(op)
        info, outcome = attempt_call(lambda: self.ctx.gateway.retrieve_intent(intent_id))
        if info is None:
            self._apply(op, Verdict.RETRY, outcome, None)
            return Verdict.RETRY
        want = "succeeded" if op.kind is OperationKind.CAPTURE else "canceled"
        if info.status == want:
            self._apply(op, Verdict.DONE, CallOutcome(ok=True), info)
            return Verdict.DONE
        resend_from = ({"requires_capture"} if op.kind is OperationKind.CAPTURE else
                       {"requires_capture", "requires_payment_method",
                        "requires_confirmation", "requires_action"})
        if info.status in resend_from:
            self._regenerate(op, f"reconciled: PaymentIntent {info.status}; resending")
            return Verdict.RECONCILE
        if info.status == "processing":
            self._apply(op, Verdict.RETRY, CallOutcome(ok=False, message="still processing"),
                        None)
            return Verdict.RETRY
        text = (f"PaymentIntent is {info.status}: the {op.kind.value} cannot happen; "
                "a supervisor must check this sale")
        with self.ctx.uow() as u:
            u.payments.save_operation(replace(op, state=OS.FAILED, last_error=text),
                                      expected=op)
            if op.attempt_id is not None and op.kind is OperationKind.CAPTURE:
                a = u.payments.get_attempt(op.attempt_id)
                if a is not None and a.state is S.AUTHORISED:
                    u.payments.transition(a.attempt_id, a.state, S.NEEDS_RECONCILIATION,
                                          now=self.ctx.clock.now(), reason=text)
            u.commit()
        return Verdict.SURFACE
