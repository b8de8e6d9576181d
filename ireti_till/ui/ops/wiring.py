"""The operations menu on the sale window (``composition.operations.wire_ops`` calls it):
View > Payment metrics and View > Alerts… for supervisors and admins, Help > Till
health… and Support bundle…, the status bar's alerts (click: View > Alerts…) and the
desktop notification."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ireti_till.services.alerts import ActiveAlert, AlertService
    from ireti_till.services.health import CheckResult, HealthReport
    from ireti_till.services.metrics_query import MetricsQuery
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.ops.bundle_dialog import BundleWriterFn
    from ireti_till.ui.ops.menu import OpsMenu
    from ireti_till.ui.staff.attach import StaffUi


def alert_acknowledger(service: AlertService, staff: StaffUi) -> Callable[[str], ActiveAlert]:
    """View > Alerts… "Acknowledge": as the signed-in person (IT-572 if none or a
    cashier); runs on a pool thread (it writes the audit trail)."""
    def acknowledge(key: str) -> ActiveAlert:
        from ireti_till.domain.errors import AuthorisationError
        from ireti_till.services.alerts import ACK_REFUSED

        member = staff.current
        if member is None:
            raise AuthorisationError("Nobody is signed in: a supervisor signs in to "
                                     "acknowledge alerts.", code=ACK_REFUSED)
        return service.acknowledge(key, member)

    return acknowledge


def install_ops(window: MainWindow, staff: StaffUi, metrics: MetricsQuery,
                health: Callable[[], HealthReport],
                panel: Callable[[], Sequence[CheckResult]], bundle: BundleWriterFn,
                alerts: AlertService) -> OpsMenu:
    """The ops menu, the alerts the service reports (through an ``AlertsBridge`` onto the
    GUI thread) on the status bar, following the signed-in person's role."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMenu

    from ireti_till.domain.staff import Permission
    from ireti_till.ui.ops import OpsServices, install_ops_menu
    from ireti_till.ui.ops.alerts_panel import AlertNotifier, AlertsBridge

    bridge = AlertsBridge(window)
    alerts.on_change(bridge.listener)
    menu = install_ops_menu(window, OpsServices(
        metrics_query=metrics, run_health=health, write_bundle=bundle,
        can_view_metrics=lambda: staff.can(Permission.VIEW_AUDIT), panel_status=panel,
        alerts_bridge=bridge, acknowledge_alert=alert_acknowledger(alerts, staff)))
    status_bar = window.status
    queued = Qt.ConnectionType.QueuedConnection  # emitted on worker threads; the bridge
    # lives on the GUI thread, so these lambdas run there
    bridge.changed.connect(lambda active, _new: status_bar.set_alerts(active), queued)
    # an acknowledged alert turns from red to grey (an in-memory read, no I/O)
    bridge.acknowledged.connect(lambda _a: status_bar.set_alerts(alerts.active()), queued)
    status_bar.alerts_clicked.connect(lambda: menu.open_alerts())  # menu: a plain object
    AlertNotifier(bridge, window.windowIcon(), parent=window)  # kept by its parent
    view_menu = window.findChild(QMenu, "menu_view")

    def follow_role(_role: object = None) -> None:
        allowed = staff.can(Permission.VIEW_AUDIT)
        menu.metrics_action.setVisible(allowed)
        menu.metrics_action.setEnabled(allowed)
        menu.alerts_action.setVisible(allowed)  # the status bar shows alerts to everyone
        if view_menu is not None:
            view_menu.menuAction().setVisible(any(a.isVisible() for a in view_menu.actions()))

    staff.role_changed.append(follow_role)
    follow_role()
    return menu
