"""Training mode's printer: nothing leaves the PC; each document is kept and handed to a
listener (the screen shows the receipt the cashier would have torn off)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from ireti_till.domain.print_doc import Op, PrinterStatus


class VirtualPrinter:
    """The ``PrinterPort`` of training mode (and of a till with no printer yet)."""

    def __init__(self, keep: int = 20) -> None:
        self._docs: deque[tuple[list[Op], bool]] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.drawer_kicks = 0
        #: called on the worker thread with (ops, kick): bridge it to the UI with a signal
        self.listener: Callable[[list[Op], bool], None] | None = None

    def print(self, ops: list[Op], *, kick: bool = False, cut: bool = True) -> None:
        with self._lock:
            self._docs.append((list(ops), kick))
            self.drawer_kicks += int(kick)
        if self.listener is not None:
            self.listener(list(ops), kick)

    def status(self) -> PrinterStatus:
        return PrinterStatus(online=True, paper="ok", cover_open=False,
                             detail="training: receipts are shown on screen")

    def last(self) -> list[Op] | None:
        with self._lock:
            return list(self._docs[-1][0]) if self._docs else None
