"""Operations' adapters for the running till: metrics in the ledger, scheduled backups and
the alert service (issue 16) on a local health probe, with the audit trail checked (at
most every 30 min) and acknowledgements recorded in it. ``composition.operations`` puts
their jobs on the till's one scheduler; ``ui.ops.wiring`` shows them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
    from ireti_till.adapters.health_probes import LocalHealthProbe
    from ireti_till.services.alerts import AlertService
    from ireti_till.services.audit import AuditLog
    from ireti_till.services.backup import BackupRecord, BackupService
    from ireti_till.services.deferred import Deferred
    from ireti_till.services.metrics import MetricsRecorder
    from ireti_till.services.payments_core import PaymentsCore

EVALUATE_EVERY_S = 60.0
Job = tuple[str, Callable[[], object], float]


@dataclass(frozen=True)
class OpsParts:
    store: SqlMetricsStore
    recorder: MetricsRecorder
    backups: BackupService

    def prune(self) -> None:
        self.store.prune(int(time.time() // 60))


def build_ops(ledger: Ledger, data_dir: Path) -> OpsParts:
    from ireti_till.adapters.backup import SqliteBackupArchive
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.db.metrics_repo import SqlMetricsStore
    from ireti_till.adapters.paths import backups_dir
    from ireti_till.services.backup import BackupService
    from ireti_till.services.metrics import MetricsRecorder

    store = SqlMetricsStore(ledger.engine)
    return OpsParts(store, MetricsRecorder(store), BackupService(
        SqliteBackupArchive(ledger.path, backups_dir(data_dir)), SystemClock().now))


def backup_job(backups: BackupService, record: Callable[[str, Mapping[str, Any]], object],
               ) -> Callable[[], BackupRecord | None]:
    """The scheduled backup; a backup taken is recorded in the audit trail."""
    def run() -> BackupRecord | None:
        done = backups.back_up_if_due()
        if done is not None:
            record("backup", {"name": done.name, "size": done.size,
                              "sales": done.sales if done.sales is not None else -1,
                              "scheduled": 1})
        return done

    return run


def build_alert_service(data_dir: Path, mode: str, reader_id: str,
                        audit: Deferred[AuditLog]) -> tuple[AlertService, LocalHealthProbe]:
    from ireti_till.adapters.alert_checks import build_alert_service as build
    from ireti_till.adapters.health_probes import LocalHealthProbe

    probe = LocalHealthProbe(data_dir, mode=mode, reader_id=reader_id)

    def record(kind: str, actor: str, details: Mapping[str, Any]) -> object:
        return audit.get().record(kind, actor, details)

    return build(data_dir, probe, audit_check=audit_check(data_dir, audit.get),
                 audit_record=record), probe


def audit_check(data_dir: Path, audit: Callable[[], AuditLog]) -> Callable[[], tuple[bool, str]]:
    """The ``audit verify failing`` alert's check: the chain, then every backup's recorded
    head (``audit_anchors``: a chain cut or rewritten below one is IT-255)."""
    from ireti_till.adapters.backup_anchors import sidecar_anchors
    from ireti_till.adapters.paths import backups_dir

    def check() -> tuple[bool, str]:
        trail = audit()
        result = trail.verify()
        if not result.ok:
            return False, result.describe()
        backups = trail.verify_backups(sidecar_anchors(backups_dir(data_dir)))
        return backups.ok, "" if backups.ok else backups.describe()

    return check


def alert_jobs(service: AlertService, probe: LocalHealthProbe, recorder: MetricsRecorder,
               core: Callable[[], PaymentsCore | None], reader_id: str) -> list[Job]:
    """``alerts.evaluate`` every 60 s (for the reader chosen since start too, else
    ``reader_id``) and the queue gauges before each metrics flush; ``core()`` is None while
    card payments are off."""
    from ireti_till.services.metrics import record_queue_gauges

    def evaluate() -> object:
        payments = core()
        chosen = payments.readers.current_reader() if payments is not None else None
        probe.reader_id = chosen or reader_id
        return service.evaluate()

    def queue_gauges() -> None:
        payments = core()
        if payments is not None:
            summary: Any = payments.queue_summary()  # a frozen QueueSummary
            record_queue_gauges(recorder, summary)

    return [("alerts-evaluate", evaluate, EVALUATE_EVERY_S), ("queue-gauges", queue_gauges, 60.0)]
