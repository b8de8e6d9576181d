"""The emulator's Refunds and Events through the real SDK."""

import pytest
import stripe

from tests.fixtures.emulator import *  # noqa: F403


def client(emu):
    return stripe.StripeClient(emu.api_key, base_addresses={"api": emu.base_url},
                               max_network_retries=0).v1


def paid(emu, sdk, amount=3000, card="approve", capture=True, key=None):
    if not emu.state.readers:
        loc = sdk.terminal.locations.create(params={
            "display_name": "Shop", "address": {"line1": "1", "city": "Leeds",
                                                "country": "GB"}})
        sdk.terminal.readers.create(params={"registration_code": "simulated-wpe",
                                            "location": loc.id})
    reader_id = next(iter(emu.state.readers))
    options = {"idempotency_key": key} if key else {}
    pi = sdk.payment_intents.create(params={
        "amount": amount, "currency": "gbp", "payment_method_types": ["card_present"],
        "capture_method": "manual"}, options=options)
    sdk.terminal.readers.process_payment_intent(reader_id, params={"payment_intent": pi.id})
    emu.simulate.present(reader_id, card)
    if capture:
        sdk.payment_intents.capture(pi.id)
    return pi.id


def test_full_partial_several_and_over_refund(stripe_emulator):
    sdk = client(stripe_emulator)
    pi = paid(stripe_emulator, sdk)
    r1 = sdk.refunds.create(params={"payment_intent": pi, "amount": 1000,
                                    "reason": "requested_by_customer",
                                    "metadata": {"refund_id": "r1"}})
    assert (r1.status, r1.amount, r1.reason, r1.payment_intent) == (
        "succeeded", 1000, "requested_by_customer", pi)
    r2 = sdk.refunds.create(params={"payment_intent": pi, "reason": "duplicate"})
    assert r2.amount == 2000  # the rest
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.refunds.create(params={"payment_intent": pi, "amount": 1})
    assert caught.value.code == "charge_already_refunded"
    listed = sdk.refunds.list(params={"payment_intent": pi})
    assert [r.id for r in listed.data] == [r2.id, r1.id]
    assert sdk.refunds.retrieve(r1.id).metadata.to_dict() == {"refund_id": "r1"}
    updated = sdk.refunds.update(r1.id, params={"metadata": {"note": "x"}})
    assert updated.metadata.to_dict() == {"refund_id": "r1", "note": "x"}


def test_refund_rules(stripe_emulator):
    sdk = client(stripe_emulator)
    pi = paid(stripe_emulator, sdk, amount=1000)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.refunds.create(params={"payment_intent": pi, "amount": 1001})
    assert (caught.value.code, caught.value.param) == ("amount_too_large", "amount")
    with pytest.raises(stripe.InvalidRequestError):
        sdk.refunds.create(params={"payment_intent": pi, "reason": "changed_mind"})
    uncaptured = paid(stripe_emulator, sdk, capture=False)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.refunds.create(params={"payment_intent": uncaptured})
    assert caught.value.code == "charge_not_refundable"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.refunds.create(params={"payment_intent": "pi_nope"})
    assert caught.value.code == "resource_missing"


def test_partial_capture_limits_refunds(stripe_emulator):
    sdk = client(stripe_emulator)
    pi = paid(stripe_emulator, sdk, amount=2000, capture=False)
    sdk.payment_intents.capture(pi, params={"amount_to_capture": 1200})
    with pytest.raises(stripe.InvalidRequestError):
        sdk.refunds.create(params={"payment_intent": pi, "amount": 1201})
    assert sdk.refunds.create(params={"payment_intent": pi}).amount == 1200


def test_pending_refunds_settle_on_the_emulator_clock(make_emulator):
    emu = make_emulator(refund_pending_s=60)
    sdk = client(emu)
    refund = sdk.refunds.create(params={"payment_intent": paid(emu, sdk)})
    assert refund.status == "pending"
    emu.clock.advance(59)
    assert sdk.refunds.retrieve(refund.id).status == "pending"
    emu.clock.advance(1)
    assert sdk.refunds.retrieve(refund.id).status == "succeeded"
    updated = sdk.events.list(params={"type": "refund.updated"}).data[0]
    assert updated.data.previous_attributes.status == "pending"


@pytest.mark.parametrize("how", ["card", "mode"])
def test_refund_failure(make_emulator, how):
    emu = make_emulator()
    sdk = client(emu)
    pi = paid(emu, sdk, card="refund_fails" if how == "card" else "approve")
    if how == "mode":
        emu.set_refund_failure(True)
    refund = sdk.refunds.create(params={"payment_intent": pi, "amount": 500})
    assert refund.status == "pending"
    emu.clock.advance(1)
    failed = sdk.refunds.retrieve(refund.id)
    assert (failed.status, failed.failure_reason) == ("failed", "expired_or_canceled_card")
    emu.set_refund_failure(False)
    assert sdk.refunds.create(params={"payment_intent": pi}).amount == 3000  # money is back


def test_events_one_per_change_newest_first_with_filters(stripe_emulator):
    emu = stripe_emulator
    sdk = client(emu)
    emu.clock.freeze()
    start = emu.clock.timestamp()
    pi = paid(emu, sdk, key="att-1:create")
    emu.clock.advance(100)
    sdk.refunds.create(params={"payment_intent": pi, "amount": 10},
                       options={"idempotency_key": "ref-1:refund"})
    types = [e.type for e in sdk.events.list(params={"limit": 100}).data]
    assert types == ["charge.refunded", "refund.created", "payment_intent.succeeded",
                     "charge.captured", "terminal.reader.action_succeeded",
                     "payment_intent.amount_capturable_updated", "charge.succeeded",
                     "payment_intent.processing", "terminal.reader.action_updated",
                     "payment_intent.created"]
    picked = sdk.events.list(params={"types": ["payment_intent.created", "refund.created"]})
    assert [e.type for e in picked.data] == ["refund.created", "payment_intent.created"]
    created = picked.data[1]
    assert created.request.idempotency_key == "att-1:create"
    assert created.data.object.id == pi and created.request.id.startswith("req_")
    wildcard = sdk.events.list(params={"type": "payment_intent.*"})
    assert {e.type.split(".")[0] for e in wildcard.data} == {"payment_intent"}
    recent = sdk.events.list(params={"created": {"gte": start + 100}})
    assert [e.type for e in recent.data] == ["charge.refunded", "refund.created"]
    first_page = sdk.events.list(params={"limit": 3})
    after = sdk.events.list(params={"limit": 3, "starting_after": first_page.data[-1].id})
    assert [e.type for e in after.data] == types[3:6]
    assert sdk.events.retrieve(created.id).type == "payment_intent.created"
    with pytest.raises(stripe.InvalidRequestError):
        sdk.events.list(params={"type": "a", "types": ["b"]})
