"""The card tender attempt: its states, the moves allowed between them, and its keys.

Payment-safety invariants (read these before changing anything below)
---------------------------------------------------------------------

A card tender is an *attempt*: one local UUID, committed to the ledger with its sale,
amount, currency and the frozen PaymentIntent parameters **before** the till says a word
to Stripe. Everything Stripe is asked to do for the attempt carries an idempotency key
derived from that UUID (``<attempt>:create``, ``<attempt>:process:<n>``,
``<attempt>:capture``, ``<attempt>:cancel``; refunds ``<refund-id>:refund``). The keys
are pure functions of what is on disk, so a till that crashes at any instant and starts
again sends *the same* key for *the same* intention, and Stripe answers with the result it
already has instead of doing the thing twice. From this follow the rules the code keeps:

1. *One attempt, at most one PaymentIntent.* ``create`` is only ever sent with the
   attempt's create key and its frozen parameters. A lost answer, a timeout, a 500 or a
   crash is answered by resending the same key (or, once the key may have expired, by
   looking the PaymentIntent up by ``metadata[attempt_id]``), never by a new PaymentIntent.
2. *A PaymentIntent succeeds at most once* (Stripe guarantees it); a decline returns it to
   ``requires_payment_method`` and the next card is processed on the *same* PaymentIntent
   with ``process:<n+1>``. ``terminal_reader_timeout`` can be a false negative: the reader
   and the PaymentIntent are read again; nothing is re-created.
3. *No state is skipped on a guess.* A state moves forward only on evidence read from
   Stripe (a response, a PaymentIntent, a reader action). When the evidence does not
   settle it, the attempt goes to ``needs_reconciliation`` and waits for a supervisor;
   nothing is charged, captured or cancelled because the till "thinks" so.
4. *Authorised money is never left hanging.* An authorisation whose sale does not complete
   (void, crash with no sale, ambiguity resolved as "not ours") is cancelled; one whose
   sale completes is captured at once, and a capture that fails is queued in the outbox in
   the same transaction that records the authorisation, and warned about well before
   ``capture_before``.
5. *Final means final.* ``captured`` and ``cancelled`` have no way out. Refunds are their
   own records with their own keys; they never move an attempt backwards.
6. *One compare-and-set per change.* The ledger changes an attempt only through
   ``PaymentRepository.transition``: from the state the actor saw, to a target this module
   allows (``check_change``). Someone who saw an older state loses (``AttemptMoved``) and
   writes nothing, so a late answer can never undo a cashier's Esc or the worker's capture.

This module is pure: it decides, the services act and the ledger remembers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from uuid import UUID

from ireti_till.domain.errors import PaymentError
from ireti_till.domain.money import Money


class AttemptState(StrEnum):
    PLANNED = "planned"  # attempt, key and frozen params committed; no PI known yet
    INTENT_CREATED = "intent_created"  # PI id stored; not yet on a reader
    ON_READER = "on_reader"  # process_payment_intent sent (reader id + n stored)
    DECLINED = "declined"  # last card declined; PI back in requires_payment_method
    AUTHORISED = "authorised"  # PI requires_capture; brand/last4 stored
    CAPTURED = "captured"  # PI succeeded: the money is ours
    CANCELLED = "cancelled"  # PI cancelled (or never created); nothing charged
    NEEDS_RECONCILIATION = "needs_reconciliation"  # evidence does not settle it

    @property
    def final(self) -> bool:
        return self in FINAL_STATES

    @property
    def in_flight(self) -> bool:
        """The states recovery must drive at start-up."""
        return self in IN_FLIGHT_STATES


S = AttemptState
FINAL_STATES: Final = frozenset({S.CAPTURED, S.CANCELLED})
IN_FLIGHT_STATES: Final = frozenset({S.PLANNED, S.INTENT_CREATED, S.ON_READER, S.DECLINED})

#: Every allowed move. Anything else is a bug and raises ``IllegalTransition``.
TRANSITIONS: Final[dict[AttemptState, frozenset[AttemptState]]] = {
    S.PLANNED: frozenset({S.INTENT_CREATED, S.CANCELLED, S.NEEDS_RECONCILIATION}),
    S.INTENT_CREATED: frozenset(
        {S.ON_READER, S.AUTHORISED, S.CAPTURED, S.CANCELLED, S.NEEDS_RECONCILIATION}
    ),
    S.ON_READER: frozenset(
        {S.ON_READER, S.INTENT_CREATED, S.DECLINED, S.AUTHORISED, S.CAPTURED, S.CANCELLED,
         S.NEEDS_RECONCILIATION}
    ),
    S.DECLINED: frozenset(
        {S.ON_READER, S.AUTHORISED, S.CAPTURED, S.CANCELLED, S.NEEDS_RECONCILIATION}
    ),
    S.AUTHORISED: frozenset({S.CAPTURED, S.CANCELLED, S.NEEDS_RECONCILIATION}),
    S.NEEDS_RECONCILIATION: frozenset({S.AUTHORISED, S.CAPTURED, S.CANCELLED}),
    S.CAPTURED: frozenset(),
    S.CANCELLED: frozenset(),
}


class IllegalTransition(PaymentError):
    code = "IT-390"


def check_transition(current: AttemptState, target: AttemptState) -> AttemptState:
    """Return ``target`` if the move is allowed, else raise ``IllegalTransition``."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(
            f"A card payment cannot go from {current.value} to {target.value}. Nothing was "
            "changed; call a supervisor if this repeats."
        )
    return target


