"""ui/gui_gc: a Qt object in a garbage cycle is freed on the GUI thread, never by a collection
that a helper thread happened to trigger (the suite's second rare SIGSEGV: a parentless
ReaderMirror collected on the ledger-opening thread left its timer registered)."""

from __future__ import annotations

import gc
import threading
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import QObject, QTimer
from pytestqt.qtbot import QtBot

from ireti_till.ui.gui_gc import GuiThreadGc, collect_due

MAIN = threading.main_thread()


class _Owner(QObject):
    """Python-owned, with a running timer, in a reference cycle with itself."""

    freed_on: ClassVar[list[bool]] = []

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.start(60_000)
        self.me = self

    def __del__(self) -> None:
        _Owner.freed_on.append(threading.current_thread() is MAIN)


def _churn() -> None:
    junk: list[Any] = []
    for _ in range(50_000):  # far past every collection threshold
        cell: list[Any] = []
        cell.append(cell)
        junk.append(cell)
        if len(junk) > 1000:
            junk.clear()


def test_cycles_with_qt_objects_are_collected_on_the_gui_thread(qtbot: QtBot) -> None:
    assert not gc.isenabled()  # the suite runs as the till does (tests/conftest.py)
    _Owner.freed_on = []
    for _ in range(5):
        _Owner()
    helper = threading.Thread(target=_churn)
    helper.start()
    helper.join()
    assert _Owner.freed_on == []  # the helper's allocations collected nothing
    qtbot.waitUntil(lambda: collect_due() >= 0 and gc.collect() >= 0
                    and len(_Owner.freed_on) == 5)
    assert all(_Owner.freed_on)


def test_the_guard_turns_automatic_collection_back_on_when_it_goes() -> None:
    parent = QObject()
    GuiThreadGc(parent, interval_ms=10)
    assert not gc.isenabled()
    shiboken6.delete(parent)  # the guard goes with it
    try:
        assert gc.isenabled()
    finally:
        gc.disable()  # the session's own guard (tests/conftest.py) is still in place
