"""The operations phase: metrics, scheduled backups, the ops menu, refunds (F8).

Runs once the sale screen is shown (``Till.start_background``), after ``tricks.prefetch``
imported ``LATE_MODULES`` on a helper thread. The health check and the support bundle are
``ireti_till.commands``' work: they come in as ``OpsTools`` from the caller of
``compose()`` (``app.py``), so nothing here imports a command.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.composition.till import OpsWiring

if TYPE_CHECKING:
    from ireti_till.composition.till import Till
    from ireti_till.services.health import HealthReport
    from ireti_till.services.refund_ports import RefundRecord
    from ireti_till.services.refunds import RefundService
    from ireti_till.services.support_bundle import Progress
    from ireti_till.ui.staff.attach import StaffUi

log = logging.getLogger("ireti_till.app")

LATE_MODULES = (
    "ireti_till.composition.operations", "ireti_till.composition.payments",
    "ireti_till.ui.card_tender", "ireti_till.ui.ops", "ireti_till.adapters.refund_wiring",
    "ireti_till.ui.refunds.attach", "ireti_till.worker.ops_jobs",
    "ireti_till.adapters.db.metrics_repo", "ireti_till.services.health",
    "ireti_till.composition.alerts", "ireti_till.adapters.alert_checks",
    "ireti_till.adapters.health_probes", "ireti_till.ui.ops.alerts_panel",
    "ireti_till.composition.trading_day_ui", "ireti_till.services.printing_health",
    "ireti_till.ui.printing.status_relay",
)


@dataclass(frozen=True, slots=True)
class OpsTools:
    """``health(data_dir)``: the full health report; ``panel(data_dir)``: the cheap checks
    the metrics panel shows (both ``commands.doctor``); ``bundle(data_dir, target,
    progress)``: write the support bundle (``commands.support_bundle``)."""

    health: Callable[[Path], HealthReport]
    panel: Callable[[Path], HealthReport]
    bundle: Callable[[Path, Path | None, Progress | None], Path]


def wire_ops(till: Till, staff: StaffUi, tools: OpsTools) -> OpsWiring:
    """Metrics (supervisors and admins see them), backups, the ops menu; the jobs start
    and stop with the till."""
    from PySide6.QtWidgets import QMenu

    from ireti_till.adapters.backup import SqliteBackupArchive
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
    from ireti_till.adapters.paths import backups_dir
    from ireti_till.composition.alerts import add_to_ops, build_alerts, periodic_jobs, show_alerts
    from ireti_till.domain.staff import Permission
    from ireti_till.services.backup import BackupRecord, BackupService
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.services.metrics_query import MetricsQuery
    from ireti_till.ui.ops import OpsServices, install_ops_menu
    from ireti_till.worker.ops_jobs import OpsJobs

    ledger, data_dir, window = till.ledger, till.data_dir, till.window
    store = SqlMetricsStore(ledger.engine)
    recorder = MetricsRecorder(store)
    backups = BackupService(SqliteBackupArchive(ledger.path, backups_dir(data_dir)),
                            SystemClock().now)

    def backup_job() -> BackupRecord | None:
        record = backups.back_up_if_due()
        if record is not None:
            staff.record("backup", {"name": record.name, "size": record.size,
                                    "sales": record.sales if record.sales is not None else -1,
                                    "scheduled": 1})
        return record

    jobs = OpsJobs(flush=recorder.flush, prune=lambda: store.prune(int(time.time() // 60)),
                   backup=backup_job)
    alerts = build_alerts(till, staff)  # issue 16: composition/alerts.py
    # the active alerts go to the back office once it is started (enrolled tills only)
    till.backoffice.then(lambda bo: bo.alerts.follow(alerts.service.payload))
    menu = install_ops_menu(window, OpsServices(
        metrics_query=MetricsQuery(store),
        run_health=lambda: tools.health(data_dir),
        write_bundle=lambda target, progress: tools.bundle(data_dir, target, progress),
        can_view_metrics=lambda: staff.can(Permission.VIEW_AUDIT),
        panel_status=lambda: tools.panel(data_dir).checks,
        alerts_bridge=alerts.bridge, acknowledge_alert=alerts.acknowledge,
    ))
    show_alerts(till, alerts, menu)
    add_to_ops(jobs, periodic_jobs(till, alerts, recorder))
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
    till.lifecycle.on_start(jobs.start)
    till.lifecycle.on_close(jobs.stop)
    return OpsWiring(recorder, store, backups, jobs, menu)


def wire_refunds(till: Till, staff: StaffUi) -> None:
    """F8 on the sale screen; the service is built on the first F8 (the ledger may still
    be opening on a fast start). A committed refund asks the worker to send it now."""
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.refund_wiring import build_refund_service
    from ireti_till.ui.refunds.attach import attach_refund_screen
    from ireti_till.ui.staff.override_dialog import OverridePrompt

    def sent_now(record: RefundRecord) -> None:
        runtime = till.payments.peek()
        if runtime is not None and runtime.worker is not None:
            runtime.worker.request_drain()
        day = till.trading_day.peek()
        if day is not None:  # the slip, and the drawer for cash
            from ireti_till.composition.trading_day_ui import refund_printed

            refund_printed(day, record)

    built: list[RefundService] = []

    def service() -> RefundService:
        if not built:
            built.append(build_refund_service(
                till.ledger.engine, staff.services.audit.get(), staff.services.overrides.get(),
                till_id=till.config.store.till_id, matrix=till.config.refunds(),
                clock=SystemClock(), on_committed=sent_now,
                timezone=till.config.store.timezone))
        return built[0]

    prompt = OverridePrompt(staff.services.overrides, lambda: staff.current)
    till.refund_screen.resolve(attach_refund_screen(
        till.window, service, prompt.request_refund_approval, lambda: staff.current,
        till.config.store, till.data_dir / "receipts"))


def attach_operations(till: Till, tools: OpsTools | None,
                      payments: Callable[[Till, StaffUi], None]) -> None:
    """The operations and payments phases, in order (``payments`` is
    ``composition.payments.wire_payments``). Each failure leaves selling going."""
    staff = till.staff
    if staff is None:
        return
    if tools is not None:
        till.ops.resolve(wire_ops(till, staff, tools))
    day = till.trading_day.peek()
    if day is not None:
        from ireti_till.composition.trading_day_ui import start_trading_day

        try:
            start_trading_day(till, day)
        except Exception:  # receipts stay queued (durable); selling goes on
            log.exception("print queue not started")
    payments(till, staff)
    try:
        wire_refunds(till, staff)
    except Exception:  # F8 stays off with its reason; selling goes on
        log.exception("refund screen not wired")
