"""Pruning the till's back-office feed (issue 14): acknowledged rows are not kept for ever.

``run_once()`` is the worker job (hourly). It deletes rows the server acknowledged more than
``retention_days`` ago in batches of ``batch`` rows, each its own short write transaction,
so the ledger's write lock is never held for long and a sale waiting for it gets in between
two batches: after each batch the job pauses ``pause_s`` or as long as the batch took,
whichever is longer (SQLite's busy handler polls with growing sleeps, so a prune that took the
lock again at once would starve a waiting sale). A row the server has not acknowledged is
never deleted (the ledger's trigger refuses it too), whatever its age. One run stops after
``max_batches`` (the next run goes on) or when ``stop()`` is called (the till closing).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ireti_till.services.ports import Clock

log = logging.getLogger(__name__)
DEFAULT_RETENTION_DAYS = 30


class PrunableFeed(Protocol):
    def prune_batch(self, before: datetime, limit: int) -> int: ...
    def prunable(self, before: datetime) -> tuple[int, int]: ...


@dataclass(frozen=True, slots=True)
class PruneRun:
    deleted: int = 0
    batches: int = 0
    longest_s: float = 0.0  # the longest single batch (the write lock held)
    skipped: str | None = None  # "busy"


class FeedPrune:
    def __init__(self, feed: PrunableFeed, clock: Clock, *,
                 retention_days: int = DEFAULT_RETENTION_DAYS, batch: int = 500,
                 max_batches: int = 200, pause_s: float = 0.05) -> None:
        self._feed, self._clock = feed, clock
        self.retention_days, self.batch, self.max_batches = retention_days, batch, max_batches
        self.pause_s = pause_s
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def cutoff(self) -> datetime:
        return self._clock.now() - timedelta(days=self.retention_days)

    def run_once(self) -> PruneRun:
        if not self._lock.acquire(blocking=False):
            return PruneRun(skipped="busy")
        try:
            before = self.cutoff()
            deleted = batches = 0
            longest = 0.0
            while batches < self.max_batches and not self._stop.is_set():
                started = time.perf_counter()
                n = self._feed.prune_batch(before, self.batch)
                took = time.perf_counter() - started
                longest = max(longest, took)
                batches += 1
                deleted += n
                if n < self.batch:
                    break
                self._stop.wait(max(self.pause_s, took))  # let a waiting writer in
            if deleted:
                log.info("back-office feed: %d acknowledged rows older than %d days pruned in "
                         "%d batches (longest %.1f ms)", deleted, self.retention_days, batches,
                         longest * 1000)
            return PruneRun(deleted, batches, longest)
        finally:
            self._lock.release()
