"""The till's one scheduler: every periodic job and every background lane of the worker.

One APScheduler ``BackgroundScheduler`` (not ``QtScheduler``: DESIGN §13) keeps the clock;
the work itself runs on named *lanes*, each a single thread, so jobs of one lane never
overlap and a slow Stripe call on one lane never delays another. The APScheduler thread only
*enqueues* a due job on its lane (inline, so it never falls behind and skips a tick); it
never runs one, never holds a one-off job and is never
asked to modify a job, which is what made APScheduler 3 raise ``JobLookupError`` from its own
thread when it was shut down while it handled a one-off job (``remove_job`` looks only at
pending jobs once ``shutdown`` has set the stopped state).

Registering a periodic job (print retries, back-office sync, alerts...)::

    scheduler.add_lane("print")                        # once; a lane is one thread
    scheduler.add_periodic("print-retry", retry_prints, every_s=15.0, lane="print",
                           first_after_s=5.0)
    scheduler.request("print-retry")                   # run it now (the printer is back)

``func`` takes no argument and returns nothing useful; an exception is logged and the next
tick tries again (catch what you want to show, and report it yourself, e.g. on a signal).
A request while the job is queued and not yet running is coalesced into that run.
``submit(lane, what, func)`` runs a one-off function on a lane, in order with its jobs.

Lifecycle: ``start()`` once (jobs added before or after); ``remove(name)`` drops a job;
``close_lanes(*lanes)`` refuses new work on them and waits for what runs; ``shutdown()``
stops the clock and every lane. Nothing is started, and nothing raises, after a shutdown:
late calls are ignored (logged at debug level).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("ireti_till.worker")
Job = Callable[[], object]


@dataclass
class _Periodic:
    name: str
    func: Job
    every_s: float
    lane: str
    first_after_s: float
    queued: bool = False


class Scheduler:
    """The clock (APScheduler) and the lanes (single-thread executors) of the worker."""

    def __init__(self) -> None:
        self._clock = BackgroundScheduler(
            executors={"default": DebugExecutor()},  # runs _enqueue in the clock's thread
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC)
        self._lock = threading.Lock()
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._jobs: dict[str, _Periodic] = {}
        self._started = False
        self._stopped = False

    @property
    def running(self) -> bool:
        return self._started and not self._stopped

    # ---- registration ------------------------------------------------------------------
    def add_lane(self, lane: str) -> None:
        """A single-thread lane (idempotent)."""
        with self._lock:
            if lane not in self._lanes and not self._stopped:
                self._lanes[lane] = ThreadPoolExecutor(1, thread_name_prefix=f"worker-{lane}")

    def add_periodic(self, name: str, func: Job, every_s: float, *, lane: str,
                     first_after_s: float | None = None) -> None:
        """Run ``func`` on ``lane`` every ``every_s`` seconds, first after ``first_after_s``
        (default: one period; 0: at once). Names are unique."""
        self.add_lane(lane)
        job = _Periodic(name, func, every_s, lane,
                        every_s if first_after_s is None else first_after_s)
        with self._lock:  # never held while calling the clock: its thread takes it
            if self._stopped:
                return
            if name in self._jobs:
                raise ValueError(f"a periodic job {name!r} exists already")
            self._jobs[name] = job
            started = self._started
        if started:
            self._schedule(job)

    def has(self, name: str) -> bool:
        """Whether periodic job ``name`` is registered."""
        with self._lock:
            return name in self._jobs

    def remove(self, *names: str) -> None:
        with self._lock:
            removed = [n for n in names if self._jobs.pop(n, None) is not None]
            started = self._started
        for name in removed if started else ():
            try:
                self._clock.remove_job(name)
            except JobLookupError:  # shut down meanwhile: nothing left to remove
                log.debug("periodic job %s already gone", name)

    # ---- running -----------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._started or self._stopped:
                return
            self._started = True
            jobs = list(self._jobs.values())
        for job in jobs:
            self._schedule(job)
        self._clock.start()

    def request(self, name: str) -> None:
        """Run periodic job ``name`` now (coalesced with a run already queued)."""
        self._enqueue(name)

    def register(self, work: list[tuple[str, Job, float]], lane: str,
                 first_after_s: float = 0) -> Callable[[str], None]:
        """Put ``work`` (``(name, func, every_s)``) on ``lane`` (so a backup never holds up
        a receipt); ``every_s`` 0 runs a job once, now. A failed round is logged and tried
        again at the next tick. Returns ``request`` (run a job now; never blocks)."""
        self.add_lane(lane)
        for name, func, every in work:
            if every > 0:
                self.add_periodic(name, func, every, lane=lane, first_after_s=first_after_s)
            else:
                self.submit(lane, name, func)
        return self.request

    def submit(self, lane: str, what: str, func: Job) -> None:
        """Run ``func`` once on ``lane`` (after what is queued there); errors are logged."""
        with self._lock:
            executor = self._lanes.get(lane)
            if executor is None or self._stopped:
                log.debug("%s not run: lane %s is closed", what, lane)
                return
            _submit(executor, _guarded, what, func)

    def close_lanes(self, *lanes: str, wait: bool = True) -> None:
        """No more work on ``lanes``; by default wait for the job running on each."""
        with self._lock:
            closing = [self._lanes.pop(lane) for lane in lanes if lane in self._lanes]
        for executor in closing:
            executor.shutdown(wait=wait, cancel_futures=True)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the clock, then every lane (waiting for running jobs unless ``wait=False``).
        Idempotent; never raises."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            started, self._started = self._started, False
            lanes, self._lanes = list(self._lanes.values()), {}
        if started:
            self._clock.shutdown(wait=True)  # its thread only enqueues: this is quick
        for executor in lanes:
            executor.shutdown(wait=wait, cancel_futures=True)

    # ---- inside ------------------------------------------------------------------------
    def _schedule(self, job: _Periodic) -> None:
        first = datetime.now(UTC) + timedelta(seconds=job.first_after_s)
        self._clock.add_job(self._enqueue, "interval", args=(job.name,), id=job.name,
                            seconds=job.every_s, next_run_time=first, replace_existing=True)

    def _enqueue(self, name: str) -> None:
        with self._lock:
            job = self._jobs.get(name)
            executor = None if job is None else self._lanes.get(job.lane)
            if job is None or executor is None or self._stopped or job.queued:
                return
            job.queued = _submit(executor, self._run, job)

    def _run(self, job: _Periodic) -> None:
        with self._lock:
            job.queued = False
        _guarded(job.name, job.func)


def _submit(executor: ThreadPoolExecutor, fn: Callable[..., None], *args: object) -> bool:
    try:
        executor.submit(fn, *args)
    except RuntimeError:  # the interpreter is exiting
        log.debug("not run: the worker is shutting down")
        return False
    return True


def _guarded(what: str, func: Job) -> None:
    try:
        func()
    except Exception:  # the next tick tries again
        log.exception("background job %s failed", what)
