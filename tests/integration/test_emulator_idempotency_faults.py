"""The emulator's idempotency rules, rate limit, clock and seeded fault injection."""

import json
import threading

import pytest
import stripe

from ireti_till.training import Clock, FaultInjector, FaultPlan
from ireti_till.training.ratelimit import RateLimiter
from ireti_till.training.wire import ApiError
from tests.fixtures.emulator import *  # noqa: F403

PARAMS = {"amount": 500, "currency": "gbp", "payment_method_types": ["card_present"]}


def client(emu, retries=0):
    return stripe.StripeClient(emu.api_key, base_addresses={"api": emu.base_url},
                               max_network_retries=retries).v1


def test_replay_returns_the_first_response_marked_replayed(stripe_emulator):
    sdk = client(stripe_emulator)
    first = sdk.payment_intents.create(params=PARAMS, options={"idempotency_key": "k1"})
    again = sdk.payment_intents.create(params=PARAMS, options={"idempotency_key": "k1"})
    assert again.id == first.id and len(stripe_emulator.state.intents) == 1
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert again.last_response.request_id != first.last_response.request_id


def test_errors_are_replayed_too_but_validation_failures_are_not_stored(stripe_emulator):
    sdk = client(stripe_emulator)
    pi = sdk.payment_intents.create(params=PARAMS)
    for _ in range(2):  # a business error is the stored answer for the key
        with pytest.raises(stripe.InvalidRequestError) as caught:
            sdk.payment_intents.capture(pi.id, options={"idempotency_key": "cap"})
        assert caught.value.code == "payment_intent_unexpected_state"
    replays = caught.value.headers.get("Idempotent-Replayed")
    assert replays == "true"
    with pytest.raises(stripe.InvalidRequestError):  # bad params: nothing stored
        sdk.payment_intents.create(params={"amount": "x", "currency": "gbp"},
                                   options={"idempotency_key": "k2"})
    ok = sdk.payment_intents.create(params={"amount": 5, "currency": "gbp"},
                                    options={"idempotency_key": "k2"})
    assert ok.amount == 5


def test_other_parameters_with_the_same_key(stripe_emulator):
    sdk = client(stripe_emulator)
    sdk.payment_intents.create(params=PARAMS, options={"idempotency_key": "k"})
    with pytest.raises(stripe.IdempotencyError) as caught:
        sdk.payment_intents.create(params={**PARAMS, "amount": 501},
                                   options={"idempotency_key": "k"})
    assert caught.value.http_status == 400
    assert caught.value.error.type == "idempotency_error"


def test_get_ignores_idempotency_keys(stripe_emulator):
    sdk = client(stripe_emulator)
    pi = sdk.payment_intents.create(params=PARAMS, options={"idempotency_key": "k"})
    got = sdk.payment_intents.retrieve(pi.id, options={"idempotency_key": "k"})
    assert "Idempotent-Replayed" not in got.last_response.headers


def test_in_flight_key_answers_409(stripe_emulator):
    sdk = client(stripe_emulator)
    hold = stripe_emulator.faults.hold("^/v1/payment_intents$")
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault(
        "pi", sdk.payment_intents.create(params=PARAMS, options={"idempotency_key": "k"})))
    worker.start()
    assert hold.entered.wait(5)
    with pytest.raises(stripe.APIError) as caught:
        sdk.payment_intents.create(params=PARAMS, options={"idempotency_key": "k"})
    assert caught.value.http_status == 409
    assert caught.value.json_body["error"]["code"] == "idempotency_key_in_use"
    hold.release()
    worker.join(5)
    assert "pi" in result


def test_rate_limiter_window_is_one_second():
    now = [100.0]
    limiter = RateLimiter(2, monotonic=lambda: now[0])
    limiter.check()
    limiter.check()
    with pytest.raises(ApiError) as caught:
        limiter.check()
    assert (caught.value.status, caught.value.code) == (429, "rate_limit")
    now[0] += 1.0
    limiter.check()
    RateLimiter(None).check()


