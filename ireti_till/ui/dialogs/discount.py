"""F7 discount: on the selected line or the whole basket, as a percentage or an amount.

An empty value removes the discount. Percentages: ``10``, ``12,5``, ``12.5 %``; amounts
in the store currency with ``.`` or ``,``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QLineEdit, QRadioButton, QWidget

from ireti_till.domain.money import Money, parse_amount
from ireti_till.domain.numbers import parse_percent
from ireti_till.services.selling import BasketView, LineView
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import big_font, name

# apply(scope, percent, amount) where scope is "line" or "basket"
ApplyDiscount = Callable[[str, Decimal | None, Money | None], BasketView]


def _radio(parent: QWidget, object_name: str, text: str) -> QRadioButton:
    radio = QRadioButton(text, parent)
    name(radio, object_name)
    radio.setMinimumHeight(48)
    radio.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return radio


class DiscountDialog(TillDialog):
    """Keys: L line, B basket, P percent, A amount (also clickable); Enter applies."""

    def __init__(self, line: LineView | None, currency: str, apply: ApplyDiscount,
                 parent: QWidget | None = None) -> None:
        super().__init__("discount_dialog", "Discount", parent)
        self._apply = apply
        self._currency = currency
        self.basket: BasketView | None = None
        scope_row = QHBoxLayout()
        self.scope_line = _radio(self, "discount_scope_line",
                                 f"Line (L): {line.name}" if line else "Line (L)")
        self.scope_basket = _radio(self, "discount_scope_basket", "Whole basket (B)")
        self.scope_line.setEnabled(line is not None)
        (self.scope_line if line is not None else self.scope_basket).setChecked(True)
        scope_group = QButtonGroup(self)
        for radio in (self.scope_line, self.scope_basket):
            scope_group.addButton(radio)
            scope_row.addWidget(radio)
        kind_row = QHBoxLayout()
        self.kind_percent = _radio(self, "discount_kind_percent", "Percent (P)")
        self.kind_amount = _radio(self, "discount_kind_amount", f"Amount in {currency} (A)")
        self.kind_percent.setChecked(True)
        kind_group = QButtonGroup(self)
        for radio in (self.kind_percent, self.kind_amount):
            kind_group.addButton(radio)
            kind_row.addWidget(radio)
        self.body.addLayout(scope_row)
        self.body.addLayout(kind_row)
        self.field = QLineEdit(self)
        name(self.field, "discount_value", "Percentage or amount; empty removes the discount")
        self.field.setFont(big_font(20, bold=False))
        self.field.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.field.setMaxLength(16)
        self.field.setPlaceholderText("e.g. 10 or 2.50")
        self.field.returnPressed.connect(self._ok)
        self.field.textEdited.connect(self._letter_keys)
        self.body.addWidget(QLabel("Value (leave empty to remove the discount)", self))
        self.body.addWidget(self.field)
        self.add_cancel_button()
        self.add_button("discount_ok", "Apply discount\nEnter", "primary", self._ok)
        self.field.setFocus()

    def _letter_keys(self, text: str) -> None:
        """A typed L/B/P/A picks the option instead of landing in the value."""
        if not text:
            return
        choice = {"l": self.scope_line, "b": self.scope_basket,
                  "p": self.kind_percent, "a": self.kind_amount}.get(text[-1].lower())
        if choice is not None:
            if choice.isEnabled():
                choice.setChecked(True)
            self.field.setText(text[:-1])

    def complete(self, basket: BasketView) -> None:
        """The change was made after a supervisor approved it: close with its result."""
        self.basket = basket
        self.clear_error()
        self.accept()

    def _ok(self) -> None:
        text = self.field.text().strip()
        scope = "line" if self.scope_line.isChecked() else "basket"

        def work() -> BasketView:
            percent = amount = None
            if text:
                if self.kind_percent.isChecked():
                    percent = parse_percent(text)
                else:
                    amount = parse_amount(text, self._currency, allow_zero=False)
            return self._apply(scope, percent, amount)

        basket = self.attempt(work)
        if basket is None:
            self.field.selectAll()
            return
        self.basket = basket
        self.accept()
