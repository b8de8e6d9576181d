"""What each key and button of the sale screen does.

The controller calls ``SaleService`` (never adapters), shows the frozen ``BasketView``
it gets back, reports refused input on the message strip (with the error code and a
beep; the basket is never touched by a refusal), and gives the keyboard focus back to
the scan field after every action and whenever a dialog closes. Dialogs are opened with
``open()``: one at a time, no nested event loops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QDialog

from ireti_till.domain.errors import InputError, TillError
from ireti_till.domain.money import Money
from ireti_till.domain.sale import CompletedSale
from ireti_till.domain.settings import StoreSettings
from ireti_till.domain.tender import quick_cash
from ireti_till.services.checkout import CardQueue, CheckoutService
from ireti_till.services.selling import BasketView, SaleService
from ireti_till.ui.basket_edits import ApprovalGate, BasketEditKeys, SaleScreenParts
from ireti_till.ui.dialogs.base import unexpected
from ireti_till.ui.dialogs.cash_tender import CashTenderDialog
from ireti_till.ui.dialogs.confirm import ConfirmDialog
from ireti_till.ui.receipt_view import ReceiptDialog

if TYPE_CHECKING:
    from ireti_till.services.tendering import TenderService

__all__ = ["ApprovalGate", "SaleController", "SaleScreenParts"]

log = logging.getLogger("ireti_till.ui")

CARD_UNAVAILABLE = "Card reader not set up"
REFUND_UNAVAILABLE = "Refunds need supervisor sign-in, which is not set up yet"
REFUND_BASKET = "Finish or cancel this sale first: refunds (F8) start from an empty basket"


class SaleController(BasketEditKeys, QObject):
    """The sale screen's keys. Public API: the signals, the key handlers, ``checkout``
    (the open sale and its tenders, ``services.checkout``), ``set_gate``, ``attach_card``,
    ``connect_cards``, ``enable_refunds``, ``set_service``, ``set_enabled``,
    ``open_dialog``, ``show_paid``, ``refuse``, ``unavailable``, ``inform``, ``warn``."""

    basket_changed = Signal(object)  # BasketView
    sale_completed = Signal(object)  # CompletedSale (committed)
    dialog_opened = Signal(object)  # the QDialog
    dialog_closed = Signal(str)  # its objectName

    def __init__(self, service: SaleService, parts: SaleScreenParts, store: StoreSettings,
                 receipts_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.checkout = CheckoutService(service)
        self.p = parts
        self.store = store
        self.receipts_dir = receipts_dir
        self.dialog: QDialog | None = None
        self.enabled = True  # False while another page (lock screen, admin) is shown
        #: supervisor PINs and the audit trail (``set_gate``, once staff sign-in is wired;
        #: None: nobody to ask, as in unit tests and benchmarks)
        self._gate: ApprovalGate | None = None
        #: F5 once card payments are wired (``attach_card``); None: the key says why not
        self._card: Callable[[], None] | None = None
        #: F8 (``enable_refunds``); available on an empty basket
        self._refund: Callable[[], None] | None = None
        pad = parts.pad
        edits = {"find", "quantity", "discount", "price", "void"}
        for key, handler in (("find", self.find), ("cash", self.cash), ("card", self.card),
                             ("quantity", self.quantity), ("discount", self.discount),
                             ("price", self.price), ("void", self.void),
                             ("refund", self.refund), ("cancel_sale", self.ask_cancel_sale)):
            pad.bind(key, self._guarded(self._unlocked(handler) if key in edits else handler))
        pad.set_available("card", False, CARD_UNAVAILABLE)
        pad.set_available("refund", False, REFUND_UNAVAILABLE)
        pad.unavailable.connect(self.unavailable)
        parts.scan.submitted.connect(self.on_scan)
        parts.scan.prefix_typed.connect(self.on_prefix)
        parts.scan.field.navigate.connect(parts.table.move_selection)
        parts.table.line_activated.connect(self._edit_quantity_of)
        parts.table.clicked.connect(lambda _index: self.restore_focus())
        self.show_basket(service.view())

    # focus and display -----------------------------------------------------------------
    def _guarded(self, handler: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if self.enabled and self.dialog is None:
                handler()

        return run

    def _locked(self) -> bool:
        """Refuse a basket change while a card holds part of this sale (says why)."""
        reason = self.checkout.edit_lock()
        if reason:
            self.refuse(InputError(reason, code="IT-373"))
        return bool(reason)

    def _unlocked(self, handler: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if not self._locked():
                handler()

        return run

    def set_enabled(self, enabled: bool) -> None:
        """Sale keys and scans work only while the sale page is shown."""
        self.enabled = enabled
        if enabled:
            self.restore_focus()

    @property
    def service(self) -> SaleService:
        """The open sale's basket (checkout's sale service)."""
        return self.checkout.sales

    def set_service(self, service: SaleService) -> None:
        """Hand the screen another cashier's sale service (their parked basket)."""
        self.checkout.switch_sales(service)
        self.p.scan.clear()
        self.show_basket(service.view())

    def restore_focus(self) -> None:
        if self.dialog is not None or not self.enabled:
            return
        active = QApplication.activeWindow()
        if active is None or not active.isVisible():  # our dialog just closed: take it back
            self.p.window.activateWindow()
        self.p.scan.field.setFocus()

    def show_basket(self, basket: BasketView, select_line: int | None = None) -> None:
        self.p.table.show_basket(basket, select_line)
        self.p.totals.show_basket(basket, basket.prices_include_tax)
        self._update_pad(basket)
        self.basket_changed.emit(basket)

    def _update_pad(self, basket: BasketView) -> None:
        has_lines = not basket.is_empty
        for key in ("quantity", "discount", "price", "void", "cancel_sale", "cash"):
            self.p.pad.set_available(key, has_lines, "Scan an item first")
        if self._refund is not None:
            self.p.pad.set_available("refund", not has_lines, REFUND_BASKET)

    def refuse(self, error: TillError) -> None:
        """Show a refused action on the message strip (code and beep), focus back."""
        self.p.messages.error(error)
        self.restore_focus()

    def unavailable(self, reason: str) -> None:
        if reason == CARD_UNAVAILABLE:
            reason = self._card_advice(reason)
        self.p.messages.warn(reason or "Not available now")
        self.restore_focus()

    def inform(self, text: str) -> None:
        self.p.messages.info(text)

    def warn(self, text: str) -> None:
        self.p.messages.warn(text)

    def set_gate(self, gate: ApprovalGate) -> None:
        """Staff sign-in is wired: supervisor PINs are asked, voids audited."""
        self._gate = gate

    def attach_card(self, handler: Callable[[], None]) -> None:
        """Card payments are wired: F5 runs ``handler`` (``CardTenderUi.card``)."""
        self._card = handler

    def connect_cards(self, tender: TenderService, queue: CardQueue) -> None:
        """Card payments have started: checkout takes cards and split tenders from now."""
        self.checkout.connect_cards(tender, queue)

    # scanning --------------------------------------------------------------------------
    def on_prefix(self, text: str) -> None:
        if not self.enabled:
            return
        try:
            quantity, _rest = self.service.parse_quantity_prefix(text)
        except TillError as exc:
            self.p.scan.field.clear()
            self.refuse(exc)
            return
        self.p.scan.field.clear()
        self.p.scan.set_pending_quantity(quantity)
        self.p.messages.info(f"Quantity {quantity}: now scan the item (Esc clears)")

    def on_scan(self, text: str) -> None:
        if not self.enabled:
            return
        scan = self.p.scan
        scan.field.clear()
        if self._locked():
            return
        try:
            quantity, code = self.service.parse_quantity_prefix(text)
            if not code:  # "3*" then Enter: keep it as the pending quantity
                scan.set_pending_quantity(quantity)
                self.p.messages.info(f"Quantity {quantity}: now scan the item")
                return
            if quantity == 1 and scan.pending_quantity is not None and "*" not in text:
                quantity = scan.pending_quantity
            if self.service.view().is_empty:  # a new sale: only inside an open shift
                self.checkout.require_open_shift()
            result = self.service.scan(code, quantity)
        except TillError as exc:
            self.refuse(exc)
            return
        except Exception as exc:  # a storage fault: the basket is unchanged, say so
            log.exception("scan failed")
            self.refuse(unexpected(exc))
            return
        scan.set_pending_quantity(None)
        self.show_basket(result.basket, result.line_no)
        qty = f"{quantity} × " if quantity != 1 else ""
        self.p.messages.info(f"Added {qty}{result.product.name}")
        self.restore_focus()

    # dialogs ---------------------------------------------------------------------------
    def open_dialog(self, dialog: QDialog, on_accept: Callable[[], None],
                    on_reject: Callable[[], None] | None = None) -> None:
        if self.dialog is not None:  # one dialog at a time
            dialog.deleteLater()
            return
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            name = dialog.objectName()
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                on_accept()
            elif on_reject is not None:
                on_reject()
            self.dialog_closed.emit(name)
            self.restore_focus()

        dialog.finished.connect(finished)
        dialog.open()
        self.dialog_opened.emit(dialog)

    def card(self) -> None:
        if self._card is not None:
            self._card()
            return
        self.unavailable(CARD_UNAVAILABLE)

    def _card_advice(self, reason: str) -> str:
        return f"{reason}: take cash (F4), or ask a supervisor to set up the card reader"

    def refund(self) -> None:
        if self._refund is None:
            self.unavailable(REFUND_UNAVAILABLE)
        elif not self.service.view().is_empty:
            self.unavailable(REFUND_BASKET)
        else:
            self._refund()

    def enable_refunds(self, handler: Callable[[], None]) -> None:
        """Wire F8 (the refund screen); the key follows the basket from now on."""
        self._refund = handler
        self._update_pad(self.service.view())

    # paying ----------------------------------------------------------------------------
    def cash(self) -> None:
        state = self.checkout.state()
        if state.basket.is_empty:
            self.refuse(InputError("The sale is empty: scan an item first", code="IT-151"))
            return
        if not state.card_on_sale:
            try:
                self.checkout.require_open_shift()
            except TillError as exc:
                self.refuse(exc)
                return

        def pay(tendered: Money) -> CompletedSale:
            paid = self.checkout.pay_cash(tendered)
            assert paid.completed is not None
            return paid.completed

        dialog = CashTenderDialog(state.due, quick_cash(state.due), pay, self.p.window)
        self.open_dialog(dialog, lambda: self.show_paid(dialog.sale))

    def show_paid(self, sale: CompletedSale | None) -> None:
        """The open sale was paid and committed: the receipt, then the next sale."""
        if sale is None:
            return
        self.show_basket(self.service.view())
        self.p.messages.info(f"Paid: receipt {sale.receipt_code}")
        self.sale_completed.emit(sale)
        receipt = ReceiptDialog(sale, self.store, self.receipts_dir, self.p.window)
        # The sale is committed: closing the receipt by any key starts the next sale.
        self.open_dialog(receipt, self._new_sale, self._new_sale)

    def _new_sale(self) -> None:
        self.show_basket(self.service.view())
        self.p.messages.info("Ready: scan the first item")

    # cancelling ------------------------------------------------------------------------
    def escape(self) -> None:
        """Esc: clear the scan field first; a second Esc asks to cancel the sale."""
        if self.dialog is not None or not self.enabled:
            return
        if self.p.scan.clear():
            self.p.messages.info("Cleared. Press Esc again to cancel the sale.")
        elif not self.service.view().is_empty:
            self.ask_cancel_sale()
        self.restore_focus()

    def ask_cancel_sale(self) -> None:
        view = self.service.view()
        if view.is_empty:
            return
        dialog = ConfirmDialog(
            "cancel_sale_dialog", "Cancel this sale?",
            f"{view.item_count} item(s), {view.total.format()}, will be removed. "
            "Nothing has been paid.", "Cancel sale", "Keep selling", self.p.window)
        self.open_dialog(dialog, self.cancel_sale)

    def cancel_sale(self) -> None:
        """Drop the open (unpaid) sale now (Esc Esc, confirmed)."""
        try:
            state = self.checkout.cancel()  # audited by the sale service
        except TillError as exc:
            self.refuse(exc)
            return
        self.p.scan.clear()
        self.show_basket(state.basket)
        self.p.messages.warn("Sale cancelled: the card authorisation is being cancelled"
                             if state.card_voided else "Sale cancelled")
