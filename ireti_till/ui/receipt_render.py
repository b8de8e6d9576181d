"""Lay out and paint a receipt with QPainter: the same code draws the screen and the PDF.

The layout is a list of rows in "receipt units" (``WIDTH`` wide, about one unit per
printer dot on 58 mm paper); ``paint()`` scales it to any device width. The barcode is
Code 128 of ``sale.receipt_code`` (``ireti_till.domain.barcode128``), drawn one module
per ``MODULE`` units, never anti-aliased, so a scanner reads it off the PDF or screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from ireti_till.domain import barcode128
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from ireti_till.domain.settings import StoreSettings
from ireti_till.ui.theme import FONT_FAMILY

WIDTH = 420.0
MARGIN = 14.0
MODULE = 2.0
BARCODE_HEIGHT = 64.0


@dataclass(frozen=True, slots=True)
class Row:
    kind: str  # "center" | "lr" | "rule" | "barcode" | "space" | "tax"
    left: str = ""
    right: str = ""
    size: int = 15  # pixel size in receipt units
    bold: bool = False
    cells: tuple[str, ...] = ()


def _font(size: int, bold: bool) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(size)
    font.setBold(bold)
    return font


def receipt_rows(sale: CompletedSale, store: StoreSettings) -> list[Row]:
    rows = [Row("center", store.store_name, size=22, bold=True)]
    rows += [Row("center", line, size=14) for line in store.address_lines]
    if store.tax_id:
        rows.append(Row("center", f"Tax no. {store.tax_id}", size=14))
    if sale.training:
        rows += [Row("space"), Row("center", "TRAINING — NOT A VALID RECEIPT", size=16, bold=True)]
    local = sale.completed_at.astimezone()
    rows += [
        Row("rule"),
        Row("lr", f"Receipt {sale.receipt_code}", local.strftime("%Y-%m-%d %H:%M"), size=14),
        Row("lr", f"Till {sale.till_id}", f"Cashier {sale.cashier}", size=14),
        Row("rule"),
    ]
    for line in sale.lines:
        if line.voided:
            continue
        gross = line.unit_price * line.quantity
        rows.append(Row("lr", line.name, gross.format()))
        if line.quantity != 1:
            rows.append(Row("lr", f"    {line.quantity} × {line.unit_price.format()}", size=13))
        if line.override_reason:
            rows.append(Row("lr", f"    price changed: {line.override_reason}", size=13))
        if line.discount:
            rows.append(Row("lr", "    discount", f"-{line.discount.format()}", size=13))
    rows += [Row("rule"), Row("lr", "Subtotal", sale.subtotal.format())]
    if sale.discount_total:
        rows.append(Row("lr", "Discounts", f"-{sale.discount_total.format()}"))
    if sale.total != sale.subtotal - sale.discount_total:  # prices exclude tax
        rows.append(Row("lr", "Tax", sale.tax_total.format()))
    rows.append(Row("lr", "TOTAL", sale.total.format(), size=22, bold=True))
    rows.append(Row("space"))
    for tender in sale.tenders:
        label = "Cash" if tender.kind == "cash" else f"Card {tender.card_brand or ''}".strip()
        if tender.card_last4:
            label += f" •••• {tender.card_last4}"
        rows.append(Row("lr", label, tender.tendered.format()))
    if sale.change:
        rows.append(Row("lr", "Change", sale.change.format(), bold=True))
    rows += [Row("rule"), Row("tax", cells=("Rate", "Net", "Tax", "Gross"), size=13, bold=True)]
    for t in sale.taxes:
        rows.append(Row("tax", cells=(f"{t.tax_code} {t.rate_text}", _plain(t.net),
                                      _plain(t.tax), _plain(t.gross)), size=13))
    rows += [Row("space"), Row("barcode", sale.receipt_code),
             Row("center", sale.receipt_code, size=14), Row("space"),
             Row("center", store.receipt_footer, size=14)]
    return rows


def _plain(money: Money) -> str:
    return money.format(symbol=False)


def _row_height(row: Row) -> float:
    if row.kind == "rule":
        return 12.0
    if row.kind == "space":
        return 10.0
    if row.kind == "barcode":
        return BARCODE_HEIGHT + 6.0
    return QFontMetricsF(_font(row.size, row.bold)).height() + 4.0


def barcode_top(rows: list[Row]) -> float | None:
    """Where the barcode starts, in receipt units (None if the receipt has none)."""
    y = MARGIN
    for row in rows:
        if row.kind == "barcode":
            return y
        y += _row_height(row)
    return None


def layout_height(rows: list[Row]) -> float:
    return 2 * MARGIN + sum(_row_height(r) for r in rows)


def paint(painter: QPainter, rows: list[Row], device_width: float) -> None:
    """Paint ``rows`` scaled to ``device_width`` (painter at the receipt's top-left)."""
    painter.save()
    scale = device_width / WIDTH
    painter.scale(scale, scale)
    painter.fillRect(QRectF(0, 0, WIDTH, layout_height(rows)), QColor("white"))
    painter.setPen(QColor("black"))
    inner = WIDTH - 2 * MARGIN
    y = MARGIN
    for row in rows:
        h = _row_height(row)
        font = _font(row.size, row.bold)
        painter.setFont(font)
        rect = QRectF(MARGIN, y, inner, h)
        if row.kind == "center":
            text = QFontMetricsF(font).elidedText(row.left, Qt.TextElideMode.ElideRight, inner)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        elif row.kind == "lr":
            metrics = QFontMetricsF(font)
            right_w = metrics.horizontalAdvance(row.right) + (12 if row.right else 0)
            left = metrics.elidedText(row.left, Qt.TextElideMode.ElideRight, inner - right_w)
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             left)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             row.right)
        elif row.kind == "tax":
            widths = (0.34, 0.22, 0.22, 0.22)
            x = MARGIN
            for i, (cell, share) in enumerate(zip(row.cells, widths, strict=True)):
                align = Qt.AlignmentFlag.AlignLeft if i == 0 else Qt.AlignmentFlag.AlignRight
                painter.drawText(QRectF(x, y, inner * share, h),
                                 align | Qt.AlignmentFlag.AlignVCenter, cell)
                x += inner * share
        elif row.kind == "rule":
            painter.drawLine(QRectF(MARGIN, y + h / 2, inner, 0).topLeft(),
                             QRectF(MARGIN, y + h / 2, inner, 0).topRight())
        elif row.kind == "barcode":
            _paint_barcode(painter, row.left, y)
        y += h
    painter.restore()


def _paint_barcode(painter: QPainter, code: str, y: float) -> None:
    modules = barcode128.modules(code)
    module = min(MODULE, (WIDTH - 2 * MARGIN) / len(modules))
    x = (WIDTH - module * len(modules)) / 2
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    black = QColor("black")
    run_start = None
    for i, bit in enumerate(modules + "0"):
        if bit == "1" and run_start is None:
            run_start = i
        elif bit == "0" and run_start is not None:
            painter.fillRect(QRectF(x + run_start * module, y, (i - run_start) * module,
                                    BARCODE_HEIGHT), black)
            run_start = None
    painter.restore()