#: The fields a state change may set besides ``state`` and ``updated_at``. Identity, amount
#: and creation time are written once, when the attempt is planned, and never again.
MUTABLE_FIELDS: Final = frozenset({"intent_id", "reader_id", "reader_try", "card_brand",
                                   "card_last4", "decline_code", "reason", "capture_before"})
#: What may change while the state stays put (a move to the same state that is not in
#: ``TRANSITIONS``): a note about what happened, never evidence.
STAY_FIELDS: Final = frozenset({"reason"})


def check_change(expected: AttemptState, target: AttemptState,
                 fields: frozenset[str] | set[str]) -> None:
    """Allow a compare-and-set from ``expected`` to ``target`` writing ``fields``, or raise.

    Unknown or write-once fields are a bug (``ValueError``). A move must be in
    ``TRANSITIONS``; staying in the same state (when that is not itself a move, like a new
    reader try) must change something, and only ``STAY_FIELDS``."""
    unknown = set(fields) - MUTABLE_FIELDS
    if unknown:
        raise ValueError(f"an attempt's {', '.join(sorted(unknown))} cannot be changed")
    if target is expected and target not in TRANSITIONS[expected]:
        if not fields or set(fields) - STAY_FIELDS:
            raise IllegalTransition(
                f"A card payment in {expected.value} can only get a note without moving. "
                "Nothing was changed; call a supervisor if this repeats.")
        return
    check_transition(expected, target)


class AttemptMoved(PaymentError):
    """A compare-and-set lost the race: the attempt was no longer in the expected state.

    Someone else (the worker, recovery, the cashier) moved it first and their move stands;
    ``current`` is the attempt as it now is (``None`` if there is no such attempt)."""

    code = "IT-391"

    def __init__(self, attempt_id: UUID, expected: AttemptState, target: AttemptState,
                 current: Attempt | None) -> None:
        now = "missing" if current is None else current.state.value
        super().__init__(
            f"This card payment changed while the till was working on it (it is now {now}, "
            f"not {expected.value}). Nothing was overwritten; look at the payment again "
            "before doing anything else.")
        self.attempt_id = attempt_id
        self.expected = expected
        self.target = target
        self.current = current


# ---------------------------------------------------------------------------------------
# Idempotency keys: pure functions of local records (Stripe allows up to 255 characters).


def create_key(attempt_id: UUID) -> str:
    return f"{attempt_id}:create"


def process_key(attempt_id: UUID, n: int) -> str:
    if n < 1:
        raise ValueError("reader tries are numbered from 1")
    return f"{attempt_id}:process:{n}"


def cancel_action_key(attempt_id: UUID, n: int) -> str:
    return f"{attempt_id}:cancel_action:{n}"


def capture_key(attempt_id: UUID) -> str:
    return f"{attempt_id}:capture"


def cancel_key(attempt_id: UUID) -> str:
    return f"{attempt_id}:cancel"


def refund_key(refund_id: UUID) -> str:
    return f"{refund_id}:refund"


def regenerated(key: str, generation: int) -> str:
    """The key for a resend after reconciliation proved the first one took no effect.

    Generation 0 is the key itself. A later generation exists only because a read of the
    PaymentIntent showed the operation is still needed and the old key is burnt (a stored
    500, or an expiry past 24 h) — never to "fix" a rejected request."""
    return key if generation == 0 else f"{key}:r{generation}"


