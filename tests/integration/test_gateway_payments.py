"""The Stripe gateway against the emulator: the paths the payments engine uses, with
every request and response checked against the OpenAPI subset by the fixtures."""

import dataclasses

import pytest

from ireti_till.domain import payment_errors as pe
from ireti_till.services.payment_port import CartDisplay, CartLine, action_failure
from tests.fixtures.emulator import *  # noqa: F403  (the emulator + gateway fixtures)

META = {"sale_id": "sale-1", "attempt_id": "att-1", "till_id": "till-7"}


def authorise(gw, reader, amount=1250, outcome="approve", attempt="att-1"):
    pi = gw.create_intent(amount, "GBP", idempotency_key=f"{attempt}:create",
                          metadata={**META, "attempt_id": attempt})
    gw.process_on_reader(reader.id, pi.id, idempotency_key=f"{attempt}:process:1")
    gw.simulate_reader(reader.id, outcome)
    return gw.retrieve_intent(pi.id)


def test_card_sale_authorise_then_capture(emulator_gateway, emulator_reader):
    gw = emulator_gateway
    pi = gw.create_intent(1250, "GBP", idempotency_key="att-1:create", metadata=META)
    assert (pi.status, pi.amount_minor, pi.currency, pi.capture_method) == (
        "requires_payment_method", 1250, "gbp", "manual")
    assert dict(pi.metadata) == META
    reader = gw.process_on_reader(emulator_reader.id, pi.id, idempotency_key="att-1:process:1")
    assert reader.action.type == "process_payment_intent"
    assert (reader.action.status, reader.action.payment_intent_id) == ("in_progress", pi.id)
    gw.simulate_reader(emulator_reader.id, "approve")
    authorised = gw.retrieve_intent(pi.id)
    assert authorised.status == "requires_capture"
    assert authorised.amount_capturable_minor == 1250
    assert (authorised.card_brand, authorised.card_last4) == ("visa", "4242")
    assert authorised.capture_before and authorised.capture_before > authorised.created
    assert gw.retrieve_reader(emulator_reader.id).action.status == "succeeded"
    captured = gw.capture_intent(pi.id, idempotency_key="att-1:capture")
    assert (captured.status, captured.amount_received_minor) == ("succeeded", 1250)
    keys = [c.headers.get("Idempotency-Key") for c in gw.http.posts("/v1/")]
    assert "att-1:create" in keys and "att-1:capture" in keys and "att-1:process:1" in keys


def test_partial_capture(emulator_gateway, emulator_reader):
    pi = authorise(emulator_gateway, emulator_reader, amount=2000)
    captured = emulator_gateway.capture_intent(pi.id, idempotency_key="att-1:capture",
                                               amount_to_capture_minor=1500)
    assert (captured.status, captured.amount_received_minor) == ("succeeded", 1500)


@pytest.mark.parametrize(("outcome", "decline_code", "error_code"), [
    ("decline", "generic_decline", "IT-310"),
    ("insufficient_funds", "insufficient_funds", "IT-311"),
    ("lost_card", "lost_card", "IT-312"),
    ("expired", "expired_card", "IT-313"),
    ("processing_error", "processing_error", "IT-315"),
])
def test_declines_leave_the_intent_reusable(emulator_gateway, emulator_reader, outcome,
                                            decline_code, error_code):
    pi = authorise(emulator_gateway, emulator_reader, outcome=outcome)
    assert pi.status == "requires_payment_method"
    assert pi.last_decline_code == decline_code
    error = pe.card_declined(pi.last_decline_code)
    assert error.code == error_code and error_code in str(error)
    action = emulator_gateway.retrieve_reader(emulator_reader.id).action
    assert (action.status, action.failure_code) == ("failed", "card_declined")
    # the same PaymentIntent takes the next card
    emulator_gateway.process_on_reader(emulator_reader.id, pi.id,
                                       idempotency_key="att-1:process:2")
    emulator_gateway.simulate_reader(emulator_reader.id, "approve")
    assert emulator_gateway.retrieve_intent(pi.id).status == "requires_capture"


