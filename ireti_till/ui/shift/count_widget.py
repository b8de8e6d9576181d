"""Counting cash by denomination: one row per note or coin (count field, line total) and
the counted total. Keyboard first: Tab/Enter move down the rows, digits only."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money
from ireti_till.domain.shift import CashCount, ShiftSettings, make_count, parse_quantity
from ireti_till.ui.theme import big_font, name, set_role


class CountWidget(QWidget):
    changed = Signal()

    def __init__(self, settings: ShiftSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "cash_count", "Cash count by denomination")
        self.settings = settings
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        self.fields: dict[int, QLineEdit] = {}
        self._totals: dict[int, QLabel] = {}
        half = (len(settings.denominations) + 1) // 2
        for i, denom in enumerate(settings.denominations):
            col, row = (i // half) * 4, i % half
            label = QLabel(Money(denom, settings.currency).format(), self)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            field = QLineEdit(self)
            name(field, f"count_{denom}",
                 f"How many {Money(denom, settings.currency).format()}")
            field.setAccessibleName(f"How many {Money(denom, settings.currency).format()}")
            field.setMaxLength(6)
            field.setMinimumHeight(40)
            field.setFixedWidth(90)
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setPlaceholderText("0")
            field.textChanged.connect(self._update)
            field.returnPressed.connect(self.focusNextChild)
            label.setBuddy(field)
            total = QLabel("", self)
            set_role(total, "muted")
            total.setMinimumWidth(90)
            total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, row, col)
            grid.addWidget(field, row, col + 1)
            grid.addWidget(total, row, col + 2)
            self.fields[denom] = field
            self._totals[denom] = total
        grid.setColumnMinimumWidth(3, 40)  # a gutter between the notes and the coins
        self.total = QLabel("", self)
        name(self.total, "count_total")
        self.total.setFont(big_font(18))
        grid.addWidget(self.total, half, 0, 1, 7)
        self._update()

    def set_count(self, count: CashCount) -> None:
        quantities = dict(count.quantities)
        for denom, field in self.fields.items():
            field.setText(str(quantities[denom]) if quantities.get(denom) else "")

    def count(self) -> CashCount:
        """The count, or ``InputError`` (IT-604) naming the first bad field."""
        return make_count(self.settings, {d: f.text() for d, f in self.fields.items()})

    def _update(self) -> None:
        total = 0
        for denom, field in self.fields.items():
            try:
                n = parse_quantity(field.text())
                self._totals[denom].setText(Money(denom * n, self.settings.currency).format()
                                            if n else "")
                total += denom * n
            except TillError:
                self._totals[denom].setText("?")
        self.total.setText(f"Counted  {Money(total, self.settings.currency).format()}")
        self.changed.emit()
