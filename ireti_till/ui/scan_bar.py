"""The scan field: where the scanner (a keyboard) types, and where focus lives.

``3*`` typed before a scan sets a pending quantity, shown beside the field, that the next
scan uses. Up/Down move the selected basket line without taking focus from the field.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from ireti_till.ui.theme import big_font, name, style

_PREFIX_RE = re.compile(r"^\s*(\d{1,7})\s*[*xX]\s*$")
MAX_SCAN_LENGTH = 512  # the service caps what it accepts; this only stops runaway input


class ScanField(QLineEdit):
    """A line edit that forwards Up/Down/PageUp/PageDown as basket navigation."""

    navigate = Signal(int)  # -1 up, +1 down

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.navigate.emit(-1 if key == Qt.Key.Key_Up else 1)
            return
        super().keyPressEvent(event)


class ScanBar(QWidget):
    """Scan field plus the pending-quantity chip.

    ``submitted(text)`` fires on Enter with the raw text (never empty);
    ``prefix_typed(text)`` fires when the field holds ``N*`` so the screen can validate N.
    """

    submitted = Signal(str)
    prefix_typed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "scan_bar")
        style(self)
        self.field = ScanField(self)
        name(self.field, "scan_field", "Scan or type a barcode, then Enter. N* sets quantity.")
        self.field.setPlaceholderText("Scan or type a barcode · 3* sets quantity · F2 find")
        self.field.setMaxLength(MAX_SCAN_LENGTH)
        self.field.setFont(big_font(18, bold=False))
        self.field.setMinimumHeight(56)
        self.field.returnPressed.connect(self._on_return)
        self.field.textEdited.connect(self._on_edited)
        self.quantity_chip = QLabel(self)
        name(self.quantity_chip, "scan_quantity")
        self.quantity_chip.setFont(big_font(16))
        self.quantity_chip.setMinimumHeight(56)
        self.quantity_chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.quantity_chip.setStyleSheet(
            "#scan_quantity { background: #0f6e6e; color: white; border-radius: 6px;"
            " padding: 0 12px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.quantity_chip)
        layout.addWidget(self.field, 1)
        self.pending_quantity: int | None = None
        self._show_pending()

    def set_pending_quantity(self, quantity: int | None) -> None:
        self.pending_quantity = quantity
        self._show_pending()

    def _show_pending(self) -> None:
        q = self.pending_quantity
        self.quantity_chip.setText(f"{q} ×" if q is not None else "")
        self.quantity_chip.setVisible(q is not None)
        self.quantity_chip.setAccessibleDescription(
            f"Next scan adds {q}" if q is not None else "No quantity set"
        )

    def clear(self) -> bool:
        """Clear text and pending quantity; True if there was anything to clear."""
        had = bool(self.field.text()) or self.pending_quantity is not None
        self.field.clear()
        self.set_pending_quantity(None)
        return had

    def _on_edited(self, text: str) -> None:
        if _PREFIX_RE.match(text):
            self.prefix_typed.emit(text)

    def _on_return(self) -> None:
        text = self.field.text()
        if text.strip():
            self.submitted.emit(text)
