"""Events sweep (dedup, lag, confirming a lost capture) and the 23-hour rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from ireti_till.domain.money import Money
from ireti_till.domain.outbox import OperationState
from ireti_till.domain.payment import Attempt, AttemptState, create_key
from ireti_till.services.events_sweep import EventsSweep
from ireti_till.services.recovery import Recovery
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.support import Rig, StepClock, register_reader, sale_template

S = AttemptState


@pytest.fixture
def emu() -> Iterator[Emulator]:
    e = Emulator.start(EmulatorConfig(rate_limit=None))
    yield e
    e.stop()


def rig_on(emu: Emulator, tmp: Path, clock: object = None) -> Rig:
    probe = Rig(emu, tmp / "probe.sqlite3", reader_id="")
    reader = register_reader(probe.gateway)
    probe.close()
    return Rig(emu, tmp / "ledger.sqlite3", reader_id=reader, clock=clock)


def test_sweep_confirms_a_capture_whose_answer_was_lost(emu: Emulator, tmp_path: Path) -> None:
    rig = rig_on(emu, tmp_path)
    sweep = EventsSweep(rig.ctx)
    first = sweep.run()
    assert first.ok
    sale = sale_template(1500)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    emu.faults.script("response_lost", path="/capture$", count=1)
    emu.simulate.present(rig.reader_id, "approve")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.AUTHORISED and st.sale_completed  # captured at Stripe, answer lost
    result = sweep.run()
    assert result.ok and result.new >= 1 and result.applied == 1
    assert result.lag_s is not None and result.lag_s >= 0
    assert rig.cards.poll(st.attempt_id).state is S.CAPTURED
    assert rig.outbox.queue() == []
    again = sweep.run()
    assert again.ok and again.new == 0 and again.fetched >= result.new  # de-duplicated
    rig.close()


def test_sweep_reports_failure_without_guessing(emu: Emulator, tmp_path: Path) -> None:
    rig = rig_on(emu, tmp_path)
    emu.faults.script("connection_reset", path="/v1/events", count=5)
    result = EventsSweep(rig.ctx).run()
    assert not result.ok and result.error
    rig.close()


def test_planned_attempt_past_23_hours_is_looked_up_by_metadata(emu: Emulator,
                                                               tmp_path: Path) -> None:
    clock = StepClock(datetime.now(UTC) - timedelta(hours=30))
    rig = rig_on(emu, tmp_path, clock)
    sale = sale_template(800)
    rig.tender.begin(sale)
    aid = uuid4()
    a = Attempt(aid, sale.sale_id, "T1", Money(800, "EUR"), S.PLANNED, clock.now(), clock.now())
    with rig.ctx.uow() as u:
        u.payments.add_attempt(a, create_key(aid), "{}")
        u.commit()
    clock.advance(hours=30)  # the till was off for more than a day
    rig.ctx.clock = clock
    report = Recovery(rig.ctx, rig.outbox).run()
    assert report.outcomes == {"cancelled": 1}
    with rig.ctx.uow() as u:
        got = u.payments.get_attempt(aid)
        assert got is not None and got.reason == "no PaymentIntent was ever created"
    assert not [p for p in emu.state.intents.values()
                if p["metadata"].get("attempt_id") == str(aid)]  # nothing was created
    rig.close()


def test_old_capture_is_reconciled_before_it_is_resent(emu: Emulator, tmp_path: Path) -> None:
    clock = StepClock(datetime.now(UTC))
    rig = rig_on(emu, tmp_path, clock)
    sale = sale_template(600)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    emu.faults.script("http_500", path="/capture$", count=1)
    emu.simulate.present(rig.reader_id, "approve")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.AUTHORISED
    clock.advance(hours=23, minutes=30)
    (item,) = rig.outbox.queue()
    rig.outbox.retry_now(item.op_id)
    rig.outbox.drain()
    with rig.ctx.uow() as u:
        (op,) = u.payments.operations_for_attempt(st.attempt_id)
    assert op.state is OperationState.DONE and op.key_generation == 1
    assert op.key.endswith(":capture:r1")  # a read proved the first key took no effect
    assert rig.cards.poll(st.attempt_id).state is S.CAPTURED
    rig.close()
