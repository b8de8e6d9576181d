"""Alerts live in the real composed till (issue 16): the worker evaluates them, the status
bar shows them, a click opens View > Alerts…, a supervisor acknowledges (audited), a
cashier is refused (IT-572); doctor lists them; a bad rule stops the start (IT-571)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from ireti_till.domain.errors import ConfigError
from ireti_till.ui.theme import DANGER
from tests.ui.conftest import open_till
from tests.ui.test_app_wiring import CASHIER_PIN, SUPERVISOR_PIN, audit, sign_in


@pytest.fixture
def till(qtbot: QtBot, data_dir: Path) -> Iterator[Any]:
    yield from open_till(qtbot, data_dir, products=False, background=True)


def _raise_alerts(qtbot: QtBot, till: Any) -> None:
    """A fresh till has no verified backup: the evaluation raises ``backup_stale``."""
    ops = till.ops.get()
    assert ops.jobs.scheduler.has("alerts-evaluate")
    ops.jobs.scheduler.request("alerts-evaluate")
    label = till.window.status.alerts
    qtbot.waitUntil(lambda: label.isVisible() and "backup" in label.text().lower(),
                    timeout=20_000)


def test_the_worker_raises_an_alert_into_the_status_bar_and_the_panel(
        qtbot: QtBot, till: Any) -> None:
    _raise_alerts(qtbot, till)
    label = till.window.status.alerts
    assert "docs/runbook.md#" in label.toolTip()
    menu = till.ops.get().menu
    assert not menu.alerts_action.isVisible()  # the menu item: supervisors and admins
    QTest.mouseClick(label, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: menu.alerts_panel is not None and menu.alerts_panel.isVisible())
    panel = menu.alerts_panel
    assert panel.table.rowCount() >= 1  # opened after the alert: it starts from it
    keys = [a.alert.key for a in panel.active]
    assert "backup_stale" in keys
    notifiers = [c for c in till.window.children() if type(c).__name__ == "AlertNotifier"]
    assert notifiers
    qtbot.waitUntil(lambda: "backup_stale" in notifiers[0].shown)  # its own queued delivery


def test_a_supervisor_acknowledges_recorded_a_cashier_is_refused(
        qtbot: QtBot, till: Any) -> None:
    menu = till.ops.get().menu
    _raise_alerts(qtbot, till)
    sign_in(qtbot, till, CASHIER_PIN, "Ada")
    menu.open_alerts()
    panel = menu.alerts_panel
    assert panel.table.rowCount() >= 1
    panel.acknowledge_selected()
    qtbot.waitUntil(lambda: "IT-572" in panel.message.text(), timeout=10_000)
    assert audit(till, "alert_ack") == []
    panel.close()
    till.window.activateWindow()
    till.staff.lock()
    sign_in(qtbot, till, SUPERVISOR_PIN, "Bola")
    panel.acknowledge_selected()
    qtbot.waitUntil(lambda: "acknowledged by" in panel.message.text(), timeout=10_000)
    entries = audit(till, "alert_ack")
    assert len(entries) == 1 and entries[0].details["alert"] == "backup_stale"
    acked = [a for a in panel.active if a.alert.key == "backup_stale"]
    assert acked and acked[0].acknowledged_by == entries[0].actor
    assert "Bola" in panel.table.item(0, 5).text()  # the name, not the user id
    assert not panel.ack_button.isEnabled()  # nothing left to acknowledge
    label = till.window.status.alerts
    qtbot.waitUntil(lambda: DANGER not in label.styleSheet())  # red -> grey
    assert label.isVisible()


def test_doctor_lists_the_active_alerts(data_dir: Path) -> None:
    from ireti_till.commands.doctor import PANEL_CHECKS, run_doctor

    names = [c.name for c in run_doctor(data_dir).checks]
    assert "alert backup_stale" in names
    assert not any(n.startswith("alert") for n in
                   (c.name for c in run_doctor(data_dir, only=PANEL_CHECKS).checks))


def test_a_bad_alert_rule_stops_the_start_with_it_571(data_dir: Path) -> None:
    from ireti_till.adapters.config_file import load_config
    from ireti_till.app import build_till

    path = load_config(data_dir).path  # the defaults, written on a first start
    text = path.read_text(encoding="utf-8")
    text = (text.replace("[alerts]", "[alerts]\ndecline_rate_percent = 150", 1)
            if "[alerts]" in text else text + "\n[alerts]\ndecline_rate_percent = 150\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        build_till(data_dir, force_training=True, seed_demo=False)
    assert raised.value.code == "IT-571" and "decline_rate_percent" in str(raised.value)
