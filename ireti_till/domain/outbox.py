"""The outbox: deferred Stripe operations, and the rules for retrying them.

An outbox row is written in the *same transaction* as the business change that needs it
(an authorisation whose capture failed, a void that must cancel a PaymentIntent, an
approved refund). The sync worker sends it later with the row's stored idempotency key and
frozen parameters, so a resend is always the same request.

How an answer is judged (``decide``), in order:

1. Success -> done.
2. A *replayed* 5xx (``Idempotent-Replayed: true``): Stripe stored that failure under our
   key and will answer it forever. Resending is pointless and changing the parameters would
   be wrong, so the operation is *reconciled*: the PaymentIntent is read, and only if it
   shows the operation still has to happen is it resent under a new key generation.
3. An operation older than ``KEY_SAFE_AGE`` (~23 h; Stripe forgets keys after 24 h) is
   reconciled before anything is resent: past expiry the same key would be a new request.
4. ``Stripe-Should-Retry`` is obeyed when present: ``true`` retries (same key), ``false``
   surfaces the error to a person.
5. No answer at all (timeout, reset, lost response), 409 (key in flight / lock), 429 and
   other 5xx -> retry with the same key after an exponential back-off with jitter.
6. A state conflict (``payment_intent_unexpected_state``) -> reconcile: the operation may
   already have happened (a capture that landed before the answer was lost).
7. Any other 4xx -> surfaced (state ``failed``), with the code, for a supervisor. It is
   never "fixed" by resending other parameters under the old key.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from uuid import UUID

from ireti_till.domain.money import Money


class OperationKind(StrEnum):
    CAPTURE = "capture"  # POST /v1/payment_intents/{id}/capture
    CANCEL = "cancel"  # POST /v1/payment_intents/{id}/cancel
    REFUND = "refund"  # POST /v1/refunds


class OperationState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    RECONCILE = "reconcile"  # read Stripe before anything is resent
    FAILED = "failed"  # non-retryable answer: a person must look
    DONE = "done"
    RESOLVED = "resolved"  # closed by a supervisor, with a reason

    @property
    def open(self) -> bool:
        return self in (OperationState.PENDING, OperationState.RECONCILE, OperationState.FAILED)


KEY_SAFE_AGE: Final = timedelta(hours=23)
BACKOFF_BASE: Final = 2.0  # seconds
BACKOFF_CAP: Final = 300.0  # seconds


@dataclass(frozen=True, slots=True)
class Operation:
    """One outbox row, frozen."""

    op_id: UUID
    kind: OperationKind
    attempt_id: UUID | None
    sale_id: UUID | None
    intent_id: str | None
    amount: Money | None
    params: tuple[tuple[str, str], ...]  # frozen request parameters, sorted
    key: str  # the idempotency key in use (after any regeneration)
    key_generation: int
    state: OperationState
    tries: int
    next_at: datetime
    created_at: datetime
    last_error: str | None = None
    resolution: str | None = None

    def age(self, now: datetime) -> timedelta:
        return now - self.created_at


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What came back from one Stripe call, stripped of SDK types."""

    ok: bool
    http_status: int | None = None  # None: no answer (timeout, reset, lost response)
    should_retry: bool | None = None  # Stripe-Should-Retry header, if sent
    replayed: bool = False  # Idempotent-Replayed: true
    code: str | None = None  # Stripe error code
    message: str = ""

    def describe(self) -> str:
        status = "no answer" if self.http_status is None else f"HTTP {self.http_status}"
        parts = [status]
        if self.code:
            parts.append(self.code)
        if self.message:
            parts.append(self.message)
        return ": ".join(parts)[:500]


class Verdict(StrEnum):
    DONE = "done"
    RETRY = "retry"
    RECONCILE = "reconcile"
    SURFACE = "surface"


#: Answers that mean "maybe it already happened": read before anything else. (An
#: over-refund, ``charge_already_refunded``/``amount_too_large``, is not one: it surfaces.)
_STATE_CONFLICTS: Final = frozenset(
    {"payment_intent_unexpected_state", "intent_invalid_state", "charge_already_captured"}
)


def decide(outcome: CallOutcome, *, age: timedelta) -> Verdict:
    """Judge one answer (see the module docstring for the order of the rules)."""
    if outcome.ok:
        return Verdict.DONE
    status = outcome.http_status
    if outcome.replayed and status is not None and status >= 500:
        return Verdict.RECONCILE
    if age >= KEY_SAFE_AGE:
        return Verdict.RECONCILE
    if outcome.code in _STATE_CONFLICTS:
        return Verdict.RECONCILE
    if outcome.should_retry is not None:
        return Verdict.RETRY if outcome.should_retry else Verdict.SURFACE
    if status is None or status in (409, 429) or status >= 500:
        return Verdict.RETRY
    return Verdict.SURFACE


def needs_reconcile_first(op: Operation, now: datetime) -> bool:
    """Read Stripe before sending: the row says so, or the key may be near expiry."""
    return op.state is OperationState.RECONCILE or (op.tries > 0 and op.age(now) >= KEY_SAFE_AGE)


def backoff(tries: int, rng: random.Random, *, base: float = BACKOFF_BASE,
            cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait before try ``tries + 1``: exponential, capped, "equal jitter".

    Half the window is fixed and half random, so tills that failed together do not come
    back together, and no wait is ever shorter than half its window."""
    window = min(cap, base * (2 ** max(0, tries - 1)))
    return window / 2 + rng.uniform(0, window / 2)


def seeded_rng(key: str, tries: int, seed: int = 0) -> random.Random:
    """A deterministic generator per (key, try): reproducible in tests, distinct per till."""
    digest = hashlib.sha256(f"{seed}:{key}:{tries}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def next_attempt_at(op: Operation, now: datetime, seed: int = 0) -> datetime:
    delay = backoff(op.tries, seeded_rng(op.key, op.tries, seed))
    return now + timedelta(seconds=delay)


class Pacer:
    """A token bucket that keeps the till under Stripe's rate limit (pure: time passed in).

    ``rate`` requests per second with bursts of ``burst``; ``delay(now)`` says how long to
    wait before the next request may go, and reserves its slot."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._stamp: float | None = None

    def delay(self, now: float) -> float:
        if self._stamp is None:
            self._stamp = now
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.rate
