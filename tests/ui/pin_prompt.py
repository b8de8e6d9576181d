"""Answer the supervisor PIN dialog as a person would, without a nested event loop.

The dialog opens with ``open()``: the call that asked for it has already returned, so the
test finds it among ``QApplication.topLevelWidgets()``, types the reason and the PIN and
clicks OK (or Cancel).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

DIALOG = "override_dialog"


def open_prompt(qtbot: QtBot, name: str = DIALOG) -> Any:
    """The visible dialog called ``name`` among the top-level widgets (waits for it)."""
    found: list[QWidget] = []

    def shown() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets()
                    if w.objectName() == name and w.isVisible()]
        return len(found) == 1

    qtbot.waitUntil(shown)
    return found[0]


def answer(qtbot: QtBot, pin: str | None, reason: str = "") -> Any:
    """Type ``reason`` (when given) and ``pin`` into the open PIN dialog and click OK;
    ``pin`` None clicks Cancel. Returns the dialog."""
    dialog = open_prompt(qtbot)
    if reason:
        dialog.reason.setText(reason)
    if pin is None:
        dialog.findChild(QPushButton, f"{DIALOG}_cancel").click()
        return dialog
    QTest.keyClicks(dialog.pad.field, pin)
    dialog.findChild(QPushButton, f"{DIALOG}_pin_enter").click()
    return dialog


def closed(qtbot: QtBot, name: str = DIALOG) -> None:
    qtbot.waitUntil(lambda: not any(w.objectName() == name and w.isVisible()
                                    for w in QApplication.topLevelWidgets()))
