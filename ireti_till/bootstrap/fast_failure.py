"""After a fast start: the blocking error screen when the ledger fails to open late.

On a fast start (bootstrap/fast_start.py) the ledger and the staff services open after the
first screen is shown. If that fails (live mode without a keyring, a disk error...), the
error screen that start-up would have shown replaces the till window, and nobody trades.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

log = logging.getLogger("ireti_till.app")


class FailureRelay(QObject):
    """``failed.emit(exc)`` from any thread opens the error screen on the GUI thread."""

    failed = Signal(object)

    def __init__(self, window: QWidget, data_dir: Path) -> None:
        super().__init__(window)
        self._window = window
        self._data_dir = data_dir
        self.screen: QWidget | None = None
        self.failed.connect(self._show)

    def _show(self, error: BaseException) -> None:
        from ireti_till.ui.error_screen import ErrorWindow, problem_for

        problem = problem_for(error, self._data_dir, None)
        log.error("start-up refused after the first screen: %s (%s)", problem.title,
                  problem.code)
        self.screen = ErrorWindow(problem)
        self.screen.show()
        self._window.hide()
