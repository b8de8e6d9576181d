"""Totals: items, subtotal, basket discount, tax per rate, and the amount due (big)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from ireti_till.domain.money import Money
from ireti_till.services.selling import BasketView
from ireti_till.ui.theme import PRIMARY, big_font, name, style

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class TotalsPanel(QFrame):
    def __init__(self, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "totals_panel")
        self.setStyleSheet(
            "#totals_panel { background: white; border: 1px solid #c9d2d2; border-radius: 8px; }"
        )
        style(self)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(16)
        self._grid.setVerticalSpacing(4)
        self._captions: list[QLabel] = []
        self.items = self._row(0, "Items", "totals_items")
        self.subtotal = self._row(1, "Subtotal", "totals_subtotal")
        self.discount = self._row(2, "Basket discount", "totals_discount")
        self.tax_total = self._row(3, "Tax included", "totals_tax")
        self._tax_box = QGridLayout()
        self._tax_box.setHorizontalSpacing(16)
        self._tax_labels: list[QLabel] = []
        due_caption = QLabel("Amount due")
        due_caption.setFont(big_font(14))
        self.due = QLabel(Money.zero(currency).format())
        name(self.due, "totals_due")
        self.due.setFont(big_font(34))
        self.due.setAlignment(_RIGHT)
        self.due.setStyleSheet(f"color: {PRIMARY};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(self._grid)
        layout.addLayout(self._tax_box)
        layout.addSpacing(8)
        layout.addWidget(due_caption)
        layout.addWidget(self.due)
        self._discount_caption = self._captions[2]
        self._tax_caption = self._captions[3]
        self.show_basket(None)

    def _row(self, row: int, caption: str, object_name: str) -> QLabel:
        label = QLabel(caption)
        value = QLabel("")
        name(value, object_name)
        value.setAlignment(_RIGHT)
        value.setFont(big_font(13, bold=False))
        label.setFont(big_font(13, bold=False))
        self._captions.append(label)
        self._grid.addWidget(label, row, 0)
        self._grid.addWidget(value, row, 1)
        return value

    def show_basket(self, basket: BasketView | None, prices_include_tax: bool = True) -> None:
        if basket is None:
            for label in (self.items, self.subtotal, self.discount, self.tax_total):
                label.setText("")
            self._show_discount(False)
            self._set_taxes([])
            return
        self.items.setText(str(basket.item_count))
        self.subtotal.setText(basket.subtotal.format())
        has_discount = bool(basket.basket_discount)
        self._show_discount(has_discount)
        if has_discount:
            text = f"-{basket.basket_discount.format()}"
            if basket.basket_discount_text:
                text = f"{basket.basket_discount_text}  {text}"
            self.discount.setText(text)
        self._tax_caption.setText("Tax included" if prices_include_tax else "Tax")
        self.tax_total.setText(basket.tax_total.format())
        self._set_taxes([(f"  {t.tax_code} {t.rate_text}", t.tax.format()) for t in basket.taxes])
        self.due.setText(basket.total.format())
        self.due.setAccessibleDescription(f"Amount due {basket.total.format()}")

    def _show_discount(self, visible: bool) -> None:
        self.discount.setVisible(visible)
        self._discount_caption.setVisible(visible)

    def _set_taxes(self, rows: list[tuple[str, str]]) -> None:
        # Reuse labels: the number of tax rates rarely changes between scans.
        while len(self._tax_labels) < 2 * len(rows):
            label = QLabel("")
            label.setProperty("role", "muted")
            index = len(self._tax_labels)
            if index % 2:
                label.setAlignment(_RIGHT)
                name(label, f"totals_tax_{index // 2}")
            self._tax_box.addWidget(label, index // 2, index % 2)
            self._tax_labels.append(label)
        for i, label in enumerate(self._tax_labels):
            row = i // 2
            if row < len(rows):
                label.setText(rows[row][i % 2])
                label.setVisible(True)
            else:
                label.setVisible(False)
