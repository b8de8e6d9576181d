"""Outbox rows: a write made after a network call is a compare-and-set too.

A supervisor resolves a queued cancel (with a note) while the worker's send of it hangs on
Stripe. When the answer arrives, the runner used to write the row it had read before the
call, replacing RESOLVED and wiping the supervisor's note. Now the late write checks the
row's state, tries and key generation first: the supervisor's decision stands, and Stripe's
answer still moves the card attempt (it is evidence).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ireti_till.domain.outbox import OperationState
from ireti_till.domain.payment import AttemptState
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    emu = Emulator.start(EmulatorConfig(rate_limit=None))
    probe = Rig(emu, tmp_path / "probe.sqlite3", reader_id="", till_id="OBX")
    reader = register_reader(probe.gateway, "OBX")
    probe.close()
    r = Rig(emu, tmp_path / "ledger.sqlite3", reader_id=reader, till_id="OBX")
    yield r
    r.close()
    emu.stop()


def test_a_resolve_during_a_hanging_send_is_not_overwritten(rig: Rig) -> None:
    sale = sale_template(800, till_id="OBX")
    rig.tender.begin(sale)
    status = rig.cards.start(sale.sale_id)
    assert status.state is S.ON_READER
    hold = rig.emu.faults.hold(r"/v1/payment_intents/pi_[A-Za-z0-9]+/cancel$")
    with ThreadPoolExecutor(1) as pool:
        esc = pool.submit(rig.cards.abandon, status.attempt_id)  # sends the cancel at once
        try:
            assert hold.entered.wait(10), "the cancel never reached the emulator"
            with rig.ctx.uow() as u:
                [op] = u.payments.operations_for_attempt(status.attempt_id)
            rig.outbox.resolve(op.op_id, "cancelled on the dashboard", "sam")
        finally:
            hold.release()
        assert esc.result(timeout=20).state is S.CANCELLED
    with rig.ctx.uow() as u:
        row = u.payments.get_operation(op.op_id)
        attempt = u.payments.get_attempt(status.attempt_id)
    assert row is not None and row.state is OperationState.RESOLVED
    assert row.resolution == "sam: cancelled on the dashboard"
    assert attempt is not None and attempt.state is S.CANCELLED
    pi = rig.emu.state.intents[attempt.intent_id or ""]
    assert pi["status"] == "canceled"  # the held request did reach Stripe
