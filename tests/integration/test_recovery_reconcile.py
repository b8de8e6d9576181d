"""Attempts that need reconciliation are listed in the queue and checked again on evidence."""

from __future__ import annotations

from pathlib import Path

from ireti_till.adapters.clock import SystemClock
from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from ireti_till.services.payments_core import PaymentsCore
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState


def test_needs_reconciliation_is_listed_noted_and_rechecked(tmp_path: Path) -> None:
    emu = Emulator.start(EmulatorConfig(rate_limit=None))
    rig = Rig(emu, tmp_path / "ledger.sqlite3", reader_id="")
    core = PaymentsCore(rig.ctx.uow, rig.gateway, SystemClock(), "T1")
    core.readers.choose_reader(register_reader(rig.gateway))
    try:
        sale = sale_template(2000)
        core.tender.begin(sale)
        st = core.cards.start(sale.sale_id, Money(1500, "EUR"))
        emu.simulate.present(core.readers.current_reader() or "", "approve")
        st = core.cards.poll(st.attempt_id)
        assert st.state is S.AUTHORISED and not st.sale_completed
        with core.ctx.uow() as u:  # as if the evidence had been ambiguous
            a = u.payments.get_attempt(st.attempt_id)
            assert a is not None
            u.payments.transition(a.attempt_id, a.state, S.NEEDS_RECONCILIATION,
                                  now=a.updated_at, reason="PaymentIntent processing at recovery")
            u.commit()
        summary = core.queue_summary()
        assert summary.needs_reconciliation == 1
        (item,) = [i for i in summary.items if i.kind == "reconcile"]
        assert item.op_id == st.attempt_id and item.amount == Money(1500, "EUR")
        core.resolve(item.op_id, "customer says card was charged", "sam")
        assert core.cards.poll(st.attempt_id).state is S.NEEDS_RECONCILIATION  # notes only
        assert "sam: customer says" in (core.cards.poll(st.attempt_id).message)
        core.retry(item.op_id)  # check again: the PI is requires_capture
        assert core.cards.poll(st.attempt_id).state is S.AUTHORISED
        assert core.queue_summary().needs_reconciliation == 0
        prog = core.tender.pay_cash(sale.sale_id, Money(500, "EUR"))
        assert prog.completed
        core.outbox.drain()
        assert core.cards.poll(st.attempt_id).state is S.CAPTURED
    finally:
        rig.close()
        emu.stop()
