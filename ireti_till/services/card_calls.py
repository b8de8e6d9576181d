"""Calling Stripe through the gateway port, and reading failures as ``CallOutcome``.

The gateway raises ``StripePaymentError`` subclasses (``domain/payment_errors.py``) that
carry the HTTP status, Stripe's code and the ``Stripe-Should-Retry`` hint. The outbox
policy (``domain/outbox.decide``) needs those plus whether the answer was an idempotent
replay (``err.replayed``, set by the gateway from ``Idempotent-Replayed``); this module is
the one place that translates.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from ireti_till.domain.outbox import CallOutcome
from ireti_till.domain.payment_errors import StripePaymentError
from ireti_till.services.payment_port import IntentInfo

T = TypeVar("T")


def outcome_of(err: StripePaymentError) -> CallOutcome:
    """No HTTP status means no answer: the request may or may not have landed."""
    return CallOutcome(
        ok=False, http_status=err.http_status, should_retry=err.should_retry,
        replayed=err.replayed, code=err.stripe_code,
        message=(err.detail or err.message)[:300],
    )


def attempt_call(fn: Callable[[], T]) -> tuple[T | None, CallOutcome]:
    """Run one gateway call; (result, outcome). Only payment errors are caught."""
    try:
        result = fn()
    except StripePaymentError as err:
        return None, outcome_of(err)
    return result, CallOutcome(ok=True, http_status=200)


def attempt_call_patiently(fn: Callable[[], T], tries: int = 5, base_s: float = 0.4,
                           sleep: Callable[[float], None] = time.sleep
                           ) -> tuple[T | None, CallOutcome]:
    """Like ``attempt_call``, but rides out 429 (rate limit) and 409 (key in flight), which
    Stripe answers without doing anything: short jittered waits, same request, same key.
    Only for calls a cashier is waiting on, from a worker thread."""
    result, outcome = attempt_call(fn)
    for i in range(tries - 1):
        if outcome.ok or outcome.http_status not in (409, 429):
            break
        sleep(base_s * 2 ** i * (0.5 + random.random() / 2))
        result, outcome = attempt_call(fn)
    return result, outcome


def capture_before_of(info: IntentInfo) -> datetime | None:
    if info.capture_before is None:
        return None
    return datetime.fromtimestamp(info.capture_before, tz=UTC)
