"""Card payments wired into the real composition, in training mode: the emulator starts in
the background after the window is shown, a training reader is registered once, F5 opens
the card dialog, the simulate-approve button takes the payment to captured. No sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from ireti_till.domain.payment import AttemptState
from tests.ui.conftest import Keyboard, gtin, open_till, wait_closed, wait_dialog
from tests.ui.test_app_wiring import CASHIER_PIN, SUPERVISOR_PIN, sign_in


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir, background=True)


def wait_modal(qtbot: QtBot, name: str) -> Any:
    """The card dialog keeps the focus off its buttons (the scanner must not press one)."""
    qtbot.waitUntil(lambda: (QApplication.activeModalWidget() is not None
                             and QApplication.activeModalWidget().objectName() == name))
    return QApplication.activeModalWidget()


def card_ready(qtbot: QtBot, till: Any) -> None:
    qtbot.waitUntil(lambda: till.cards.get().online, timeout=20_000)


def test_card_key_is_off_with_a_reason_until_stripe_and_the_reader_answer(
        qtbot: QtBot, till: Any) -> None:
    card = till.window.pad.buttons["card"]
    assert till.cards.done
    if not till.cards.get().online:  # the emulator starts on a thread: off, with the reason
        assert not card.isEnabled() and card.toolTip()
    card_ready(qtbot, till)
    assert not card.isEnabled() and card.toolTip() == "Scan an item first"
    qtbot.waitUntil(lambda: "training" in till.window.status.stripe.text())
    qtbot.waitUntil(lambda: "online" in till.window.status.reader.text())
    assert (till.data_dir / "training-stripe.json").exists()
    # one scheduler for the till: the payments worker runs on the operations jobs' one
    assert till.payments.get().worker.scheduler is till.ops.get().jobs.scheduler


def test_training_card_sale_through_the_dialog_reaches_captured(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    card_ready(qtbot, till)
    keyboard.scan(gtin(1))
    keyboard.press(Qt.Key.Key_F5)
    dialog = wait_modal(qtbot, "card_tender_dialog")
    approve = dialog.findChild(QPushButton, "card_simulate_approve")
    qtbot.waitUntil(approve.isEnabled, timeout=15_000)
    approve.click()
    receipt = wait_dialog(qtbot, "receipt_dialog")
    sale = receipt.sale
    assert [t.kind for t in sale.tenders] == ["card"]
    core = till.payments.get().core
    qtbot.waitUntil(lambda: core.tender.progress(sale.sale_id).cards[0].state
                    is AttemptState.CAPTURED, timeout=20_000)
    keyboard.press(Qt.Key.Key_Return)
    wait_closed(qtbot, till.window)
    assert till.window.table.basket_model.rowCount() == 0


def test_a_card_not_taken_keeps_the_basket_for_cash(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    card_ready(qtbot, till)
    keyboard.scan(gtin(1))
    first_id = till.window.controller.service.sale_id
    keyboard.press(Qt.Key.Key_F5)
    dialog = wait_modal(qtbot, "card_tender_dialog")
    cancel = dialog.findChild(QPushButton, "card_simulate_customer_cancels")
    qtbot.waitUntil(cancel.isEnabled, timeout=15_000)
    cancel.click()  # the customer cancels on the reader: the dialog offers another card
    qtbot.waitUntil(lambda: dialog.status is not None
                    and dialog.status.phase != "waiting_for_card", timeout=15_000)
    dialog.cancel.click()  # the cashier gives up on the card
    qtbot.waitUntil(lambda: till.window.controller.dialog is None, timeout=15_000)
    wait_closed(qtbot, till.window)
    assert till.window.table.basket_model.rowCount() == 1
    assert till.window.controller.service.sale_id != first_id
    keyboard.press(Qt.Key.Key_F4)
    wait_dialog(qtbot, "cash_tender_dialog")
    keyboard.press(Qt.Key.Key_Return)
    receipt = wait_dialog(qtbot, "receipt_dialog")
    assert [t.kind for t in receipt.sale.tenders] == ["cash"]
    core = till.payments.get().core
    qtbot.waitUntil(lambda: core.tender.progress(first_id).state.value == "voided")


def test_queue_panel_and_reader_screen_for_supervisors(qtbot: QtBot, till: Any) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    cards = till.cards.get()
    assert not cards.queue_action.isVisible()
    till.staff.lock()
    sign_in(qtbot, till, SUPERVISOR_PIN, "Bola")
    assert cards.queue_action.isVisible() and not cards.reader_action.isVisible()
    card_ready(qtbot, till)
    panel = cards.open_queue()
    assert panel is not None and panel.objectName() == "queue_panel"
    qtbot.waitUntil(lambda: "nothing" in panel.summary.text().lower()
                    or "0" in panel.summary.text())
    panel.close()


def test_card_key_goes_off_with_the_reason_when_the_reader_is_unreachable(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    from datetime import UTC, datetime

    from ireti_till.services.connectivity import Connectivity

    sign_in(qtbot, till, CASHIER_PIN)
    card_ready(qtbot, till)
    keyboard.scan(gtin(1))
    card = till.window.pad.buttons["card"]
    qtbot.waitUntil(card.isEnabled)
    offline = Connectivity(True, False, datetime.now(UTC), "The card reader is offline",
                           "IT-325", "tmr_x", "Front")
    till.cards.get().signals.connectivity.emit(offline)
    qtbot.waitUntil(lambda: not card.isEnabled())
    assert "reader is offline" in card.toolTip() and "F4" in card.toolTip()
    qtbot.waitUntil(lambda: "offline" in till.window.status.reader.text())
    assert till.window.pad.buttons["cash"].isEnabled()  # cash keeps working
    keyboard.press(Qt.Key.Key_F5)
    assert "reader is offline" in till.window.messages.text()
