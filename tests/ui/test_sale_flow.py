"""A whole sale by keyboard only, on the real ledger in a fresh data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ireti_till.domain.money import Money
from tests.ui.conftest import Keyboard, gtin, wait_closed, wait_dialog


def test_keyboard_only_sale_is_in_the_ledger(qtbot: QtBot, real_till: Any,
                                             keyboard: Keyboard) -> None:
    window = real_till.window
    table = window.table.basket_model
    for n in (1, 2, 3):  # bread 2.50, milk 1.19, coffee 8.99
        keyboard.scan(gtin(n))
    assert table.rowCount() == 3
    keyboard.type("2*")
    assert window.scan.pending_quantity == 2
    assert window.scan.quantity_chip.text() == "2 ×"
    keyboard.scan(gtin(7))  # chocolate 1.89 x 2
    assert table.rowCount() == 4
    assert table.lines()[-1].quantity == 2
    assert window.scan.pending_quantity is None

    keyboard.press(Qt.Key.Key_F9)  # voids the selected (last scanned) line
    assert [line.name for line in table.lines()] == [
        "Bread, white loaf", "Milk 1 l", "Coffee beans 500 g"]
    assert window.totals.due.text() == Money(1268, "EUR").format()

    keyboard.press(Qt.Key.Key_F4)
    cash = wait_dialog(qtbot, "cash_tender_dialog")
    assert keyboard.focus() is cash.amount
    keyboard.type("20")
    assert cash.change.text() == f"Change due: {Money(732, 'EUR').format()}"
    with qtbot.waitSignal(window.controller.sale_completed) as paid:
        keyboard.press(Qt.Key.Key_Return)
    sale = paid.args[0]
    receipt = wait_dialog(qtbot, "receipt_dialog")
    assert receipt.sale.receipt_code == sale.receipt_code
    assert "7.32" in receipt.findChild(type(receipt.saved), "receipt_change").text()

    with real_till.ledger.read_uow() as uow:
        stored = uow.sales.get(sale.sale_id)
    assert stored is not None
    assert stored.total == Money(1268, "EUR")
    assert stored.change == Money(732, "EUR")
    assert stored.cashier == "Ada" and stored.training
    assert [ln.name for ln in stored.lines if not ln.voided] == [
        "Bread, white loaf", "Milk 1 l", "Coffee beans 500 g"]
    assert [ln.quantity for ln in stored.lines if ln.voided] == [2]

    keyboard.press(Qt.Key.Key_Return)  # New sale
    wait_closed(qtbot, window)
    assert table.rowCount() == 0
    assert window.totals.due.text() == Money(0, "EUR").format()
    keyboard.scan(gtin(2))  # the next sale starts straight away
    assert table.rowCount() == 1


def test_receipt_saves_a_pdf_with_ctrl_s(qtbot: QtBot, real_till: Any, keyboard: Keyboard,
                                         data_dir: Path) -> None:
    keyboard.scan(gtin(5))
    keyboard.press(Qt.Key.Key_F4)
    wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.press(Qt.Key.Key_Return)  # exact cash
    receipt = wait_dialog(qtbot, "receipt_dialog")
    keyboard.press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert receipt.saved_path is not None
    pdf = Path(receipt.saved_path)
    assert pdf.parent == data_dir / "receipts"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert receipt.sale.receipt_code in pdf.name
    keyboard.press(Qt.Key.Key_Escape)  # Esc also starts the next sale
    wait_closed(qtbot, real_till.window)
    assert real_till.window.table.basket_model.rowCount() == 0
