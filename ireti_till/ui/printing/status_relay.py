"""Worker-thread facts for the status bar: ``note(key, text, tip, bad)`` from any thread
reaches ``TillStatusBar.set_note`` on the GUI thread through a queued signal (plain,
frozen values only)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from ireti_till.ui.status_bar import TillStatusBar


class StatusRelay(QObject):
    changed = Signal(str, str, str, bool)  # key, text, tooltip, bad

    def __init__(self, bar: TillStatusBar) -> None:
        super().__init__(bar)
        self.last: dict[str, str] = {}  # key -> the latest text (a new panel starts with it)
        self.changed.connect(bar.set_note, Qt.ConnectionType.QueuedConnection)

    def note(self, key: str, text: str, tip: str = "", bad: bool = False) -> None:
        """Any thread."""
        self.last[key] = text
        self.changed.emit(key, text, tip, bad)

    def follow(self, key: str, show: Callable[[str], None]) -> None:
        """``show(text)`` now and on the GUI thread with every new text of ``key``."""
        show(self.last.get(key, ""))
        self.changed.connect(lambda k, text, _tip, _bad: show(text) if k == key else None,
                             Qt.ConnectionType.QueuedConnection)
