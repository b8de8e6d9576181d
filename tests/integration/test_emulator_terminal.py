"""The emulator's Terminal: locations, readers, the action state machine, test cards."""

import pytest
import stripe

from ireti_till.training.cards import TEST_CARDS
from tests.fixtures.emulator import *  # noqa: F403


@pytest.fixture
def sdk(stripe_emulator):
    return stripe.StripeClient(stripe_emulator.api_key,
                               base_addresses={"api": stripe_emulator.base_url},
                               max_network_retries=0).v1


@pytest.fixture
def reader(sdk):
    loc = sdk.terminal.locations.create(params={
        "display_name": "Shop", "address": {"line1": "1 High St", "city": "Leeds",
                                            "country": "GB", "postal_code": "LS1 1AA"}})
    return sdk.terminal.readers.create(params={"registration_code": "simulated-wpe",
                                               "label": "Till 1", "location": loc.id})


def new_pi(sdk, amount=1000, capture_method="manual"):
    return sdk.payment_intents.create(params={
        "amount": amount, "currency": "gbp", "payment_method_types": ["card_present"],
        "capture_method": capture_method})


def process(sdk, reader, pi):
    return sdk.terminal.readers.process_payment_intent(reader.id,
                                                       params={"payment_intent": pi.id})


def present(sdk, reader, number):
    return sdk.test_helpers.terminal.readers.present_payment_method(
        reader.id, params={"type": "card_present", "card_present": {"number": number}})


