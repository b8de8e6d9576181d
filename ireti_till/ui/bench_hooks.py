"""Benchmark hooks (IRETI_BENCH_EXIT_ON_READY=1): see benchmarks/bench_startup.py."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ireti_till.ui.main_window import MainWindow


def rss_kb() -> int:
    """Resident set size of this process in KiB (Linux /proc), else the peak RSS."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows: the benchmark reads RSS on Linux only
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def exit_when_ready(app: QApplication, window: MainWindow) -> None:
    """Print ``IRETI_READY <unix time>`` once the scan field (or, with staff sign-in, the
    PIN field of the sign-in screen) has the focus, then (after
    ``IRETI_BENCH_IDLE_MS``) ``IRETI_RSS rss_kb=... stripe_loaded=...`` and leave the loop."""

    def ready() -> None:
        lock = window.lock_screen
        focus = QApplication.focusWidget()
        on_sign_in = (lock is not None and focus is not None and lock.isVisible()
                      and lock.isAncestorOf(focus))
        if not (window.scan.field.hasFocus() or on_sign_in):
            QTimer.singleShot(1, ready)
            return
        print(f"IRETI_READY {time.time():.6f}", flush=True)
        # Card payments (stripe, the emulator) start on a thread once the window is shown:
        # what matters is whether stripe was on the path to this moment.
        stripe_at_ready = "stripe" in sys.modules
        idle_ms = int(os.environ.get("IRETI_BENCH_IDLE_MS", "0"))

        def finish() -> None:
            print(f"IRETI_RSS rss_kb={rss_kb()} stripe_loaded={stripe_at_ready}",
                  flush=True)
            app.exit(0)

        QTimer.singleShot(idle_ms, finish)

    QTimer.singleShot(0, ready)
