"""After payment: the receipt on screen, "Save PDF", then "New sale" (Enter).

The sale is already committed when this opens; closing it in any way starts the next
sale. PDFs go to the receipts folder the composition root gives (no file dialog, so the
flow stays keyboard-only); the path is shown after saving.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
    QPdfWriter,
    QShortcut,
)
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QWidget

from ireti_till.domain.errors import OperationsError
from ireti_till.domain.sale import CompletedSale
from ireti_till.domain.settings import StoreSettings
from ireti_till.ui import receipt_render
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import name

log = logging.getLogger("ireti_till.ui")
PAPER_WIDTH_MM = 80.0
SCREEN_WIDTH_PX = 420


class ReceiptWidget(QWidget):
    def __init__(self, sale: CompletedSale, store: StoreSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "receipt_paper", f"Receipt {sale.receipt_code}, total {sale.total}")
        self.rows = receipt_render.receipt_rows(sale, store)
        height = int(receipt_render.layout_height(self.rows) * SCREEN_WIDTH_PX
                     / receipt_render.WIDTH) + 1
        self.setFixedSize(QSize(SCREEN_WIDTH_PX, height))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        receipt_render.paint(painter, self.rows, float(self.width()))
        painter.end()


def save_receipt_pdf(sale: CompletedSale, store: StoreSettings, path: Path) -> Path:
    """Write the receipt as a one-page PDF on 80 mm paper as long as the receipt."""
    rows = receipt_render.receipt_rows(sale, store)
    height_mm = PAPER_WIDTH_MM * receipt_render.layout_height(rows) / receipt_render.WIDTH
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setTitle(f"Receipt {sale.receipt_code}")
    writer.setCreator("Ireti Till")
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(
        QPageSize(QSizeF(PAPER_WIDTH_MM, height_mm), QPageSize.Unit.Millimeter,
                  "receipt", QPageSize.SizeMatchPolicy.ExactMatch),
        QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
    ))
    painter = QPainter()
    if not painter.begin(writer):
        raise OperationsError(f"Cannot write {path}: check the folder can be written",
                              code="IT-500")
    try:
        receipt_render.paint(painter, rows, float(writer.width()))
    finally:
        painter.end()
    return path


class ReceiptDialog(TillDialog):
    def __init__(self, sale: CompletedSale, store: StoreSettings, pdf_dir: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__("receipt_dialog", f"Paid · receipt {sale.receipt_code}", parent)
        self.sale = sale
        self._store = store
        self._pdf_dir = pdf_dir
        self.saved_path: Path | None = None
        change = QLabel(f"Change due: {sale.change.format()}" if sale.change
                        else f"Paid {sale.total.format()} exactly", self)
        name(change, "receipt_change")
        change.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.body.addWidget(change)
        self.paper = ReceiptWidget(sale, store)
        scroll = QScrollArea(self)
        name(scroll, "receipt_scroll")
        scroll.setWidget(self.paper)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll.setMinimumWidth(SCREEN_WIDTH_PX + 40)
        scroll.setMinimumHeight(520)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body.addWidget(scroll, 1)
        self.saved = QLabel("", self)
        name(self.saved, "receipt_saved")
        self.saved.setWordWrap(True)
        self.body.addWidget(self.saved)
        self.save_button = self.add_button("receipt_save_pdf", "Save PDF\nCtrl+S",
                                           slot=self.save_pdf)
        self.new_sale = self.add_button("receipt_new_sale", "New sale\nEnter", "primary",
                                        slot=self.accept)
        self.new_sale.setDefault(True)
        self.new_sale.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.new_sale.setFocus()  # Enter starts the next sale
        QShortcut(QKeySequence("Ctrl+S"), self, self.save_pdf)

    def save_pdf(self) -> Path | None:
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", self.sale.receipt_code)
        target = self._pdf_dir / f"receipt-{safe}.pdf"
        path = self.attempt(lambda: self._save(target))
        if path is not None:
            self.saved_path = path
            self.saved.setText(f"Saved {path}")
            log.info("receipt %s saved as PDF", self.sale.receipt_code)
        return path

    def _save(self, target: Path) -> Path:
        try:
            return save_receipt_pdf(self.sale, self._store, target)
        except OSError as exc:
            raise OperationsError(f"Cannot save the PDF in {target.parent}: {exc.strerror}",
                                  code="IT-500") from exc
