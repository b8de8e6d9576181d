"""The one way the UI runs work in the background (the shape of Anki's ``aqt/taskman.py``).

``TaskRunner.run(task, on_done, on_error)`` runs ``task`` on a small thread pool and calls
``on_done(result)`` — or ``on_error(TillError)`` — later on the GUI thread; the GUI thread
never waits. ``on_gui(fn)`` wraps a callback (a progress report) so that a worker thread can
call it and ``fn`` runs on the GUI thread. ``Task`` is the per-screen handle: one job at a
time, a second ``start`` either refused (a PIN check) or coalesced into one re-run (a refresh).

How results cross threads, and why it is safe:

- a worker thread appends a closure to a locked list and emits one argument-less signal of
  the runner, a ``QObject`` living on the GUI thread; the runner's own method runs the
  closures there. No signal is ever connected to a bound method of a plain Python object:
  PySide6 does not keep such a receiver alive, and a queued call reaching a freed one was the
  suite's rare SIGSEGV (tests/ui/test_signal_lifetimes.py);
- the worker thread hands its references to the task and the callbacks over to that closure
  before it is queued, so the last reference to anything they hold (a widget, a dialog) is
  dropped on the GUI thread, never on a pool thread;
- callbacks of a screen that has been deleted meanwhile are dropped (``owner``).

Errors have one place: ``as_till_error`` keeps a ``TillError`` and turns anything else into
one (IT-190, logged with its traceback), so a screen only ever shows a coded message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Generic, Literal, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from ireti_till.domain.errors import TillError

log = logging.getLogger("ireti_till.ui")
T = TypeVar("T")
Closure = Callable[[], None]
OnError = Callable[[TillError], None]
Unexpected = Callable[[Exception], TillError]


def as_till_error(exc: Exception, what: str, unexpected: Unexpected | None = None) -> TillError:
    """The error a screen shows for ``exc``; anything but a ``TillError`` is logged in full."""
    if isinstance(exc, TillError):
        return exc
    log.error("%s failed", what, exc_info=exc)
    if unexpected is not None:
        return unexpected(exc)
    return TillError(f"{what.capitalize()} failed unexpectedly ({type(exc).__name__}); try "
                     "again, and if it happens again send a support bundle", code="IT-190")


class TaskRunner(QObject):
    """Runs tasks on a pool; delivers results on the thread this object lives on (GUI)."""

    _pending = Signal()

    def __init__(self, parent: QObject | None = None, *, workers: int = 4) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ui-task")
        self._lock = threading.Lock()
        self._closures: list[Closure] = []
        self._closed = False
        # always queued: a closure added from the GUI thread too runs later, not inside the caller
        self._pending.connect(self._run_pending, Qt.ConnectionType.QueuedConnection)

    def run(self, task: Callable[[], T], on_done: Callable[[T], None],
            on_error: OnError | None = None, *, what: str = "background task",
            owner: QObject | None = None, unexpected: Unexpected | None = None,
            ) -> Future[None] | None:
        """Run ``task()`` on the pool; ``on_done(result)`` or ``on_error(error)`` on the GUI
        thread, unless ``owner`` has been deleted by then. Without ``on_error`` the error is
        logged only. The future (None once shut down) only tells when the task has ended."""
        # The pool thread reaches the task and the callbacks only through ``box``, which the
        # GUI thread empties (``_deliver``): their last references always die there.
        box: list[Any] = [task, on_done, on_error, owner]

        def job() -> None:
            fn = box[0]
            try:
                outcome: tuple[bool, Any] = (True, fn())
            except Exception as exc:  # noqa: BLE001 - one place for errors: as_till_error
                outcome = (False, as_till_error(exc, what, unexpected))
            del fn
            box.append(outcome)
            del outcome
            self.run_on_main(lambda: _deliver(box))

        with self._lock:
            if self._closed:
                log.info("%s not started: the till is closing", what)
                return None
            return self._pool.submit(job)

    def run_on_main(self, closure: Closure) -> None:
        """Run ``closure`` on the GUI thread (from any thread; from the GUI thread: later)."""
        with self._lock:
            self._closures.append(closure)
        try:
            self._pending.emit()
        except RuntimeError:  # the runner itself is gone (application shutting down)
            log.debug("background result dropped: the runner is gone")

    def on_gui(self, fn: Callable[..., None]) -> Callable[..., None]:
        """A callable any thread may call; ``fn(*args)`` then runs on the GUI thread."""
        def call(*args: Any) -> None:
            self.run_on_main(lambda: fn(*args))
        return call

    def _run_pending(self) -> None:
        with self._lock:
            closures, self._closures = self._closures, []
        while closures:
            closure = closures.pop(0)
            try:
                closure()
            except Exception:  # a slot that raises must not drop the others
                log.exception("a background result could not be shown")
            del closure

    def shutdown(self, wait: bool = True) -> None:
        """Refuse new tasks and (by default) wait for running ones; results still pending are
        delivered by the event loop as usual."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


def _deliver(box: list[Any]) -> None:
    _fn, done, failed, owner, (ok, value) = box
    box.clear()  # the pool thread's last path to them: they are released here, on this thread
    if owner is not None and not shiboken6.isValid(owner):
        return
    if ok:
        done(value)
    elif failed is not None:
        failed(value)


_default: TaskRunner | None = None


def runner() -> TaskRunner:
    """The application's runner (made on first use, on the GUI thread, child of the app)."""
    global _default
    if _default is None or not shiboken6.isValid(_default):
        _default = TaskRunner(QCoreApplication.instance())
    return _default


class Task(QObject, Generic[T]):
    """One background job at a time for a screen (the task's owner is this object's parent).

    ``when_busy="refuse"``: ``start`` returns False while a job runs (a PIN being checked);
    ``"coalesce"``: the newest job asked for meanwhile runs once after it (a refresh)."""

    def __init__(self, parent: QObject, on_done: Callable[[T], None], on_error: OnError, *,
                 what: str, when_busy: Literal["refuse", "coalesce"] = "coalesce",
                 unexpected: Unexpected | None = None, tasks: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self._owner = parent
        self._on_done = on_done
        self._on_error = on_error
        self._what = what
        self._when_busy = when_busy
        self._unexpected = unexpected
        self._tasks = tasks
        self.running = False
        self._again: Callable[[], T] | None = None
        self._future: Future[None] | None = None

    def start(self, fn: Callable[[], T]) -> bool:
        if self.running:
            if self._when_busy == "refuse":
                return False
            self._again = fn
            return True
        self.running = True
        tasks = self._tasks or runner()
        self._future = tasks.run(fn, self._done, self._failed, what=self._what,
                                 owner=self._owner, unexpected=self._unexpected)
        self.running = self._future is not None
        return self.running

    def wait(self, timeout: float) -> bool:
        """Block until the running job has ended (closing the till only): True if it has."""
        future = self._future
        return future is None or not wait([future], timeout).not_done

    def _done(self, result: T) -> None:
        self.running = False
        try:
            self._on_done(result)
        finally:
            self._next()

    def _failed(self, error: TillError) -> None:
        self.running = False
        try:
            self._on_error(error)
        finally:
            self._next()

    def _next(self) -> None:
        again, self._again = self._again, None
        if again is not None and not self.running:
            self.start(again)
