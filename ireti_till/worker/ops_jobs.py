"""The operations jobs: flush metrics, prune old metrics, scheduled backups.

A small APScheduler ``BackgroundScheduler`` of its own (DESIGN §6 and §13: never
``QtScheduler``), separate from the payments ``SyncWorker`` because these jobs run in every
mode, with or without card payments, and touch only the local disk. One single-thread
executor: the jobs are short, local and never overlap (a backup and a flush do not compete
for the ledger's write lock at once). The composition root passes plain callables, so this
module knows no adapter:

    jobs = OpsJobs(flush=recorder.flush, prune=lambda: store.prune(minute()),
                   backup=backups.back_up_if_due)
    jobs.start()          # after the sale screen is shown
    jobs.stop()           # on close: waits for a running job, then flushes once more
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("ireti_till.worker")

Job = Callable[[], object]


class OpsJobs:
    def __init__(self, *, flush: Job, prune: Job, backup: Job | None,
                 flush_every: float = 60.0, prune_every: float = 24 * 3600.0,
                 backup_every: float = 3600.0, first_backup_after: float = 300.0) -> None:
        self._flush = flush
        self._jobs: list[tuple[str, Job, float, float]] = [
            ("metrics-flush", flush, flush_every, flush_every),
            ("metrics-prune", prune, prune_every, 60.0),
        ]
        if backup is not None:  # first check a few minutes after start: not on the way to a scan
            self._jobs.append(("backup", backup, backup_every, first_backup_after))
        self.scheduler = BackgroundScheduler(
            executors={"ops": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
            timezone=UTC)

    def start(self) -> None:
        if self.scheduler.running:
            return
        now = datetime.now(UTC)
        for job_id, fn, every, first in self._jobs:
            self.scheduler.add_job(self._guard(job_id, fn), "interval", seconds=every,
                                   id=job_id, executor="ops",
                                   next_run_time=now + timedelta(seconds=first))
        self.scheduler.start()

    def run_now(self, job_id: str) -> None:
        """Run a job at once (tests, "back up now")."""
        self.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self._guard("metrics-flush", self._flush)()  # what was recorded since the last tick

    @staticmethod
    def _guard(job_id: str, fn: Job) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception:  # a failed job is logged; the next tick tries again
                log.exception("ops job %s failed", job_id)

        return run
