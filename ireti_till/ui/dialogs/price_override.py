"""F11 price override: a new unit price for the selected line, and a reason (required)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from ireti_till.domain.money import Money, parse_amount
from ireti_till.services.selling import BasketView, LineView
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import big_font, name

OverridePrice = Callable[[Money, str], BasketView]


class PriceOverrideDialog(TillDialog):
    """Enter in the price field moves to the reason; Enter in the reason applies."""

    def __init__(self, line: LineView, apply: OverridePrice,
                 parent: QWidget | None = None) -> None:
        super().__init__("price_override_dialog", "Price override", parent)
        self._apply = apply
        self._currency = line.unit_price.currency
        self.basket: BasketView | None = None
        info = QLabel(f"{line.name}  ·  now {line.unit_price.format()} each", self)
        info.setWordWrap(True)
        self.body.addWidget(info)
        self.body.addWidget(QLabel(f"New unit price ({self._currency})", self))
        self.price = QLineEdit(line.unit_price.format(symbol=False).replace(",", ""), self)
        name(self.price, "override_price", "New unit price")
        self.price.setFont(big_font(20, bold=False))
        self.price.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.price.setMaxLength(16)
        self.price.selectAll()
        self.body.addWidget(self.price)
        self.body.addWidget(QLabel("Reason (required, printed in the audit trail)", self))
        self.reason = QLineEdit(line.override_reason or "", self)
        name(self.reason, "override_reason", "Why the price changes")
        self.reason.setMaxLength(120)
        self.reason.setPlaceholderText("e.g. damaged packaging, shelf price")
        self.body.addWidget(self.reason)
        self.price.returnPressed.connect(self.reason.setFocus)
        self.reason.returnPressed.connect(self._ok)
        self.add_cancel_button()
        self.add_button("override_ok", "Change price\nEnter", "primary", self._ok)
        self.price.setFocus()

    def complete(self, basket: BasketView) -> None:
        """The change was made after a supervisor approved it: close with its result."""
        self.basket = basket
        self.clear_error()
        self.accept()

    def _ok(self) -> None:
        def work() -> BasketView:
            price = parse_amount(self.price.text(), self._currency)
            return self._apply(price, self.reason.text())

        basket = self.attempt(work)
        if basket is None:
            return
        self.basket = basket
        self.accept()
