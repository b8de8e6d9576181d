"""The emulator's PaymentIntents through the real SDK (responses checked by the fixtures)."""

import pytest
import stripe

from tests.fixtures.emulator import *  # noqa: F403


@pytest.fixture
def sdk(stripe_emulator):
    return stripe.StripeClient(stripe_emulator.api_key,
                               base_addresses={"api": stripe_emulator.base_url},
                               max_network_retries=0).v1


def new_pi(sdk, amount=1000, **extra):
    params = {"amount": amount, "currency": "gbp", "payment_method_types": ["card_present"],
              "capture_method": "manual", **extra}
    return sdk.payment_intents.create(params=params)


def test_create_retrieve_update_metadata(sdk):
    pi = new_pi(sdk, metadata={"sale_id": "s1", "drop": "x"}, description="Sale 1")
    assert pi.object == "payment_intent" and pi.id.startswith("pi_")
    assert (pi.status, pi.amount, pi.currency, pi.capture_method) == (
        "requires_payment_method", 1000, "gbp", "manual")
    assert pi.client_secret.startswith(pi.id + "_secret_")
    updated = sdk.payment_intents.update(pi.id, params={"metadata": {"drop": "",
                                                                     "till_id": "t1"}})
    assert updated.metadata.to_dict() == {"sale_id": "s1", "till_id": "t1"}
    assert sdk.payment_intents.retrieve(pi.id).metadata.to_dict() == {"sale_id": "s1",
                                                                      "till_id": "t1"}
    assert sdk.payment_intents.update(pi.id, params={"amount": 1200}).amount == 1200


@pytest.mark.parametrize(("params", "code", "param"), [
    ({"amount": "abc", "currency": "gbp"}, "parameter_invalid_integer", "amount"),
    ({"currency": "gbp"}, "parameter_missing", "amount"),
    ({"amount": 100, "currency": "gbp", "colour": "red"}, "parameter_unknown", "colour"),
    ({"amount": 0, "currency": "gbp"}, None, "amount"),
    ({"amount": 100_000_000, "currency": "gbp"}, None, "amount"),
])
def test_bad_parameters_are_400_naming_the_param(sdk, params, code, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.payment_intents.create(params=params)
    assert caught.value.http_status == 400
    assert caught.value.code == code and caught.value.param == param


def test_list_newest_first_with_pagination_and_created_filters(sdk, stripe_emulator):
    stripe_emulator.clock.freeze()
    t0 = stripe_emulator.clock.timestamp()
    ids = []
    for _ in range(5):
        ids.append(new_pi(sdk).id)
        stripe_emulator.clock.advance(10)
    ids.reverse()  # newest first
    page = sdk.payment_intents.list(params={"limit": 2})
    assert [p.id for p in page.data] == ids[:2] and page.has_more
    page2 = sdk.payment_intents.list(params={"limit": 2, "starting_after": ids[1]})
    assert [p.id for p in page2.data] == ids[2:4]
    back = sdk.payment_intents.list(params={"limit": 2, "ending_before": ids[2]})
    assert [p.id for p in back.data] == ids[:2]
    window = sdk.payment_intents.list(params={"created": {"gte": t0 + 10, "lt": t0 + 40}})
    assert [p.id for p in window.data] == ids[1:4]
    exact = sdk.payment_intents.list(params={"created": t0})
    assert [p.id for p in exact.data] == [ids[4]]
    everything = list(sdk.payment_intents.list(params={"limit": 2}).auto_paging_iter())
    assert [p.id for p in everything] == ids


def test_search_by_metadata_and_status(sdk):
    a = new_pi(sdk, metadata={"attempt_id": "a1", "sale_id": "s1"})
    b = new_pi(sdk, metadata={"attempt_id": "a2", "sale_id": "s1"})
    found = sdk.payment_intents.search(params={"query": "metadata['sale_id']:'s1'"})
    assert [p.id for p in found.data] == [b.id, a.id]
    one = sdk.payment_intents.search(
        params={"query": "metadata['attempt_id']:'a1' AND status:'requires_payment_method'"})
    assert [p.id for p in one.data] == [a.id]
    either = sdk.payment_intents.search(
        params={"query": "metadata['attempt_id']:'a1' OR metadata['attempt_id']:'a2'",
                "limit": 1})
    assert len(either.data) == 1 and either.has_more and either.next_page
    with pytest.raises(stripe.InvalidRequestError):
        sdk.payment_intents.search(params={"query": "nonsense here"})


def test_cancel_reasons_and_final_states(sdk):
    for reason in ("duplicate", "fraudulent", "requested_by_customer", "abandoned"):
        pi = sdk.payment_intents.cancel(new_pi(sdk).id, params={"cancellation_reason": reason})
        assert (pi.status, pi.cancellation_reason) == ("canceled", reason)
        assert pi.canceled_at is not None
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.payment_intents.cancel(pi.id)
    assert caught.value.code == "payment_intent_unexpected_state"
    assert caught.value.error.payment_intent.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        sdk.payment_intents.cancel(new_pi(sdk).id, params={"cancellation_reason": "bored"})


def test_capture_needs_requires_capture(sdk):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.payment_intents.capture(new_pi(sdk).id)
    assert caught.value.code == "payment_intent_unexpected_state"


def test_authentication_and_unknown_urls(stripe_emulator):
    bad = stripe.StripeClient("sk_test_", base_addresses={"api": stripe_emulator.base_url})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.payment_intents.list()
    with pytest.raises(stripe.AuthenticationError) as caught:
        stripe.StripeClient("rk_live_x", base_addresses={"api": stripe_emulator.base_url}
                            ).v1.payment_intents.list()
    assert "refuses live keys" in str(caught.value)
    ok = stripe.StripeClient(stripe_emulator.api_key,
                             base_addresses={"api": stripe_emulator.base_url})
    with pytest.raises(stripe.InvalidRequestError) as missing:
        ok.raw_request("get", "/v1/charges")
    assert missing.value.http_status == 404


def test_every_response_has_a_request_id(sdk):
    pi = new_pi(sdk)
    assert pi.last_response.request_id.startswith("req_")
    assert pi.last_response.headers["Stripe-Version"] == "2023-08-16"