# ---------------------------------------------------------------------------------------
# Frozen parameters of the PaymentIntent create call.

PAYMENT_METHOD_TYPES: Final = ("card_present",)
CAPTURE_METHOD: Final = "manual"


@dataclass(frozen=True, slots=True)
class IntentParams:
    """What ``POST /v1/payment_intents`` is sent for an attempt, frozen at planning."""

    amount: Money
    sale_id: UUID
    attempt_id: UUID
    till_id: str
    description: str = ""

    def __post_init__(self) -> None:
        if self.amount.minor <= 0:
            raise PaymentError("A card payment must be for more than zero.", code="IT-369")

    @property
    def metadata(self) -> dict[str, str]:
        return {
            "sale_id": str(self.sale_id),
            "attempt_id": str(self.attempt_id),
            "till_id": self.till_id,
        }

    def to_wire(self) -> dict[str, object]:
        """The request body as a plain dict (the gateway encodes it)."""
        body: dict[str, object] = {
            "amount": self.amount.minor,
            "currency": self.amount.currency.lower(),
            "payment_method_types": list(PAYMENT_METHOD_TYPES),
            "capture_method": CAPTURE_METHOD,
            "metadata": self.metadata,
        }
        if self.description:
            body["description"] = self.description
        return body


# ---------------------------------------------------------------------------------------
# Reading Stripe's PaymentIntent status into the attempt's state.

_PI_STATUS: Final[dict[str, AttemptState]] = {
    "requires_capture": S.AUTHORISED,
    "succeeded": S.CAPTURED,
    "canceled": S.CANCELLED,
}


def state_from_intent(status: str, *, has_last_error: bool) -> AttemptState | None:
    """What a PaymentIntent's status proves about the attempt, or None if nothing final.

    ``requires_payment_method`` with a ``last_payment_error`` proves a decline;
    ``requires_payment_method`` without one, ``requires_confirmation`` and ``processing``
    prove nothing settled (the reader may still be working)."""
    if status in _PI_STATUS:
        return _PI_STATUS[status]
    if status == "requires_payment_method" and has_last_error:
        return S.DECLINED
    return None


# ---------------------------------------------------------------------------------------
# capture_before: warn well before an authorisation lapses.

CAPTURE_WARN: Final = timedelta(hours=36)
CAPTURE_URGENT: Final = timedelta(hours=6)


class CaptureUrgency(StrEnum):
    OK = "ok"
    WARN = "warn"
    URGENT = "urgent"
    LAPSED = "lapsed"


def capture_urgency(capture_before: datetime | None, now: datetime) -> CaptureUrgency:
    """How worried the queue panel should be about an uncaptured authorisation.

    Most brands give 2 days; the till warns with 36 h left (so a till closed overnight
    still shows it the next morning) and calls it urgent with 6 h left."""
    if capture_before is None:
        return CaptureUrgency.OK
    left = capture_before - now
    if left <= timedelta(0):
        return CaptureUrgency.LAPSED
    if left <= CAPTURE_URGENT:
        return CaptureUrgency.URGENT
    if left <= CAPTURE_WARN:
        return CaptureUrgency.WARN
    return CaptureUrgency.OK


@dataclass(frozen=True, slots=True)
class Attempt:
    """One card tender attempt as the ledger holds it (frozen; no ORM object)."""

    attempt_id: UUID
    sale_id: UUID
    till_id: str
    amount: Money
    state: AttemptState
    created_at: datetime
    updated_at: datetime
    intent_id: str | None = None
    reader_id: str | None = None
    reader_try: int = 0  # n of the last process:<n> sent
    card_brand: str | None = None
    card_last4: str | None = None
    decline_code: str | None = None
    reason: str | None = None  # decline message, cancel reason, reconciliation evidence
    capture_before: datetime | None = None

    @property
    def params(self) -> IntentParams:
        return IntentParams(self.amount, self.sale_id, self.attempt_id, self.till_id)

    def moved(self, target: AttemptState, now: datetime, **changes: object) -> Attempt:
        """A copy in ``target`` (checked like ``transition``) with ``changes`` applied.

        Only a value: the ledger changes through ``PaymentRepository.transition``."""
        check_change(self.state, target, set(changes))
        return replace(self, state=target, updated_at=now, **changes)  # type: ignore[arg-type]
