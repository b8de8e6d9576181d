"""Outbox retry rules (DESIGN §6): which answers retry, surface, or reconcile first."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ireti_till.domain.outbox import (
    BACKOFF_CAP,
    KEY_SAFE_AGE,
    CallOutcome,
    Operation,
    OperationKind,
    OperationState,
    Pacer,
    Verdict,
    backoff,
    decide,
    needs_reconcile_first,
    next_attempt_at,
    seeded_rng,
)

YOUNG = timedelta(minutes=1)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("outcome", "verdict"),
    [
        (CallOutcome(ok=True, http_status=200), Verdict.DONE),
        (CallOutcome(ok=False, http_status=None), Verdict.RETRY),  # lost answer: same key
        (CallOutcome(ok=False, http_status=500), Verdict.RETRY),
        (CallOutcome(ok=False, http_status=503, should_retry=True), Verdict.RETRY),
        (CallOutcome(ok=False, http_status=429, code="rate_limit"), Verdict.RETRY),
        (CallOutcome(ok=False, http_status=409, code="idempotency_key_in_use"), Verdict.RETRY),
        (CallOutcome(ok=False, http_status=500, replayed=True), Verdict.RECONCILE),
        (CallOutcome(ok=False, http_status=400, code="payment_intent_unexpected_state"),
         Verdict.RECONCILE),
        (CallOutcome(ok=False, http_status=400, code="parameter_invalid_integer"),
         Verdict.SURFACE),
        (CallOutcome(ok=False, http_status=400, code="idempotency_error"), Verdict.SURFACE),
        (CallOutcome(ok=False, http_status=404, code="resource_missing"), Verdict.SURFACE),
        (CallOutcome(ok=False, http_status=400, code="charge_already_refunded"),
         Verdict.SURFACE),  # an over-refund is never retried
        (CallOutcome(ok=False, http_status=400, code="amount_too_large"), Verdict.SURFACE),
        (CallOutcome(ok=False, http_status=500, should_retry=False), Verdict.SURFACE),
        (CallOutcome(ok=False, http_status=400, should_retry=True), Verdict.RETRY),
    ],
)
def test_decide(outcome: CallOutcome, verdict: Verdict) -> None:
    assert decide(outcome, age=YOUNG) is verdict


def test_an_operation_near_key_expiry_is_reconciled_before_any_resend() -> None:
    lost = CallOutcome(ok=False, http_status=None)
    assert decide(lost, age=KEY_SAFE_AGE) is Verdict.RECONCILE
    assert decide(CallOutcome(ok=True), age=KEY_SAFE_AGE * 2) is Verdict.DONE


def op(tries: int = 0, created: datetime = NOW,
       state: OperationState = OperationState.PENDING) -> Operation:
    return Operation(uuid4(), OperationKind.CAPTURE, uuid4(), uuid4(), "pi_1", None, (),
                     "k:capture", 0, state, tries, NOW, created)


def test_needs_reconcile_first() -> None:
    assert not needs_reconcile_first(op(), NOW)
    assert needs_reconcile_first(op(state=OperationState.RECONCILE), NOW)
    old = op(tries=3, created=NOW - timedelta(hours=23, minutes=5))
    assert needs_reconcile_first(old, NOW)
    # never sent at all: the key was never used, so it cannot have expired on Stripe's side
    assert not needs_reconcile_first(op(tries=0, created=NOW - timedelta(days=3)), NOW)


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=2**32))
def test_backoff_is_bounded_and_grows(tries: int, seed: int) -> None:
    d = backoff(tries, random.Random(seed))
    window = min(BACKOFF_CAP, 2.0 * 2 ** max(0, tries - 1))
    assert window / 2 <= d <= window


def test_backoff_is_seeded_and_jittered() -> None:
    a = next_attempt_at(op(tries=4), NOW)
    assert a == next_attempt_at(op(tries=4), NOW)  # same key, same try: reproducible
    spread = {round(backoff(5, seeded_rng(f"k{i}", 5)), 6) for i in range(50)}
    assert len(spread) > 40  # different tills (keys) do not come back together


def test_pacer_keeps_under_the_rate() -> None:
    pacer, t, sent = Pacer(rate=20.0), 0.0, 0
    while t < 10.0:
        t += pacer.delay(t)
        sent += 1
    assert 195 <= sent <= 202
    with pytest.raises(ValueError):
        Pacer(0)


def test_outcome_describe_is_short() -> None:
    text = CallOutcome(ok=False, http_status=402, code="card_declined", message="x" * 900)
    assert text.describe().startswith("HTTP 402: card_declined")
    assert len(text.describe()) <= 500