@pytest.mark.parametrize("outcome", ["customer_cancels", "reader_timeout"])
def test_reader_side_failures(emulator_gateway, emulator_reader, outcome):
    pi = authorise(emulator_gateway, emulator_reader, outcome=outcome)
    assert pi.status == "requires_payment_method"
    action = emulator_gateway.retrieve_reader(emulator_reader.id).action
    assert action.status == "failed"
    assert action.failure_code == {"customer_cancels": "customer_canceled",
                                   "reader_timeout": "reader_timeout"}[outcome]


def test_cancel_intent_with_reason_and_cancel_action(emulator_gateway, emulator_reader):
    gw = emulator_gateway
    pi = gw.create_intent(900, "gbp", idempotency_key="a2:create", metadata=META)
    gw.process_on_reader(emulator_reader.id, pi.id, idempotency_key="a2:process:1")
    reader = gw.cancel_reader_action(emulator_reader.id, idempotency_key="a2:cancel_action")
    assert (reader.action.status, reader.action.failure_code) == ("failed", "canceled")
    cancelled = gw.cancel_intent(pi.id, idempotency_key="a2:cancel", reason="abandoned")
    assert (cancelled.status, cancelled.cancellation_reason) == ("canceled", "abandoned")
    with pytest.raises(pe.IntentInvalidState) as caught:
        gw.capture_intent(pi.id, idempotency_key="a2:capture")
    assert caught.value.code == "IT-330" and caught.value.http_status == 400
    assert caught.value.request_id.startswith("req_")


def test_reader_busy_offline_and_invalid_state(emulator_gateway, emulator_reader,
                                               stripe_emulator):
    gw = emulator_gateway
    first = gw.create_intent(500, "gbp", idempotency_key="b1:create", metadata=META)
    second = gw.create_intent(600, "gbp", idempotency_key="b2:create", metadata=META)
    gw.process_on_reader(emulator_reader.id, first.id, idempotency_key="b1:process:1")
    with pytest.raises(pe.ReaderBusy) as busy:
        gw.process_on_reader(emulator_reader.id, second.id, idempotency_key="b2:process:1")
    assert busy.value.retryable and busy.value.code == "IT-320"
    gw.simulate_reader(emulator_reader.id, "approve")
    with pytest.raises(pe.IntentInvalidState):
        gw.process_on_reader(emulator_reader.id, first.id, idempotency_key="b1:process:2")
    stripe_emulator.simulate.set_status(emulator_reader.id, "offline")
    with pytest.raises(pe.ReaderOffline) as offline:
        gw.process_on_reader(emulator_reader.id, second.id, idempotency_key="b2:process:2")
    assert offline.value.code == "IT-321"
    assert gw.retrieve_reader(emulator_reader.id).status == "offline"


def test_reader_timeout_false_negative_is_visible_on_reread(emulator_gateway, emulator_reader,
                                                            stripe_emulator):
    gw = emulator_gateway
    pi = gw.create_intent(700, "gbp", idempotency_key="c1:create", metadata=META)
    stripe_emulator.faults.script("reader_timeout_false_negative")
    with pytest.raises(pe.ReaderTimeout) as caught:
        gw.process_on_reader(emulator_reader.id, pi.id, idempotency_key="c1:process:1")
    assert caught.value.outcome_unknown and caught.value.code == "IT-322"
    action = gw.retrieve_reader(emulator_reader.id).action  # re-read: it did reach the reader
    assert (action.status, action.payment_intent_id) == ("in_progress", pi.id)


def test_set_reader_display_cart(emulator_gateway, emulator_reader):
    cart = CartDisplay("GBP", (CartLine("Tea", 250, 2), CartLine("Cake", 300)), 800, 0)
    reader = emulator_gateway.set_reader_display(emulator_reader.id, cart,
                                                 idempotency_key="d1:display")
    assert (reader.action.type, reader.action.status) == ("set_reader_display", "succeeded")


