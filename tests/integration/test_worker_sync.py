"""The sync worker on BackgroundScheduler: signals reach the GUI thread with frozen values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread

from ireti_till.adapters.clock import SystemClock
from ireti_till.domain.payment import AttemptState
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.payments_core import PaymentsCore
from ireti_till.training.server import Emulator, EmulatorConfig
from ireti_till.worker.signals import PaymentSignals
from ireti_till.worker.sync import SyncWorker
from tests.faults.support import Rig, register_reader, sale_template
from tests.fixtures.emissions import Emissions

S = AttemptState


@pytest.fixture
def setup(tmp_path: Path, qtbot) -> Iterator[tuple[Emulator, PaymentsCore, SyncWorker,
                                                    PaymentSignals]]:
    emu = Emulator.start(EmulatorConfig(rate_limit=None))
    rig = Rig(emu, tmp_path / "ledger.sqlite3", reader_id="")
    core = PaymentsCore(rig.ctx.uow, rig.gateway, SystemClock(), "T1")
    core.readers.choose_reader(register_reader(rig.gateway))
    signals = PaymentSignals()
    worker = SyncWorker(core, signals, drain_every=0.2, watch_every=0.2, poll_every=0.05)
    yield emu, core, worker, signals
    worker.stop()
    rig.close()
    emu.stop()


def test_card_sale_through_the_worker(setup, qtbot) -> None:
    emu, core, worker, signals = setup
    seen_threads: list[bool] = []
    statuses: list[CardStatus] = []

    def on_status(st: CardStatus) -> None:
        seen_threads.append(QThread.currentThread() is qtbot_main)
        statuses.append(st)

    from PySide6.QtWidgets import QApplication
    qtbot_main = QApplication.instance().thread()
    signals.card_status.connect(on_status)
    connectivity = Emissions(signals.connectivity)
    worker.start()
    connectivity.wait(qtbot, lambda c: c.card_enabled)
    sale = sale_template(1500)
    core.tender.begin(sale)
    worker.card_start(sale.sale_id)
    qtbot.waitUntil(lambda: any(s.phase == "waiting_for_card" for s in statuses), timeout=5000)
    worker.simulate("approve")
    qtbot.waitUntil(lambda: any(s.phase == "approved" and s.sale_completed for s in statuses),
                    timeout=5000)
    assert all(seen_threads)  # every slot ran on the GUI thread
    # the capture is sent at once, by the card job or by the drain job (whichever is first)
    attempt = statuses[-1].attempt_id
    qtbot.waitUntil(lambda: core.cards.poll(attempt).state is S.CAPTURED, timeout=5000)
    with emu.state.lock:
        assert [p["status"] for p in emu.state.intents.values()] == ["succeeded"]


def test_cancel_does_not_wait_behind_the_follow_loop(setup, qtbot) -> None:
    _emu, core, worker, signals = setup
    statuses: list[CardStatus] = []
    signals.card_status.connect(statuses.append)
    worker.start()
    sale = sale_template(900)
    core.tender.begin(sale)
    worker.card_start(sale.sale_id)
    qtbot.waitUntil(lambda: any(s.phase == "waiting_for_card" for s in statuses), timeout=5000)
    attempt = statuses[-1].attempt_id
    worker.card_cancel(attempt)
    qtbot.waitUntil(lambda: statuses[-1].state is S.INTENT_CREATED, timeout=5000)
    worker.card_abandon(attempt, "cash instead")
    qtbot.waitUntil(lambda: statuses[-1].state is S.CANCELLED, timeout=5000)


def test_failed_capture_is_drained_by_the_worker(setup, qtbot) -> None:
    emu, core, worker, signals = setup
    sale = sale_template(700)
    core.tender.begin(sale)
    st = core.cards.start(sale.sale_id)
    emu.faults.script("connection_reset", path="/capture", count=1)
    emu.simulate.present(core.readers.current_reader() or "", "approve")
    st = core.cards.poll(st.attempt_id)
    assert st.state is S.AUTHORISED and core.queue_summary().count == 1
    core.outbox.retry_now(core.queue_summary().items[0].op_id)
    queue = Emissions(signals.queue)
    worker.start()
    queue.wait(qtbot, lambda q: q.count == 0)
    assert core.cards.poll(st.attempt_id).state is S.CAPTURED


def test_offline_disables_card_and_recovers_by_itself(setup, qtbot) -> None:
    emu, core, worker, signals = setup
    reader = core.readers.current_reader() or ""
    connectivity = Emissions(signals.connectivity)
    worker.start()
    connectivity.wait(qtbot, lambda c: c.card_enabled)
    emu.simulate.set_status(reader, "offline")
    (offline,) = connectivity.wait(qtbot, lambda c: not c.card_enabled)
    assert "offline" in (offline.reason or "")
    connectivity.seen.clear()
    emu.simulate.set_status(reader, "online")
    connectivity.wait(qtbot, lambda c: c.card_enabled)
