"""Shift and printing screens (pytest-qt) on a real ledger: open with a float, paid out with
a supervisor, blind close with the Z, X report view, reprint, printer admin status."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from trading_day_support import SETTINGS, Clock, approval, count, eur, sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.printers.virtual import VirtualPrinter
from ireti_till.domain.overrides import OverrideKind
from ireti_till.domain.print_doc import PrinterStatus
from ireti_till.domain.shift import MovementKind
from ireti_till.services.printing import PrintQueue
from ireti_till.services.shifts import ShiftService
from ireti_till.ui.printing.admin import PrinterAdminDialog, ReprintDialog
from ireti_till.ui.shift.dialogs import CloseShiftDialog, OpenShiftDialog, PaidDialog
from ireti_till.ui.shift.report_view import ReportDialog, save_report_pdf


@pytest.fixture
def ledger(data_dir: Path) -> Iterator[Ledger]:
    opened = open_ledger(data_dir)
    yield opened
    opened.close()


@pytest.fixture
def shifts(ledger: Ledger) -> ShiftService:
    return ShiftService(ledger.uow_factory, Clock(), "T01", SETTINGS)


def button(dialog: Any, object_name: str) -> QPushButton:
    found = dialog.findChild(QPushButton, object_name)
    assert found is not None, object_name
    return found


def test_open_shift_by_counting_the_float_with_the_keyboard(qtbot: QtBot,
                                                            shifts: ShiftService) -> None:
    dialog = OpenShiftDialog(shifts, "ada")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    field = dialog.counter.fields[2000]
    field.setFocus()
    QTest.keyClicks(field, "2")
    QTest.keyClicks(dialog.counter.fields[50], "x")
    QTest.keyClick(dialog.counter.fields[50], Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    assert "IT-604" in dialog.error.text() and shifts.current() is None
    dialog.counter.fields[50].clear()
    QTest.keyClicks(dialog.counter.fields[50], "3")
    assert dialog.counter.total.text() == "Counted  €41.50"
    QTest.keyClick(dialog.counter.fields[50], Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert shifts.current().float_amount == eur(4150)  # type: ignore[union-attr]
    assert dialog.counter.fields[2000].accessibleName() == "How many €20.00"


def test_paid_out_above_the_limit_asks_a_supervisor(qtbot: QtBot,
                                                    shifts: ShiftService) -> None:
    shifts.open("ada", count(n10000=2))
    asked: list[Any] = []

    def require(kind: OverrideKind, amount: Any, reason: str, then: Any, _no: Any) -> None:
        asked.append((kind, amount, reason))
        then(approval(kind, amount))  # the gate calls back once the PIN was typed

    dialog = PaidDialog(shifts, "ada", MovementKind.PAID_OUT, require)
    qtbot.addWidget(dialog)
    dialog.amount.setText("60")
    dialog.reason.setText("supplier invoice")
    button(dialog, "paid_ok").click()
    assert asked == [(OverrideKind.PAID_ABOVE_LIMIT, eur(6000), "supplier invoice")]
    assert dialog.result() == dialog.DialogCode.Accepted
    assert shifts.x_report().paid_out == 6000


def test_blind_close_then_z_view(qtbot: QtBot, ledger: Ledger, shifts: ShiftService) -> None:
    shifts.open("ada", count(n1000=5))
    with ledger.uow_factory() as u:
        u.sales.add(sale(1250, cash=1250, tendered=2000))
        u.commit()
    dialog = CloseShiftDialog(shifts, "ada",
                              lambda *a: a[3](approval(OverrideKind.CASH_OVER_SHORT)))
    qtbot.addWidget(dialog)
    shown = " ".join(w.text() for w in dialog.findChildren(QLineEdit)) + dialog.title.text()
    assert "62.50" not in shown  # blind: the expected cash is not on the screen
    dialog.counter.fields[5000].setText("1")
    dialog.counter.fields[1000].setText("1")
    button(dialog, "close_ok").click()  # 60.00 counted, 62.50 expected: within tolerance
    assert dialog.z is not None and dialog.z.z_no == 1 and dialog.z.over_short == -250
    printed: list[Any] = []
    view = ReportDialog(dialog.z, printed.append)
    qtbot.addWidget(view)
    text = view.text.toPlainText()
    assert "Z REPORT No 1" in text and "Expected in drawer" in text and "€62.50" in text
    button(view, "report_print").click()
    assert printed == [dialog.z] and view.printed
    pdf = save_report_pdf(dialog.z, ledger.path.parent / "z.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def test_reprint_dialog_and_printer_admin(qtbot: QtBot, ledger: Ledger) -> None:
    with ledger.uow_factory() as u:
        u.sales.add(sale(500, cash=500))
        u.commit()
    printer = VirtualPrinter()
    queue = PrintQueue(ledger.uow_factory, Clock(), printer, till_id="T01", store="Shop")
    dialog = ReprintDialog(lambda text: queue.reprint(text, "ada"))
    qtbot.addWidget(dialog)
    dialog.number.setText("7")
    button(dialog, "reprint_ok").click()
    assert "IT-624" in dialog.error.text()
    dialog.number.setText("T01-000001")
    button(dialog, "reprint_ok").click()
    assert dialog.job is not None and dialog.job.copy
    queue.run_once()
    assert "*** COPY ***" in str(printer.last())
    applied: list[dict[str, Any]] = []
    admin = PrinterAdminDialog(current={"kind": "virtual"}, apply=applied.append,
                               status=printer.status, test_print=queue.test_print,
                               jobs=queue.jobs)
    qtbot.addWidget(admin)
    qtbot.waitUntil(lambda: admin.state.text().startswith("ready"))
    button(admin, "printer_test").click()
    assert applied[0]["kind"] == "virtual"
    qtbot.waitUntil(lambda: admin.table.rowCount() == 2)
    assert admin.table.item(0, 0).text() == "test"


def test_printer_admin_shows_a_bad_address_and_an_offline_printer(qtbot: QtBot) -> None:
    from ireti_till.adapters.config_trading_day import printer_config

    admin = PrinterAdminDialog(
        current={"kind": "network", "host": "printer 1"},
        apply=lambda t: printer_config(t), status=lambda: PrinterStatus(False, detail="no"),
        test_print=lambda: pytest.fail("no test print after a bad address"), jobs=list)
    qtbot.addWidget(admin)
    qtbot.waitUntil(lambda: admin.state.text().startswith("offline"))
    button(admin, "printer_test").click()
    assert "IT-623" in admin.error.text()


def test_training_receipts_show_on_screen_from_the_worker_thread(qtbot: QtBot,
                                                                 ledger: Ledger) -> None:
    import threading

    from ireti_till.ui.printing.virtual_view import VirtualReceiptView

    with ledger.uow_factory() as u:
        s = u.sales.add(sale(990, cash=990, tendered=1000))
        u.commit()
    printer = VirtualPrinter()
    view = VirtualReceiptView()
    qtbot.addWidget(view)
    printer.listener = view.deliver
    queue = PrintQueue(ledger.uow_factory, Clock(), printer, till_id="T01", store="Shop")
    queue.receipt(s, kick=True)
    with qtbot.waitSignal(view.printed, timeout=5000):
        threading.Thread(target=queue.run_once).start()
    qtbot.waitUntil(lambda: view.kicks == 1)
    pixmap = view.paper.pixmap()
    assert not pixmap.isNull() and pixmap.height() > 400
