"""Network faults from the emulator: each fault kind at each step of a card payment.

A cashier keeps going the way the screen lets them (resume, try again, present the card);
the worker keeps draining. Whatever the fault, the sale ends paid exactly once: one
PaymentIntent, captured once, equal to the card tender in the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ireti_till.domain.payment import AttemptState
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.scenario import check
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState
STEPS = {
    "create": r"/v1/payment_intents$",
    "process": r"/process_payment_intent$",
    "read_reader": r"/v1/terminal/readers/tmr_[A-Za-z0-9]+$",
    "read_intent": r"/v1/payment_intents/pi_[A-Za-z0-9]+$",
    "capture": r"/capture$",
}
REQUEST_FAULTS = [("http_500", "absent"), ("http_500", "true"), ("http_500", "false"),
                  ("rate_limit", None), ("connection_reset", None), ("response_lost", None),
                  ("latency", 300)]
READER_FAULTS = ["reader_offline", "reader_busy", "reader_timeout",
                 "reader_timeout_false_negative", "slow_reader"]
SUMMARY: list[dict] = []


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = Emulator.start(EmulatorConfig(rate_limit=None))
    yield e
    e.stop()
    print("\nNETWORK FAULT SUMMARY " + json.dumps({
        "cases": len(SUMMARY), "double_charges": sum(s["double_charges"] for s in SUMMARY),
        "sales_lost": sum(s["sales_lost"] for s in SUMMARY),
        "orphans": sum(s["orphans"] for s in SUMMARY)}))


def pay_like_a_cashier(rig: Rig, emu: Emulator, till: str) -> None:
    sale = sale_template(1234, till_id=till)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    presented = False
    for _ in range(20):
        if st.state in (S.AUTHORISED, S.CAPTURED):
            break
        if st.state is S.CANCELLED:  # Stripe failed the request: press Card again
            st = rig.cards.start(sale.sale_id)
        elif st.state is S.PLANNED:
            st = rig.cards.resume(st.attempt_id)
        elif st.state in (S.INTENT_CREATED, S.DECLINED):
            st = rig.cards.try_again(st.attempt_id)
            presented = False
        elif st.state is S.ON_READER:
            if not presented:
                try:
                    emu.simulate.present(rig.reader_id, "approve")
                    presented = True
                except Exception:  # noqa: BLE001 - no action waiting yet
                    pass
            emu.clock.advance(5)  # lets a slow reader answer
            emu.tick()
            st = rig.cards.poll(st.attempt_id)
        else:
            pytest.fail(f"unexpected state {st}")
    for _ in range(5):
        items = rig.outbox.queue()
        if not items:
            break
        for item in items:
            rig.outbox.retry_now(item.op_id)
        rig.outbox.drain()
    assert rig.cards.poll(st.attempt_id).state is S.CAPTURED


def run_case(emu: Emulator, tmp_path: Path, till: str, kind: str, path: str,
             value: object) -> None:
    emu.faults.clear()
    probe = Rig(emu, tmp_path / "probe.sqlite3", reader_id="", till_id=till)
    reader = register_reader(probe.gateway, till)
    probe.close()
    rig = Rig(emu, tmp_path / "ledger.sqlite3", reader_id=reader, till_id=till)
    try:
        emu.faults.script(kind, path=path if not kind.startswith(("reader", "slow")) else reader,
                          count=3 if kind == "rate_limit" else 1, value=value)
        pay_like_a_cashier(rig, emu, till)
        with emu.state.lock:
            intents = [dict(p) for p in emu.state.intents.values()]
        books = check(rig.db_path, intents, till)
        mine = [p for p in intents if p["metadata"].get("till_id") == till]
        SUMMARY.append({"case": f"{kind}@{path}", "double_charges": books.double_charges,
                        "sales_lost": books.sales_lost, "orphans": books.orphan_authorisations})
        assert books.clean, books
        assert [p["status"] for p in mine].count("succeeded") == 1
        assert all(p["status"] in ("succeeded", "canceled") for p in mine), mine
    finally:
        emu.faults.clear()
        rig.close()


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize(("kind", "value"), REQUEST_FAULTS)
def test_request_fault_at_step(emu: Emulator, tmp_path: Path, kind: str, value: object,
                               step: str) -> None:
    till = f"N{abs(hash((kind, value, step))) % 10**8}"
    run_case(emu, tmp_path, till, kind, STEPS[step], value)


@pytest.mark.parametrize("kind", READER_FAULTS)
def test_reader_fault(emu: Emulator, tmp_path: Path, kind: str) -> None:
    run_case(emu, tmp_path, f"R{READER_FAULTS.index(kind)}", kind, "", None)
