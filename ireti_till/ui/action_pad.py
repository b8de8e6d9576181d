"""The function-key buttons: every key is shown on its button, every button is big.

Buttons never take focus (the scan field keeps it); each has a window-wide shortcut that
is enabled and disabled together with the button, with the reason as its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from ireti_till.ui.theme import TOUCH_MIN_HEIGHT, name, set_role, style


@dataclass(frozen=True, slots=True)
class PadAction:
    key: str  # object name suffix: btn_<key>
    label: str
    shortcut: str  # QKeySequence text, "" for none
    role: str = ""  # "primary" | "danger" | ""
    key_text: str = ""  # shown instead of the shortcut (e.g. "Esc Esc")


SALE_ACTIONS: tuple[PadAction, ...] = (
    PadAction("find", "Find product", "F2"),
    PadAction("quantity", "Quantity", "F6"),
    PadAction("discount", "Discount", "F7"),
    PadAction("price", "Price override", "F11"),
    PadAction("void", "Void line", "F9", "danger"),
    PadAction("cancel_sale", "Cancel sale", "", "danger", "Esc Esc"),
    PadAction("refund", "Refund", "F8"),
    PadAction("card", "Card", "F5", "primary"),
    PadAction("cash", "Cash", "F4", "primary"),
)


class ActionPad(QWidget):
    """``unavailable(reason)`` fires when the key of a disabled button is pressed."""

    unavailable = Signal(str)

    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "action_pad")
        style(self)
        self.buttons: dict[str, QPushButton] = {}
        self.shortcuts: dict[str, QShortcut] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        columns = 3
        for i, action in enumerate(SALE_ACTIONS):
            keys = action.key_text or action.shortcut
            button = QPushButton(f"{action.label}\n{keys}" if keys else action.label, self)
            name(button, f"btn_{action.key}", f"{action.label} ({keys})" if keys else "")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumHeight(TOUCH_MIN_HEIGHT + 12)
            if action.role:
                set_role(button, action.role)
            grid.addWidget(button, i // columns, i % columns)
            self.buttons[action.key] = button
            if action.shortcut:
                shortcut = QShortcut(QKeySequence(action.shortcut), window)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                self.shortcuts[action.key] = shortcut

    def bind(self, key: str, handler: Callable[[], None]) -> None:
        button = self.buttons[key]
        button.clicked.connect(lambda _checked=False: handler())

        def on_key() -> None:
            if button.isEnabled():
                handler()
            else:
                self.unavailable.emit(button.toolTip())

        if key in self.shortcuts:
            self.shortcuts[key].activated.connect(on_key)

    def set_available(self, key: str, enabled: bool, reason: str = "") -> None:
        button = self.buttons[key]
        button.setEnabled(enabled)
        button.setToolTip("" if enabled else reason)
        button.setAccessibleDescription(reason if not enabled else button.text())
