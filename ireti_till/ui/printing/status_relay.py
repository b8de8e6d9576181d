"""Worker-thread facts for the status bar: ``note(key, text, tip, bad)`` from any thread
reaches ``TillStatusBar.set_note`` on the GUI thread through a queued signal (plain,
frozen values only)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from ireti_till.ui.status_bar import TillStatusBar


class StatusRelay(QObject):
    changed = Signal(str, str, str, bool)  # key, text, tooltip, bad

    def __init__(self, bar: TillStatusBar) -> None:
        super().__init__(bar)
        self.changed.connect(bar.set_note, Qt.ConnectionType.QueuedConnection)

    def note(self, key: str, text: str, tip: str = "", bad: bool = False) -> None:
        """Any thread."""
        self.changed.emit(key, text, tip, bad)
