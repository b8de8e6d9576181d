"""The sale screen's keys that change the basket: find, quantity, discount, price, void,
and no sale (a mixin of ``SaleController``, kept apart to keep each module small).

A change that needs a supervisor (a price override, a large discount, a void above
``[staff] void_line_above``) is refused by the sale service with ``ApprovalRequired``;
``_approvable`` (and ``void``) then opens the PIN dialog (over the edit dialog, if any; no
nested event loop) and repeats the change with the approval once someone gave it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from PySide6.QtWidgets import QDialog, QWidget

from ireti_till.domain.errors import InputError, TillError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, ApprovalRequired, OverrideKind
from ireti_till.domain.settings import StoreSettings
from ireti_till.domain.staff import Role
from ireti_till.services.selling import BasketView, LineView, SaleService
from ireti_till.ui.action_pad import ActionPad
from ireti_till.ui.basket_table import BasketTable
from ireti_till.ui.dialogs.base import StillOpen, unexpected
from ireti_till.ui.dialogs.discount import DiscountDialog
from ireti_till.ui.dialogs.price_override import PriceOverrideDialog
from ireti_till.ui.dialogs.product_search import ProductSearchDialog
from ireti_till.ui.dialogs.quantity import QuantityDialog
from ireti_till.ui.messages import MessageStrip
from ireti_till.ui.scan_bar import ScanBar
from ireti_till.ui.totals_panel import TotalsPanel

log = logging.getLogger("ireti_till.ui")

EditDialog = DiscountDialog | PriceOverrideDialog


@dataclass(frozen=True, slots=True)
class SaleScreenParts:
    window: QWidget
    scan: ScanBar
    table: BasketTable
    totals: TotalsPanel
    messages: MessageStrip
    pad: ActionPad


class ApprovalGate(Protocol):
    """Asks for a supervisor's PIN (``ui.staff.gate.ApprovalGate``)."""

    def ask(self, need: ApprovalRequired, reason: str, sale_id: UUID | None,
            then: Callable[[Approval], None], refused: Callable[[TillError], None]) -> None:
        ...

    def audit(self, kind: str, details: Mapping[str, str | int]) -> None: ...


