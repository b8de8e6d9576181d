"""The non-modal message strip under the scan field.

Scanning never stops for a modal box: an unknown or invalid barcode shows here (with its
error code), the till beeps, and the cashier carries on. Errors stay until the next
successful action; information fades after a few seconds.
"""

from __future__ import annotations

import logging
from enum import Enum

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QWidget

from ireti_till.domain.errors import TillError
from ireti_till.ui.theme import DANGER, PRIMARY, WARNING, name

log = logging.getLogger("ireti_till.ui")

INFO_TIMEOUT_MS = 4000
MAX_SHOWN = 180  # characters; two lines at the strip's width


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_COLOURS = {
    Level.INFO: ("#e3f1f1", PRIMARY, PRIMARY),
    Level.WARNING: ("#fff4d6", WARNING, "#d9a400"),
    Level.ERROR: ("#fde7e6", DANGER, DANGER),
}


class MessageStrip(QFrame):
    """One line of feedback with a coloured border; ``alerted`` fires on each beep."""

    alerted = Signal(str)  # the message text, emitted when the till beeps

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "message_strip")
        self.setFixedHeight(64)  # fixed: a new message never re-lays out the screen
        self._label = QLabel(self)
        name(self._label, "message_text")
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.addWidget(self._label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        self.level: Level | None = None
        self._full_text = ""
        self.beep_enabled = True  # [ui] beep = false in config.toml silences the till
        self.clear()

    def text(self) -> str:
        """The whole current message (the strip may show it shortened)."""
        return self._full_text

    def show_message(self, text: str, level: Level = Level.INFO) -> None:
        # The strip has a fixed height (no re-layout per scan): very long messages are
        # shortened on screen, in full in the tooltip and the log.
        shown = text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1].rstrip() + "…"
        self._label.setText(shown)
        self._label.setToolTip(text if shown != text else "")
        self._full_text = text
        if level is not self.level:  # restyling costs milliseconds: only when it changes
            self.level = level
            bg, fg, border = _COLOURS[level]
            self.setStyleSheet(
                f"#message_strip {{ background: {bg}; border: 2px solid {border};"
                f" border-radius: 6px; }} #message_text {{ color: {fg}; font-size: 13pt;"
                f" font-weight: bold; }}"
            )
        self._timer.stop()
        if level is Level.INFO:
            self._timer.start(INFO_TIMEOUT_MS)

    def info(self, text: str) -> None:
        self.show_message(text, Level.INFO)

    def warn(self, text: str) -> None:
        self.show_message(text, Level.WARNING)

    def error(self, error: TillError | str, *, beep: bool = True) -> None:
        """Show an error (with its code), log it, and beep like a scanner reject."""
        text = str(error)
        code = error.code if isinstance(error, TillError) else "-"
        log.warning("cashier message: %s", text, extra={"error_code": code})
        self.show_message(text, Level.ERROR)
        if beep:
            if self.beep_enabled:
                QApplication.beep()
            self.alerted.emit(text)

    def clear(self) -> None:
        self._label.setText("")
        self._label.setToolTip("")
        self._full_text = ""
        if self.level is None and self.styleSheet():
            return
        self.level = None
        self.setStyleSheet(
            "#message_strip { background: transparent; border: 2px solid transparent; }"
        )
