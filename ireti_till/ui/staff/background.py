"""Run a PIN check off the GUI thread and hand the result back to it.

scrypt is slow on purpose (about 50-100 ms a PIN, several when a PIN alone is matched
against every user), so the sign-in screen and the override dialog check PINs on Qt's
thread pool; the result comes back through a signal of a QObject that lives on the GUI
thread (a queued connection), so widgets are only touched there.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, SignalInstance

from ireti_till.domain.errors import AuthorisationError, TillError

log = logging.getLogger("ireti_till.ui")


class PinCheck(QObject):
    """One background check at a time; ``busy`` while it runs."""

    done = Signal(object)  # the work's result
    failed = Signal(object)  # a TillError

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        self.done.connect(self._finished)
        self.failed.connect(self._finished)

    def _finished(self, _value: Any) -> None:
        self.busy = False

    def start(self, work: Callable[[], Any]) -> bool:
        """Run ``work`` on the thread pool; False (and nothing runs) while one is busy."""
        if self.busy:
            return False
        self.busy = True

        def task() -> None:
            try:
                result = work()
            except TillError as exc:
                outcome: tuple[SignalInstance, Any] = (self.failed, exc)
            except Exception:
                log.exception("PIN check failed")
                outcome = (self.failed, AuthorisationError(
                    "The PIN could not be checked; try again", code="IT-400"))
            else:
                outcome = (self.done, result)
            with contextlib.suppress(RuntimeError):  # the screen was closed meanwhile
                outcome[0].emit(outcome[1])

        QThreadPool.globalInstance().start(task)
        return True
