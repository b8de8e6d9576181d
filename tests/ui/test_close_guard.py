"""Closing the till (Till > Quit, the window's close button) with card work unsent asks for a
supervisor, as Sign out does; with nothing unsent it just closes."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QCloseEvent
from pytestqt.qtbot import QtBot

from ireti_till.ui.payments.close_guard import CloseGuard
from tests.ui.pin_prompt import answer, closed
from tests.ui.test_app_wiring import CASHIER_PIN, SUPERVISOR_PIN, audit, sign_in
from tests.ui.test_app_wiring_cards import till  # noqa: F401 - fixture


class WindowSystemClose(QCloseEvent):
    """A close from the window system (close button, Alt+F4)."""

    def spontaneous(self) -> bool:  # type: ignore[override]
        return True


def test_close_with_unsent_card_work_needs_a_supervisor(
        qtbot: QtBot, till: Any) -> None:  # noqa: F811
    window = till.window
    sign_in(qtbot, till, CASHIER_PIN)
    guard = window.findChild(CloseGuard)
    assert guard is not None
    guard._unsent = lambda: 3
    quit_action = window.findChild(QAction, "action_quit")

    assert quit_action.trigger() is None and window.isVisible()  # the PIN dialog opened
    assert guard.eventFilter(window, WindowSystemClose()) is True  # no second dialog
    answer(qtbot, None)  # (answer finds exactly one)  # nobody approves: the till stays open
    qtbot.waitUntil(lambda: "IT-437" in window.messages.text())
    assert window.isVisible()

    event = WindowSystemClose()
    assert guard.eventFilter(window, event) is True and not event.isAccepted()
    answer(qtbot, None)
    closed(qtbot)
    assert window.isVisible()

    quit_action.trigger()
    answer(qtbot, SUPERVISOR_PIN, reason="end of day, network down")
    qtbot.waitUntil(lambda: not window.isVisible())
    approved = audit(till, "override_approved")
    assert [a.details["override"] for a in approved] == ["sign_out_unsent"]


def test_close_with_nothing_unsent_asks_nobody(qtbot: QtBot, till: Any) -> None:  # noqa: F811
    window = till.window
    guard = window.findChild(CloseGuard)
    guard._unsent = lambda: 0
    event = WindowSystemClose()
    assert guard.eventFilter(window, event) is False  # passes on to the window
    window.findChild(QAction, "action_quit").trigger()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert audit(till, "override_approved") == []
