"""Under random seeded network faults, the gateway plus a simple engine-style retry loop
(same key; after retries run out, look the payment up by metadata) never creates two
PaymentIntents for one attempt, never captures twice, never refunds more than captured."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ireti_till.adapters.stripe_gateway import StripeGateway
from ireti_till.domain import payment_errors as pe
from ireti_till.services.payment_port import Address
from ireti_till.training import Emulator, EmulatorConfig, FaultPlan
from tests.fixtures.emulator import *  # noqa: F403
from tests.fixtures.emulator import ContractHTTPClient

TRIES = 6
INJECTED: list[int] = []


def retried(fn):
    """Same request, same key, until it works or cannot work."""
    last = None
    for _ in range(TRIES):
        try:
            return fn()
        except pe.IdempotencyMismatch:
            raise
        except pe.StripePaymentError as err:
            if not (err.retry_advised or err.outcome_unknown):
                raise
            last = err
    raise last


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 100_000), rate=st.sampled_from([0.05, 0.15, 0.3]),
       hint=st.sampled_from(["true", "false", "absent"]))
def test_no_double_charge_under_faults(stripe_contract, seed, rate, hint):
    plan = FaultPlan(seed=seed, http_500=rate / 2, http_500_should_retry=hint,
                     connection_reset=rate / 2, response_lost=rate, rate_limit_burst=rate / 4,
                     rate_limit_burst_length=2)
    emu = Emulator.start(EmulatorConfig(rate_limit=None))
    sink = []
    emu.observers.append(lambda req, out: sink.extend(
        stripe_contract.check_response(req.method, req.path, out.status, json.loads(out.body))
        if out.body and out.disposition != "reset" else []))
    http = ContractHTTPClient(stripe_contract, timeout=5)
    gw = StripeGateway(emu.api_key, base_url=emu.base_url, training=True,
                       max_network_retries=1, http_client=http)
    try:
        loc = gw.create_location("Shop", Address("1 High St", "Leeds", "GB"),
                                 idempotency_key="loc")
        reader = gw.register_reader("simulated-wpe", loc.id, label="T", idempotency_key="rd")
        faults = emu.set_fault_plan(plan)  # faults from here on
        outcomes = {f"att-{n}": one_attempt(gw, emu, reader.id, f"att-{n}")
                    for n in range(4)}
        state = emu.state
        for n in range(4):
            mine = [p for p in state.intents.values()
                    if p["metadata"].get("attempt_id") == f"att-{n}"]
            assert len(mine) <= 1, outcomes
            for p in mine:
                captures = [e for e in state.events if e["type"] == "charge.captured"
                            and e["data"]["object"]["payment_intent"] == p["id"]]
                assert len(captures) <= 1
                refunded = sum(r["amount"] for r in state.refunds.values()
                               if r["payment_intent"] == p["id"])
                assert refunded <= p["amount_received"]
        assert not sink and not http.violations
        INJECTED.append(sum(faults.injected.values()))
    finally:
        emu.stop()


def one_attempt(gw, emu, reader_id, attempt):
    """A card tender as the engine will run it; returns how far it got."""
    meta = {"attempt_id": attempt, "sale_id": "sale", "till_id": "t"}
    try:
        pi = retried(lambda: gw.create_intent(1000, "gbp", idempotency_key=f"{attempt}:create",
                                              metadata=meta))
    except pe.StripePaymentError:
        found = retried(lambda: gw.search_intents({"attempt_id": attempt}))
        if not found:
            return "not created"
        pi = found[0]
    try:
        retried(lambda: gw.process_on_reader(reader_id, pi.id,
                                             idempotency_key=f"{attempt}:process:1"))
        emu.simulate.present(reader_id, "approve")
        retried(lambda: gw.capture_intent(pi.id, idempotency_key=f"{attempt}:capture"))
        retried(lambda: gw.create_refund(pi.id, idempotency_key=f"{attempt}:refund",
                                         amount_minor=400))
        return "refunded"
    except pe.StripePaymentError as err:
        if reader_action_in_progress(emu, reader_id):
            emu.simulate.present(reader_id, "customer_cancels")
        return f"stopped: {err.code}"


def reader_action_in_progress(emu, reader_id):
    action = emu.state.readers[reader_id].get("action")
    return bool(action and action["status"] == "in_progress")


def test_the_faults_were_real(stripe_contract):
    """Guards the property above against a plan that injects nothing. In a random order it
    may run first: then it runs the property itself."""
    if not INJECTED:
        test_no_double_charge_under_faults(stripe_contract=stripe_contract)
    assert INJECTED and sum(INJECTED) > len(INJECTED)
