"""The refund receipt: the shop's header, the original sale, what went back where.

Drawn with the sale receipt's renderer (``receipt_render.Row`` / ``paint``), so it prints
and saves the same way. A card leg still queued says "pending" (the money is on its way
once the till is online); a failed one says so, for the supervisor to follow up.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ireti_till.domain.refund_policy import LegAction
from ireti_till.domain.settings import StoreSettings
from ireti_till.services.refund_ports import LegState, RefundRecord
from ireti_till.ui import receipt_render
from ireti_till.ui.receipt_render import Row
from ireti_till.ui.theme import name

SCREEN_WIDTH_PX = 380
STATE_TEXT = {
    # A card refund Stripe accepted may still fail later (events sweep): "sent", never
    # "refunded", on the paper the customer keeps.
    LegState.PAID: "paid out", LegState.PENDING: "pending", LegState.SUCCEEDED: "sent to card",
    LegState.FAILED: "FAILED - see supervisor", LegState.RESOLVED: "resolved by supervisor",
}


def refund_rows(record: RefundRecord, store: StoreSettings, sale_code: str | None,
                sale_lines: dict[int, str], training: bool) -> list[Row]:
    rows = [Row("center", store.store_name, size=22, bold=True)]
    rows += [Row("center", line, size=14) for line in store.address_lines]
    if training:
        rows += [Row("space"), Row("center", "TRAINING — NOT A VALID RECEIPT", size=16,
                                   bold=True)]
    local = record.created_at.astimezone()
    rows += [
        Row("rule"), Row("center", "REFUND", size=22, bold=True),
        Row("lr", f"Refund {record.code}", local.strftime("%Y-%m-%d %H:%M"), size=14),
        Row("lr", f"Original {sale_code or 'no receipt'}", f"Till {record.till_id}", size=14),
        Row("rule"),
    ]
    for ln in record.lines:
        rows.append(Row("lr", f"{ln.quantity} × {sale_lines.get(ln.line_no, '?')}",
                        f"-{ln.amount.format()}"))
    rows += [Row("rule"),
             Row("lr", "REFUND TOTAL", f"-{record.amount.format()}", size=20, bold=True),
             Row("space")]
    for leg in record.legs:
        if leg.action is LegAction.CASH_OUT:
            label = "Cash"
        else:
            brand = (leg.card_brand or "").title()
            label = f"Card {brand}".strip() + f" •••• {leg.card_last4 or '????'}"
            if leg.action is LegAction.CARD_CANCEL:
                label += " (authorisation cancelled)"
        rows.append(Row("lr", label, leg.amount.format()))
        rows.append(Row("lr", "", STATE_TEXT[leg.state], size=13, bold=leg.state is not
                        LegState.SUCCEEDED and leg.state is not LegState.PAID))
    if record.pending:
        rows += [Row("space"), Row("center", "Card refund pending: it is sent when the",
                                   size=13),
                 Row("center", "till is online; banks take 5-10 days.", size=13)]
    elif any(leg.state is LegState.SUCCEEDED for leg in record.legs):
        rows += [Row("space"), Row("center", "Card refund sent to your bank; it",
                                   size=13),
                 Row("center", "usually appears within 5-10 days.", size=13)]
    rows += [Row("rule"), Row("lr", "Reason", record.reason[:32], size=13)]
    if record.approver_id:
        rows.append(Row("lr", "Approved", "supervisor (recorded)", size=13))
    rows += [Row("space"), Row("barcode", record.code), Row("center", record.code, size=14),
             Row("space"), Row("center", store.receipt_footer, size=14)]
    return rows


class RefundReceiptWidget(QWidget):
    def __init__(self, rows: list[Row], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "refund_receipt_paper", "Refund receipt")
        self.set_rows(rows)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_rows(self, rows: list[Row]) -> None:
        self.rows = rows
        height = int(receipt_render.layout_height(rows) * SCREEN_WIDTH_PX
                     / receipt_render.WIDTH) + 1
        self.setFixedSize(QSize(SCREEN_WIDTH_PX, height))
        self.update()

    def text(self) -> str:
        """The receipt as plain text (for tests and accessibility)."""
        return "\n".join(" ".join(p for p in (r.left, r.right, *r.cells) if p)
                         for r in self.rows)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        receipt_render.paint(painter, self.rows, float(self.width()))
        painter.end()
