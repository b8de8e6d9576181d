"""The card tender dialog and the queue panel (pytest-qt, offscreen, waiting on signals)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from PySide6.QtCore import Qt

from ireti_till.adapters.clock import SystemClock
from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState, CaptureUrgency
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.outbox import QueueItem
from ireti_till.services.payments_core import SIMULATE_OUTCOMES, PaymentsCore, QueueSummary
from ireti_till.training.server import Emulator, EmulatorConfig
from ireti_till.ui.payments import CardTenderDialog, QueuePanel
from ireti_till.worker.signals import PaymentSignals
from ireti_till.worker.sync import SyncWorker
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState
EUR = Money(1250, "EUR")


class FakeActions:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def card_start(self, sale_id: UUID, amount: Money | None = None) -> None:
        self.calls.append(("start", sale_id))

    def card_try_again(self, attempt_id: UUID) -> None:
        self.calls.append(("try_again", attempt_id))

    def card_cancel(self, attempt_id: UUID) -> None:
        self.calls.append(("cancel", attempt_id))

    def card_abandon(self, attempt_id: UUID, reason: str) -> None:
        self.calls.append(("abandon", attempt_id))

    def simulate(self, outcome: str) -> None:
        self.calls.append(("simulate", outcome))

    def retry_now(self, op_id: UUID) -> None:
        self.calls.append(("retry_now", op_id))

    def resolve(self, op_id: UUID, reason: str) -> None:
        self.calls.append(("resolve", op_id, reason))


def status(sale: UUID, aid: UUID, state: AttemptState, phase: str, msg: str = "",
           **kw) -> CardStatus:
    return CardStatus(aid, sale, state, phase, msg, EUR, **kw)


def test_decline_shows_reason_and_try_another_card(qtbot) -> None:
    signals, actions, sale, aid = PaymentSignals(), FakeActions(), uuid4(), uuid4()
    dlg = CardTenderDialog(sale, EUR, actions, signals, simulate=SIMULATE_OUTCOMES)
    qtbot.addWidget(dlg)
    assert actions.calls == [("start", sale)]
    signals.card_status.emit(status(sale, aid, S.ON_READER, "waiting_for_card", "Present card"))
    assert dlg.headline.text() == "Present card"
    assert all(b.isEnabled() for b in dlg.sim_buttons)
    qtbot.mouseClick(dlg.sim_buttons[2], Qt.MouseButton.LeftButton)
    assert actions.calls[-1] == ("simulate", "insufficient_funds")
    signals.card_status.emit(status(sale, aid, S.DECLINED, "declined",
                                    "The card was declined for insufficient funds.",
                                    error_code="IT-311", decline_code="insufficient_funds"))
    assert "insufficient funds" in dlg.detail.text() and "IT-311" in dlg.detail.text()
    assert not dlg.retry.isHidden() and not any(b.isEnabled() for b in dlg.sim_buttons)
    qtbot.mouseClick(dlg.retry, Qt.MouseButton.LeftButton)
    assert actions.calls[-1] == ("try_again", aid)
    with qtbot.waitSignal(dlg.accepted, timeout=2000):
        signals.card_status.emit(status(sale, aid, S.CAPTURED, "approved", card_brand="visa",
                                        card_last4="4242", sale_completed=True))
    assert dlg.status is not None and dlg.status.sale_completed


def test_escape_while_on_reader_cancels_on_the_reader_first(qtbot) -> None:
    signals, actions, sale, aid = PaymentSignals(), FakeActions(), uuid4(), uuid4()
    dlg = CardTenderDialog(sale, EUR, actions, signals)
    qtbot.addWidget(dlg)
    dlg.show()
    signals.card_status.emit(status(sale, aid, S.ON_READER, "waiting_for_card"))
    dlg.reject()
    assert actions.calls[-1] == ("cancel", aid) and dlg.isVisible()
    signals.card_status.emit(status(sale, aid, S.INTENT_CREATED, "ready", "cancelled"))
    with qtbot.waitSignal(dlg.rejected, timeout=2000):
        qtbot.mouseClick(dlg.cash, Qt.MouseButton.LeftButton)
        assert actions.calls[-1] == ("abandon", aid)
        signals.card_status.emit(status(sale, aid, S.CANCELLED, "cancelled"))


def test_queue_panel_lists_operations_and_asks_for_actions(qtbot, monkeypatch) -> None:
    signals, actions = PaymentSignals(), FakeActions()
    panel = QueuePanel(actions, signals)
    qtbot.addWidget(panel)
    op = uuid4()
    item = QueueItem(op, "capture", uuid4(), EUR, 7200.0, 3, "HTTP 500: boom", "pending",
                     datetime.now(UTC), CaptureUrgency.URGENT, "authorised")
    signals.queue.emit(QueueSummary(1, 7200.0, 0, 0, (item,)))
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 5).text() == "HTTP 500: boom"
    assert "CAPTURE DUE" in panel.table.item(0, 6).text() and "2.0 h" in panel.summary.text()
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    assert actions.calls[-1] == ("retry_now", op)
    from PySide6.QtWidgets import QApplication, QInputDialog
    qtbot.mouseClick(panel.resolve_button, Qt.MouseButton.LeftButton)  # opens, returns
    asked = next(w for w in QApplication.topLevelWidgets()
                 if w.objectName() == "ask_text_dialog" and w.isVisible())
    assert isinstance(asked, QInputDialog) and actions.calls[-1] == ("retry_now", op)
    asked.setTextValue("paid by cash")
    asked.accept()
    assert actions.calls[-1] == ("resolve", op, "paid by cash")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[PaymentsCore, SyncWorker, PaymentSignals]]:
    emu = Emulator.start(EmulatorConfig(rate_limit=None))
    rig = Rig(emu, tmp_path / "ledger.sqlite3", reader_id="")
    core = PaymentsCore(rig.ctx.uow, rig.gateway, SystemClock(), "T1")
    core.readers.choose_reader(register_reader(rig.gateway))
    signals = PaymentSignals()
    worker = SyncWorker(core, signals, poll_every=0.05, watch_every=0.5)
    worker.start()
    yield core, worker, signals
    worker.stop()
    rig.close()
    emu.stop()


def test_training_card_sale_end_to_end(qtbot, live) -> None:
    core, worker, signals = live
    sale = sale_template(1250)
    core.tender.begin(sale)
    dlg = CardTenderDialog(sale.sale_id, EUR, worker, signals, simulate=SIMULATE_OUTCOMES)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.sim_buttons[0].isEnabled(), timeout=5000)
    qtbot.mouseClick(dlg.sim_buttons[1], Qt.MouseButton.LeftButton)  # decline
    qtbot.waitUntil(lambda: dlg.headline.text() == "Card declined", timeout=5000)
    qtbot.mouseClick(dlg.retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.sim_buttons[0].isEnabled(), timeout=5000)
    with qtbot.waitSignal(dlg.accepted, timeout=5000):
        qtbot.mouseClick(dlg.sim_buttons[0], Qt.MouseButton.LeftButton)
    assert dlg.status is not None and dlg.status.sale_completed
