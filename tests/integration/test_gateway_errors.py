"""Gateway error mapping and retry behaviour against the emulator's faults: every Stripe
failure becomes an IT-3xx error carrying what the payments engine needs."""

import socket
import threading

import pytest

from ireti_till.adapters.stripe_gateway import StripeGateway
from ireti_till.domain import payment_errors as pe
from ireti_till.services.payment_port import ensure_key_allowed, is_live_key
from tests.fixtures.emulator import *  # noqa: F403

META = {"sale_id": "s", "attempt_id": "a", "till_id": "t"}


def create(gw, key="a:create", amount=1000):
    return gw.create_intent(amount, "gbp", idempotency_key=key, metadata=META)


def replayed(call):
    return call.response_headers.get("Idempotent-Replayed") == "true"


def test_500_with_should_retry_true_is_retried_to_success(make_emulator, make_gateway):
    emu = make_emulator()
    gw = make_gateway(emu)
    emu.faults.script("http_500", value="true", path="^/v1/payment_intents$")
    pi = create(gw)
    statuses = [c.status for c in gw.http.posts("/v1/payment_intents")]
    assert statuses == [500, 200]
    assert {c.headers["Idempotency-Key"] for c in gw.http.posts()} == {"a:create"}
    assert list(emu.state.intents) == [pi.id]


def test_500_with_should_retry_false_is_not_retried(make_emulator, make_gateway):
    emu = make_emulator()
    gw = make_gateway(emu)
    emu.faults.script("http_500", value="false")
    with pytest.raises(pe.StripeApiError) as caught:
        create(gw)
    err = caught.value
    assert (err.code, err.http_status, err.should_retry) == ("IT-348", 500, False)
    assert err.retryable and not err.retry_advised and err.outcome_unknown
    assert len(gw.http.calls) == 1 and not emu.state.intents


def test_500_without_hint_is_stored_and_replayed_to_retries(make_emulator, make_gateway):
    emu = make_emulator()
    gw = make_gateway(emu, max_network_retries=2)
    emu.faults.script("http_500")
    with pytest.raises(pe.StripeApiError) as caught:
        create(gw)
    assert caught.value.should_retry is None
    calls = gw.http.posts()
    assert [c.status for c in calls] == [500, 500, 500]
    assert [replayed(c) for c in calls] == [False, True, True]
    assert not emu.state.intents


def test_connection_reset_is_retried_with_the_same_key(make_emulator, make_gateway):
    emu = make_emulator()
    gw = make_gateway(emu)
    emu.faults.script("connection_reset")
    pi = create(gw)
    assert [c.status for c in gw.http.calls] == [None, 200]
    assert list(emu.state.intents) == [pi.id]


def test_response_lost_then_sdk_retry_replays_not_recreates(make_emulator, make_gateway):
    emu = make_emulator()
    gw = make_gateway(emu)
    emu.faults.script("response_lost")
    pi = create(gw)
    calls = gw.http.calls
    assert [c.status for c in calls] == [None, 200] and replayed(calls[1])
    assert list(emu.state.intents) == [pi.id]


def test_response_lost_without_retries_is_outcome_unknown(make_emulator, make_gateway):
    emu = make_emulator()
    gw = make_gateway(emu, max_network_retries=0)
    emu.faults.script("response_lost")
    with pytest.raises(pe.StripeUnreachable) as caught:
        create(gw)
    assert caught.value.outcome_unknown and caught.value.code == "IT-342"
    again = create(gw)  # what the engine does: the same key again
    assert list(emu.state.intents) == [again.id]


def test_rate_limited_429_is_not_retried_by_the_sdk(make_emulator, make_gateway):
    emu = make_emulator()
    gw = make_gateway(emu)
    emu.faults.script("rate_limit")
    with pytest.raises(pe.RateLimited) as caught:
        create(gw)
    assert (caught.value.http_status, caught.value.code) == (429, "IT-341")
    assert caught.value.retryable and len(gw.http.calls) == 1
    assert create(gw).status == "requires_payment_method"  # the key was not used up


def test_rate_limit_window(make_emulator, make_gateway):
    emu = make_emulator(rate_limit=2)
    emu.limiter._monotonic = lambda: 1000.0  # one instant: no flakiness on a slow machine
    gw = make_gateway(emu, max_network_retries=0)
    create(gw, key="k0")
    create(gw, key="k1")
    with pytest.raises(pe.RateLimited):
        create(gw, key="k2")
    emu.limiter._monotonic = lambda: 1001.0  # a second later the window is free
    create(gw, key="k2")


