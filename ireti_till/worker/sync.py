"""The sync worker: jobs on the till's one ``Scheduler`` (worker/scheduler.py) that drive the
payment services.

Each job kind has its own lane (a single thread), so a slow Stripe call in one never delays
another and no job ever runs twice at once:

- ``outbox``: start-up recovery once, then drain the outbox every ``drain_every`` seconds,
  paced by a token bucket below Stripe's rate limit (``rate`` per second);
- ``sweep``: the events sweep after start, after each reconnect and every ``sweep_every``;
- ``watch``: connectivity and reader status every ``watch_every`` seconds;
- ``card``: the cashier's card actions (start, try again, follow the reader), and the
  basket mirrored on the reader's display (``display``), in order with them;
- ``control``: Cancel / abandon / void / simulate, which must not wait behind ``card``.

Results go out through ``PaymentSignals`` as frozen values; the GUI thread never waits. Other
parts ask for a job by a typed method: ``request_drain()``, ``request_sweep()``,
``request_watch()``. The worker shares the scheduler it is given (the composition root's,
with the operations jobs on it) or, without one, owns one (tests, benchmarks).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.outbox import Pacer
from ireti_till.services.card_payments import CardStatus
from ireti_till.services.payments_core import PaymentsCore
from ireti_till.worker.scheduler import Scheduler
from ireti_till.worker.signals import PaymentSignals

log = logging.getLogger("ireti_till.worker")
LANES = ("outbox", "sweep", "watch", "card", "control")
#: the periodic jobs, as registered on the scheduler
DRAIN, SWEEP, WATCH = "payments-drain", "payments-sweep", "payments-watch"


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
                 run_recovery: bool = True, scheduler: Scheduler | None = None,
                 card_pause: Callable[[str | None, threading.Event, int], bool] | None = None,
                 ) -> None:
        self.core = core
        self.signals = signals
        self.poll_every = poll_every  # None: the PollSchedule (CardPayments.follow)
        self.card_pause = card_pause  # the back-office stream's ReaderPause, if enrolled
        self._stop = threading.Event()
        self._follow_stops: dict[UUID, threading.Event] = {}
        self._display_lock = threading.Lock()
        self._display_next: Callable[[], None] | None = None
        self.pacer = RatePacer(rate, self._stop)
        core.outbox.pace = self.pacer
        self._owns_scheduler = scheduler is None
        self.scheduler = Scheduler() if scheduler is None else scheduler
        self._intervals = (drain_every, sweep_every, watch_every)
        self._run_recovery = run_recovery

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        drain_every, sweep_every, watch_every = self._intervals
        s = self.scheduler
        for lane in LANES:
            s.add_lane(lane)
        if self._run_recovery:
            s.submit("outbox", "recovery", self._guard("recovery", self.recover))
        s.add_periodic(DRAIN, self._guard("drain", self.drain), drain_every, lane="outbox")
        s.add_periodic(SWEEP, self._guard("sweep", self.sweep), sweep_every, lane="sweep",
                       first_after_s=0)
        s.add_periodic(WATCH, self._guard("watch", self.watch), watch_every, lane="watch",
                       first_after_s=0)
        s.start()

    def stop(self) -> None:
        """Stop the card follow loops and the worker's jobs, waiting for running ones. Never
        raises; a job finishing meanwhile may still emit a signal."""
        self._stop.set()
        for ev in list(self._follow_stops.values()):
            ev.set()
        if self._owns_scheduler:
            self.scheduler.shutdown(wait=True)
            return
        self.scheduler.remove(DRAIN, SWEEP, WATCH)
        self.scheduler.close_lanes(*LANES)

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
            self.request_drain()
            self.request_sweep()

    def request_drain(self) -> None:
        """Send the outbox now (after a reconnect, a refund committed, "retry now")."""
        if not self._stop.is_set():
            self.scheduler.request(DRAIN)

    def request_sweep(self) -> None:
        """Sweep Stripe's events now (after a reconnect)."""
        if not self._stop.is_set():
            self.scheduler.request(SWEEP)

    def request_watch(self) -> None:
        """Check Stripe and the reader now."""
        if not self._stop.is_set():
            self.scheduler.request(WATCH)

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
            self.request_drain()
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
        lane, so it never overtakes a card payment started after it, and a payment's
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

    def _submit(self, lane: str, what: str, fn: Callable[[], None]) -> None:
        if not self._stop.is_set():
            self.scheduler.submit(lane, what, self._guard(what, fn))

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
