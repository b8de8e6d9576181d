"""F9 on a line worth more than ``[staff] void_line_above``: the sale service asks for a
supervisor, the screen opens the PIN dialog (no nested event loop); Cancel keeps the line
(IT-437), a supervisor's PIN voids it and the audit entry names the approval."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ireti_till.adapters.config_file import DEFAULT_CONFIG
from tests.ui.conftest import Keyboard, gtin, open_till, wait_closed
from tests.ui.pin_prompt import answer, closed, open_prompt
from tests.ui.test_app_wiring import CASHIER_PIN, SUPERVISOR_PIN, audit, sign_in


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    (data_dir / "config.toml").write_text(
        DEFAULT_CONFIG.replace('void_line_above = "20"', 'void_line_above = "0"'),
        encoding="utf-8")
    yield from open_till(qtbot, data_dir)


def test_a_void_the_service_refuses_asks_for_a_supervisor(
        qtbot: QtBot, till: Any, keyboard: Keyboard) -> None:
    sign_in(qtbot, till, CASHIER_PIN)
    service = till.window.controller.service
    keyboard.scan(gtin(1))
    keyboard.scan(gtin(2))
    keyboard.press(Qt.Key.Key_F9)
    answer(qtbot, None)  # nobody approves: the line stays
    closed(qtbot)
    qtbot.waitUntil(lambda: "IT-437" in till.window.messages.text())
    assert len(service.view().lines) == 2 and audit(till, "void") == []

    keyboard.press(Qt.Key.Key_F9)
    assert "Void a line" in open_prompt(qtbot).windowTitle()
    answer(qtbot, SUPERVISOR_PIN, reason="scanned twice")
    closed(qtbot)
    qtbot.waitUntil(lambda: len(service.view().lines) == 1)
    wait_closed(qtbot, till.window)
    approved = audit(till, "override_approved")
    assert [a.details["override"] for a in approved] == ["void_line"]
    void = audit(till, "void")[0].details
    assert void["override_id"] == approved[0].details["override_id"]
    assert void["approver_id"] not in (None, till.staff.current.user_id)