def test_bad_key_is_an_authentication_error(make_emulator, make_gateway):
    emu = make_emulator(accepted_keys=("sk_test_right",))
    gw = make_gateway(emu, api_key="sk_test_wrong")
    with pytest.raises(pe.StripeAuthenticationError) as caught:
        create(gw)
    assert (caught.value.code, caught.value.http_status) == ("IT-340", 401)
    assert not caught.value.retryable


def test_live_keys_are_refused_in_training_before_any_request():
    assert is_live_key("sk_live_abc") and is_live_key("rk_live_abc")
    assert not is_live_key("sk_test_abc")
    for key in ("sk_live_abc", "rk_live_abc"):
        with pytest.raises(pe.LiveKeyInTraining) as caught:
            StripeGateway(key, base_url="http://127.0.0.1:9", training=True)
        assert caught.value.code == "IT-350"
    ensure_key_allowed("sk_live_abc", training=False)  # live mode may use a live key


def test_the_emulator_itself_refuses_live_keys(stripe_emulator, make_gateway):
    gw = make_gateway(stripe_emulator, api_key="sk_live_abc", training=False)
    with pytest.raises(pe.StripeAuthenticationError):
        create(gw)


def test_test_helpers_are_training_only(stripe_emulator, make_gateway):
    gw = make_gateway(stripe_emulator, training=False)
    with pytest.raises(pe.TrainingOnly):
        gw.present_payment_method("tmr_x")
    with pytest.raises(pe.TrainingOnly):
        gw.simulate_reader("tmr_x", "approve")


def test_unreachable_stripe(make_gateway):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gw = make_gateway(base_url=f"http://127.0.0.1:{port}", max_network_retries=1)
    with pytest.raises(pe.StripeUnreachable) as caught:
        gw.retrieve_intent("pi_123")
    assert caught.value.outcome_unknown and caught.value.retryable


def test_short_timeout(make_emulator, make_gateway):
    emu = make_emulator()
    gw = make_gateway(emu, timeout=0.3, max_network_retries=0)
    emu.faults.script("latency", value=1500)
    with pytest.raises(pe.StripeUnreachable):
        create(gw)


def test_idempotency_mismatch(emulator_gateway):
    create(emulator_gateway, amount=1000)
    with pytest.raises(pe.IdempotencyMismatch) as caught:
        create(emulator_gateway, amount=999)
    assert (caught.value.code, caught.value.http_status) == ("IT-343", 400)
    assert not caught.value.retryable


def test_concurrent_same_key_gets_409(make_emulator, make_gateway):
    emu = make_emulator()
    first_gw, second_gw = make_gateway(emu), make_gateway(emu, max_network_retries=0)
    hold = emu.faults.hold("^/v1/payment_intents$")
    done = {}
    worker = threading.Thread(target=lambda: done.setdefault("pi", create(first_gw)))
    worker.start()
    assert hold.entered.wait(5)
    with pytest.raises(pe.IdempotencyInProgress) as caught:
        create(second_gw)
    assert caught.value.http_status == 409 and caught.value.outcome_unknown
    hold.release()
    worker.join(5)
    assert create(second_gw).id == done["pi"].id
    assert len(emu.state.intents) == 1


def test_keys_expire_after_24_hours_of_emulator_clock(stripe_emulator, emulator_gateway):
    first = create(emulator_gateway, amount=1000)
    stripe_emulator.clock.advance(23 * 3600)
    assert create(emulator_gateway, amount=1000).id == first.id
    stripe_emulator.clock.advance(3600)
    second = create(emulator_gateway, amount=999)  # the key is free again
    assert second.id != first.id and second.amount_minor == 999


def test_not_found(emulator_gateway):
    with pytest.raises(pe.PaymentNotFound) as caught:
        emulator_gateway.retrieve_intent("pi_missing")
    assert (caught.value.code, caught.value.http_status, caught.value.stripe_code) == (
        "IT-346", 404, "resource_missing")


def test_every_call_is_reported_for_metrics(make_emulator, make_gateway):
    emu = make_emulator()
    seen = []
    gw = make_gateway(emu, on_call=lambda op, seconds, code: seen.append((op, seconds, code)))
    create(gw)
    with pytest.raises(pe.PaymentNotFound):
        gw.retrieve_intent("pi_missing")
    assert [(op, code) for op, _s, code in seen] == [("create_intent", None),
                                                     ("retrieve_intent", "IT-346")]
    assert all(s >= 0 for _op, s, _c in seen)
    broken = make_gateway(emu, on_call=lambda *a: 1 / 0)  # a failing observer is ignored
    assert broken.retrieve_intent(seen and create(gw).id).status == "requires_payment_method"