def test_rate_limit_429_in_stripes_shape(make_emulator):
    emu = make_emulator(rate_limit=1)
    emu.limiter._monotonic = lambda: 50.0  # every request in the same instant
    sdk = client(emu)
    sdk.payment_intents.list()
    with pytest.raises(stripe.RateLimitError) as caught:
        sdk.payment_intents.list()
    assert caught.value.http_status == 429
    assert caught.value.json_body["error"]["code"] == "rate_limit"


def test_clock():
    clock = Clock(start=1_000.0, source=lambda: 50.0)
    assert clock.now() == 1_000.0
    clock.advance(86_400)
    assert clock.timestamp() == 87_400
    clock.freeze()
    clock.advance(1)
    assert clock.now() == 87_401
    with pytest.raises(ValueError):
        clock.advance(-1)


def _sequence(plan, n=200):
    faults = FaultInjector(plan)
    out = []
    for i in range(n):
        f = faults.on_request("/v1/payment_intents")
        out.append((f.before, f.after, round(f.latency_s, 6),
                    faults.reader_fault(f"tmr_{i}"), faults.reader_delay()))
    return out, faults.injected


def test_fault_plans_are_deterministic_per_seed():
    plan = FaultPlan(seed=7, latency="uniform", latency_ms=1, latency_high_ms=5, http_500=0.1,
                     rate_limit_burst=0.05, rate_limit_burst_length=3, connection_reset=0.05,
                     response_lost=0.05, reader_busy=0.1, reader_offline=0.05, slow_reader=0.1)
    first, counts = _sequence(plan)
    assert first == _sequence(plan)[0]
    assert first != _sequence(FaultPlan(**{**plan.__dict__, "seed": 8}))[0]
    for kind in ("http_500", "rate_limit", "connection_reset", "response_lost",
                 "reader_busy", "slow_reader"):
        assert counts.get(kind, 0) > 0, kind
    bursts = [b for b, *_ in first]
    starts = [i for i, b in enumerate(bursts) if b == "rate_limit" and
              (i == 0 or bursts[i - 1] != "rate_limit")]
    assert all(bursts[i:i + 3] == ["rate_limit"] * 3 for i in starts if i + 3 <= len(bursts))


def test_fault_plan_files(tmp_path):
    as_json = tmp_path / "faults.json"
    as_json.write_text(json.dumps({"seed": 3, "http_500": 0.5, "http_500_should_retry": "true",
                                   "paths": "^/v1/payment_intents"}))
    plan = FaultPlan.from_file(as_json)
    assert (plan.seed, plan.http_500, plan.http_500_should_retry) == (3, 0.5, "true")
    as_toml = tmp_path / "faults.toml"
    as_toml.write_text('seed = 4\nlatency = "lognormal"\nlatency_ms = 40.0\n')
    assert FaultPlan.from_file(as_toml).latency == "lognormal"
    faults = FaultInjector(plan)
    assert all(faults.on_request("/v1/refunds").before is None for _ in range(50))
    with pytest.raises(ValueError, match="unknown fault setting"):
        FaultPlan.from_dict({"http_501": 1})
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"http_500_should_retry": "maybe"})


def test_seeded_plan_on_a_running_emulator(make_emulator):
    emu = make_emulator(faults=FaultPlan(seed=1, http_500=1.0, http_500_should_retry="false"))
    with pytest.raises(stripe.APIError) as caught:
        client(emu, retries=2).payment_intents.list()
    assert caught.value.http_status == 500
    assert caught.value.headers["Stripe-Should-Retry"] == "false"
    assert emu.faults.injected["http_500"] == 1  # the SDK obeyed the header: no retry


def test_an_emulator_bug_is_a_500_that_frees_the_key(stripe_emulator, monkeypatch):
    from ireti_till.training import pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    routes = [(m, p, broken if p.pattern == "^/v1/payment_intents$" and m == "POST" else h)
              for m, p, h in pipeline.ROUTES]
    monkeypatch.setattr(pipeline, "ROUTES", routes)
    sdk = client(stripe_emulator)
    with pytest.raises(stripe.APIError) as caught:
        sdk.payment_intents.create(params=PARAMS, options={"idempotency_key": "k"})
    assert caught.value.http_status == 500
    monkeypatch.undo()
    assert sdk.payment_intents.create(params=PARAMS, options={"idempotency_key": "k"}).id
