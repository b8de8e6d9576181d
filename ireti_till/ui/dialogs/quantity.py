"""F6 / double-click: change the quantity of a basket line (1..9999, whole units)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from ireti_till.domain.numbers import parse_quantity
from ireti_till.services.selling import BasketView, LineView
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import big_font, name

SetQuantity = Callable[[int], BasketView]


class QuantityDialog(TillDialog):
    def __init__(self, line: LineView, apply: SetQuantity, parent: QWidget | None = None) -> None:
        super().__init__("quantity_dialog", "Quantity", parent)
        self._apply = apply
        self.basket: BasketView | None = None
        item = QLabel(f"{line.name}  ·  {line.unit_price.format()} each", self)
        item.setWordWrap(True)
        self.body.addWidget(item)
        self.field = QLineEdit(str(line.quantity), self)
        name(self.field, "quantity_field", "New quantity, a whole number from 1 to 9999")
        self.field.setFont(big_font(20, bold=False))
        self.field.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.field.setMaxLength(12)
        self.field.selectAll()
        self.field.returnPressed.connect(self._ok)
        self.body.addWidget(self.field)
        self.add_cancel_button()
        self.add_button("quantity_ok", "Set quantity\nEnter", "primary", self._ok)
        self.field.setFocus()

    def _ok(self) -> None:
        basket = self.attempt(lambda: self._apply(parse_quantity(self.field.text())))
        if basket is None:
            self.field.selectAll()
            return
        self.basket = basket
        self.accept()
