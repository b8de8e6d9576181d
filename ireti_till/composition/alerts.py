"""The alerts phase (issue 16): the alert service of the running till and where it shows.

Built by ``operations.wire_ops`` before the ops menu (View > Alerts… needs the bridge):

- ``build_alerts(till, staff)``: ``AlertService`` on a ``LocalHealthProbe`` of the data
  folder, the audit trail checked (at most every 30 min) and acknowledgements recorded in it;
  an ``AlertsBridge`` carries each change to the GUI thread as frozen values;
- ``show_alerts(till, alerts, menu)``: the status bar, its click (View > Alerts…) and the
  desktop notification;
- ``periodic_jobs(till, alerts, recorder)``: ``(name, func, every_s)`` for the worker:
  ``alerts.evaluate`` every 60 s and the queue gauges before each metrics flush, on the
  till's one scheduler (``add_to_ops``: a lane of their own).

A bad ``[alerts]`` rule (IT-571) is caught earlier, by ``check_rules`` in ``compose()``, and
stops the start like any other configuration error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ireti_till.adapters.health_probes import LocalHealthProbe
    from ireti_till.composition.till import Till
    from ireti_till.services.alerts import ActiveAlert, AlertService
    from ireti_till.services.audit import AuditLog
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.ui.ops.alerts_panel import AlertNotifier, AlertsBridge
    from ireti_till.ui.ops.menu import OpsMenu
    from ireti_till.ui.staff.attach import StaffUi
    from ireti_till.worker.ops_jobs import OpsJobs

log = logging.getLogger("ireti_till.app")

EVALUATE_EVERY_S = 60.0
FIRST_EVALUATION_S = 15.0  # after start: not on the way to the first scan
Job = tuple[str, Callable[[], object], float]


def check_rules(data_dir: Path) -> None:
    """Raise IT-571 (a ``ConfigError``) if ``[alerts]`` in config.toml is invalid."""
    from ireti_till.adapters.config_alerts import load_alert_rules

    load_alert_rules(data_dir)


@dataclass(frozen=True)
class AlertsWiring:
    service: AlertService
    bridge: AlertsBridge
    probe: LocalHealthProbe
    staff: StaffUi
    notifier: list[AlertNotifier]

    def acknowledge(self, key: str) -> ActiveAlert:
        """View > Alerts… "Acknowledge": as the signed-in person (IT-572 if none or a
        cashier); runs on a pool thread (it writes the audit trail)."""
        from ireti_till.domain.errors import AuthorisationError
        from ireti_till.services.alerts import ACK_REFUSED

        member = self.staff.current
        if member is None:
            raise AuthorisationError("Nobody is signed in: a supervisor signs in to "
                                     "acknowledge alerts.", code=ACK_REFUSED)
        return self.service.acknowledge(key, member)


def _audit_check(audit: Callable[[], AuditLog]) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        result = audit().verify()
        return result.ok, "" if result.ok else result.describe()

    return check


def build_alerts(till: Till, staff: StaffUi) -> AlertsWiring:
    from ireti_till.adapters.alert_checks import build_alert_service
    from ireti_till.adapters.health_probes import LocalHealthProbe
    from ireti_till.ui.ops.alerts_panel import AlertsBridge

    config = till.config
    probe = LocalHealthProbe(till.data_dir, mode="training" if till.training
                             else config.stripe.mode, reader_id=config.stripe.reader_id)
    audit = staff.services.audit

    def record(kind: str, actor: str, details: Mapping[str, Any]) -> object:
        return audit.get().record(kind, actor, details)

    service = build_alert_service(till.data_dir, probe, audit_check=_audit_check(audit.get),
                                  audit_record=record)
    bridge = AlertsBridge(till.window)
    service.on_change(bridge.listener)
    return AlertsWiring(service, bridge, probe, staff, [])


def show_alerts(till: Till, alerts: AlertsWiring, menu: OpsMenu) -> None:
    """Status bar (click: View > Alerts…) and the desktop notification (GUI thread)."""
    from PySide6.QtCore import Qt

    from ireti_till.ui.ops.alerts_panel import AlertNotifier

    status_bar = till.window.status
    queued = Qt.ConnectionType.QueuedConnection  # emitted on worker threads; the bridge
    # lives on the GUI thread, so these lambdas run there
    alerts.bridge.changed.connect(lambda active, _new: status_bar.set_alerts(active), queued)
    # an acknowledged alert turns from red to grey (an in-memory read, no I/O)
    alerts.bridge.acknowledged.connect(
        lambda _a: status_bar.set_alerts(alerts.service.active()), queued)
    status_bar.alerts_clicked.connect(lambda: menu.open_alerts())  # menu: a plain object
    alerts.notifier.append(AlertNotifier(alerts.bridge, till.window.windowIcon(),
                                         parent=till.window))


def _current_reader(till: Till) -> str:
    runtime = till.payments.peek()
    core = runtime.core if runtime is not None else None
    return (core.readers.current_reader() or "") if core is not None else ""


def periodic_jobs(till: Till, alerts: AlertsWiring, recorder: MetricsRecorder) -> list[Job]:
    """The worker jobs of this phase, as ``(name, func, every_s)`` (never on the UI thread)."""
    from ireti_till.services.metrics import record_queue_gauges

    def evaluate() -> object:
        reader = _current_reader(till) or till.config.stripe.reader_id
        alerts.probe.reader_id = reader  # the reader chosen since start counts too
        return alerts.service.evaluate()

    def queue_gauges() -> None:
        runtime = till.payments.peek()
        if runtime is not None and runtime.core is not None:
            summary: Any = runtime.core.queue_summary()  # a frozen QueueSummary
            record_queue_gauges(recorder, summary)

    return [("alerts-evaluate", evaluate, EVALUATE_EVERY_S),
            ("queue-gauges", queue_gauges, 60.0)]


def add_to_ops(jobs: OpsJobs, periodic: list[Job],
               first_after_s: float = FIRST_EVALUATION_S) -> None:
    """Run ``periodic`` on the till's one scheduler, on a lane of its own; each failure is
    logged and the next tick tries again."""
    from ireti_till.composition.trading_day import guarded

    for name, func, every in periodic:
        jobs.scheduler.add_periodic(name, guarded(name, func), every, lane="alerts",
                                    first_after_s=first_after_s)
