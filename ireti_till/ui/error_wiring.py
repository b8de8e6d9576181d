"""The blocking error screen at start-up (``app.main`` calls it): a problem that means the
till must not trade (damaged ledger, invalid configuration, read-only data directory,
another till on the same data) is shown, logged, and the process ends with 2."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

log = logging.getLogger("ireti_till.app")


def show_problem(app: QApplication, error: BaseException, data_dir: Path | None,
                 log_file: Path | None) -> int:
    from ireti_till.ui import error_screen

    problem = error_screen.problem_for(error, data_dir, log_file)
    log.error("start-up refused: %s (%s)", problem.title, problem.code)
    window = error_screen.ErrorWindow(problem)
    window.showMaximized()
    if os.environ.get("IRETI_BENCH_EXIT_ON_READY"):
        # exit(), not quit(): quit() in Qt 6 first closes every window and leaves the
        # application refusing to activate windows afterwards (matters in tests).
        QTimer.singleShot(0, lambda: app.exit(0))
    app.exec()
    window.close()
    window.deleteLater()
    return 2
