"""Start-up recovery: every card attempt left in flight is driven to a resting state.

Run before the till takes a new card sale (and again whenever Stripe comes back while
anything is still in flight). For each attempt the evidence is read from Stripe — the
PaymentIntent and, when it was on a reader, the reader — and the attempt moves only as
that evidence allows:

- *planned*: the create is replayed with the stored key and frozen parameters (Stripe
  answers with the PaymentIntent it made, or makes it now: harmless, nothing is charged
  by a create). Past ~23 h the key may be gone, so the PaymentIntent is looked up by
  ``metadata[attempt_id]`` instead; none found means none was made.
- PaymentIntent ``requires_capture`` -> *authorised* (the customer paid);
  ``succeeded`` -> *captured*; ``canceled`` -> *cancelled*.
- ``requires_payment_method``/``requires_confirmation``: nothing was charged. A reader
  still waiting on it is told ``cancel_action``; the attempt is cancelled and the
  PaymentIntent cancelled through the outbox.
- ``processing``, a create replay refused as an idempotency mismatch, a PaymentIntent
  that does not match the attempt, more than one PaymentIntent found: *needs
  reconciliation*. Nothing is charged, captured or cancelled on a guess.
- No answer from Stripe: the attempt is left as it is and recovery runs again later.

Then each open sale is settled: if its cash and authorised cards cover the total it is
completed (its captures queued in the same transaction) — the customer paid; otherwise it
is voided and its authorisations cancelled, because the basket on the screen did not
survive the restart. Finally the outbox is drained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from ireti_till.domain.outbox import KEY_SAFE_AGE, Verdict, decide
from ireti_till.domain.payment import (
    IN_FLIGHT_STATES,
    Attempt,
    AttemptMoved,
    AttemptState,
    cancel_action_key,
    create_key,
)
from ireti_till.services.card_calls import attempt_call, capture_before_of
from ireti_till.services.outbox import OutboxRunner
from ireti_till.services.payment_context import PaymentContext, log
from ireti_till.services.payment_port import IntentInfo
from ireti_till.services.payment_store_port import TenderSaleState
from ireti_till.services.tendering import cancel_op, complete_if_paid, void_in

S = AttemptState


@dataclass
class RecoveryReport:
    examined: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    left_in_flight: int = 0  # Stripe could not be asked: run again later
    sales_completed: int = 0
    sales_voided: int = 0

    def count(self, what: str) -> None:
        self.outcomes[what] = self.outcomes.get(what, 0) + 1

    @property
    def clean(self) -> bool:
        return self.left_in_flight == 0


class Recovery:
    def __init__(self, ctx: PaymentContext, outbox: OutboxRunner) -> None:
        self.ctx = ctx
        self.outbox = outbox
        #: Only attempts begun before this process started are recovery's business; the
        #: ones this process is working on belong to the card service and the cashier.
        self.boot = ctx.clock.now()

    def _orphans(self) -> list[Attempt]:
        with self.ctx.uow() as u:
            return [a for a in u.payments.attempts_in(IN_FLIGHT_STATES)
                    if a.created_at < self.boot]

    def pending(self) -> int:
        return len(self._orphans())

    def run(self) -> RecoveryReport:
        report = RecoveryReport()
        attempts = self._orphans()
        for a in attempts:
            report.examined += 1
            try:
                state = self._drive(a)
            except Exception:  # noqa: BLE001 - one bad attempt must not stop the others
                log.exception("recovery of attempt %s failed; left as it was", a.attempt_id)
                state = a.state
            if state.in_flight:
                report.left_in_flight += 1
            report.count(state.value)
        self._settle_sales(report)
        self.outbox.drain(limit=500)
        log.info("recovery: %s", report)
        return report

    # ---- one attempt -----------------------------------------------------------------
    def _drive(self, a: Attempt) -> AttemptState:
        if a.state is S.PLANNED:
            info = self._find_created(a)
            if info is None:
                return self._load(a.attempt_id).state
            a = self._move(a, S.INTENT_CREATED, intent_id=info.id)
            if a.state is not S.INTENT_CREATED:  # someone else moved it first
                return a.state
        if a.intent_id is None:
            return a.state
        intent_id = a.intent_id
        info, _ = attempt_call(lambda: self.ctx.gateway.retrieve_intent(intent_id))
        if info is None:
            return a.state
        return self._apply(a, info)

    def _find_created(self, a: Attempt) -> IntentInfo | None:
        age = self.ctx.clock.now() - a.created_at
        if age < KEY_SAFE_AGE:
            p = a.params
            info, outcome = attempt_call(lambda: self.ctx.gateway.create_intent(
                p.amount.minor, p.amount.currency.lower(),
                idempotency_key=create_key(a.attempt_id), metadata=p.metadata))
            if info is not None:
                if info.amount_minor != a.amount.minor or info.metadata.get(
                        "attempt_id") != str(a.attempt_id):
                    self._move(a, S.NEEDS_RECONCILIATION, intent_id=info.id,
                               reason="PaymentIntent does not match the attempt")
                    return None
                return info
            if outcome.code == "idempotency_error":
                self._move(a, S.NEEDS_RECONCILIATION,
                           reason=f"create replay refused: {outcome.describe()}")
            elif decide(outcome, age=age) is Verdict.SURFACE:
                self._move(a, S.CANCELLED, reason=f"Stripe refused: {outcome.describe()}")
            return None
        found, _ = attempt_call(lambda: self.ctx.gateway.search_intents(
            {"attempt_id": str(a.attempt_id)}))
        if found is None:
            return None
        if len(found) == 1:
            return found[0]
        if not found:
            self._move(a, S.CANCELLED, reason="no PaymentIntent was ever created")
        else:
            self._move(a, S.NEEDS_RECONCILIATION,
                       reason=f"{len(found)} PaymentIntents carry this attempt id")
        return None

    def _apply(self, a: Attempt, info: IntentInfo) -> AttemptState:
        if info.status == "requires_capture":
            return self._move(a, S.AUTHORISED, card_brand=info.card_brand,
                              card_last4=info.card_last4,
                              capture_before=capture_before_of(info)).state
        if info.status == "succeeded":
            return self._move(a, S.CAPTURED, card_brand=info.card_brand,
                              card_last4=info.card_last4).state
        if info.status == "canceled":
            return self._move(a, S.CANCELLED, reason="PaymentIntent was cancelled").state
        if info.status in ("requires_payment_method", "requires_confirmation"):
            if a.state is S.ON_READER and a.reader_id and not self._stop_reader(a):
                return a.state
            return self._cancel(a, "not completed before the till restarted")
        return self._move(a, S.NEEDS_RECONCILIATION,
                          reason=f"PaymentIntent {info.status} at recovery").state

    def _stop_reader(self, a: Attempt) -> bool:
        """Cancel our reader action if it is still waiting; False if we cannot tell."""
        reader_id = a.reader_id
        assert reader_id is not None
        reader, _ = attempt_call(lambda: self.ctx.gateway.retrieve_reader(reader_id))
        if reader is None:
            return False
        act = reader.action
        if act and act.status == "in_progress" and act.payment_intent_id == a.intent_id:
            attempt_call(lambda: self.ctx.gateway.cancel_reader_action(
                reader_id, idempotency_key=cancel_action_key(a.attempt_id, a.reader_try)))
            again, _ = attempt_call(lambda: self.ctx.gateway.retrieve_intent(
                a.intent_id or ""))
            if again is None or again.status not in ("requires_payment_method",
                                                      "requires_confirmation"):
                return False  # it moved while we looked: the next run reads it again
        return True

    def _cancel(self, a: Attempt, reason: str) -> AttemptState:
        now = self.ctx.clock.now()
        try:
            with self.ctx.uow() as u:
                moved = u.payments.transition(a.attempt_id, a.state, S.CANCELLED, now=now,
                                              reason=reason)
                u.payments.enqueue(cancel_op(moved, now, "abandoned"))
                u.commit()
        except AttemptMoved as lost:  # the cashier or the worker moved it: theirs stands
            return a.state if lost.current is None else lost.current.state
        self.ctx.point("cancel.queued")
        return S.CANCELLED

    # ---- sales -----------------------------------------------------------------------
    def _settle_sales(self, report: RecoveryReport) -> None:
        with self.ctx.uow() as u:
            open_sales = [ts for ts in u.payments.sales_in(TenderSaleState.OPEN)
                          if ts.created_at < self.boot]
        for ts in open_sales:
            now = self.ctx.clock.now()
            with self.ctx.uow() as u:
                attempts = u.payments.attempts_for_sale(ts.sale_id)
                if any(a.state.in_flight or a.state is S.NEEDS_RECONCILIATION
                       for a in attempts):
                    continue  # Stripe still has to be asked, or a supervisor must look
                if complete_if_paid(u, ts.sale_id, now, self.ctx, live=False) is not None:
                    report.sales_completed += 1
                else:
                    void_in(u, ts.sale_id, "not paid in full before the till restarted", now)
                    report.sales_voided += 1
                u.commit()

    # ---- helpers ---------------------------------------------------------------------
    def _load(self, attempt_id: UUID) -> Attempt:
        with self.ctx.uow() as u:
            a = u.payments.get_attempt(attempt_id)
        assert a is not None
        return a

    def _move(self, a: Attempt, target: AttemptState, **changes: object) -> Attempt:
        """The card service's compare-and-set (``PaymentContext.move``), logged."""
        moved = self.ctx.move(a, target, **changes)
        if moved.state is target:
            log.info("recovery: attempt %s %s -> %s", a.attempt_id, a.state, target)
        return moved
