"""Refund rows in the outbox: sent once with <refund-id>:refund, reconciled by refund id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from ireti_till.domain.money import Money
from ireti_till.domain.outbox import OperationState
from ireti_till.domain.payment import AttemptState
from ireti_till.services.outbox_refunds import refund_op
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    emu = Emulator.start(EmulatorConfig(rate_limit=None))
    probe = Rig(emu, tmp_path / "probe.sqlite3", reader_id="")
    reader = register_reader(probe.gateway)
    probe.close()
    r = Rig(emu, tmp_path / "ledger.sqlite3", reader_id=reader)
    yield r
    r.close()
    emu.stop()


def paid(rig: Rig):
    sale = sale_template(2000)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    rig.emu.simulate.present(rig.reader_id, "approve")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.CAPTURED
    return rig.cards._load(st.attempt_id)


def refunds_of(rig: Rig, intent_id: str) -> list[dict]:
    with rig.emu.state.lock:
        return [dict(r) for r in rig.emu.state.refunds.values()
                if r.get("payment_intent") == intent_id]


@pytest.mark.parametrize("fault", [None, "response_lost", "connection_reset", "http_500"])
def test_refund_is_sent_exactly_once(rig: Rig, fault: str | None) -> None:
    a = paid(rig)
    refund_id = uuid4()
    with rig.ctx.uow() as u:
        u.payments.enqueue(refund_op(refund_id, a, Money(500, "EUR"), "requested_by_customer",
                                     rig.ctx.clock.now()))
        u.commit()
    if fault:
        rig.emu.faults.script(fault, path="/v1/refunds$", count=1)
    for _ in range(4):
        for item in rig.outbox.queue():
            rig.outbox.retry_now(item.op_id)
        rig.outbox.drain()
    refunds = refunds_of(rig, a.intent_id or "")
    assert len(refunds) == 1 and refunds[0]["amount"] == 500
    assert refunds[0]["metadata"]["refund_id"] == str(refund_id)
    with rig.ctx.uow() as u:
        (op,) = [o for o in u.payments.operations_for_attempt(a.attempt_id)
                 if o.kind.value == "refund"]
    assert op.state is OperationState.DONE
    if fault == "http_500":  # stored 500: listed by refund id, none found, new key generation
        assert op.key == f"{refund_id}:refund:r1"
    else:
        assert op.key == f"{refund_id}:refund"
    assert rig.cards._load(a.attempt_id).state is S.CAPTURED  # a refund never moves it
