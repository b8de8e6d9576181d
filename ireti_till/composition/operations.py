"""The operations phase: metrics, scheduled backups, alerts, the ops menu, the trading
day's jobs, card payments and refunds (F8), in that order (``attach_operations``).

Imported only by the late start (``Till.start_background``, after ``tricks.prefetch``
loaded ``tricks.LATE_MODULES`` on a helper thread), so it imports what it wires at the
top. The health check and the support bundle come in as ``OpsTools`` from the caller
of ``compose()`` (``app.py``), so nothing here imports a command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ireti_till.adapters.ops_wiring import alert_jobs, backup_job, build_alert_service, build_ops
from ireti_till.adapters.refund_remote_wiring import SETTLE_EVERY_S, RemoteSlot
from ireti_till.adapters.refund_wiring import refund_service_on_first_use
from ireti_till.composition.till import OpsTools, OpsWiring
from ireti_till.composition.trading_day import start_trading_day
from ireti_till.services.metrics_query import MetricsQuery
from ireti_till.ui.ops.wiring import install_ops
from ireti_till.ui.refunds.wiring import install_refunds
from ireti_till.worker.ops_jobs import OpsJobs

if TYPE_CHECKING:
    from ireti_till.composition.till import Till
    from ireti_till.services.refund_ports import RefundRecord
    from ireti_till.ui.staff.attach import StaffUi

log = logging.getLogger("ireti_till.app")

FIRST_EVALUATION_S = 15.0  # alerts: after start, not on the way to the first scan


def wire_ops(till: Till, staff: StaffUi, tools: OpsTools) -> OpsWiring:
    """Metrics (supervisors and admins see them), backups, alerts, the ops menu; the jobs
    start and stop with the till."""
    data_dir, config = till.data_dir, till.config
    ops = build_ops(till.ledger, data_dir)
    jobs = OpsJobs(flush=ops.recorder.flush, prune=ops.prune,
                   backup=backup_job(ops.backups, staff.record))
    alerts, probe = build_alert_service(data_dir, "training" if till.training
                                        else config.stripe.mode, config.stripe.reader_id,
                                        staff.services.audit)
    menu = install_ops(till.window, staff, MetricsQuery(ops.store),
                       lambda: tools.health(data_dir), lambda: tools.panel(data_dir).checks,
                       lambda target, progress: tools.bundle(data_dir, target, progress),
                       alerts)
    jobs.scheduler.register(alert_jobs(alerts, probe, ops.recorder, till.payments_core,
                                       config.stripe.reader_id),
                            lane="alerts", first_after_s=FIRST_EVALUATION_S)
    # the active alerts go to the back office once it is started (enrolled tills only)
    till.backoffice.then(lambda bo: bo.alerts.follow(alerts.payload))
    till.lifecycle.on_start(jobs.start)
    till.lifecycle.on_close(jobs.stop)
    return OpsWiring(ops.recorder, ops.store, ops.backups, jobs, menu)


def wire_refunds(till: Till, staff: StaffUi) -> None:
    """F8 on the sale screen (its service built on the first F8). A committed refund asks
    the worker to send it now, and prints its slip (the drawer opens for cash)."""

    def sent_now(record: RefundRecord) -> None:
        runtime = till.payments.peek()
        if runtime is not None and runtime.worker is not None:
            runtime.worker.request_drain()
        day = till.trading_day.peek()
        if day is not None:
            day.refund_printed(record)

    service = refund_service_on_first_use(
        lambda: till.ledger.engine, staff.services.audit.get, staff.services.overrides.get,
        till.config, sent_now)
    remote = RemoteSlot(lambda: till.ledger.engine, service, till.backoffice.peek)

    def settle_job(ops: OpsWiring) -> None:  # enrolled tills only, on the back office's lane
        ops.jobs.scheduler.register([("refunds-remote-settle", remote.settle, SETTLE_EVERY_S)],
                                    lane="bo")
    till.backoffice.then(lambda _bo: till.ops.then(settle_job))
    till.refund_screen.resolve(install_refunds(till.window, staff, service, till.config.store,
                                               till.data_dir / "receipts", remote))


def attach_operations(till: Till, tools: OpsTools | None,
                      payments: Callable[[Till, StaffUi], None]) -> None:
    """The operations and payments phases, in order (``payments`` is
    ``composition.payments.wire_payments``). Each failure leaves selling going."""
    staff = till.staff
    if staff is None:
        return
    if tools is not None:
        till.ops.resolve(wire_ops(till, staff, tools))
    till.trading_day.then(lambda day: start_trading_day(till, day))
    payments(till, staff)
    try:
        wire_refunds(till, staff)
    except Exception:  # F8 stays off with its reason; selling goes on
        log.exception("refund screen not wired")
