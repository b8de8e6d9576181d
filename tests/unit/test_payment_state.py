"""The tender-attempt state machine and its idempotency keys (DESIGN §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ireti_till.domain.errors import PaymentError
from ireti_till.domain.money import Money
from ireti_till.domain.payment import (
    FINAL_STATES,
    TRANSITIONS,
    Attempt,
    AttemptState,
    CaptureUrgency,
    IllegalTransition,
    IntentParams,
    cancel_key,
    capture_key,
    capture_urgency,
    check_transition,
    create_key,
    process_key,
    refund_key,
    regenerated,
    state_from_intent,
)

S = AttemptState
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
AID = UUID("7d9c1f3e-2b4a-4c55-9a51-3f0e8f0c2b11")


def attempt(state: AttemptState = S.PLANNED) -> Attempt:
    return Attempt(AID, uuid4(), "T1", Money(1250, "EUR"), state, NOW, NOW)


def test_keys_are_pure_functions_of_the_attempt() -> None:
    assert create_key(AID) == f"{AID}:create"
    assert process_key(AID, 1) == f"{AID}:process:1"
    assert process_key(AID, 2) != process_key(AID, 1)
    assert capture_key(AID) == f"{AID}:capture"
    assert cancel_key(AID) == f"{AID}:cancel"
    assert refund_key(AID) == f"{AID}:refund"
    assert regenerated(capture_key(AID), 0) == capture_key(AID)
    assert regenerated(capture_key(AID), 2) == f"{AID}:capture:r2"
    assert all(len(k) <= 255 for k in (create_key(AID), process_key(AID, 10**6)))
    with pytest.raises(ValueError):
        process_key(AID, 0)


def test_final_states_have_no_way_out() -> None:
    for final in FINAL_STATES:
        assert TRANSITIONS[final] == frozenset()
        for target in S:
            with pytest.raises(IllegalTransition):
                check_transition(final, target)


def test_every_state_has_a_rule_and_reaches_a_final_state() -> None:
    assert set(TRANSITIONS) == set(S)
    for start in S:
        seen, todo = {start}, [start]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert seen & FINAL_STATES, start


def test_a_decline_may_try_another_card_on_the_same_intent() -> None:
    a = attempt(S.ON_READER).moved(S.DECLINED, NOW, decline_code="insufficient_funds")
    b = a.moved(S.ON_READER, NOW, reader_try=2)
    assert b.state is S.ON_READER and b.reader_try == 2 and b.intent_id == a.intent_id


def test_planned_cannot_jump_to_authorised_without_an_intent() -> None:
    with pytest.raises(IllegalTransition) as err:
        attempt().moved(S.AUTHORISED, NOW)
    assert err.value.code == "IT-390"
    assert attempt().state is S.PLANNED


def test_authorised_cannot_be_declined_afterwards() -> None:
    with pytest.raises(IllegalTransition):
        check_transition(S.AUTHORISED, S.DECLINED)


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_random_walks_only_follow_allowed_edges(targets: list[AttemptState]) -> None:
    a = attempt()
    for t in targets:
        if t in TRANSITIONS[a.state]:
            a = a.moved(t, NOW)
        else:
            with pytest.raises(IllegalTransition):
                a.moved(t, NOW)
    if a.state in FINAL_STATES:
        assert not TRANSITIONS[a.state]


def test_intent_params_are_frozen_wire_parameters() -> None:
    sale = uuid4()
    p = IntentParams(Money(1999, "EUR"), sale, AID, "T1")
    wire = p.to_wire()
    assert wire == {
        "amount": 1999,
        "currency": "eur",
        "payment_method_types": ["card_present"],
        "capture_method": "manual",
        "metadata": {"sale_id": str(sale), "attempt_id": str(AID), "till_id": "T1"},
    }
    with pytest.raises(PaymentError):
        IntentParams(Money(0, "EUR"), sale, AID, "T1")


@pytest.mark.parametrize(
    ("status", "err", "expected"),
    [
        ("requires_capture", False, S.AUTHORISED),
        ("succeeded", False, S.CAPTURED),
        ("canceled", False, S.CANCELLED),
        ("requires_payment_method", True, S.DECLINED),
        ("requires_payment_method", False, None),
        ("processing", False, None),
        ("requires_confirmation", False, None),
    ],
)
def test_intent_status_is_read_as_evidence(status: str, err: bool,
                                           expected: AttemptState | None) -> None:
    assert state_from_intent(status, has_last_error=err) == expected


def test_capture_urgency_warns_well_before_capture_before() -> None:
    assert capture_urgency(None, NOW) is CaptureUrgency.OK
    assert capture_urgency(NOW + timedelta(days=2), NOW) is CaptureUrgency.OK
    assert capture_urgency(NOW + timedelta(hours=30), NOW) is CaptureUrgency.WARN
    assert capture_urgency(NOW + timedelta(hours=5), NOW) is CaptureUrgency.URGENT
    assert capture_urgency(NOW - timedelta(seconds=1), NOW) is CaptureUrgency.LAPSED


def test_in_flight_states_are_the_ones_recovery_drives() -> None:
    assert {s for s in S if s.in_flight} == {S.PLANNED, S.INTENT_CREATED, S.ON_READER,
                                             S.DECLINED}
    assert not S.AUTHORISED.final and S.CAPTURED.final
