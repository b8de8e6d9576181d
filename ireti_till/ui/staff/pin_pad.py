"""A PIN pad: a masked field plus large 0-9 keys, for touch and keyboard alike.

Typing digits on a keyboard goes straight into the field (it has the focus); Enter submits,
Backspace deletes, Esc clears. Touch: the on-screen keys do the same. The PIN never leaves
this widget except through ``submitted``, and ``clear()`` wipes it after every attempt.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ireti_till.domain.staff import MAX_PIN_LENGTH
from ireti_till.ui.theme import big_font, name, set_role


class PinField(QLineEdit):
    """Masked, digits only; Esc clears instead of closing a dialog when there is text."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


class PinPad(QWidget):
    submitted = Signal(str)

    def __init__(self, object_name: str = "pin_pad", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, object_name)
        self.field = PinField(self)
        name(self.field, f"{object_name}_field", "PIN (digits; Enter to confirm)")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setMaxLength(MAX_PIN_LENGTH)
        self.field.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d*"), self))
        self.field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.field.setFont(big_font(22, bold=False))
        self.field.returnPressed.connect(self._submit)
        grid = QGridLayout()
        grid.setSpacing(8)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "enter"]
        for i, key in enumerate(keys):
            text = {"clear": "Clear\nEsc", "enter": "OK\nEnter"}.get(key, key)
            button = QPushButton(text, self)
            name(button, f"{object_name}_{key}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumSize(72, 64)
            button.setFont(big_font(18))
            if key == "enter":
                set_role(button, "primary")
            button.clicked.connect(lambda _c=False, k=key: self._press(k))
            grid.addWidget(button, i // 3, i % 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addLayout(grid)

    def _press(self, key: str) -> None:
        if key == "clear":
            self.field.clear()
        elif key == "enter":
            self._submit()
        elif len(self.field.text()) < MAX_PIN_LENGTH:
            self.field.insert(key)
        self.field.setFocus()

    def _submit(self) -> None:
        pin = self.field.text()
        self.field.clear()
        if pin:
            self.submitted.emit(pin)

    def clear(self) -> None:
        self.field.clear()

    def focus(self) -> None:
        self.field.setFocus()
