"""F4 cash tender: amount due, quick-cash buttons, typed amount, change due.

The amount field opens with the exact amount selected: Enter (or F4 again: "press Cash
twice") takes exact cash, Ctrl+2..Ctrl+5 take the other quick-cash amounts shown on the
buttons, and typing replaces the amount
(``12,5`` and ``12.50`` both work; ``1e3`` is refused with a code). Less than the amount
due is refused inside the dialog, which stays open.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money, parse_amount
from ireti_till.domain.sale import CompletedSale
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import PRIMARY, big_font, name

PayCash = Callable[[Money], CompletedSale]


class CashTenderDialog(TillDialog):
    def __init__(self, due: Money, quick: list[Money], pay: PayCash,
                 parent: QWidget | None = None) -> None:
        super().__init__("cash_tender_dialog", "Cash", parent)
        self._due = due
        self._pay = pay
        self.sale: CompletedSale | None = None
        due_label = QLabel(f"Amount due  {due.format()}", self)
        name(due_label, "cash_due")
        due_label.setFont(big_font(22))
        due_label.setStyleSheet(f"color: {PRIMARY};")
        self.body.addWidget(due_label)

        quick_grid = QGridLayout()
        quick_grid.setSpacing(8)
        self.quick_buttons = []
        for i, amount in enumerate(quick):
            exact = i == 0 and amount == due
            label = f"Exact {amount.format()}" if exact else amount.format()
            # F4 again takes exact cash ("press Cash twice"); the others Ctrl+2..Ctrl+5.
            key = "F4" if exact else f"Ctrl+{i + 1}"
            text = f"{label}\n{key}"
            button = self.add_button(f"cash_quick_{i}", text, "primary" if i == 0 else "",
                                     slot=self._taker(amount))
            self.buttons.removeWidget(button)
            quick_grid.addWidget(button, i // 3, i % 3)
            self.quick_buttons.append(button)
            QShortcut(QKeySequence(key), self, self._taker(amount))
        self.body.addLayout(quick_grid)

        caption = QLabel("Cash received (type the amount, then Enter)", self)
        self.body.addWidget(caption)
        self.amount = QLineEdit(self)
        name(self.amount, "cash_amount", "Cash received; ',' or '.' as decimal separator")
        self.amount.setFont(big_font(20, bold=False))
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setMaxLength(16)
        self.amount.setText(due.format(symbol=False).replace(",", ""))
        self.amount.selectAll()
        self.amount.textChanged.connect(self._update_change)
        self.amount.returnPressed.connect(self._take_typed)
        self.body.addWidget(self.amount)
        self.change = QLabel("", self)
        name(self.change, "cash_change")
        self.change.setFont(big_font(18))
        self.body.addWidget(self.change)

        self.add_cancel_button()
        self.ok = self.add_button("cash_ok", "Take cash\nEnter", "primary", self._take_typed)
        self._update_change(self.amount.text())
        self.amount.setFocus()

    def _taker(self, amount: Money) -> Callable[[], None]:
        return lambda: self.take(amount)

    def _parse(self, text: str) -> Money:
        return parse_amount(text, self._due.currency)

    def _update_change(self, text: str) -> None:
        try:
            tendered = self._parse(text)
        except TillError:
            self.change.setText("Change: –")
            return
        if tendered < self._due:
            self.change.setText(f"Still to pay: {(self._due - tendered).format()}")
        else:
            self.change.setText(f"Change due: {(tendered - self._due).format()}")

    def _take_typed(self) -> None:
        tendered = self.attempt(lambda: self._parse(self.amount.text()))
        if tendered is not None:
            self.take(tendered)
        else:
            self.amount.selectAll()
            self.amount.setFocus()

    def take(self, tendered: Money) -> None:
        sale = self.attempt(lambda: self._pay(tendered))
        if sale is None:
            self.amount.selectAll()
            self.amount.setFocus()
            return
        self.sale = sale
        self.accept()
