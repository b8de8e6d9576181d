"""F2 find product: results by name, SKU or GTIN as you type; keyboard only.

Up/Down move through the results while the caret stays in the search field; Enter adds
the highlighted product; Esc closes. Searching waits for a short pause in typing (so a
100,000-product catalog is not queried on every key) and shows at most 50 results.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QWidget

from ireti_till.domain.catalog import Product
from ireti_till.domain.errors import NotFoundError
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import big_font, name

Search = Callable[[str], list[Product]]
DEBOUNCE_MS = 60
RESULT_LIMIT = 50


class _SearchField(QLineEdit):
    def __init__(self, results: QListWidget, parent: QWidget) -> None:
        super().__init__(parent)
        self._results = results

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        steps = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -8,
                 Qt.Key.Key_PageDown: 8}
        if key in steps and self._results.count():
            row = max(0, min(self._results.count() - 1,
                             self._results.currentRow() + steps[key]))
            self._results.setCurrentRow(row)
            return
        super().keyPressEvent(event)


class ProductSearchDialog(TillDialog):
    def __init__(self, search: Search, parent: QWidget | None = None) -> None:
        super().__init__("product_search_dialog", "Find product", parent)
        self.setMinimumSize(640, 520)
        self._search = search
        self.chosen: Product | None = None
        self.results = QListWidget(self)
        name(self.results, "search_results", "Matching products; Up/Down then Enter")
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setUniformItemSizes(True)
        self.results.itemActivated.connect(lambda _item: self._choose())
        self.results.itemDoubleClicked.connect(lambda _item: self._choose())
        self.field = _SearchField(self.results, self)
        name(self.field, "search_field", "Type part of a name, a SKU or a barcode")
        self.field.setPlaceholderText("Name, SKU or barcode")
        self.field.setFont(big_font(16, bold=False))
        self.field.setMaxLength(60)
        self.field.textChanged.connect(self._schedule)
        self.field.returnPressed.connect(self._choose)
        self.summary = QLabel("Type to search", self)
        name(self.summary, "search_summary")
        self.summary.setProperty("role", "muted")
        self.body.addWidget(self.field)
        self.body.addWidget(self.summary)
        self.body.addWidget(self.results, 1)
        self.add_cancel_button()
        self.add_button("search_add", "Add to sale\nEnter", "primary", self._choose)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self.field.setFocus()

    def _schedule(self, _text: str) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Run the search now (also used by tests to skip the typing pause)."""
        self._timer.stop()
        text = self.field.text()
        found = self.attempt(lambda: self._search(text)) if text.strip() else []
        self.results.clear()
        for product in (found or [])[:RESULT_LIMIT]:
            label = f"{product.name}\n{product.sku}"
            if product.gtin:
                label += f"  ·  {product.gtin}"
            label += f"  ·  {product.unit_price.format()}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, product)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{product.name}, {product.sku}")
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
            more = " (first 50: type more to narrow)" if len(found or []) >= RESULT_LIMIT else ""
            self.summary.setText(f"{self.results.count()} found{more}")
        else:
            self.summary.setText("No product found" if text.strip() else "Type to search")

    def _choose(self) -> None:
        if self._timer.isActive():
            self.refresh()
        item = self.results.currentItem()
        if item is None:
            self.show_error(NotFoundError("Nothing selected: type part of a name first",
                                      code="IT-110"))
            return
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        self.accept()
