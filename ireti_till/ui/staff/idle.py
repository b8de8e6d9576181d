"""Auto-lock: an application-wide event filter that fires ``idle_timeout`` after N minutes
with no keyboard, mouse or touch input.

    watcher = IdleWatcher(minutes=5)
    QApplication.instance().installEventFilter(watcher)
    watcher.idle_timeout.connect(window.lock_screen)

``pause()`` while something must not be interrupted (a card on the reader, a dialog waiting
for the customer), ``resume()`` after. The timer lives on the GUI thread; nothing blocks.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

# Deliberate input only: a mouse nudged by accident (no button) does not keep a till open.
_INPUT_EVENTS: Final = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
})


class IdleWatcher(QObject):
    idle_timeout = Signal()

    def __init__(self, minutes: float = 5.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle_timeout)
        self._paused = False
        self.set_timeout_ms(int(minutes * 60_000))

    def set_timeout_ms(self, ms: int) -> None:
        if ms <= 0:
            raise ValueError("the idle timeout must be positive")
        self._timer.setInterval(ms)
        self.reset()

    def set_minutes(self, minutes: float) -> None:
        self.set_timeout_ms(int(minutes * 60_000))

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    def reset(self) -> None:
        if not self._paused:
            self._timer.start()

    def pause(self) -> None:
        self._paused = True
        self._timer.stop()

    def resume(self) -> None:
        self._paused = False
        self._timer.start()

    def is_active(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and not self._paused:
            self._timer.start()
        return False
