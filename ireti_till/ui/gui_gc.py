"""Cyclic garbage is collected on the GUI thread only.

Python's cyclic collector runs on whichever thread happens to allocate when a threshold is
crossed: often a helper thread (the ledger opener, a worker lane, a task-pool thread). A Qt
object owned by Python (no parent) that sits in a collected cycle then has its C++ destructor
run on that thread; a ``QObject``'s timers cannot be unregistered from there and fire later
on the dead object (SIGSEGV in ``QTimerInfoList::activateTimers``: a parentless
``ReaderMirror`` of a test, collected on the ``open-ledger`` thread of a later test, was the
suite's second rare crash). So the till turns automatic collection off and collects here: a
timer on the GUI thread does what the automatic collector would do, when it would do it
(generation counts against the usual thresholds), only on the right thread.

    GuiThreadGc(app)        # once, right after the QApplication is made (ui/application)
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


def collect_due() -> int:
    """Collect the generations whose thresholds are crossed (as the automatic collector
    would); the caller's thread is the one that frees. Returns the objects found."""
    count0, count1, count2 = gc.get_count()
    limit0, limit1, limit2 = gc.get_threshold()
    found = 0
    if count0 > limit0:
        found = gc.collect(0)
        if count1 > limit1:
            found += gc.collect(1)
            if count2 > limit2:
                found += gc.collect(2)
    return found


class GuiThreadGc(QObject):
    """While it lives, automatic collection is off and its timer collects on this thread."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(collect_due)
        self.timer.start(interval_ms)
        self.destroyed.connect(lambda: gc.enable())
