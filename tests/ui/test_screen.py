"""Screen-wide promises: names, touch targets, placeholders, the worker bridge, catalog import."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLineEdit,
    QListWidget,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ireti_till.ui.bridge import Connectivity, QueueStatus, ReaderStatus, StripeStatus
from ireti_till.ui.main_window import MainWindow
from tests.ui.conftest import Keyboard, gtin, wait_closed, wait_dialog

CONTROLS = (QAbstractButton, QLineEdit, QTableView, QListWidget)


def _controls(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if isinstance(w, CONTROLS)
            and not w.objectName().startswith("qt_")]


def test_every_control_has_matching_accessible_and_object_names(fake_window: MainWindow) -> None:
    controls = _controls(fake_window)
    assert len(controls) >= 11  # scan field, basket table, nine function buttons
    for widget in controls:
        assert widget.objectName(), widget
        assert widget.accessibleName() == widget.objectName(), widget.objectName()
    for label in ("status_mode", "status_stripe", "status_reader", "status_queue",
                  "status_cashier", "totals_due", "message_text", "scan_quantity"):
        found = fake_window.findChild(QWidget, label)
        assert found is not None and found.accessibleName() == label


def test_dialog_controls_are_named_too(qtbot: QtBot, fake_window: MainWindow,
                                       keyboard: Keyboard) -> None:
    keyboard.scan(gtin(1))
    for key, name in ((Qt.Key.Key_F4, "cash_tender_dialog"), (Qt.Key.Key_F2,
                      "product_search_dialog"), (Qt.Key.Key_F7, "discount_dialog")):
        keyboard.press(key)
        dialog = wait_dialog(qtbot, name)
        for widget in _controls(dialog):
            assert widget.accessibleName() == widget.objectName() != "", widget
        keyboard.press(Qt.Key.Key_Escape)
        wait_closed(qtbot, fake_window)


def test_buttons_are_touch_sized_and_show_their_key(fake_window: MainWindow) -> None:
    for key, button in fake_window.pad.buttons.items():
        assert button.height() >= 48, key
        assert button.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert "F4" in fake_window.pad.buttons["cash"].text()
    assert "F2" in fake_window.pad.buttons["find"].text()
    assert "F9" in fake_window.pad.buttons["void"].text()


def test_card_and_refund_are_disabled_with_a_reason(qtbot: QtBot, fake_window: MainWindow,
                                                    keyboard: Keyboard) -> None:
    card = fake_window.pad.buttons["card"]
    assert card.text() == "Card\nF5" and not card.isEnabled()
    assert card.toolTip() == "Card reader not set up"
    assert not fake_window.pad.buttons["refund"].isEnabled()
    keyboard.scan(gtin(1))
    with qtbot.waitSignal(fake_window.pad.unavailable):
        keyboard.press(Qt.Key.Key_F5)
    assert fake_window.messages.text().startswith("Card reader not set up: take cash (F4)")
    assert fake_window.controller.dialog is None and fake_window.scan.field.hasFocus()


def test_status_bar_placeholders(fake_window: MainWindow) -> None:
    status = fake_window.status
    assert status.mode.text().strip() == "TRAINING"
    assert status.cashier.text() == "Cashier: Ada"
    assert "Queue" in status.queue.text() and "Reader" in status.reader.text()


def test_bridge_updates_status_from_a_worker_thread(qtbot: QtBot,
                                                    fake_window: MainWindow) -> None:
    bridge, status = fake_window.bridge, fake_window.status
    gui_thread = QThread.currentThread()
    seen_threads: list[object] = []
    bridge.queue_changed.connect(lambda _s: seen_threads.append(QThread.currentThread()),
                                 Qt.ConnectionType.QueuedConnection)

    def worker() -> None:
        bridge.publish_stripe(StripeStatus(Connectivity.OFFLINE, "no network since 10:42"))
        bridge.publish_reader(ReaderStatus("Front counter", "online"))
        bridge.publish_queue(QueueStatus(3, oldest_age_s=125.0))
        bridge.publish_cashier("Bola")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: status.cashier.text() == "Cashier: Bola")
    assert status.stripe.text() == "○ Stripe: offline"
    assert status.stripe.toolTip() == "no network since 10:42"
    assert status.reader.text() == "Reader: Front counter (online)"
    assert status.queue.text() == "Queue: 3 (oldest 2 min)"
    qtbot.waitUntil(lambda: bool(seen_threads))
    assert seen_threads == [gui_thread]


def test_catalog_import_runs_off_the_ui_thread(qtbot: QtBot, real_till: Any,
                                               keyboard: Keyboard, tmp_path: Path) -> None:
    csv = tmp_path / "more.csv"
    rows = ["sku,gtin,name,price,tax_code"] + [
        f"NEW-{i:04d},,Imported thing {i},1.{i % 100:02d},S" for i in range(1, 301)]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    window = real_till.window
    assert window.import_action.isEnabled()
    with qtbot.waitSignal(window.import_task.finished, timeout=20000) as done:
        window.import_task.run(csv)
        assert window.import_task.dialog is not None  # progress shown while it runs
    assert done.args[0] is True and "Imported 300 products" in done.args[1]
    assert window.import_task.dialog is None
    qtbot.waitUntil(lambda: window.scan.field.hasFocus())
    keyboard.scan("NEW-0042")  # a SKU typed into the scan field
    assert [ln.name for ln in window.table.basket_model.lines()] == ["Imported thing 42"]


def test_catalog_import_with_bad_rows_imports_nothing(qtbot: QtBot, real_till: Any,
                                                      tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("sku,gtin,name,price,tax_code\nOK-1,,Fine,1.00,S\nBAD-1,,Bad,1e3,S\n",
                   encoding="utf-8")
    window = real_till.window
    with qtbot.waitSignal(window.import_task.finished, timeout=20000) as done:
        window.import_task.run(csv)
    assert done.args[0] is False and "IT-180" in done.args[1] and "line 3" in done.args[1]
    assert "IT-180" in window.messages.text()
    assert window.controller.service.search("Fine") == []


def test_window_keeps_focus_after_activation(qtbot: QtBot, fake_window: MainWindow) -> None:
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    fake_window.activateWindow()
    qtbot.waitUntil(lambda: fake_window.scan.field.hasFocus())


def test_other_pages_stop_sale_keys_and_cashier_switch_swaps_basket(
        qtbot: QtBot, fake_window: MainWindow, keyboard: Keyboard) -> None:
    from PySide6.QtWidgets import QLineEdit

    from tests.fakes import make_sale_service

    keyboard.scan(gtin(1))
    lock = QLineEdit()
    lock.setObjectName("pin_field")
    fake_window.show_panel(lock)
    qtbot.waitUntil(lock.hasFocus)
    keyboard.press(Qt.Key.Key_F4)  # no cash dialog behind a lock screen
    keyboard.press(Qt.Key.Key_F9)
    assert fake_window.controller.dialog is None
    assert len(fake_window.table.basket_model.lines()) == 1
    other, _factory, _clock = make_sale_service(cashier="Bola")
    fake_window.set_cashier(type("Member", (), {"name": "Bola"})(), other)
    fake_window.show_sale_page()
    qtbot.waitUntil(fake_window.scan.field.hasFocus)
    assert fake_window.status.cashier.text() == "Cashier: Bola"
    assert fake_window.table.basket_model.rowCount() == 0  # Bola's own (empty) basket
    keyboard.scan(gtin(2))
    assert [ln.name for ln in other.view().lines] == ["Milk 1 l"]
