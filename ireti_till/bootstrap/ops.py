"""Operations: the instance lock, payment metrics, scheduled backups, the ops menu.

(``take_instance_lock`` lives in ``bootstrap.instance``: it runs before anything heavy is
imported.) ``wire_ops(till, can_view_metrics)``
builds the metrics recorder (flushed to the ledger), the backup service and the ops menu
(View > Payment metrics Ctrl+M, Help > Till health…, Help > Support bundle…) and returns
the ``OpsJobs`` scheduler, started by the caller once the sale screen is shown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ireti_till.adapters.backup import SqliteBackupArchive
from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
from ireti_till.adapters.paths import backups_dir
from ireti_till.services.backup import BackupRecord, BackupService
from ireti_till.services.metrics import MetricsRecorder
from ireti_till.services.metrics_query import MetricsQuery
from ireti_till.worker.ops_jobs import OpsJobs

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.ops.menu import OpsMenu

log = logging.getLogger("ireti_till.app")


@dataclass
class OpsWiring:
    recorder: MetricsRecorder
    store: SqlMetricsStore
    backups: BackupService
    jobs: OpsJobs
    menu: OpsMenu


def wire_ops(window: MainWindow, ledger: Ledger, data_dir: Path,
             can_view_metrics: Callable[[], bool],
             audit: Callable[[str, dict[str, str | int]], None] | None = None) -> OpsWiring:
    from ireti_till.commands.doctor import PANEL_CHECKS, run_doctor
    from ireti_till.commands.support_bundle import write_support_bundle
    from ireti_till.ui.ops import OpsServices, install_ops_menu

    store = SqlMetricsStore(ledger.engine)
    recorder = MetricsRecorder(store)
    backups = BackupService(SqliteBackupArchive(ledger.path, backups_dir(data_dir)),
                            SystemClock().now)

    def backup_job() -> BackupRecord | None:
        record = backups.back_up_if_due()
        if record is not None and audit is not None:
            audit("backup", {"name": record.name, "size": record.size,
                             "sales": record.sales if record.sales is not None else -1,
                             "scheduled": 1})
        return record

    jobs = OpsJobs(flush=recorder.flush,
                   prune=lambda: store.prune(int(time.time() // 60)),
                   backup=backup_job)
    menu = install_ops_menu(window, OpsServices(
        metrics_query=MetricsQuery(store),
        run_health=lambda: run_doctor(data_dir),
        write_bundle=lambda target, progress: write_support_bundle(data_dir, target, progress),
        can_view_metrics=can_view_metrics,
        panel_status=lambda: run_doctor(data_dir, only=PANEL_CHECKS).checks,
    ))
    return OpsWiring(recorder, store, backups, jobs, menu)


def attach_ops(till: Any) -> OpsWiring:
    """Ops for an ``app.Till`` with staff: metrics for supervisors and admins only."""
    from PySide6.QtWidgets import QMenu

    from ireti_till.domain.staff import Permission

    staff = till.staff
    till.ops = ops = wire_ops(till.window, till.ledger, till.data_dir,
                              lambda: staff.can(Permission.VIEW_AUDIT), staff.record)
    view_menu = till.window.findChild(QMenu, "menu_view")

    def follow_role(_role: object = None) -> None:
        allowed = staff.can(Permission.VIEW_AUDIT)
        ops.menu.metrics_action.setVisible(allowed)
        ops.menu.metrics_action.setEnabled(allowed)
        if view_menu is not None:
            view_menu.menuAction().setVisible(any(a.isVisible() for a in view_menu.actions()))

    staff.role_changed.append(follow_role)
    follow_role()
    till.starters.append(ops.jobs.start)
    till.closers.append(ops.jobs.stop)
    return ops