def test_locations_crud_and_listing(sdk):
    loc = sdk.terminal.locations.create(params={
        "display_name": "Shop", "address": {"line1": "1 High St", "city": "Leeds",
                                            "country": "GB"}, "metadata": {"till": "1"}})
    assert loc.id.startswith("tml_") and loc.address.country == "GB"
    assert sdk.terminal.locations.retrieve(loc.id).display_name == "Shop"
    assert [x.id for x in sdk.terminal.locations.list().data] == [loc.id]
    assert sdk.terminal.locations.delete(loc.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        sdk.terminal.locations.create(params={"display_name": "No address"})


@pytest.mark.parametrize(("code", "device"), [("simulated-wpe", "simulated_wisepos_e"),
                                              ("simulated-s700", "simulated_stripe_s700")])
def test_register_simulated_readers(sdk, code, device):
    loc = sdk.terminal.locations.create(params={
        "display_name": "Shop", "address": {"line1": "1", "city": "Leeds", "country": "GB"}})
    rd = sdk.terminal.readers.create(params={"registration_code": code, "location": loc.id})
    assert (rd.device_type, rd.status, rd.action, rd.location) == (device, "online", None,
                                                                   loc.id)
    listed = sdk.terminal.readers.list(params={"location": loc.id, "status": "online"})
    assert [r.id for r in listed.data] == [rd.id]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.terminal.readers.create(params={"registration_code": "puppy-kitten",
                                            "location": loc.id})
    assert caught.value.param == "registration_code"


@pytest.mark.parametrize("number", sorted(TEST_CARDS))
def test_every_test_card(sdk, reader, number):
    card = TEST_CARDS[number]
    pi = new_pi(sdk)
    assert process(sdk, reader, pi).action.status == "in_progress"
    after = present(sdk, reader, number)
    pi = sdk.payment_intents.retrieve(pi.id, params={"expand": ["latest_charge"]})
    if card.approves:
        assert after.action.status == "succeeded"
        assert pi.status == "requires_capture" and pi.amount_capturable == 1000
        assert pi.latest_charge.payment_method_details.card_present.last4 == number[-4:]
        assert pi.payment_method.startswith("pm_")
    else:
        assert (after.action.status, after.action.failure_code) == ("failed", "card_declined")
        assert pi.status == "requires_payment_method" and pi.payment_method is None
        assert pi.last_payment_error.code == card.error_code
        assert pi.last_payment_error.decline_code == card.decline_code
        assert pi.latest_charge.status == "failed"


def test_automatic_capture_succeeds_at_once(sdk, reader):
    pi = new_pi(sdk, capture_method="automatic")
    process(sdk, reader, pi)
    present(sdk, reader, "4242424242424242")
    pi = sdk.payment_intents.retrieve(pi.id)
    assert (pi.status, pi.amount_received) == ("succeeded", 1000)


def test_busy_invalid_state_and_offline(sdk, reader, stripe_emulator):
    a, b = new_pi(sdk), new_pi(sdk)
    process(sdk, reader, a)
    for call in (lambda: process(sdk, reader, b),
                 lambda: sdk.terminal.readers.set_reader_display(reader.id, params={
                     "type": "cart", "cart": {"currency": "gbp", "total": 1,
                                              "line_items": []}})):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            call()
        assert caught.value.code == "terminal_reader_busy"
    present(sdk, reader, "4242424242424242")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        process(sdk, reader, a)  # already authorised
    assert caught.value.code == "intent_invalid_state"
    stripe_emulator.simulate.set_status(reader.id, "offline")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        process(sdk, reader, b)
    assert caught.value.code == "terminal_reader_offline"
    assert sdk.terminal.readers.retrieve(reader.id).status == "offline"
    stripe_emulator.simulate.set_status(reader.id, "online")
    assert process(sdk, reader, b).action.status == "in_progress"


@pytest.mark.parametrize("kind", ["reader_offline", "reader_busy", "reader_timeout"])
def test_scripted_reader_faults(sdk, reader, stripe_emulator, kind):
    stripe_emulator.faults.script(kind)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        process(sdk, reader, new_pi(sdk))
    assert caught.value.code == "terminal_" + kind
    assert sdk.terminal.readers.retrieve(reader.id).action is None


def test_cancel_action_and_nothing_to_cancel(sdk, reader):
    pi = new_pi(sdk)
    process(sdk, reader, pi)
    rd = sdk.terminal.readers.cancel_action(reader.id)
    assert (rd.action.status, rd.action.failure_code) == ("failed", "canceled")
    assert sdk.payment_intents.retrieve(pi.id).status == "requires_payment_method"
    with pytest.raises(stripe.InvalidRequestError):
        sdk.terminal.readers.cancel_action(reader.id)


def test_cancelling_the_intent_fails_the_waiting_action(sdk, reader):
    pi = new_pi(sdk)
    process(sdk, reader, pi)
    sdk.payment_intents.cancel(pi.id)
    assert sdk.terminal.readers.retrieve(reader.id).action.status == "failed"


def test_slow_reader_keeps_processing_until_the_clock_moves(sdk, reader, stripe_emulator):
    stripe_emulator.faults.script("slow_reader", value=5)
    pi = new_pi(sdk)
    process(sdk, reader, pi)
    present(sdk, reader, "4242424242424242")
    assert sdk.payment_intents.retrieve(pi.id).status == "processing"
    assert sdk.terminal.readers.retrieve(reader.id).action.status == "in_progress"
    stripe_emulator.clock.advance(5)
    assert sdk.payment_intents.retrieve(pi.id).status == "requires_capture"
    assert sdk.terminal.readers.retrieve(reader.id).action.status == "succeeded"


def test_set_reader_display(sdk, reader):
    rd = sdk.terminal.readers.set_reader_display(reader.id, params={
        "type": "cart", "cart": {"currency": "gbp", "tax": 20, "total": 520, "line_items": [
            {"description": "Tea", "amount": 500, "quantity": 2}]}})
    assert rd.action.type == "set_reader_display" and rd.action.status == "succeeded"
    assert rd.action.set_reader_display.cart.line_items[0].description == "Tea"


def test_simulate_api_over_http_and_in_process(sdk, reader, stripe_emulator):
    pi = new_pi(sdk)
    process(sdk, reader, pi)
    stripe_emulator.simulate.present(reader.id, "customer_cancels")
    action = sdk.terminal.readers.retrieve(reader.id).action
    assert (action.status, action.failure_code) == ("failed", "customer_canceled")
    process(sdk, reader, pi)
    client = stripe.StripeClient(stripe_emulator.api_key,
                                 base_addresses={"api": stripe_emulator.base_url})
    client.raw_request("post", f"/_emulator/readers/{reader.id}/simulate", outcome="approve")
    assert sdk.payment_intents.retrieve(pi.id).status == "requires_capture"
    with pytest.raises(stripe.InvalidRequestError):
        client.raw_request("post", f"/_emulator/readers/{reader.id}/simulate",
                           outcome="dance")


def test_state_file_keeps_objects_across_restarts(make_emulator, tmp_path):
    from ireti_till.training.faults import FaultPlan

    path = tmp_path / "emulator.json"
    first = make_emulator(state_file=path, faults=FaultPlan(slow_reader=1.0,
                                                            slow_reader_s=30))
    sdk = stripe.StripeClient(first.api_key, base_addresses={"api": first.base_url}).v1
    loc = sdk.terminal.locations.create(params={
        "display_name": "Shop", "address": {"line1": "1", "city": "Leeds", "country": "GB"}})
    readers = [sdk.terminal.readers.create(params={"registration_code": "simulated-wpe",
                                                   "location": loc.id}) for _ in range(2)]
    waiting, busy = new_pi(sdk), new_pi(sdk)
    keyed = sdk.payment_intents.create(params={"amount": 5, "currency": "gbp"},
                                       options={"idempotency_key": "att-9:create"})
    process(sdk, readers[0], waiting)  # waits for a card
    process(sdk, readers[1], busy)
    present(sdk, readers[1], "4242424242424242")  # slow reader: processing for 30 s
    assert sdk.payment_intents.retrieve(busy.id).status == "processing"
    first.stop()  # saved

    second = make_emulator(state_file=path)
    sdk2 = stripe.StripeClient(second.api_key, base_addresses={"api": second.base_url}).v1
    assert sdk2.terminal.readers.retrieve(readers[0].id).action.status == "in_progress"
    interrupted = sdk2.terminal.readers.retrieve(readers[1].id).action
    assert (interrupted.status, interrupted.failure_code) == ("failed", "reader_timeout")
    assert sdk2.payment_intents.retrieve(busy.id).status == "requires_payment_method"
    present(sdk2, readers[0], "4242424242424242")
    assert sdk2.payment_intents.retrieve(waiting.id).status == "requires_capture"
    replay = sdk2.payment_intents.create(params={"amount": 5, "currency": "gbp"},
                                         options={"idempotency_key": "att-9:create"})
    assert replay.id == keyed.id  # the key survived the restart: no second PaymentIntent
    fresh = new_pi(sdk2)
    assert fresh.id not in (waiting.id, busy.id)  # ids never repeat after a reload
    assert len(sdk2.events.list(params={"limit": 100}).data) > 5
    assert path.exists() and not path.with_name(path.name + ".tmp").exists()
