"""The contract checks themselves: they catch what they should, and together with the
fixtures they cover every operation the emulator serves and the gateway sends."""

import copy
import json
from pathlib import Path

import stripe

from ireti_till.services.payment_port import Address, CartDisplay, CartLine
from ireti_till.training.pipeline import ROUTES
from tests.fixtures.stripe_contract import SPEC_PATH


def test_spec_is_read_from_inside_the_repository(stripe_contract):
    repo = Path(__file__).resolve().parents[2]
    assert SPEC_PATH.resolve() == repo / "resources" / "stripe" / "openapi-subset.json"
    assert (repo / "resources" / "stripe" / "SOURCE.md").is_file()  # where it came from
    assert stripe_contract.spec["info"]["version"] == "2023-08-16"


def _intent(emulator):
    sdk = stripe.StripeClient(emulator.api_key, base_addresses={"api": emulator.base_url}).v1
    return sdk.payment_intents.create(params={"amount": 100, "currency": "gbp"}).to_dict()


def test_a_valid_response_passes_and_broken_ones_fail(stripe_contract, stripe_emulator):
    good = _intent(stripe_emulator)
    check = stripe_contract.check_response
    assert check("GET", f"/v1/payment_intents/{good['id']}", 200, good) == []
    for field, value in [("status", "bogus"), ("amount", "100"), ("surprise", 1),
                         ("latest_charge", 5), ("metadata", None)]:
        broken = copy.deepcopy(good)
        broken[field] = value
        problems = check("GET", f"/v1/payment_intents/{good['id']}", 200, broken)
        assert problems and any(field in p for p in problems), (field, problems)
    assert check("GET", "/v1/payment_intents/x", 400, {"error": {"message": "m"}})
    assert check("GET", "/v1/payment_intents/x", 400, {"error": {"type": "api_error"}}) == []


def test_nullable_fields_follow_stripes_reading(stripe_contract, stripe_emulator):
    good = _intent(stripe_emulator)
    assert good["latest_charge"] is None and good["cancellation_reason"] is None
    assert stripe_contract.check_response("POST", "/v1/payment_intents", 200, good) == []


def test_requests_are_checked_as_stripe_decodes_them(stripe_contract):
    check = stripe_contract.check_request
    ok = ("amount=100&currency=gbp&payment_method_types[0]=card_present&capture_method=manual"
          "&metadata[sale_id]=s1&expand[0]=latest_charge")
    assert check("POST", "/v1/payment_intents", "", ok) == []
    assert check("GET", "/v1/events", "types[0]=a.b&types[1]=c.d&created[gte]=5&limit=3",
                 "") == []
    assert check("GET", "/v1/events", "created=5", "") == []
    assert check("POST", "/v1/payment_intents", "", "amount=abc&currency=gbp")
    assert check("POST", "/v1/payment_intents", "", "amount=1&currency=gbp&colour=red")
    assert check("POST", "/v1/payment_intents/pi_1/cancel", "", "cancellation_reason=bored")
    assert check("GET", "/v1/events", "limit=lots", "")
    assert check("GET", "/v1/events", "colour=red", "")
    assert check("POST", "/v1/charges", "", "amount=1")  # outside the subset


def test_newer_values_are_taken_from_the_sdk_types(stripe_contract):
    raw = json.loads(SPEC_PATH.read_text())
    original = raw["components"]["schemas"]["terminal.reader"]["properties"]["device_type"]
    assert "simulated_stripe_s700" not in original["enum"]
    reader = {"id": "tmr_1", "object": "terminal.reader", "action": None,
              "device_sw_version": None, "device_type": "simulated_stripe_s700",
              "ip_address": None, "label": "x", "livemode": False, "location": None,
              "metadata": {}, "serial_number": "1", "status": "online"}
    check = stripe_contract.check_response
    assert check("GET", "/v1/terminal/readers/tmr_1", 200, reader) == []
    assert check("GET", "/v1/terminal/readers/tmr_1", 200,
                 {**reader, "device_type": "toaster"})


def test_the_emulator_serves_only_spec_operations(stripe_contract):
    for method, pattern, _handler in ROUTES:
        path = pattern.pattern.strip("^$")
        if path.startswith("/_emulator/"):
            continue
        concrete = path.replace("(?P<", "").replace(">[^/]+)", "") if "(?P<" in path else path
        assert stripe_contract.operation(method, concrete) is not None, (method, path)


