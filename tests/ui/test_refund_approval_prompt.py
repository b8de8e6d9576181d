"""The refund screen's supervisor PIN opens with ``open()`` (no nested event loop): Enter
returns at once, the dialog is answered among the top-level windows; Cancel shows IT-437
in the refund dialog and refunds nothing, a supervisor's PIN commits the refund."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Keyboard, open_till, wait_dialog
from tests.ui.pin_prompt import answer, closed
from tests.ui.test_app_wiring import CASHIER_PIN, SUPERVISOR_PIN, sign_in


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir, background=True)


def test_refund_approval_cancelled_then_given(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    keyboard.press(Qt.Key.Key_F8)
    dialog = wait_dialog(qtbot, "refund_dialog")
    keyboard.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.amount.hasFocus())
    keyboard.type("20")
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.reason.hasFocus())
    keyboard.type("gift, no receipt")
    keyboard.press(Qt.Key.Key_Return)  # returns at once: the PIN dialog is open
    answer(qtbot, None)
    closed(qtbot)
    qtbot.waitUntil(lambda: "IT-437" in dialog.error.text())
    assert dialog.record is None and dialog.isVisible()

    dialog.confirm()
    answer(qtbot, SUPERVISOR_PIN)
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=10_000)
    assert dialog.record.approver_id not in (None, till.staff.current.user_id)
    dialog.accept()
