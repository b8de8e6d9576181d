"""The trading day through the real composed till (app.build_till, training, staff sign-in).

Training opens a shift at sign-in; a cash sale's receipt job is committed with the sale and
printed by the worker on the virtual printer, whose paper appears on the sale screen; the
Shift menu's X report, blind close and Z; no sale outside a shift (IT-601), and selling
again after Open shift; paid out above the limit asks a supervisor's PIN with open(); no
sale records a movement in the shift and kicks the drawer; reprint; the printer in the
status bar. No sleeps: waitUntil and timers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ireti_till.domain.shift import MovementKind, ShiftState
from tests.ui.conftest import Keyboard, gtin, open_refund, open_till, wait_closed, wait_dialog
from tests.ui.test_app_wiring import CASHIER_PIN, SUPERVISOR_PIN, answer_override, sign_in


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir, background=True)


def trigger(till: Any, name: str) -> None:
    action = till.window.findChild(QAction, name)
    assert action is not None and action.isEnabled(), name
    action.trigger()


def cash_sale(qtbot: QtBot, till: Any, keyboard: Keyboard, n: int = 1) -> Any:
    keyboard.scan(gtin(n))
    keyboard.press(Qt.Key.Key_F4)
    wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.press(Qt.Key.Key_Return)
    receipt = wait_dialog(qtbot, "receipt_dialog")
    sale = receipt.sale
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, till.window)
    return sale


def jobs(till: Any) -> list[Any]:
    return till.trading_day.get().queue.jobs()


def test_training_shift_then_a_cash_sale_prints_its_receipt_on_screen(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    day = till.trading_day.get()
    assert day.shifts.current() is None
    sign_in(qtbot, till, CASHIER_PIN)
    shift = day.shifts.current()
    assert shift is not None and shift.state is ShiftState.OPEN  # training opened it
    sale = cash_sale(qtbot, till, keyboard)
    receipts = [j for j in jobs(till) if j.kind == "receipt"]
    assert [j.ref for j in receipts] == [sale.receipt_code]
    assert receipts[0].kick  # cash: the drawer opens with it
    qtbot.waitUntil(lambda: jobs(till)[0].state == "printed", timeout=10_000)
    assert day.virtual is not None and day.virtual.drawer_kicks == 1
    from ireti_till.ui.printing.virtual_view import VirtualReceiptView

    view = till.window.findChild(VirtualReceiptView, "virtual_receipt")
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: view.paper.pixmap() is not None
                    and not view.paper.pixmap().isNull())
    with till.ledger.read_uow() as uow:
        stamped = uow.connection.exec_driver_sql(
            "SELECT shift_id FROM sales WHERE id = ?", (str(sale.sale_id),)).scalar()
    assert stamped == shift.shift_id
    qtbot.waitUntil(lambda: till.window.status.findChild(QLabel, "status_printer")
                    is not None, timeout=10_000)
    label = till.window.status.findChild(QLabel, "status_printer")
    qtbot.waitUntil(lambda: "Printer ready" in label.text(), timeout=10_000)


def test_x_then_blind_close_then_no_sale_until_a_shift_is_opened(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    sale = cash_sale(qtbot, till, keyboard, 2)
    trigger(till, "action_x_report")
    report = wait_dialog(qtbot, "report_dialog")
    text = report.text.toPlainText()
    assert "X REPORT" in text and sale.total.format() in text
    QTest.keyClick(report, Qt.Key.Key_Escape)
    wait_closed(qtbot, till.window)
    qtbot.waitUntil(lambda: (r := till.payments.peek()) is not None and r.core is not None,
                    timeout=15_000)  # card payments are up: the Z asks Stripe (emulator)
    trigger(till, "action_close_shift")
    dialog = wait_dialog(qtbot, "close_shift_dialog")
    assert sale.total.format() not in dialog.title.text()  # blind: nothing expected shown
    euros = sale.total.minor // 100
    cents = sale.total.minor % 100
    dialog.counter.fields[100].setText(str(euros))
    dialog.counter.fields[1].setText(str(cents))
    QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    z = wait_dialog(qtbot, "report_dialog")
    assert z.report.z_no == 1 and z.report.over_short == 0
    assert "Z REPORT No 1" in z.text.toPlainText()
    assert z.report.reconciliation and "Stripe: 0 payments" in z.report.reconciliation[0]
    QTest.keyClick(z, Qt.Key.Key_Escape)
    wait_closed(qtbot, till.window)
    keyboard.scan(gtin(1))  # the shift is closed: no sale starts
    qtbot.waitUntil(lambda: "IT-601" in till.window.messages.text())
    assert till.window.controller.service.view().is_empty
    trigger(till, "action_open_shift")
    opening = wait_dialog(qtbot, "open_shift_dialog")
    QTest.keyClick(opening, Qt.Key.Key_F6)  # the last close's float
    wait_closed(qtbot, till.window)
    shift = till.trading_day.get().shifts.current()
    assert shift is not None and shift.float_amount == sale.total
    cash_sale(qtbot, till, keyboard, 1)


def test_paid_out_above_the_limit_asks_a_supervisor_without_a_nested_loop(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    day = till.trading_day.get()
    for _ in range(2):  # 80.00 in the drawer, each paid in within the 50.00 limit
        day.shifts.paid_in(till.staff.current.user_id, money(4000), "change from the bank")
    trigger(till, "action_paid_out")
    dialog = wait_dialog(qtbot, "paid_out_dialog")
    dialog.amount.setText("60.00")
    dialog.reason.setText("supplier invoice")
    answer_override(qtbot, SUPERVISOR_PIN)()
    QTest.keyClick(dialog.reason, Qt.Key.Key_Return)
    wait_closed(qtbot, till.window)
    x = day.shifts.x_report()
    assert x.paid_out == 6000
    with till.ledger.read_uow() as uow:
        moves = uow.shifts.movements(day.shifts.current().shift_id)
    out = [m for m in moves if m.kind is MovementKind.PAID_OUT]
    assert len(out) == 1 and out[0].approver is not None
    qtbot.waitUntil(lambda: any(j.kind == "drawer" and j.state == "printed"
                                for j in jobs(till)), timeout=10_000)


def test_no_sale_is_recorded_in_the_shift_and_opens_the_drawer(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    answer_override(qtbot, SUPERVISOR_PIN, reason="change for the float")()
    keyboard.press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "No sale" in till.window.messages.text())
    day = till.trading_day.get()
    assert day.shifts.x_report().no_sales == 1
    qtbot.waitUntil(lambda: any(j.kind == "drawer" for j in jobs(till)))


def test_reprint_marks_a_copy(qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    sale = cash_sale(qtbot, till, keyboard)
    trigger(till, "action_reprint")
    dialog = wait_dialog(qtbot, "reprint_dialog")
    QTest.keyClicks(dialog.number, str(sale.receipt_no))
    QTest.keyClick(dialog.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(j.copy and j.ref == sale.receipt_code for j in jobs(till)))


def money(minor: int) -> Any:
    from ireti_till.domain.money import Money

    return Money(minor, "EUR")



def test_the_back_office_stays_off_until_the_till_is_enrolled(
        qtbot: QtBot, data_dir: Path) -> None:
    gen = open_till(qtbot, data_dir, background=True)
    till = next(gen)
    try:
        scheduler = till.ops.get().jobs.scheduler
        # "backoffice-start" is a one-off on the trading day's lane, queued on the GUI thread
        # with "printer-status": once that is registered, a marker queued after it on the same
        # (single-thread, in-order) lane runs only after the start has looked and given up.
        qtbot.waitUntil(lambda: scheduler.has("printer-status"))
        looked = threading.Event()
        scheduler.submit("trading-day", "marker", looked.set)
        qtbot.waitUntil(looked.is_set)
        assert till.backoffice.peek() is None
        assert not scheduler.has("backoffice-sync")
        assert till.window.status.findChild(QLabel, "status_backoffice") is None
    finally:
        next(gen, None)


def test_an_enrolled_till_shows_its_waiting_feed_while_the_server_is_away(
        qtbot: QtBot, data_dir: Path, keyboard: Keyboard) -> None:
    import socket

    from ireti_till.adapters.backoffice_feed import SqlFeedStore
    from ireti_till.adapters.backoffice_wiring import TOKEN_NAME
    from ireti_till.adapters.secrets import SecretStore

    with socket.socket() as probe:  # a loopback port nobody listens on: the server is away
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gen = open_till(qtbot, data_dir)
    till = next(gen)
    try:
        SqlFeedStore(till.ledger.engine).set_state("url", f"http://127.0.0.1:{port}")
        SecretStore(data_dir, training=True).set(TOKEN_NAME, "till-token")
        till.start_background()
        qtbot.waitUntil(lambda: till.backoffice.peek() is not None, timeout=10_000)
        jobs_now = till.ops.get().jobs.scheduler
        assert jobs_now.has("backoffice-sync")
        assert jobs_now.has("backoffice-catalog")
        sign_in(qtbot, till, CASHIER_PIN)
        cash_sale(qtbot, till, keyboard)

        def shown() -> str:
            label = till.window.status.findChild(QLabel, "status_backoffice")
            return label.text() if label is not None else ""

        qtbot.waitUntil(lambda: "waiting" in shown(), timeout=15_000)
        assert shown().startswith("Back office: ") and "oldest" in shown()
        cards = till.cards.get()  # the payment queue panel shows the same line
        qtbot.waitUntil(lambda: cards.worker is not None and cards.core is not None,
                        timeout=15_000)
        panel = cards.open_queue()
        assert panel is not None
        qtbot.waitUntil(lambda: "waiting" in panel.backoffice.text())
        assert panel.backoffice.isVisible()
    finally:
        next(gen, None)


@pytest.mark.parametrize(("keys", "dialog"), [
    ("Ctrl+Shift+X", "report_dialog"), ("Ctrl+Shift+C", "close_shift_dialog"),
    ("Ctrl+Shift+I", "paid_in_dialog"), ("Ctrl+Shift+U", "paid_out_dialog"),
    ("Ctrl+R", "reprint_dialog"),
])
def test_the_shift_keys_work_from_the_scan_field(qtbot: QtBot, till: Any, keys: str,
                                                  dialog: str) -> None:
    from PySide6.QtGui import QKeySequence

    sign_in(qtbot, till, CASHIER_PIN)
    combo = QKeySequence(keys)[0]
    QTest.keyClick(till.window.scan.field, combo.key(), combo.keyboardModifiers())
    wait_dialog(qtbot, dialog).reject()
    wait_closed(qtbot, till.window)


def test_a_cash_refund_prints_its_slip_and_opens_the_drawer(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    sale = cash_sale(qtbot, till, keyboard, 1)
    dialog = open_refund(qtbot, keyboard, sale.receipt_code)
    keyboard.press(Qt.Key.Key_Plus)
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.reason.hasFocus())
    keyboard.type("wrong item")
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.record is not None)
    code = dialog.record.code
    slips = lambda: [j for j in jobs(till) if j.kind == "refund"]  # noqa: E731
    qtbot.waitUntil(lambda: [j.ref for j in slips()] == [code])
    assert slips()[0].kick  # cash went out of the drawer
    qtbot.waitUntil(lambda: slips()[0].state == "printed", timeout=10_000)
    assert till.trading_day.get().shifts.x_report().refunds_total == sale.total.minor


def test_admin_sets_the_printer_and_a_bad_address_changes_nothing(
        qtbot: QtBot, till: Any) -> None:
    from tests.ui.test_app_wiring import ADMIN_PIN

    assert till.window.findChild(QAction, "action_printer").isEnabled() is False
    sign_in(qtbot, till, ADMIN_PIN, "Chidi")
    config = till.config.path
    before = config.read_text(encoding="utf-8")
    trigger(till, "action_printer")
    dialog = wait_dialog(qtbot, "printer_admin")
    qtbot.waitUntil(lambda: dialog.state.text().startswith("ready"))  # training: on screen
    dialog.kind.setCurrentText("network")
    dialog.host.setText("not an address!")
    dialog.save_and_test()
    assert "IT-623" in dialog.error.text()
    assert config.read_text(encoding="utf-8") == before  # nothing written
    dialog.host.setText("127.0.0.1")
    dialog.port.setText("9100")
    dialog.save_and_test()
    text = config.read_text(encoding="utf-8")
    assert 'kind = "network"' in text and 'host = "127.0.0.1"' in text
    assert "[shift]" in text  # the rest of the file stays
    day = till.trading_day.get()
    assert day.settings.printer.kind == "network" and day.virtual is not None  # training
    qtbot.waitUntil(lambda: any(j.kind == "test" for j in jobs(till)))


def test_esc_in_the_close_count_goes_back_to_selling(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    trigger(till, "action_close_shift")
    dialog = wait_dialog(qtbot, "close_shift_dialog")
    assert till.trading_day.get().shifts.current().state is ShiftState.CLOSING
    QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    wait_closed(qtbot, till.window)
    assert till.trading_day.get().shifts.current().state is ShiftState.OPEN
    cash_sale(qtbot, till, keyboard)


def test_the_status_bar_shows_a_printer_that_went_offline(qtbot: QtBot, till: Any) -> None:
    from dataclasses import replace

    from ireti_till.adapters.printers.escpos_printer import PrinterConfig
    from tests.fixtures.escpos_printer import EscposPrinterEmulator

    day = till.trading_day.get()
    scheduler = till.ops.get().jobs.scheduler
    with EscposPrinterEmulator() as printer:
        config = PrinterConfig(kind="network", host="127.0.0.1", port=printer.port,
                               timeout=1.0)
        day.use_printer(replace(day.settings, printer=config), training=False)
        printer.power(False)
        scheduler.request("printer-status")

        def label() -> Any:
            return till.window.status.findChild(QLabel, "status_printer")

        qtbot.waitUntil(lambda: label() is not None and "IT-620" in label().text(),
                        timeout=10_000)
        assert label().text().startswith("Printer offline") and "color" in label().styleSheet()
        printer.power(True)
        scheduler.request("printer-status")
        qtbot.waitUntil(lambda: label().text().startswith("Printer ready"), timeout=10_000)
        assert label().styleSheet() == ""


def test_a_receipt_job_that_cannot_be_stored_keeps_the_sale_uncommitted(
        qtbot: QtBot, till: Any, keyboard: Keyboard, monkeypatch: pytest.MonkeyPatch) -> None:
    """The job is written in the sale's own transaction: both or neither."""
    from ireti_till.domain.errors import LedgerError

    sign_in(qtbot, till, CASHIER_PIN)
    queue = till.trading_day.get().queue

    def broken(uow_sale: Any, *, kick: bool = False) -> Any:
        raise LedgerError("the disk failed", code="IT-203")

    monkeypatch.setattr(queue, "receipt_job", broken)
    keyboard.scan(gtin(1))
    keyboard.press(Qt.Key.Key_F4)
    dialog = wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "IT-203" in dialog.error.text())
    with till.ledger.read_uow() as uow:
        assert uow.sales.count() == 0
    assert jobs(till) == [] and len(till.window.controller.service.view().lines) == 1