def test_every_served_operation_is_exercised_and_valid(stripe_contract, stripe_emulator,
                                                       emulator_gateway):
    seen = set()

    def record(req, out):
        found = stripe_contract.operation(req.method, req.path)
        if found:
            seen.add((req.method, found[0]))

    stripe_emulator.observers.append(record)
    gw = emulator_gateway
    loc = gw.create_location("Shop", Address("1 High St", "Leeds", "GB"), idempotency_key="l")
    gw.list_locations()
    reader = gw.register_reader("simulated-wpe", loc.id, label="T", idempotency_key="r")
    gw.list_readers()
    gw.set_reader_display(reader.id, CartDisplay("gbp", (CartLine("Tea", 100),), 100),
                          idempotency_key="d")
    pi = gw.create_intent(1000, "gbp", idempotency_key="a:create", metadata={"a": "1"})
    gw.update_intent_metadata(pi.id, {"b": "2"}, idempotency_key="a:meta")
    gw.process_on_reader(reader.id, pi.id, idempotency_key="a:process:1")
    gw.cancel_reader_action(reader.id, idempotency_key="a:cancel_action")
    gw.process_on_reader(reader.id, pi.id, idempotency_key="a:process:2")
    gw.present_payment_method(reader.id, "4242424242424242")
    gw.retrieve_reader(reader.id)
    gw.capture_intent(pi.id, idempotency_key="a:capture", amount_to_capture_minor=900)
    gw.retrieve_intent(pi.id)
    gw.search_intents({"a": "1"})
    gw.list_intents(created_gte=0)
    refund = gw.create_refund(pi.id, idempotency_key="f:refund", amount_minor=100)
    gw.retrieve_refund(refund.id)
    gw.list_refunds(pi.id)
    other = gw.create_intent(500, "gbp", idempotency_key="b:create", metadata={})
    gw.cancel_intent(other.id, idempotency_key="b:cancel", reason="abandoned")
    events = gw.list_events(types=["payment_intent.created"], created_gte=0)
    sdk = stripe.StripeClient(stripe_emulator.api_key,
                              base_addresses={"api": stripe_emulator.base_url}).v1
    sdk.events.retrieve(events.items[0].id)
    sdk.refunds.update(refund.id, params={"metadata": {"n": "1"}})
    sdk.terminal.locations.retrieve(loc.id)
    sdk.terminal.locations.delete(loc.id)
    served = set()
    for method, pattern, _handler in ROUTES:
        path = pattern.pattern.strip("^$")
        if not path.startswith("/_emulator/"):
            template = stripe_contract.operation(method, path.replace("(?P<", "{").replace(
                ">[^/]+)", "}"))
            served.add((method, template[0]))
    assert served - seen == set()
    assert len(served) == 24  # of the 34 operations in the subset


def _sdk_fields(cls):
    names = set()
    for klass in cls.__mro__:
        names |= set(getattr(klass, "__annotations__", {}))
    return names


def test_emulator_objects_use_only_known_fields(stripe_contract, stripe_emulator,
                                                emulator_gateway, emulator_reader):
    """Every field of every emulator object is declared by the 2023 subset or by the
    current SDK's typed classes (the reference for what is newer). Fields Stripe has
    since removed (e.g. ``PaymentIntent.invoice``) are still in the 2023 schema."""
    gw = emulator_gateway
    pi = gw.create_intent(1000, "gbp", idempotency_key="a:create", metadata={"a": "1"})
    gw.process_on_reader(emulator_reader.id, pi.id, idempotency_key="a:process:1")
    gw.simulate_reader(emulator_reader.id, "approve")
    gw.capture_intent(pi.id, idempotency_key="a:capture")
    gw.create_refund(pi.id, idempotency_key="r:refund", amount_minor=10)
    state = stripe_emulator.state
    kinds = {(stripe.PaymentIntent, "payment_intent"): state.intents,
             (stripe.Charge, "charge"): state.charges, (stripe.Refund, "refund"): state.refunds,
             (stripe.terminal.Reader, "terminal.reader"): state.readers,
             (stripe.terminal.Location, "terminal.location"): state.locations,
             (stripe.Event, "event"): {e["id"]: e for e in state.events}}
    schemas = stripe_contract.spec["components"]["schemas"]
    for (cls, schema), objects in kinds.items():
        known = _sdk_fields(cls) | set(schemas[schema]["properties"])
        assert objects, schema
        for obj in objects.values():
            public = {k for k in obj if not k.startswith("_")}
            assert public - known == set(), (cls.__name__, public - known)
    action = next(iter(state.readers.values()))["action"]
    assert set(action) <= _sdk_fields(stripe.terminal.Reader.Action)
