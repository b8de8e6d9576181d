"""Menu actions for the operations views, installed on the main window in one call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QWidget

from ireti_till.services.health import CheckResult, HealthReport
from ireti_till.services.metrics_query import MetricsQuery
from ireti_till.ui.dialogs.asks import inform
from ireti_till.ui.ops.bundle_dialog import BundleWriterFn, SupportBundleDialog
from ireti_till.ui.ops.health_view import HealthView

if TYPE_CHECKING:  # the panel pulls in pyqtgraph and numpy (~40 MB): imported on first open
    from ireti_till.ui.ops.alerts_panel import Acknowledge, AlertsBridge, AlertsPanel
    from ireti_till.ui.ops.metrics_panel import MetricsPanel


@dataclass(frozen=True)
class OpsServices:
    metrics_query: MetricsQuery
    run_health: Callable[[], HealthReport]
    write_bundle: BundleWriterFn
    can_view_metrics: Callable[[], bool] = lambda: True
    #: cheap status lines for the metrics panel; default: the full health run's checks
    panel_status: Callable[[], Sequence[CheckResult]] | None = None
    #: View > Alerts…: the bridge the alert service reports through, and acknowledge(key)
    #: (the composition root binds it to AlertService.acknowledge with the signed-in person)
    alerts_bridge: AlertsBridge | None = None
    acknowledge_alert: Acknowledge | None = None


_KEEP: dict[int, OpsMenu] = {}


class OpsMenu:
    """Holds the actions and the (lazily created) windows."""

    def __init__(self, window: QMainWindow, services: OpsServices) -> None:
        self._window = window
        self._services = services
        self.metrics_panel: MetricsPanel | None = None
        self.health_view: HealthView | None = None
        self.bundle_dialog: SupportBundleDialog | None = None
        self.alerts_panel: AlertsPanel | None = None
        self.alerts_action = self._action("Alerts…", "action_alerts", None, self.open_alerts)
        self.alerts_action.setVisible(services.alerts_bridge is not None)
        self.metrics_action = self._action("Payment metrics", "action_metrics", "Ctrl+M",
                                           self.open_metrics)
        self.health_action = self._action("Till health…", "action_health", None,
                                          self.open_health)
        self.bundle_action = self._action("Support bundle…", "action_support_bundle", None,
                                          self.open_bundle)

    def _action(self, text: str, object_name: str, keys: str | None,
                slot: Callable[[], None]) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(object_name)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        return action

    def _show(self, widget: QWidget) -> None:
        widget.setWindowFlag(Qt.WindowType.Window, True)
        widget.show()
        widget.raise_()
        widget.activateWindow()

    def open_metrics(self) -> None:
        if not self._services.can_view_metrics():
            inform(self._window, "Payment metrics",
                   "Payment metrics are for supervisors and admins. Ask a supervisor to "
                   "sign in.")
            return
        if self.metrics_panel is None:
            from ireti_till.ui.ops.metrics_panel import MetricsPanel

            services = self._services
            self.metrics_panel = MetricsPanel(
                services.metrics_query,
                status_provider=services.panel_status or (lambda: services.run_health().checks),
                parent=self._window)
            self.metrics_panel.resize(1100, 720)  # room for the charts and tables
        self._show(self.metrics_panel)
        self.metrics_panel.refresh()

    def open_alerts(self) -> None:
        services = self._services
        if services.alerts_bridge is None or services.acknowledge_alert is None:
            return
        if self.alerts_panel is None:
            from ireti_till.ui.ops.alerts_panel import AlertsPanel

            self.alerts_panel = AlertsPanel(services.alerts_bridge, services.acknowledge_alert,
                                            parent=self._window)
            self.alerts_panel.resize(1120, 340)
        self._show(self.alerts_panel)

    def open_health(self) -> None:
        if self.health_view is None:
            self.health_view = HealthView(self._services.run_health, parent=self._window)
        self._show(self.health_view)
        self.health_view.run()

    def open_bundle(self) -> None:
        if self.bundle_dialog is None:
            self.bundle_dialog = SupportBundleDialog(self._services.write_bundle,
                                                     parent=self._window)
        self._show(self.bundle_dialog)


def install_ops_menu(window: QMainWindow, services: OpsServices) -> OpsMenu:
    """Add View > Payment metrics (Ctrl+M), View > Alerts…, Help > Till health…, Help >
    Support bundle…."""
    ops = OpsMenu(window, services)
    bar = window.menuBar()
    view_menu = _menu(bar, "&View", "menu_view")
    view_menu.addAction(ops.metrics_action)
    view_menu.addAction(ops.alerts_action)
    help_menu = _menu(bar, "&Help", "menu_help")
    help_menu.addAction(ops.health_action)
    help_menu.addAction(ops.bundle_action)
    window.setProperty("ireti_ops_menu", None)  # marker for tests
    _KEEP[id(window)] = ops  # keep the Python object alive with the window
    window.destroyed.connect(lambda *_: _KEEP.pop(id(window), None))
    return ops


def _menu(bar: QMenuBar, title: str, object_name: str) -> QMenu:
    for action in bar.actions():
        existing = action.menu()
        if isinstance(existing, QMenu) and existing.objectName() == object_name:
            return existing
    menu = bar.addMenu(title)
    menu.setObjectName(object_name)
    return menu
