"""The F8 refund screen: find the sale, choose, give a reason, approve, confirm, receipt.

Keyboard first: the receipt-code field has the focus (scan the barcode or type
``T01-000042``, Enter); the lines table takes it next (arrows move, ``+``/``-`` change the
quantity to refund, Enter goes to the reason); Enter in the reason confirms. Typing an
amount instead refunds that amount (split across the payments). When the authorisation
matrix asks for it, the supervisor PIN dialog opens right there. Every refusal is shown in
the dialog with its code and nothing typed is lost. After the commit the refund receipt is
shown; its card legs say "pending" until the worker has sent them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import InputError, TillError
from ireti_till.domain.money import Money, parse_amount
from ireti_till.domain.overrides import Approval
from ireti_till.domain.refund_policy import RefundDecision
from ireti_till.domain.settings import StoreSettings
from ireti_till.domain.staff import StaffMember
from ireti_till.services.refund_ports import RefundRecord, SaleRefundView
from ireti_till.services.refunds import RefundRequest, RefundService
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.refunds.receipt import RefundReceiptWidget, refund_rows
from ireti_till.ui.refunds.texts import describe, status_text
from ireti_till.ui.theme import big_font, name

log = logging.getLogger("ireti_till.ui")
ApproveFn = Callable[[QWidget | None, RefundDecision, Money, str, UUID | None,
                      Callable[[Approval], None], Callable[[TillError], None]], None]
STATUS_POLL_MS = 2000
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class RemoteHook(Protocol):  # sales of other tills: ui/refunds/remote.RemoteBranch
    def find(self, code: str) -> bool: ...
    def commit(self, request: RefundRequest, reason: str, approval: Approval | None) -> bool: ...


class LinesTable(QTableWidget):
    """Arrows move; ``+``/``-`` change the quantity to refund; Enter moves on."""

    step = Signal(int)  # +1 / -1 on the current row
    entered = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.step.emit(1)
        elif key == Qt.Key.Key_Minus:
            self.step.emit(-1)
        elif key in _ENTER:
            self.entered.emit()
        else:
            super().keyPressEvent(event)


def _table(widget: QTableWidget, object_name: str, description: str,
           headers: list[str]) -> QTableWidget:
    name(widget, object_name, description)
    widget.setColumnCount(len(headers))
    widget.setHorizontalHeaderLabels(headers)
    widget.verticalHeader().setVisible(False)
    widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = widget.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for col in range(1, len(headers)):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    return widget


class RefundDialog(TillDialog):
    def __init__(self, service: RefundService, approve: ApproveFn, requester: StaffMember,
                 store: StoreSettings, parent: QWidget | None = None) -> None:
        super().__init__("refund_dialog", "Refund (F8)", parent)
        self.setMinimumSize(980, 640)
        self.service, self._approve, self.requester, self.store = (service, approve,
                                                                    requester, store)
        self.view: SaleRefundView | None = None
        self.chosen: dict[int, int] = {}
        self.record: RefundRecord | None = None
        self._done_armed = False
        self.remote: RemoteHook | None = None  # sales of other tills (attach.py sets it)
        self.pages = QStackedWidget(self)
        self.body.addWidget(self.pages)
        self._build_form()
        self._build_receipt_page()
        self.confirm_button = self.add_button("refund_dialog_confirm", "Refund\nEnter",
                                              "primary", self.confirm)
        self.no_receipt_button = self.add_button(
            "refund_no_receipt", "No receipt\nCtrl+N", "", self.without_receipt)
        self.cancel_button = self.add_cancel_button()
        no_receipt_key = QShortcut(QKeySequence("Ctrl+N"), self)
        no_receipt_key.activated.connect(self.without_receipt)
        self.no_receipt = False
        self.timer = QTimer(self)
        self.timer.setInterval(STATUS_POLL_MS)
        self.timer.timeout.connect(self.refresh_status)
        self.code.setFocus()

    # ---- building -------------------------------------------------------------------
    def _build_form(self) -> None:
        form = QWidget(self)
        lay = QVBoxLayout(form)
        lay.setContentsMargins(0, 0, 0, 0)
        self.code = QLineEdit(form)
        name(self.code, "refund_code", "Receipt code: scan the barcode or type it")
        self.code.setPlaceholderText(f"Scan the receipt barcode or type its number "
                                     f"(e.g. {self.service.till_id}-000042), then Enter")
        self.code.setFont(big_font(14, bold=False))
        self.code.returnPressed.connect(self.find_sale)
        self.summary = QLabel("No sale chosen yet", form)
        name(self.summary, "refund_sale")
        self.summary.setWordWrap(True)
        self.lines = LinesTable(form)
        _table(self.lines, "refund_lines", "Items of the sale",
               ["Item", "Sold", "Refunded", "Refund now", "Amount"])
        self.lines.step.connect(self.step)
        self.lines.entered.connect(self._lines_done)
        self.payments = _table(QTableWidget(form), "refund_payments", "Payments of the sale",
                               ["Payment", "Paid", "Refunded", "Pending", "Left"])
        self.payments.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lines.setMinimumHeight(200)
        self.amount = QLineEdit(form)
        name(self.amount, "refund_amount", "Or an amount to refund")
        self.amount.setPlaceholderText("Or type an amount (instead of choosing items)")
        self.amount.textChanged.connect(lambda _t: self.update_quote())
        self.reason = QLineEdit(form)
        self.amount.returnPressed.connect(self.reason.setFocus)
        name(self.reason, "refund_reason", "Reason for the refund (required)")
        self.reason.setPlaceholderText("Reason (required), e.g. faulty, wrong size")
        self.reason.returnPressed.connect(self.confirm)
        self.quote_label = QLabel("Choose items with + and -, or type an amount", form)
        name(self.quote_label, "refund_quote")
        self.quote_label.setWordWrap(True)
        self.quote_label.setFont(big_font(12))
        for w in (self.code, self.summary, self.lines, QLabel("Payments", form),
                  self.payments, self.amount, self.reason, self.quote_label):
            lay.addWidget(w)
        lay.setStretch(2, 1)
        self.pages.addWidget(form)

    def _build_receipt_page(self) -> None:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        self.status = QLabel("", page)
        name(self.status, "refund_status")
        self.status.setWordWrap(True)
        self.status.setFont(big_font(13))
        self.paper = RefundReceiptWidget([], page)
        scroll = self.receipt_scroll = QScrollArea(page)
        name(scroll, "refund_receipt", "Refund receipt: Enter when done")
        scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows scroll, Enter is "Done"
        scroll.setWidget(self.paper)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.status)
        lay.addWidget(scroll, 1)
        self.pages.addWidget(page)

    # ---- finding ----------------------------------------------------------------------
    def find_sale(self) -> None:
        self.no_receipt = False
        if self.remote is not None and self.remote.find(self.code.text()):
            return  # another till's receipt: asked of the back office on a worker thread
        view = self.attempt(lambda: self.service.find(self.code.text()))
        if view is None:
            self.code.selectAll()
            return
        self.show_sale(view)
        self.lines.setFocus()

    def show_sale(self, view: SaleRefundView) -> None:
        self.view, self.chosen = view, {}
        sale = view.sale
        when = sale.completed_at.astimezone().strftime("%d %b %Y %H:%M")
        self.summary.setText(
            f"Receipt {sale.receipt_code} · {when} · total {sale.total.format()} · "
            f"refunded {view.refunded.format()} · left {view.remaining.format()}")
        self.lines.setRowCount(len(view.lines))
        for row, ln in enumerate(view.lines):
            self._cells(self.lines, row, [ln.name, str(ln.quantity), str(ln.refunded_qty),
                                          "0", ln.total.format()])
        self.payments.setRowCount(len(view.payments))
        rows_h = sum(self.payments.rowHeight(r) for r in range(len(view.payments)))
        self.payments.setFixedHeight(self.payments.horizontalHeader().height() + rows_h
                                     + 2 * self.payments.frameWidth() + 2)
        for row, p in enumerate(view.payments):
            status = "" if p.status.value == "settled" else f" ({p.status.value})"
            self._cells(self.payments, row, [p.label + status, p.amount.format(),
                                             p.refunded.format(), p.pending.format(),
                                             p.remaining.format()])
        if view.lines:
            self.lines.selectRow(0)
        self.update_quote()

    @staticmethod
    def _cells(table: QTableWidget, row: int, values: list[str]) -> None:
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            if col:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, col, item)

    # ---- choosing ---------------------------------------------------------------------
    def step(self, delta: int) -> None:
        if self.view is None or not self.view.lines:
            return
        row = max(self.lines.currentRow(), 0)
        ln = self.view.lines[row]
        qty = min(max(self.chosen.get(ln.line_no, 0) + delta, 0), ln.left_qty)
        self.chosen[ln.line_no] = qty
        self.amount.blockSignals(True)
        self.amount.clear()  # items chosen: the typed amount no longer applies
        self.amount.blockSignals(False)
        self.update_quote()

    def _lines_done(self) -> None:
        if self.reason.text().strip():
            self.confirm()
        else:
            self.reason.setFocus()

    def without_receipt(self) -> None:
        """Store policy: cash only, another supervisor approves (the service enforces it)."""
        if self.record is not None:
            return
        self.view, self.chosen, self.no_receipt = None, {}, True
        self.lines.setRowCount(0)
        self.payments.setRowCount(0)
        self.summary.setText("No receipt: store policy - the refund is paid in cash only and "
                             "another supervisor approves it. Type the amount.")
        self.quote_label.setText("Type the amount to refund in cash")
        self.amount.setFocus()

    def request(self) -> RefundRequest:
        if self.no_receipt:
            return RefundRequest(None, parse_amount(self.amount.text(),
                                                    self.service.matrix.currency,
                                                    allow_zero=False))
        if self.view is None:
            raise InputError("Find the sale first: scan or type its receipt code",
                             code="IT-449")
        sale_id = self.view.sale.sale_id
        if self.amount.text().strip():
            return RefundRequest(sale_id, parse_amount(self.amount.text(),
                                                       self.view.currency, allow_zero=False))
        return RefundRequest.for_lines(sale_id, self.chosen)

    def update_quote(self) -> None:
        if self.view is None and not self.no_receipt:
            return
        for row, ln in enumerate(self.view.lines if self.view else ()):
            item = self.lines.item(row, 3)
            if item is not None:
                item.setText(str(self.chosen.get(ln.line_no, 0)))
        try:
            if self.no_receipt and not self.amount.text().strip():
                return
            request = self.request()
            if not request.lines and request.amount is None:
                self.quote_label.setText("Choose items with + and -, or type an amount")
                return
            quote = self.service.quote(request, self.requester)
        except TillError as exc:
            self.quote_label.setText(str(exc))
            return
        self.quote_label.setText(describe(quote))

    # ---- confirming -------------------------------------------------------------------
    def confirm(self) -> None:
        if self.record is not None:
            self.accept()
            return
        if self.view is None and not self.no_receipt:
            self.find_sale()
            return
        quote = self.attempt(lambda: self.service.quote(self.request(), self.requester))
        if quote is None:
            return
        reason = self.reason.text()
        if len(reason.strip()) < 3:
            self.show_error(InputError("Give a reason for the refund (a few words)",
                                       code="IT-450"))
            self.reason.setFocus()
            return
        if quote.needs_approval:  # the PIN dialog opens (open()); commit once approved
            self._approve(self, quote.decision, quote.amount, reason, quote.sale_id,
                          lambda approval: self.commit(reason, approval), self.show_error)
            return
        self.commit(reason, None)

    def commit(self, reason: str, approval: Approval | None) -> None:
        request = self.request()
        if self.remote is not None and self.remote.commit(request, reason, approval):
            return  # reserved on the back office first, on a worker thread (remote.py)
        record = self.attempt(lambda: self.service.refund(request, reason, self.requester,
                                                          approval))
        if record is None:
            return
        log.info("refund %s committed (%d legs)", record.code, len(record.legs))
        self.show_record(record)

    def show_record(self, record: RefundRecord) -> None:
        self.record = record
        names = {ln.line_no: ln.name for ln in self.view.lines} if self.view else {}
        sale = self.view.sale if self.view else None
        self.paper.set_rows(refund_rows(record, self.store,
                                        sale.receipt_code if sale else None, names,
                                        bool(sale and sale.training)))
        self.status.setText(status_text(record))
        self.confirm_button.setText("Done\nEnter")
        self.cancel_button.setVisible(False)
        self.no_receipt_button.setVisible(False)
        self.pages.setCurrentIndex(1)
        self.receipt_scroll.setFocus()
        # the Enter that confirmed may still bubble up to this dialog: only the next one
        # means "Done"
        self._done_armed = False
        QTimer.singleShot(0, self._arm_done)
        if record.pending:
            self.timer.start()
        else:
            self.timer.stop()

    def refresh_status(self) -> None:
        """Re-read the legs' states (a local read of the outbox rows)."""
        if self.record is None:
            return
        try:
            record = self.service.get(self.record.refund_id)
        except TillError:
            log.exception("refund status not readable")
            return
        if record.legs != self.record.legs:
            self.show_record(record)
        elif not record.pending:
            self.timer.stop()

    def _arm_done(self) -> None:
        self._done_armed = True

    @property
    def ready_to_close(self) -> bool:
        """The receipt is shown and the next Enter closes the screen."""
        return self.record is not None and self._done_armed

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _ENTER and self.record is not None:
            if self._done_armed:
                self.accept()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)

