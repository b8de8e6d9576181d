"""Alerts in the UI: the status bar, View > Alerts… with acknowledge, the notification."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from test_staff_fixtures import FakeClock, context, migrated_engine

from ireti_till.adapters.db.uow import SqlUnitOfWork
from ireti_till.adapters.health_probes import LocalHealthProbe
from ireti_till.domain.alerts import AlertRules
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.alerts import AlertService
from ireti_till.services.staff_ports import AuditFilter
from ireti_till.ui.ops.alerts_panel import AlertNotifier, AlertsBridge, AlertsPanel
from ireti_till.ui.ops.menu import OpsServices, install_ops_menu
from ireti_till.ui.status_bar import TillStatusBar
from tests.fixtures.emissions import Emissions

SUPERVISOR = StaffMember("u2", "Bola", Role.SUPERVISOR)


@pytest.fixture
def alerts(data_dir: Path):
    engine = migrated_engine(data_dir)
    clock = FakeClock(datetime.now(UTC))
    ctx = context(engine, data_dir, clock)
    service = AlertService(LocalHealthProbe(data_dir, clock=clock.now), clock.now,
                           AlertRules(disk_min_free_mb=10**9), stripe_probe=False,
                           audit_record=ctx.audit.record)
    yield service, engine
    engine.dispose()


def _evaluate_on_a_worker(service: AlertService) -> None:
    worker = threading.Thread(target=service.evaluate)
    worker.start()
    worker.join(timeout=30)


def test_status_bar_panel_and_acknowledge(qtbot: QtBot, alerts) -> None:
    service, engine = alerts
    bridge = AlertsBridge()
    service.on_change(bridge.listener)
    bar = TillStatusBar(training=True, cashier="Bola")
    qtbot.addWidget(bar)
    bridge.changed.connect(lambda active, _new: bar.set_alerts(active))
    assert not bar.alerts.isVisibleTo(bar)
    panel = AlertsPanel(bridge, lambda key: service.acknowledge(key, SUPERVISOR))
    qtbot.addWidget(panel)
    emitted = Emissions(bridge.changed)
    _evaluate_on_a_worker(service)
    emitted.wait(qtbot, timeout=10000)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2)
    assert bar.alerts.isVisibleTo(bar) and "Disk almost full" in bar.alerts.text()
    assert "runbook.md#disk-full" in bar.alerts.toolTip()
    links = {panel.table.item(r, 4).text() for r in range(2)}
    assert links == {"docs/runbook.md#disk-full", "docs/runbook.md#no-verified-backup"}
    panel.table.selectRow(0)
    key = panel.active[0].alert.key
    emitted = Emissions(bridge.acknowledged)
    panel.acknowledge_selected()
    emitted.wait(qtbot, timeout=10000)
    qtbot.waitUntil(lambda: panel.table.item(0, 5).text().startswith("Bola"))  # name, not id
    with SqlUnitOfWork(engine) as uow:
        rows = uow.audit.query(AuditFilter(kind="alert_ack"))
    assert len(rows) == 1 and key in rows[0].details


def test_a_refused_acknowledgement_is_shown(qtbot: QtBot, alerts) -> None:
    service, _engine = alerts
    bridge = AlertsBridge()
    service.on_change(bridge.listener)
    cashier = StaffMember("u1", "Ada", Role.CASHIER)
    panel = AlertsPanel(bridge, lambda key: service.acknowledge(key, cashier))
    qtbot.addWidget(panel)
    emitted = Emissions(bridge.changed)
    _evaluate_on_a_worker(service)
    emitted.wait(qtbot, timeout=10000)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2)
    emitted = Emissions(bridge.failed)
    panel.acknowledge_selected()
    emitted.wait(qtbot, timeout=10000)
    qtbot.waitUntil(lambda: "IT-572" in panel.message.text())


def test_new_alerts_are_notified_once(qtbot: QtBot, alerts) -> None:
    service, _engine = alerts
    bridge = AlertsBridge()
    service.on_change(bridge.listener)
    notifier = AlertNotifier(bridge)
    emitted = Emissions(bridge.changed)
    _evaluate_on_a_worker(service)
    emitted.wait(qtbot, timeout=10000)
    qtbot.waitUntil(lambda: sorted(notifier.shown) == ["backup_stale", "disk_low"])
    _evaluate_on_a_worker(service)  # nothing new: no second notification
    assert sorted(notifier.shown) == ["backup_stale", "disk_low"]


def test_view_alerts_menu_opens_the_panel(qtbot: QtBot, alerts) -> None:
    service, _engine = alerts
    window = QMainWindow()
    qtbot.addWidget(window)
    bridge = AlertsBridge()
    service.on_change(bridge.listener)
    ops = install_ops_menu(window, OpsServices(
        metrics_query=None, run_health=lambda: None, write_bundle=lambda *a: None,  # type: ignore[arg-type]
        alerts_bridge=bridge, acknowledge_alert=lambda key: service.acknowledge(key,
                                                                               SUPERVISOR)))
    assert ops.alerts_action.isVisible() and ops.alerts_action.text() == "Alerts…"
    ops.alerts_action.trigger()
    assert ops.alerts_panel is not None and ops.alerts_panel.isVisible()
    emitted = Emissions(bridge.changed)
    _evaluate_on_a_worker(service)
    emitted.wait(qtbot, timeout=10000)
    qtbot.waitUntil(lambda: ops.alerts_panel is not None
                    and ops.alerts_panel.table.rowCount() == 2)
