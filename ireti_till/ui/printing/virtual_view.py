"""Training mode's printer on screen: each document the virtual printer gets is drawn as
paper in this panel. The virtual printer calls ``deliver`` on the worker thread; the frozen
document crosses to the GUI thread through a queued signal."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from ireti_till.domain.print_doc import Op
from ireti_till.ui.printing.receipt_image import lines_from_ops, paper_pixmap
from ireti_till.ui.theme import name


class VirtualReceiptView(QWidget):
    printed = Signal(object)  # a tuple of ops (frozen), emitted from any thread

    def __init__(self, columns: int = 42, logo: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "virtual_receipt", "The last receipt (training: nothing is printed)")
        self._columns, self._logo = columns, logo
        self.paper = QLabel("No receipt yet", self)
        self.paper.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea(self)
        scroll.setWidget(self.paper)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        self.kicks = 0
        self._scroll = scroll
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._full: QPixmap | None = None
        self.printed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def deliver(self, ops: list[Op], kick: bool) -> None:
        """``VirtualPrinter.listener``: any thread."""
        self.printed.emit((tuple(ops), kick))

    def _show(self, item: tuple[tuple[Op, ...], bool]) -> None:
        ops, kick = item
        self.kicks += int(kick)
        if ops:
            self._full = paper_pixmap(lines_from_ops(list(ops)), self._columns, self._logo)
            self._fit()

    def _fit(self) -> None:
        """The paper as wide as the panel (never wider than printed), scrolled to its top."""
        if self._full is None:
            return
        room = self._scroll.viewport().width() - 4 if self.isVisible() else self._full.width()
        width = min(self._full.width(), max(120, room))
        self.paper.setPixmap(self._full.scaledToWidth(
            width, Qt.TransformationMode.SmoothTransformation))
        self._scroll.verticalScrollBar().setValue(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
