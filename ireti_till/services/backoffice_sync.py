"""Sending the till's feed to the back office: in order, batched, retried with backoff.

``run_once()`` is the periodic job (the worker's scheduler calls it every few seconds). One
run at a time per till: a second caller returns at once (two sync loops at once are how
other tills duplicated rows). Each batch is read from the ledger (numbers assigned and
committed there first), sent, and marked acknowledged only for what the server says it has
committed. On any failure nothing is marked, the run stops, and the next run waits
(exponential backoff with jitter, capped); the records stay in the ledger.

Restore safety: before numbering anything, the first run asks the server for its high-water
for this till, and new numbers start above it (DESIGN §15: keep the high-water mark outside
the restored file: the server is that place).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.feed import SyncStatus, fit_batch
from ireti_till.services.backoffice_ports import BackofficeApi, FeedStore
from ireti_till.services.ports import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncRun:
    """What one ``run_once`` did (frozen: safe to hand to the UI thread)."""

    sent: int = 0
    acked: int = 0
    duplicates: int = 0
    flagged: int = 0
    skipped: str | None = None  # "busy", "backoff", "not enrolled"
    error_code: str | None = None
    error: str | None = None


class BackofficeSync:
    def __init__(self, store: FeedStore, api: Callable[[], BackofficeApi | None], clock: Clock,
                 *, batch_size: int = 200, max_batches: int = 50, base_backoff_s: float = 2.0,
                 max_backoff_s: float = 300.0) -> None:
        self._store = store
        self._api = api
        self._clock = clock
        self.batch_size = batch_size
        self.max_batches = max_batches
        self._base = base_backoff_s
        self._cap = max_backoff_s
        self._lock = threading.Lock()
        self._floor: int | None = None
        self._failures = 0
        self._next_try: datetime | None = None
        self._last_ok: datetime | None = None
        self._last_error: str | None = None

    def run_once(self, *, force: bool = False) -> SyncRun:
        if not self._lock.acquire(blocking=False):
            return SyncRun(skipped="busy")
        try:
            now = self._clock.now()
            if not force and self._next_try is not None and now < self._next_try:
                return SyncRun(skipped="backoff")
            api = self._api()
            if api is None:
                return SyncRun(skipped="not enrolled")
            try:
                run = self._send_all(api)
            except BackofficeError as exc:
                self._failed(exc)
                return SyncRun(error_code=exc.code, error=exc.message)
            self._failures, self._next_try, self._last_error = 0, None, None
            self._last_ok = self._clock.now()
            return run
        finally:
            self._lock.release()

    def _send_all(self, api: BackofficeApi) -> SyncRun:
        if self._floor is None:
            self._floor = api.high_water()
        sent = acked = dups = flagged = renumbers = 0
        for _ in range(self.max_batches):
            items = fit_batch(self._store.next_batch(self.batch_size, self._floor))
            if not items:
                break
            waiting, _oldest = self._store.waiting()
            result = api.post_batch(items, self._stamp(), max(0, waiting - len(items)))
            sent += len(items)
            dups += result.duplicates
            flagged += result.flagged
            if result.acked_through >= items[0].seq:
                acked += self._store.mark_acked(result.acked_through, self._clock.now())
            self._floor = max(self._floor, result.high_water)
            if result.renumber:
                renumbers += 1
                log.warning("back office asked to renumber above %d", result.high_water)
                self._store.renumber()
                if renumbers > 3:
                    raise BackofficeError("The back office keeps refusing this till's feed "
                                          "numbers; call support.", code="IT-707")
            elif result.acked_through < items[-1].seq:
                break  # the server took part of the batch; carry on next run
        return SyncRun(sent=sent, acked=acked, duplicates=dups, flagged=flagged)

    def _stamp(self) -> str:
        return self._clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _failed(self, exc: BackofficeError) -> None:
        self._failures += 1
        if exc.code in ("IT-707", "IT-701"):
            self._floor = None  # ask the server again next time
        delay = min(self._cap, self._base * 2 ** min(self._failures - 1, 16))
        delay *= random.uniform(0.5, 1.0)  # jitter, not a secret
        self._next_try = self._clock.now() + timedelta(seconds=delay)
        self._last_error = f"{exc.message} ({exc.code})"
        log.warning("back-office sync failed (%s); next try in %.1f s", exc.code, delay)

    def status(self, enrolled: bool = True) -> SyncStatus:
        waiting, oldest = self._store.waiting()
        age = (self._clock.now() - oldest).total_seconds() if oldest else None
        return SyncStatus(enrolled=enrolled, waiting=waiting, oldest_age_s=age,
                          last_ok_at=self._last_ok.isoformat() if self._last_ok else None,
                          last_error=self._last_error)
