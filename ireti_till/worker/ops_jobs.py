"""The operations jobs: flush metrics, prune old metrics, scheduled backups.

Periodic jobs on the till's one ``Scheduler`` (worker/scheduler.py), on their own lane
``ops``: the jobs are short, local and never overlap (a backup and a flush do not compete for
the ledger's write lock at once). They run in every mode, with or without card payments, so
``OpsJobs`` is where the till's scheduler is made when the composition root gives none; the
payments worker then shares it (``SyncWorker(..., scheduler=jobs.scheduler)``). The
composition root passes plain callables, so this module knows no adapter:

    jobs = OpsJobs(flush=recorder.flush, prune=lambda: store.prune(minute()),
                   backup=backups.back_up_if_due)
    jobs.start()          # after the sale screen is shown
    jobs.request_backup() # "back up now"
    jobs.stop()           # on close: waits for a running job, then flushes once more
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ireti_till.worker.scheduler import Scheduler

log = logging.getLogger("ireti_till.worker")

Job = Callable[[], object]
LANE = "ops"
FLUSH, PRUNE, BACKUP = "metrics-flush", "metrics-prune", "backup"


class OpsJobs:
    def __init__(self, *, flush: Job, prune: Job, backup: Job | None,
                 flush_every: float = 60.0, prune_every: float = 24 * 3600.0,
                 backup_every: float = 3600.0, first_backup_after: float = 300.0,
                 scheduler: Scheduler | None = None) -> None:
        self._flush = flush
        self._owns_scheduler = scheduler is None
        self.scheduler = Scheduler() if scheduler is None else scheduler
        self._jobs: list[tuple[str, Job, float, float]] = [
            (FLUSH, flush, flush_every, flush_every),
            (PRUNE, prune, prune_every, 60.0),
        ]
        if backup is not None:  # first check a few minutes after start: not on the way to a scan
            self._jobs.append((BACKUP, backup, backup_every, first_backup_after))
        self._started = False

    @property
    def running(self) -> bool:
        return self._started and self.scheduler.running

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for job_id, fn, every, first in self._jobs:
            self.scheduler.add_periodic(job_id, fn, every, lane=LANE, first_after_s=first)
        self.scheduler.start()

    def request_flush(self) -> None:
        """Write the metrics recorded so far now."""
        self.scheduler.request(FLUSH)

    def request_backup(self) -> None:
        """Check now whether a backup is due, and take it (tests, "back up now")."""
        self.scheduler.request(BACKUP)

    def stop(self) -> None:
        if self._owns_scheduler:
            self.scheduler.shutdown(wait=True)
        else:
            self.scheduler.remove(*(job_id for job_id, *_ in self._jobs))
            self.scheduler.close_lanes(LANE)
        self._started = False
        try:  # what was recorded since the last tick
            self._flush()
        except Exception:
            log.exception("ops job %s failed", FLUSH)
