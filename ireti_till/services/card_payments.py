"""Card tender on a Stripe Terminal reader (F5), exactly once. See ``domain/payment.py``.

The flow, one short transaction before every call and one after each answer:

    start  -> commit attempt (planned: UUID, create key, frozen params)
           -> create PaymentIntent (card_present, manual capture, metadata)  [create key]
           -> commit PI id (intent_created)
           -> commit reader + try n (on_reader) -> process_payment_intent   [process:n key]
    poll   -> read the reader's action, then the PaymentIntent: evidence moves the state
           -> authorised: commit (brand, last4, capture_before) + sale completion + capture
              row in one transaction, then send the capture at once
    decline-> declined; ``try_again`` processes the SAME PaymentIntent with process:n+1
    cancel -> cancel_action on the reader; the poll sees the action fail
    abandon/void -> cancelled + cancel row in one transaction, then sent

Every call may block on the network: the UI calls these from a worker thread only.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from ireti_till.domain.errors import InputError, NotFoundError, PaymentError
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Verdict, decide
from ireti_till.domain.payment import (
    Attempt,
    AttemptMoved,
    AttemptState,
    IntentParams,
    cancel_action_key,
    create_key,
    process_key,
    state_from_intent,
)
from ireti_till.domain.payment_errors import DECLINES, ReaderOffline
from ireti_till.domain.poll_schedule import PollSchedule
from ireti_till.services.card_calls import attempt_call_patiently, capture_before_of
from ireti_till.services.card_status import CardStatus, card_status
from ireti_till.services.outbox import OutboxRunner
from ireti_till.services.payment_context import PaymentContext, log
from ireti_till.services.payment_port import IntentInfo
from ireti_till.services.tendering import (
    TenderProgress,
    TenderService,
    cancel_op,
    complete_if_paid,
    progress_of,
)

__all__ = ["CardPayments", "CardStatus"]  # CardStatus lives in card_status.py

S = AttemptState
_ABANDON_LOOKS = 4
POLITE = PollSchedule()  # no stream, no interval given: poll only as fast as needed (issue 15)
_READER_STOPS = {
    "customer_canceled": "The customer cancelled on the reader. Try again or take cash.",
    "canceled": "The payment was cancelled on the reader. Try again or take cash.",
    "reader_timeout": "No card was presented in time. Try again or take cash.",
}


def _current(lost: AttemptMoved) -> Attempt:
    if lost.current is None:
        raise lost
    return lost.current


class CardPayments:
    def __init__(self, ctx: PaymentContext, tender: TenderService, outbox: OutboxRunner,
                 reader_id: Callable[[], str | None]) -> None:
        self.ctx = ctx
        self.tender = tender
        self.outbox = outbox
        self.reader_id = reader_id

    # ---- cashier actions ---------------------------------------------------------
    def start(self, sale_id: UUID, amount: Money | None = None) -> CardStatus:
        reader = self.reader_id()
        if not reader:
            raise PaymentError("No card reader is chosen for this till. A supervisor can pick "
                               "one in Reader settings; take cash meanwhile.", code="IT-365")
        now = self.ctx.clock.now()
        with self.ctx.uow() as u:
            ts = u.payments.get_sale(sale_id)
            if ts is None or ts.state.value != "open":
                raise InputError("That sale is not open for payment.", code="IT-361")
            attempts = u.payments.attempts_for_sale(sale_id)
            if any(a.state.in_flight for a in attempts):
                raise PaymentError("A card payment is already in progress on this sale.",
                                   code="IT-363")
            remaining = progress_of(ts, attempts).remaining
            amount = amount or remaining
            if amount.currency != remaining.currency or not 0 < amount.minor <= remaining.minor:
                raise InputError(f"The card amount must be between 0 and {remaining}.",
                                 code="IT-364")
            aid = uuid4()
            params = IntentParams(amount, sale_id, aid, self.ctx.till_id)
            attempt = Attempt(aid, sale_id, self.ctx.till_id, amount, S.PLANNED, now, now)
            u.payments.add_attempt(attempt, create_key(aid),
                                   json.dumps(params.to_wire(), sort_keys=True))
            u.commit()
        self.ctx.point("attempt.planned")
        self.ctx.metric("card_attempt", 1)
        return self._advance(attempt)

    def resume(self, attempt_id: UUID) -> CardStatus:
        """Carry on from where the attempt rests (after an error, or 'try another card')."""
        return self._advance(self._load(attempt_id))

    try_again = resume

    def poll(self, attempt_id: UUID) -> CardStatus:
        a = self._load(attempt_id)
        if a.state is S.ON_READER:
            a = self._observe(a)
        return self._status(a)

    def follow(self, attempt_id: UUID, stop: threading.Event, interval_s: float | None = None,
               on_status: Callable[[CardStatus], None] | None = None,
               pause: Callable[[str | None, threading.Event, int], bool] | None = None,
               ) -> CardStatus:
        """Poll until settled or ``stop`` is set; each new status goes to ``on_status``.
        ``pause(intent_id, stop, looks)`` (issue 15: back-office stream, poll schedule)
        replaces the wait and says whether ``stop`` was set; without it the wait is
        ``interval_s`` if given (tests), else the shared account's polite ``PollSchedule``."""
        last: CardStatus | None = None
        looks = 0
        while True:
            status = self.poll(attempt_id)
            if on_status is not None and status != last:
                on_status(status)
            last = status
            if status.settled or (pause(self._load(attempt_id).intent_id, stop, looks)
                                  if pause is not None else stop.wait(
                                      interval_s if interval_s is not None else
                                      POLITE.delay(looks, rand=random.random()))):
                return status
            looks += 1

    def cancel(self, attempt_id: UUID) -> CardStatus:
        """The cashier's Cancel while the reader waits for a card: ``cancel_action``."""
        a = self._load(attempt_id)
        if a.state is not S.ON_READER or a.reader_id is None:
            return self._status(a)
        reader_id = a.reader_id
        _, outcome = attempt_call_patiently(lambda: self.ctx.gateway.cancel_reader_action(
            reader_id, idempotency_key=cancel_action_key(a.attempt_id, a.reader_try)))
        if not outcome.ok:
            log.info("cancel_action for %s: %s", attempt_id, outcome.describe())
        return self.poll(attempt_id)

    def abandon(self, attempt_id: UUID, reason: str = "abandoned") -> CardStatus:
        """Give up on this card (cashier takes cash instead): cancel the PaymentIntent.

        Runs beside the dialog's worker thread (Esc while a call hangs): the cancel is a
        compare-and-set on the state read here, and if the other thread moved the attempt
        meanwhile, the abandon looks again from where it now is."""
        for _ in range(_ABANDON_LOOKS):
            a = self._load(attempt_id)
            if a.state is S.ON_READER:
                self.cancel(attempt_id)
                a = self._load(attempt_id)
                if a.state is S.ON_READER:
                    raise PaymentError("The reader is still waiting for the card; cancel on "
                                       "the reader first.", code="IT-374")
            if a.state in (S.CAPTURED, S.CANCELLED, S.NEEDS_RECONCILIATION):
                return self._status(a)
            if a.state is S.AUTHORISED and self.tender.progress(a.sale_id).completed:
                raise PaymentError("This card paid for a completed sale: refund it instead.",
                                   code="IT-362")
            now = self.ctx.clock.now()
            try:
                with self.ctx.uow() as u:
                    moved = u.payments.transition(attempt_id, a.state, S.CANCELLED, now=now,
                                                  reason=reason[:500])
                    u.payments.enqueue(cancel_op(moved, now, "abandoned"))
                    u.commit()
            except AttemptMoved:
                continue  # the worker thread moved it first: look again
            self.ctx.point("cancel.queued")
            self.outbox.run_for_attempt(attempt_id)
            return self._status(moved)
        return self._status(self._load(attempt_id))

    def void_sale(self, sale_id: UUID, reason: str) -> TenderProgress:
        """Void an open sale: stop any reader action, then cancel every card on it."""
        with self.ctx.uow() as u:
            on_reader = [a for a in u.payments.attempts_for_sale(sale_id)
                         if a.state is S.ON_READER]
        for a in on_reader:
            self.cancel(a.attempt_id)
        progress = self.tender.void(sale_id, reason)
        for a in progress.cards:
            self.outbox.run_for_attempt(a.attempt_id)
        return self.tender.progress(sale_id)

    # ---- the machine -------------------------------------------------------------
    def _advance(self, a: Attempt) -> CardStatus:
        if a.state is S.PLANNED:
            a = self._create(a)
            if a.state is S.ON_READER:  # PI id and reader try 1 committed together
                a = self._send_process(a)
        elif a.state in (S.INTENT_CREATED, S.DECLINED):
            a = self._process(a)
        return self._status(a)

    def _create(self, a: Attempt) -> Attempt:
        p = a.params
        info, outcome = attempt_call_patiently(lambda: self.ctx.gateway.create_intent(
            p.amount.minor, p.amount.currency.lower(), idempotency_key=create_key(a.attempt_id),
            metadata=p.metadata))
        if info is None:
            verdict = decide(outcome, age=self.ctx.clock.now() - a.created_at)
            if verdict is Verdict.SURFACE:
                # Stripe rejected the request: nothing was created under this key.
                return self._move(a, S.CANCELLED, reason=f"Stripe refused: {outcome.describe()}")
            if verdict is Verdict.RECONCILE:
                return self._reconcile_create(a, outcome.describe())
            return self._save_reason(a, "Stripe could not be reached; nothing was charged. "
                                     "Try again or take cash.")
        self.ctx.point("intent.created")
        if info.amount_minor != a.amount.minor or info.metadata.get("attempt_id") != str(
                a.attempt_id):
            return self._move(a, S.NEEDS_RECONCILIATION, intent_id=info.id,
                              reason="PaymentIntent does not match the attempt")
        reader = self.reader_id()
        steps: list[tuple[AttemptState, dict[str, Any]]] = [
            (S.INTENT_CREATED, {"intent_id": info.id})]
        if reader:  # one commit for "PI known" and "going to the reader, try 1"
            steps.append((S.ON_READER, {"reader_id": reader, "reader_try": 1, "reason": None}))
        a = self._move_chain(a, steps)
        self.ctx.point("intent.stored")
        if a.state is S.ON_READER:
            self.ctx.point("reader.sending")
        return a

    def _reconcile_create(self, a: Attempt, why: str) -> Attempt:
        """The create key is burnt (a stored 5xx): find the PI by metadata, never resend.

        None found: this attempt is closed (its cancel row sweeps up a PaymentIntent that
        search could not see yet) and the cashier starts a new attempt, with a new key."""
        found, _ = attempt_call_patiently(lambda: self.ctx.gateway.search_intents(
            {"attempt_id": str(a.attempt_id)}))
        if found is None:
            return a
        if len(found) == 1:
            return self._move(a, S.INTENT_CREATED, intent_id=found[0].id)
        if found:
            return self._move(a, S.NEEDS_RECONCILIATION,
                              reason=f"{len(found)} PaymentIntents carry this attempt id")
        now = self.ctx.clock.now()
        try:
            with self.ctx.uow() as u:
                moved = u.payments.transition(a.attempt_id, a.state, S.CANCELLED, now=now, reason=(
                    "Stripe failed this card request; nothing was charged. Press Card again "
                    f"to retry. ({why[:200]})"))
                u.payments.enqueue(cancel_op(moved, now, "abandoned"))
                u.commit()
        except AttemptMoved as lost:
            return _current(lost)
        return moved

    def _process(self, a: Attempt) -> Attempt:
        reader = self.reader_id()
        if not reader or a.intent_id is None:
            return a
        n = a.reader_try + 1
        a = self._move(a, S.ON_READER, reader_id=reader, reader_try=n, reason=None,
                       decline_code=None)
        self.ctx.point("reader.sending")
        return self._send_process(a)

    def _send_process(self, a: Attempt) -> Attempt:
        """process_payment_intent for the try committed in ``a`` (state on_reader)."""
        reader, intent_id, n = a.reader_id, a.intent_id, a.reader_try
        if a.state is not S.ON_READER or reader is None or intent_id is None:
            return a
        _, outcome = attempt_call_patiently(lambda: self.ctx.gateway.process_on_reader(
            reader, intent_id, idempotency_key=process_key(a.attempt_id, n)))
        if outcome.ok:
            self.ctx.point("reader.sent")
            return a
        # Busy, timeout (maybe a false negative), no answer, invalid state: look, don't guess.
        log.info("process on %s for %s: %s", reader, a.attempt_id, outcome.describe())
        seen = self._observe(a)
        if seen.state is S.INTENT_CREATED:
            message = (ReaderOffline.default_message
                       if outcome.code == "terminal_reader_offline" else
                       f"The reader did not start the payment ({outcome.code or 'no answer'}). "
                       "Try again or take cash.")
            seen = self._save_reason(seen, message)
        return seen

    def _observe(self, a: Attempt) -> Attempt:
        """Read the reader, then the PaymentIntent, and move on evidence only."""
        assert a.reader_id is not None and a.intent_id is not None
        reader_id, intent_id = a.reader_id, a.intent_id
        reader, _ = attempt_call_patiently(lambda: self.ctx.gateway.retrieve_reader(reader_id))
        if reader is None:
            return a  # cannot see the reader: stay on_reader, poll again
        action = reader.action
        ours = (action is not None and action.type == "process_payment_intent"
                and action.payment_intent_id == intent_id)
        if ours and action is not None and action.status == "in_progress":
            return a
        info, _ = attempt_call_patiently(lambda: self.ctx.gateway.retrieve_intent(intent_id))
        if info is None:
            return a
        evidence = state_from_intent(info.status, has_last_error=bool(info.last_error_code))
        if evidence in (S.AUTHORISED, S.CAPTURED):
            return self._authorised(a, info)
        if evidence is S.CANCELLED:
            return self._move(a, S.CANCELLED, reason="PaymentIntent was cancelled")
        if info.status == "processing":
            return a
        if ours and action is not None and action.status == "failed":
            if action.failure_code == "card_declined" or (
                    evidence is S.DECLINED and action.failure_code not in _READER_STOPS):
                return self._declined(a, info)
            text = _READER_STOPS.get(action.failure_code or "", "The reader stopped: "
                                     f"{action.failure_message or action.failure_code}.")
            return self._move(a, S.INTENT_CREATED, reason=text)
        if not ours:  # the reader is not working on this PI, and the PI is not charged
            return self._move(a, S.INTENT_CREATED,
                              reason="The reader is not taking this payment. Try again.")
        return a

    def _authorised(self, a: Attempt, info: IntentInfo) -> Attempt:
        self.ctx.point("auth.seen")
        now = self.ctx.clock.now()
        try:
            with self.ctx.uow() as u:
                moved = u.payments.transition(
                    a.attempt_id, a.state, S.AUTHORISED, now=now, card_brand=info.card_brand,
                    card_last4=info.card_last4, capture_before=capture_before_of(info),
                    reason=None)
                sale = complete_if_paid(u, a.sale_id, now, self.ctx)
                to_capture = [] if sale is None else [
                    o.attempt_id for o in u.payments.attempts_for_sale(a.sale_id)
                    if o.state is S.AUTHORISED]
                u.commit()
        except AttemptMoved as lost:  # authorised already, or cancelled meanwhile: theirs
            return _current(lost)
        self.ctx.point("auth.stored")
        self.ctx.metric("card_approved", 1, amount_minor=str(a.amount.minor),
                        currency=a.amount.currency)
        self.ctx.metric("tender_ms", (now - moved.created_at).total_seconds() * 1000)
        for attempt_id in to_capture:  # capture right after authorisation
            self.outbox.run_for_attempt(attempt_id)
        return self._load(a.attempt_id) if to_capture else moved

    def _declined(self, a: Attempt, info: IntentInfo) -> Attempt:
        code = info.last_decline_code or info.last_error_code or "generic_decline"
        _, message, _ = DECLINES.get(code, DECLINES["generic_decline"])
        self.ctx.metric("card_declined", 1, decline_code=code)
        return self._move(a, S.DECLINED, decline_code=code, reason=message)

    # ---- helpers -----------------------------------------------------------------
    def _load(self, attempt_id: UUID) -> Attempt:
        with self.ctx.uow() as u:
            a = u.payments.get_attempt(attempt_id)
        if a is None:
            raise NotFoundError("No such card payment.", code="IT-375")
        return a

    def _move(self, a: Attempt, target: AttemptState, **changes: object) -> Attempt:
        """Compare-and-set from ``a.state``; if someone else moved it, theirs wins."""
        return self.ctx.move(a, target, **changes)

    def _move_chain(self, a: Attempt, steps: list[tuple[AttemptState, dict[str, Any]]]
                    ) -> Attempt:
        """Several compare-and-set moves committed as one transaction (all or none)."""
        now = self.ctx.clock.now()
        try:
            with self.ctx.uow() as u:
                moved = a
                for target, changes in steps:
                    moved = u.payments.transition(a.attempt_id, moved.state, target, now=now,
                                                  **changes)
                u.commit()
        except AttemptMoved as lost:
            return _current(lost)
        return moved

    def _save_reason(self, a: Attempt, reason: str) -> Attempt:
        """A note on the attempt, only if it is still where ``a`` saw it (the cashier's
        Esc may have cancelled it while the call failed: the cancel stands)."""
        return self.ctx.move(a, a.state, reason=reason)

    def _status(self, a: Attempt) -> CardStatus:
        return card_status(a, self.tender.progress(a.sale_id))
