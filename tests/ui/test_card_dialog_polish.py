"""Card dialog keys and heading, the queue table filling its width, a one-point chart."""

from __future__ import annotations

from uuid import uuid4

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QHeaderView, QLabel
from pytestqt.qtbot import QtBot

from ireti_till.domain.payment import AttemptState
from ireti_till.services.payments_core import QueueSummary
from ireti_till.ui.ops.charts import MIN_SPAN_S, TimeSeriesChart
from ireti_till.ui.payments import CardTenderDialog, QueuePanel
from ireti_till.worker.signals import PaymentSignals
from tests.ui.test_card_dialog import EUR, FakeActions, status

S = AttemptState


def open_dialog(qtbot: QtBot) -> tuple[CardTenderDialog, PaymentSignals, FakeActions]:
    signals, actions = PaymentSignals(), FakeActions()
    dlg = CardTenderDialog(uuid4(), EUR, actions, signals)
    qtbot.addWidget(dlg)
    dlg.open()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dlg)
    return dlg, signals, actions


def test_one_heading_with_the_amount(qtbot: QtBot) -> None:
    dlg, _signals, _actions = open_dialog(qtbot)
    texts = [w.text() for w in dlg.findChildren(QLabel) if w.isVisible()]
    assert dlg.windowTitle() == "Card payment"
    assert dlg.title.text() == f"Card payment — {EUR.format()}"
    assert sum(1 for t in texts if "Card" in t) == 1  # "Card" is not said twice


def test_focus_enter_and_esc(qtbot: QtBot) -> None:
    dlg, signals, actions = open_dialog(qtbot)
    aid = uuid4()
    signals.card_status.emit(status(dlg.sale_id, aid, S.ON_READER, "waiting_for_card"))
    qtbot.waitUntil(dlg.cancel.hasFocus)  # on the reader: focus on Cancel...
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    assert actions.calls[-1][0] == "start"  # ...and Enter (a stray scan) presses nothing
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Escape)
    assert actions.calls[-1] == ("cancel", aid) and dlg.isVisible()  # reader first
    signals.card_status.emit(status(dlg.sale_id, aid, S.DECLINED, "declined", "Declined"))
    qtbot.waitUntil(dlg.retry.hasFocus)
    assert dlg.retry.isDefault()
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)  # Enter: try another card
    assert actions.calls[-1] == ("try_again", aid)
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_F4)  # F4: take cash instead
    assert actions.calls[-1] == ("abandon", aid)
    signals.card_status.emit(status(dlg.sale_id, aid, S.INTENT_CREATED, "ready", "paused"))
    with qtbot.waitSignal(dlg.rejected, timeout=2000):
        qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Escape)
        signals.card_status.emit(status(dlg.sale_id, aid, S.CANCELLED, "cancelled"))


def test_queue_table_columns_fill_the_width(qtbot: QtBot) -> None:
    panel = QueuePanel(FakeActions(), PaymentSignals())
    qtbot.addWidget(panel)
    panel.resize(1000, 400)
    panel.show()
    panel.show_summary(QueueSummary(0, None, 0, 0, ()))
    header = panel.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.length() >= panel.table.viewport().width() - 2)
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch


def test_a_single_point_gets_a_readable_range_and_a_marker(qtbot: QtBot) -> None:
    chart = TimeSeriesChart("Latency", "ms")
    qtbot.addWidget(chart)
    t = 1_795_000_000.0
    chart.set_series([t], {"p50": [120.0], "p95": [None]})
    assert chart.point_count("p50") == 1
    (x0, x1), (y0, y1) = chart.view_range()
    assert x1 - x0 >= MIN_SPAN_S and x0 < t < x1  # not a one-second axis
    assert y0 <= 0 and 120 < y1 < 200  # from zero, the point inside, not on a sliver
    chart.set_series([t, t + 3600], {"p50": [100.0, 300.0], "p95": [None, None]})
    (x0, x1), (_y0, y1) = chart.view_range()
    assert x0 <= t and x1 >= t + 3600 and y1 > 300
