"""Regression: Esc (abandon) while the PaymentIntent create is failing.

The cashier's card dialog sends the create from a worker thread; the cashier presses Esc
while that request hangs. The abandon commits CANCELLED (+ a cancel row). When the create
then fails (no answer, or a 500), the card service used to write the attempt it had read
*before* the call back to the ledger, putting a CANCELLED attempt back to PLANNED. Every
state change is now one compare-and-set (``PaymentRepository.transition``), so the late
writer loses the race and the attempt stays CANCELLED.

The overlap is made with the emulator's ``hold`` (the create is parked on the server until
the test lets it go), not with sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ireti_till.domain.payment import AttemptState
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState
CREATE = r"/v1/payment_intents$"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = Emulator.start(EmulatorConfig(rate_limit=None))
    yield e
    e.stop()


@pytest.fixture
def rig(emu: Emulator, tmp_path: Path) -> Iterator[Rig]:
    emu.faults.clear()
    probe = Rig(emu, tmp_path / "probe.sqlite3", reader_id="", till_id="ESC")
    reader = register_reader(probe.gateway, "ESC")
    probe.close()
    r = Rig(emu, tmp_path / "ledger.sqlite3", reader_id=reader, till_id="ESC")
    yield r
    emu.faults.clear()
    r.close()


def _state(rig: Rig, attempt_id: object) -> AttemptState:
    with rig.ctx.uow() as u:
        a = u.payments.get_attempt(attempt_id)  # type: ignore[arg-type]
    assert a is not None
    return a.state


@pytest.mark.parametrize(("fault", "value"), [("response_lost", None), ("http_500", "true"),
                                               ("http_500", "absent")])
def test_esc_while_create_fails_leaves_the_attempt_cancelled(
        rig: Rig, emu: Emulator, fault: str, value: str | None) -> None:
    sale = sale_template(1250, till_id="ESC")
    rig.tender.begin(sale)
    hold = emu.faults.hold(CREATE)
    emu.faults.script(fault, path=CREATE, value=value)
    with ThreadPoolExecutor(1) as pool:
        card = pool.submit(rig.cards.start, sale.sale_id)  # the dialog's worker thread
        try:
            assert hold.entered.wait(10), "the create never reached the emulator"
            [attempt] = rig.tender.progress(sale.sale_id).cards
            assert attempt.state is S.PLANNED
            esc = rig.cards.abandon(attempt.attempt_id)  # the cashier presses Esc
            assert esc.state is S.CANCELLED
        finally:
            hold.release()
        late = card.result(timeout=20)
    assert late.state is S.CANCELLED, late
    assert _state(rig, attempt.attempt_id) is S.CANCELLED
    # Nothing is left hanging at Stripe either: the cancel row finds and cancels any
    # PaymentIntent the held create made, and the attempt never leaves CANCELLED.
    for item in rig.outbox.queue():
        rig.outbox.retry_now(item.op_id)
    rig.outbox.drain()
    assert _state(rig, attempt.attempt_id) is S.CANCELLED
    mine = [p for p in rig.intents() if p["metadata"].get("attempt_id")
            == str(attempt.attempt_id)]
    assert all(p["status"] == "canceled" for p in mine), mine
    # The sale is still open: the cashier can take cash or press Card again.
    assert rig.tender.progress(sale.sale_id).state.value == "open"
