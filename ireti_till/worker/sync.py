"""The sync worker: APScheduler ``BackgroundScheduler`` jobs that drive the payment services.

Not ``QtScheduler`` (DESIGN §13: it leaks timer loops under PySide6). Each job kind has
its own single-thread executor, so a slow Stripe call in one never delays another and no
job ever runs twice at once:

- ``outbox``: start-up recovery once, then drain the outbox every ``drain_every`` seconds,
  paced by a token bucket below Stripe's rate limit (``rate`` per second);
- ``sweep``: the events sweep after start, after each reconnect and every ``sweep_every``;
- ``watch``: connectivity and reader status every ``watch_every`` seconds;
- ``card``: the cashier's card actions (start, try again, follow the reader), and the
  basket mirrored on the reader's display (``display``), in order with them;
- ``control``: Cancel / abandon / void / simulate, which must not wait behind ``card``.

Results go out through ``PaymentSignals`` as frozen values; the GUI thread never waits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Pacer
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.payments_core import PaymentsCore
from ireti_till.worker.signals import PaymentSignals

log = logging.getLogger("ireti_till.worker")
EXECUTORS = ("outbox", "sweep", "watch", "card", "control")


class RatePacer:
    """Blocks the calling worker thread just long enough to stay under ``rate`` req/s."""

    def __init__(self, rate: float, stop: threading.Event) -> None:
        self._pacer = Pacer(rate)
        self._lock = threading.Lock()
        self._stop = stop

    def __call__(self) -> None:
        with self._lock:
            delay = self._pacer.delay(time.monotonic())
        if delay > 0:
            self._stop.wait(delay)


class SyncWorker:
    def __init__(self, core: PaymentsCore, signals: PaymentSignals, *,
                 drain_every: float = 2.0, sweep_every: float = 300.0,
                 watch_every: float = 5.0, poll_every: float | None = None, rate: float = 23.0,
                 run_recovery: bool = True,
                 card_pause: Callable[[str | None, threading.Event, int], bool] | None = None,
                 ) -> None:
        self.core = core
        self.signals = signals
        self.poll_every = poll_every  # None: the PollSchedule (CardPayments.follow)
        self.card_pause = card_pause  # the back-office stream's ReaderPause, if enrolled
        self._stop = threading.Event()
        # APScheduler's shutdown(wait=True) joins the executors while holding its job-store
        # lock; a job calling modify_job/add_job then would deadlock. Every such call holds
        # this lock and checks _stop, and stop() sets _stop under it before shutting down.
        self._schedule_lock = threading.Lock()
        self._follow_stops: dict[UUID, threading.Event] = {}
        self._display_lock = threading.Lock()
        self._display_next: Callable[[], None] | None = None
        self.pacer = RatePacer(rate, self._stop)
        core.outbox.pace = self.pacer
        self.scheduler = BackgroundScheduler(
            executors={name: ThreadPoolExecutor(1) for name in EXECUTORS},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
            timezone=UTC)
        self._intervals = (drain_every, sweep_every, watch_every)
        self._run_recovery = run_recovery

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        drain_every, sweep_every, watch_every = self._intervals
        now = datetime.now(UTC)
        s = self.scheduler
        if self._run_recovery:
            s.add_job(self._guard("recovery", self.recover), executor="outbox", id="recovery",
                      next_run_time=now)
        s.add_job(self._guard("drain", self.drain), "interval", seconds=drain_every,
                  executor="outbox", id="drain")
        s.add_job(self._guard("sweep", self.sweep), "interval", seconds=sweep_every,
                  executor="sweep", id="sweep", next_run_time=now)
        s.add_job(self._guard("watch", self.watch), "interval", seconds=watch_every,
                  executor="watch", id="watch", next_run_time=now)
        s.start()

    def stop(self) -> None:
        with self._schedule_lock:
            self._stop.set()
        for ev in list(self._follow_stops.values()):
            ev.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    # ---- jobs --------------------------------------------------------------------------
    def recover(self) -> None:
        report = self.core.recovery.run()
        self.signals.recovery.emit(report)
        self._publish_queue()

    def drain(self) -> None:
        if self.core.recovery.pending() and self.core.connectivity.state.stripe_online:
            self.core.recovery.run()
        result = self.core.outbox.drain()
        if result.sent:
            log.info("outbox drained: %s", result)
        self._publish_queue()

    def sweep(self) -> None:
        self.signals.sweep.emit(self.core.sweep.run())

    def watch(self) -> None:
        state, came_back = self.core.connectivity.check()
        self.signals.connectivity.emit(state)
        if came_back:
            self.kick("drain")
            self.kick("sweep")

    def kick(self, job_id: str) -> None:
        """Run a periodic job now (e.g. after a reconnect, or "retry now")."""
        with self._schedule_lock:
            if self._stop.is_set():
                return
            try:
                self.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
            except Exception:  # noqa: BLE001 - not started yet
                log.debug("kick %s ignored", job_id)

    # ---- the cashier's card actions (called from the GUI thread; return at once) -------
    def card_start(self, sale_id: UUID, amount: Money | None = None) -> None:
        self._submit("card", "card", lambda: self._follow(self.core.cards.start(sale_id,
                                                                                   amount)))

    def card_try_again(self, attempt_id: UUID) -> None:
        self._submit("card", "card", lambda: self._follow(self.core.cards.try_again(
            attempt_id)))

    def card_cancel(self, attempt_id: UUID) -> None:
        self._submit("control", "card", lambda: self._emit(self.core.cards.cancel(attempt_id)))

    def card_abandon(self, attempt_id: UUID, reason: str) -> None:
        def run() -> None:
            self._emit(self.core.cards.abandon(attempt_id, reason))
            self._publish_queue()
        self._submit("control", "card", run)

    def void_sale(self, sale_id: UUID, reason: str) -> None:
        def run() -> None:
            self.signals.tender.emit(self.core.cards.void_sale(sale_id, reason))
            self._publish_queue()
        self._submit("control", "void", run)

    def retry_now(self, op_id: UUID) -> None:
        def run() -> None:
            self.core.retry(op_id)
            self._publish_queue()
            self.kick("drain")
        self._submit("control", "retry", run)

    def resolve(self, op_id: UUID, reason: str, who: str = "supervisor") -> None:
        def run() -> None:
            self.core.resolve(op_id, reason, who)
            self._publish_queue()
        self._submit("control", "resolve", run)

    def simulate(self, outcome: str) -> None:
        self._submit("control", "simulate", lambda: self.core.simulate(outcome))

    def display(self, fn: Callable[[], None]) -> None:
        """The basket on the reader's screen: ``fn`` (show or clear) runs on the ``card``
        executor, so it never overtakes a card payment started after it, and a payment's
        ``process_payment_intent`` simply replaces it. Coalescing: only the latest ``fn`` not
        yet started runs. Errors are logged, never shown: the display is a courtesy."""
        with self._display_lock:
            pending = self._display_next is not None
            self._display_next = fn
        if not pending:
            self._submit("card", "display", self._run_display)

    def _run_display(self) -> None:
        with self._display_lock:
            fn, self._display_next = self._display_next, None
        if fn is None:
            return
        try:
            fn()
        except Exception as err:  # noqa: BLE001 - logged; the cashier is not bothered
            log.info("reader display not updated: %s", err)

    def call(self, what: str, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run any service call off the GUI thread; ``done(result)`` is called on the worker
        thread (connect it to a signal). Errors go to ``signals.failed``."""
        self._submit("control", what, lambda: done(fn()))

    # ---- helpers -----------------------------------------------------------------------
    def _follow(self, status: CardStatus) -> None:
        self._emit(status)
        if status.settled:
            return
        stop = threading.Event()
        self._follow_stops[status.attempt_id] = stop
        try:
            self.core.cards.follow(status.attempt_id, stop, self.poll_every,
                                   on_status=self._emit, pause=self.card_pause)
        finally:
            self._follow_stops.pop(status.attempt_id, None)

    def _emit(self, status: CardStatus) -> None:
        self.signals.card_status.emit(status)
        if status.sale_completed or status.state.final:
            self._publish_queue()

    def _publish_queue(self) -> None:
        self.signals.queue.emit(self.core.queue_summary())

    def _submit(self, executor: str, what: str, fn: Callable[[], None]) -> None:
        with self._schedule_lock:
            if self._stop.is_set():
                return
            self.scheduler.add_job(self._guard(what, fn), executor=executor,
                                   next_run_time=datetime.now(UTC), misfire_grace_time=None)

    def _guard(self, what: str, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except TillError as err:
                log.warning("%s failed: %s", what, err)
                self.signals.failed.emit(what, str(err))
            except Exception as err:
                log.exception("%s failed", what)
                self.signals.failed.emit(what, f"Unexpected error in {what}: {err} (IT-399)")
        return run
