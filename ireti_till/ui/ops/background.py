"""Run a function on a pool thread and get its result back on the GUI thread.

The result (a frozen value) travels through a queued signal; the GUI thread never waits.
One ``BackgroundCall`` runs one job at a time: a refresh asked for while one is running is
coalesced into a single re-run when it finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._fn = fn
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported to the widget, which shows it
            log.exception("background job failed")
            self._emit(self._signals.failed, exc)
        else:
            self._emit(self._signals.done, result)

    @staticmethod
    def _emit(signal: Any, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the widget was closed and deleted meanwhile: drop the result
            log.debug("background result dropped: its receiver is gone")


class BackgroundCall(QObject):
    """``call.start(fn)``; ``finished(result)`` or ``failed(exception)`` on the GUI thread."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._running = False
        self._again: Callable[[], Any] | None = None

    @property
    def running(self) -> bool:
        return self._running

    def start(self, fn: Callable[[], Any]) -> None:
        if self._running:
            self._again = fn
            return
        self._running = True
        self._pool.start(_Job(fn, self._signals))

    def _next(self) -> None:
        self._running = False
        again, self._again = self._again, None
        if again is not None:
            self.start(again)

    def _on_done(self, result: object) -> None:
        self.finished.emit(result)
        self._next()

    def _on_failed(self, exc: object) -> None:
        self.failed.emit(exc)
        self._next()