class BasketEditKeys:
    """Needs, from the controller: ``p``, ``store``, ``service``, ``enabled``, ``dialog``,
    ``_gate`` and the methods declared under ``TYPE_CHECKING`` below."""

    p: SaleScreenParts
    store: StoreSettings
    enabled: bool
    dialog: QDialog | None
    _gate: ApprovalGate | None
    #: the trading day records an approved no sale in the shift and kicks the drawer
    record_no_sale: Callable[[Approval], object] | None = None

    def set_no_sale_recorder(self, record: Callable[[Approval], object]) -> None:
        self.record_no_sale = record

    if TYPE_CHECKING:
        @property
        def service(self) -> SaleService: ...
        def open_dialog(self, dialog: QDialog, on_accept: Callable[[], None],
                        on_reject: Callable[[], None] | None = None) -> None: ...
        def refuse(self, error: TillError) -> None: ...
        def unavailable(self, reason: str) -> None: ...
        def restore_focus(self) -> None: ...
        def show_basket(self, basket: BasketView, select_line: int | None = None) -> None: ...
        def _locked(self) -> bool: ...

    def _line(self, line_no: int | None = None) -> LineView | None:
        wanted = line_no if line_no is not None else self.p.table.current_or_last_line()
        return next((ln for ln in self.service.view().lines if ln.line_no == wanted), None)

    def _need_line(self) -> LineView | None:
        line = self._line()
        if line is None:
            self.refuse(InputError("The basket is empty: scan an item first", code="IT-151"))
        return line

    def find(self) -> None:
        dialog = ProductSearchDialog(self.service.search, self.p.window)

        def add() -> None:
            if dialog.chosen is None:
                return
            quantity = self.p.scan.pending_quantity or 1
            try:
                result = self.service.add_product(dialog.chosen.sku, quantity)
            except TillError as exc:
                self.refuse(exc)
                return
            except Exception as exc:  # a storage fault: the basket is unchanged
                log.exception("add from search failed")
                self.refuse(unexpected(exc))
                return
            self.p.scan.set_pending_quantity(None)
            self.show_basket(result.basket, result.line_no)
            self.p.messages.info(f"Added {result.product.name}")

        self.open_dialog(dialog, add)

    def quantity(self) -> None:
        line = self._need_line()
        if line is not None:
            self._edit_quantity_of(line.line_no)

    def _edit_quantity_of(self, line_no: int) -> None:
        line = self._line(line_no)
        if line is None or self._locked():
            return
        dialog = QuantityDialog(line, lambda q: self.service.set_quantity(line_no, q),
                                self.p.window)
        self.open_dialog(dialog, lambda: self._after_edit(dialog.basket, line_no))

    def discount(self) -> None:
        line = self._line()
        if self.service.view().is_empty:
            self._need_line()
            return
        dialog: DiscountDialog

        def apply(scope: str, percent: Decimal | None, amount: Money | None) -> BasketView:
            def edit(approval: Approval | None) -> BasketView:
                if scope == "line" and line is not None:
                    return self.service.line_discount(line.line_no, percent=percent,
                                                      amount=amount, approval=approval)
                return self.service.basket_discount(percent=percent, amount=amount,
                                                    approval=approval)

            return self._approvable(dialog, "", edit)

        dialog = DiscountDialog(line, self.store.currency, apply, self.p.window)
        self.open_dialog(dialog, lambda: self._after_edit(
            dialog.basket, line.line_no if line else None))

    def price(self) -> None:
        line = self._need_line()
        if line is None:
            return
        dialog: PriceOverrideDialog

        def apply(price: Money, why: str) -> BasketView:
            return self._approvable(dialog, why, lambda approval: self.service.override_price(
                line.line_no, price, why, approval))

        dialog = PriceOverrideDialog(line, apply, self.p.window)
        self.open_dialog(dialog, lambda: self._after_edit(dialog.basket, line.line_no))

    def _approvable(self, dialog: EditDialog, reason: str,
                    edit: Callable[[Approval | None], BasketView]) -> BasketView:
        """``edit`` without an approval; if the service asks for one, the PIN dialog opens
        over ``dialog`` (no nested event loop) and, once approved, ``edit`` runs again with
        it and ``dialog`` closes with the result (cancelled: ``dialog`` shows IT-437)."""
        try:
            return edit(None)
        except ApprovalRequired as need:
            if self._gate is None:
                raise

            def approved(approval: Approval) -> None:
                try:
                    basket = edit(approval)
                except TillError as exc:
                    dialog.show_error(exc)
                    return
                dialog.complete(basket)

            self._gate.ask(need, reason, self.service.sale_id, approved, dialog.show_error)
            raise StillOpen from need

    def _after_edit(self, basket: BasketView | None, line_no: int | None) -> None:
        if basket is not None:
            self.show_basket(basket, line_no)

    def void(self) -> None:
        """F-key void of the selected line. The service decides whether it needs a
        supervisor (``[staff] void_line_above``); only then is the PIN asked for, and the
        void repeated with the approval (cancelled: IT-437, the line stays)."""
        line = self._need_line()
        if line is None:
            return

        def voided(approval: Approval | None) -> None:
            try:
                basket = self.service.void_line(line.line_no, approval)  # audited there
            except ApprovalRequired as need:
                if approval is not None or self._gate is None:
                    self.refuse(need)
                    return
                self._gate.ask(need, "", self.service.sale_id, voided, self.refuse)
                return
            except TillError as exc:
                self.refuse(exc)
                return
            self.show_basket(basket, basket.lines[-1].line_no if basket.lines else None)
            self.p.messages.warn(f"Voided line {line.line_no}: {line.name}")
            self.restore_focus()

        voided(None)

    def no_sale(self) -> None:
        """Open the drawer without a sale: a supervisor approves, the audit trail records."""
        if not self.enabled or self.dialog is not None:
            return
        gate = self._gate
        if gate is None:
            self.unavailable("No sale needs staff sign-in, which is not set up")
            return
        kind = OverrideKind.NO_SALE_DRAWER

        def approved(approval: Approval) -> None:
            if self.record_no_sale is not None:  # the shift records it and opens the drawer
                try:
                    self.record_no_sale(approval)
                except TillError as exc:
                    self.refuse(exc)
                    return
            gate.audit("drawer_open", {"override_id": str(approval.override_id),
                                       "approver": approval.approver_id, "sale": "none"})
            self.p.messages.info(f"No sale: the drawer may be opened (approved by "
                                 f"{approval.approver_name}, recorded)")
            self.restore_focus()

        rules = self.service.rules
        role = rules.role_for(kind) if rules is not None else Role.SUPERVISOR
        gate.ask(ApprovalRequired(kind, role, None), "", None, approved, self.refuse)