def test_refunds_partial_several_and_over_refund(emulator_gateway, emulator_reader):
    gw = emulator_gateway
    pi = authorise(gw, emulator_reader, amount=3000)
    gw.capture_intent(pi.id, idempotency_key="att-1:capture")
    first = gw.create_refund(pi.id, idempotency_key="r1:refund", amount_minor=1000,
                             reason="requested_by_customer", metadata={"refund_id": "r1"})
    assert (first.status, first.amount_minor, first.payment_intent_id) == (
        "succeeded", 1000, pi.id)
    assert first.reason == "requested_by_customer" and first.metadata == {"refund_id": "r1"}
    gw.create_refund(pi.id, idempotency_key="r2:refund", amount_minor=1500)
    with pytest.raises(pe.RefundTooLarge) as too_much:
        gw.create_refund(pi.id, idempotency_key="r3:refund", amount_minor=501)
    assert too_much.value.code == "IT-347"
    last = gw.create_refund(pi.id, idempotency_key="r3b:refund")  # the rest: 500
    assert last.amount_minor == 500
    assert gw.retrieve_refund(first.id) == first
    assert {r.id for r in gw.list_refunds(pi.id)} == {first.id, last.id,
                                                       gw.list_refunds(pi.id)[1].id}
    with pytest.raises(pe.RefundTooLarge):
        gw.create_refund(pi.id, idempotency_key="r4:refund", amount_minor=1)


def test_search_list_and_events(emulator_gateway, emulator_reader):
    gw = emulator_gateway
    pi = authorise(gw, emulator_reader, attempt="att-9")
    other = gw.create_intent(100, "gbp", idempotency_key="x:create",
                             metadata={**META, "attempt_id": "att-x"})
    found = gw.search_intents({"attempt_id": "att-9"})
    assert [p.id for p in found] == [pi.id]
    page = gw.list_intents(limit=1)
    assert page.items[0].id == other.id and page.has_more
    rest = gw.list_intents(limit=10, starting_after=page.last_id)
    assert [p.id for p in rest.items] == [pi.id] and not rest.has_more
    events = gw.list_events(types=["payment_intent.created",
                                   "payment_intent.amount_capturable_updated"])
    assert [e.type for e in events.items] == ["payment_intent.created",
                                              "payment_intent.amount_capturable_updated",
                                              "payment_intent.created"]
    created = events.items[-1]
    assert created.object_id == pi.id and created.idempotency_key == "att-9:create"
    assert created.object_metadata["attempt_id"] == "att-9"


def test_values_are_frozen(emulator_gateway):
    pi = emulator_gateway.create_intent(100, "gbp", idempotency_key="f:create", metadata={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        pi.status = "succeeded"


def test_locations_and_readers(emulator_gateway, emulator_reader):
    assert [r.id for r in emulator_gateway.list_readers()] == [emulator_reader.id]
    assert emulator_reader.device_type == "simulated_wisepos_e"
    assert emulator_reader.status == "online"
    locations = emulator_gateway.list_locations()
    assert [loc.id for loc in locations] == [emulator_reader.location_id]
    assert locations[0].country == "GB"
    assert emulator_gateway.list_readers(location_id="tml_nope") == ()


@pytest.mark.parametrize(("outcome", "error", "code"), [
    ("approve", None, None),
    ("insufficient_funds", pe.CardDeclined, "IT-311"),
    ("expired", pe.CardDeclined, "IT-313"),
    ("customer_cancels", pe.ReaderActionFailed, "IT-323"),
    ("reader_timeout", pe.ReaderActionFailed, "IT-323"),
])
def test_action_failure_names_the_error(emulator_gateway, emulator_reader, outcome, error,
                                        code):
    pi = authorise(emulator_gateway, emulator_reader, outcome=outcome)
    action = emulator_gateway.retrieve_reader(emulator_reader.id).action
    found = action_failure(action, pi)
    if error is None:
        assert found is None
    else:
        assert isinstance(found, error) and found.code == code
