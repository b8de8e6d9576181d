"""F8 on the real composition (training, tmp data dir): keyboard only, no sleeps.

A cashier rings a cash sale, presses F8 on the empty basket, types the receipt code, picks
lines with arrows and +/-, gives the reason and confirms; the refund receipt shows the cash
leg. A refund above the cashier's limit asks the supervisor PIN right there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ireti_till.services.staff_ports import AuditFilter
from tests.ui.conftest import (
    Keyboard,
    cash_sale,
    gtin,
    open_refund,
    open_till,
    wait_closed,
    wait_dialog,
)
from tests.ui.test_app_wiring import CASHIER_PIN, SUPERVISOR_PIN, answer_override, sign_in


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir, background=True)


@pytest.fixture
def keyboard(qtbot: QtBot) -> Keyboard:
    return Keyboard(qtbot)


def test_f8_keyboard_path_refunds_chosen_lines_in_cash(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    refund_key = till.window.pad.buttons["refund"]
    keyboard.scan(gtin(1))
    assert not refund_key.isEnabled() and "empty basket" in refund_key.toolTip()
    keyboard.press(Qt.Key.Key_F8)  # refused with the reason, nothing opens
    assert QApplication.activeModalWidget() is None
    code = cash_sale(qtbot, till, keyboard, "2*" + gtin(3))
    assert refund_key.isEnabled()
    keyboard.press(Qt.Key.Key_F8)
    dialog = wait_dialog(qtbot, "refund_dialog")
    assert dialog.code.hasFocus()
    keyboard.type(code.lower())
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.lines.hasFocus())
    assert dialog.lines.rowCount() == 2 and "left" in dialog.summary.text()
    keyboard.press(Qt.Key.Key_Plus)  # bread: 1 (the only one)
    keyboard.press(Qt.Key.Key_Plus)  # capped at what was sold
    keyboard.press(Qt.Key.Key_Down)
    keyboard.press(Qt.Key.Key_Plus)  # coffee: 1 of 2
    assert dialog.chosen == {1: 1, 2: 1}
    assert dialog.quote_label.text().startswith("Refund €11.49: €11.49 cash from the drawer")
    keyboard.press(Qt.Key.Key_Return)  # no reason yet: the reason field takes the focus
    qtbot.waitUntil(lambda: dialog.reason.hasFocus())
    keyboard.type("wrong item")
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.record is not None)
    record = dialog.record
    assert record.amount.minor == 1149 and record.legs[0].state.value == "paid"
    assert "Pay €11.49 from the drawer" in dialog.status.text()
    text = dialog.paper.text()
    assert "REFUND" in text and record.code in text and "paid out" in text
    qtbot.waitUntil(lambda: dialog.receipt_scroll.hasFocus() and dialog.ready_to_close)
    keyboard.press(Qt.Key.Key_Return)  # Done
    wait_closed(qtbot, till.window)
    entries = till.staff.services.audit.get().search(AuditFilter(kind="refund"))
    assert [e.actor for e in entries] == [till.staff.current.user_id]
    dialog = open_refund(qtbot, keyboard, code)  # again: only the second coffee is left
    keyboard.press(Qt.Key.Key_Plus)
    assert dialog.chosen == {1: 0}
    keyboard.press(Qt.Key.Key_Escape)
    wait_closed(qtbot, till.window)


def test_refund_above_the_cashier_limit_asks_a_supervisor_there(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    code = cash_sale(qtbot, till, keyboard, "8*" + gtin(6))  # 8 x 12.99
    dialog = open_refund(qtbot, keyboard, code)
    dialog.amount.setFocus()
    keyboard.type("60")
    assert "Needs a supervisor's PIN" in dialog.quote_label.text()
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.reason.hasFocus())
    keyboard.type("damaged box")
    answer_override(qtbot, SUPERVISOR_PIN)()
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=10_000)
    assert dialog.record.approver_id is not None
    assert dialog.record.approver_id != till.staff.current.user_id
    dialog.accept()
    wait_closed(qtbot, till.window)


def test_without_a_receipt_cash_only_and_a_supervisor_always(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    keyboard.press(Qt.Key.Key_F8)
    dialog = wait_dialog(qtbot, "refund_dialog")
    keyboard.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.amount.hasFocus())
    keyboard.type("20")
    assert "Needs a supervisor's PIN" in dialog.quote_label.text()
    assert "cash from the drawer" in dialog.quote_label.text()
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.reason.hasFocus())
    keyboard.type("gift, no receipt")
    answer_override(qtbot, SUPERVISOR_PIN)()
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=10_000)
    record = dialog.record
    assert record.sale_id is None and not record.receipt and record.amount.minor == 2000
    assert [leg.action.value for leg in record.legs] == ["cash_out"]
    assert record.approver_id not in (None, till.staff.current.user_id)
    assert "Original no receipt" in dialog.paper.text()
    dialog.accept()
    wait_closed(qtbot, till.window)
