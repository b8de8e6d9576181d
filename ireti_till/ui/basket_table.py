"""The basket: a table model over the frozen ``BasketView`` and its view.

Updates are incremental (a scan appends one row) so a long basket stays fast; anything
else resets the model. The view never takes keyboard focus: clicks select a line and the
scan field keeps the caret.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ireti_till.services.selling import BasketView, LineView
from ireti_till.ui.theme import TEXT, big_font, name

_Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[str, ...] = ("#", "Item", "Qty", "Price", "Discount", "Total")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


# Roles as plain ints: data() runs for every cell and role on each repaint, so it avoids
# enum comparisons and formats nothing (cell texts are computed once per basket change).
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_ALIGN = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole.value
_ALIGNS = (_RIGHT, _LEFT, _RIGHT, _RIGHT, _RIGHT, _RIGHT)


def _role(role: object) -> int:
    return role if isinstance(role, int) else int(getattr(role, "value", -1))


class BasketModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: tuple[LineView, ...] = ()
        self._cells: list[tuple[str, ...]] = []

    # Qt API ------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        r = _role(role)
        if r == _DISPLAY:
            return COLUMNS[section]
        if r == _ALIGN:
            return _ALIGNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = _role(role)
        if r in (_DISPLAY, _ACCESSIBLE):
            return self._cells[index.row()][index.column()]
        if r == _ALIGN:
            return _ALIGNS[index.column()]
        if r == _TOOLTIP and index.column() == 1:
            line = self._lines[index.row()]
            why = f"\nPrice changed: {line.override_reason}" if line.override_reason else ""
            return f"{line.name} ({line.sku}){why}"
        return None

    @classmethod
    def _row_cells(cls, line: LineView) -> tuple[str, ...]:
        return tuple(cls._display(line, col) for col in range(len(COLUMNS)))

    @staticmethod
    def _display(line: LineView, col: int) -> str:
        if col == 0:
            return str(line.line_no)
        if col == 1:
            return line.name + ("  ✎" if line.override_reason else "")
        if col == 2:
            return str(line.quantity)
        if col == 3:
            return line.unit_price.format()
        if col == 4:
            if not line.discount:
                return ""
            text = f"-{line.discount.format()}"
            return f"{line.discount_text} {text}" if line.discount_text else text
        return line.total.format()

    # updates -------------------------------------------------------------------------
    def lines(self) -> tuple[LineView, ...]:
        return self._lines

    def line_no_at(self, row: int) -> int | None:
        if 0 <= row < len(self._lines):
            return self._lines[row].line_no
        return None

    def row_of(self, line_no: int) -> int | None:
        for row, line in enumerate(self._lines):
            if line.line_no == line_no:
                return row
        return None

    def set_basket(self, basket: BasketView) -> None:
        new, old = basket.lines, self._lines
        if new == old:
            return
        if len(new) > len(old) and new[: len(old)] == old:
            self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)
            self._lines = new
            self._cells += [self._row_cells(line) for line in new[len(old):]]
            self.endInsertRows()
        elif len(new) == len(old) and all(
            a.line_no == b.line_no for a, b in zip(new, old, strict=True)
        ):
            changed = [i for i, (a, b) in enumerate(zip(new, old, strict=True)) if a != b]
            self._lines = new
            for i in changed:
                self._cells[i] = self._row_cells(new[i])
            first, last = min(changed), max(changed)
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        else:
            self.beginResetModel()
            self._lines = new
            self._cells = [self._row_cells(line) for line in new]
            self.endResetModel()


class BasketTable(QTableView):
    """Read-only basket view; ``line_activated(line_no)`` on double-click (edit quantity)."""

    line_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "basket_table", "Basket lines. Up and Down in the scan field select a line.")
        self.basket_model = BasketModel(self)
        self.setModel(self.basket_model)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setFont(big_font(13, bold=False))
        header_font = big_font(11)
        self.horizontalHeader().setFont(header_font)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#cfe3e3"))
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor(TEXT))
        palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f3f7f7"))
        self.setPalette(palette)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(44)
        header = self.horizontalHeader()
        # Fixed widths from the font (not ResizeToContents, which re-measures every row on
        # each scan and costs milliseconds per line in a long basket).
        metrics = self.fontMetrics()
        samples = ("99", "", "999", "€9,999.99", "10% -€99.99", "€99,999.99")
        header.setMinimumSectionSize(24)
        for col, sample in enumerate(samples):
            if col == 1:
                continue
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(COLUMNS[col]))
            header.resizeSection(col, width + 18)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.doubleClicked.connect(self._on_double_click)

    def show_basket(self, basket: BasketView, select_line: int | None = None) -> None:
        self.basket_model.set_basket(basket)
        if select_line is not None:
            self.select_line(select_line)
        elif self.selected_line() is None and basket.lines:
            self.select_line(basket.lines[-1].line_no)

    def select_line(self, line_no: int) -> None:
        row = self.basket_model.row_of(line_no)
        if row is not None and row != self._selected_row():
            self.selectRow(row)
        if row is not None:
            self.scrollTo(self.basket_model.index(row, 0))

    def _selected_row(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def selected_line(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return self.basket_model.line_no_at(rows[0].row()) if rows else None

    def current_or_last_line(self) -> int | None:
        selected = self.selected_line()
        if selected is not None:
            return selected
        lines = self.basket_model.lines()
        return lines[-1].line_no if lines else None

    def move_selection(self, step: int) -> None:
        count = self.basket_model.rowCount()
        if not count:
            return
        rows = self.selectionModel().selectedRows()
        row = rows[0].row() + step if rows else count - 1
        row = max(0, min(count - 1, row))
        self.selectRow(row)
        self.scrollTo(self.basket_model.index(row, 0))

    def _on_double_click(self, index: QModelIndex) -> None:
        line_no = self.basket_model.line_no_at(index.row())
        if line_no is not None:
            self.line_activated.emit(line_no)
