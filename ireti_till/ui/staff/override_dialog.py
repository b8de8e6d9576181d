"""The supervisor PIN dialog, asked right at the point of action.

    prompt = OverridePrompt(overrides, current_user=lambda: session.current)  # a Deferred
    prompt.ask(parent, OverrideKind.PRICE_OVERRIDE, Money(350, "EUR"), "damaged packaging",
               sale_id, then=lambda approval: ..., cancelled=lambda: ...)

The dialog shows what is asked (kind, amount, reason - the reason can be typed here if the
caller had none), lists who may approve (another person with the role) or takes the PIN
alone, and hands over the recorded ``Approval`` (``then``). It opens with ``open()``:
nothing waits for it in a nested event loop. Wrong PINs, self-approval and a missing role
are shown inside the dialog with their codes; nothing is lost and Esc cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from ireti_till.domain.errors import AuthorisationError, TillError
from ireti_till.domain.money import Money
from ireti_till.domain.overrides import Approval, OverrideKind, OverrideRequest
from ireti_till.domain.refund_policy import RefundDecision
from ireti_till.domain.staff import StaffMember
from ireti_till.services.deferred import Deferred
from ireti_till.services.overrides import OverrideService
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.staff.pin_pad import PinPad
from ireti_till.ui.staff.sign_in import pin_check
from ireti_till.ui.theme import name

BY_PIN = "Anyone allowed (PIN only)"
NOT_APPROVED = "IT-437"


class OverrideDialog(TillDialog):
    def __init__(self, service: OverrideService, requester: StaffMember, kind: OverrideKind,
                 amount: Money | None, reason: str, sale_id: UUID | None,
                 decision: RefundDecision | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("override_dialog", f"Supervisor needed: {kind.label}", parent)
        self._service = service
        self._requester = requester
        self._kind, self._amount, self._sale_id = kind, amount, sale_id
        self._decision = decision
        self.approval: Approval | None = None
        what = f"Asked by {requester.name}" + (f" · {amount.format()}" if amount else "")
        self.body.addWidget(QLabel(what, self))
        self.reason = QLineEdit(reason, self)
        name(self.reason, "override_dialog_reason", "Reason (required, recorded)")
        self.reason.setPlaceholderText("Reason (required, recorded)")
        self.reason.setMaxLength(200)
        self.body.addWidget(self.reason)
        self.approver = QComboBox(self)
        name(self.approver, "override_dialog_approver", "Who approves")
        self.approver.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.body.addWidget(self.approver)
        self.pad = PinPad("override_dialog_pin", self)
        self.pad.submitted.connect(self._approve)
        self._check = pin_check(self, self._approved, self._refused)
        self.body.addWidget(self.pad)
        self.add_cancel_button()
        self._fill_approvers()
        self.reason.returnPressed.connect(self.pad.focus)
        self._first: QWidget = self.pad.field if self.reason.text().strip() else self.reason
        self._first.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._first.setFocus()

    def _request(self) -> OverrideRequest:
        if self._decision is not None and self._amount is not None:
            return self._service.request_refund(self._requester, self._decision,
                                                self.reason.text(), self._amount, self._sale_id)
        return self._service.request(self._kind, self._requester, self.reason.text(),
                                     self._amount, self._sale_id)

    def _fill_approvers(self) -> None:
        self.approver.addItem(BY_PIN, None)
        try:
            probe = self._request()
        except TillError:  # no reason yet: list everyone who could possibly approve
            role = (self._decision.approver_role if self._decision is not None else None) \
                or self._service.rules.role_for(self._kind)
            probe = OverrideRequest(self._kind, self._requester, "probe", None, None, role)
        for member in self._service.approvers(probe):
            self.approver.addItem(f"{member.name} · {member.role.label}", member.user_id)
        if self.approver.count() == 1:
            self.show_error(AuthorisationError(
                "Nobody else on this till may approve this: call a supervisor", code="IT-432"))

    def _approve(self, pin: str) -> None:
        try:
            request = self._request()
        except TillError as exc:
            self.show_error(exc)
            return
        approver = self.approver.currentData()
        if self._check.start(lambda: self._service.approve(request, approver, pin)):
            self.clear_error()

    def _refused(self, exc: TillError) -> None:
        self.show_error(exc)
        self.pad.focus()

    def _approved(self, approval: Approval) -> None:
        self.approval = approval
        self.accept()


def not_approved(kind: OverrideKind) -> AuthorisationError:
    """IT-437: the PIN dialog was cancelled, so nothing changed."""
    return AuthorisationError(f"{kind.label} needs a supervisor's PIN; nobody approved it, "
                              "so nothing was changed", code=NOT_APPROVED)


class OverridePrompt:
    """Bound to the override service and whoever is signed in; hand it to the sale screen.

    ``ask(...)`` and ``ask_refund(...)`` open the PIN dialog with ``open()`` (no nested
    event loop) and return at once; ``then(approval)`` is called once someone approved,
    ``cancelled()`` when the dialog was closed without an approval."""

    def __init__(self, service: Deferred[OverrideService],
                 current_user: Callable[[], StaffMember | None]) -> None:
        self._service = service
        self._current_user = current_user

    def ask(self, parent: QWidget | None, kind: OverrideKind, amount: Money | None,
            reason: str, sale_id: UUID | None, then: Callable[[Approval], None],
            cancelled: Callable[[], None] | None = None) -> OverrideDialog:
        return self._open(OverrideDialog(self._service.get(), self._user(), kind, amount,
                                         reason, sale_id, None, parent), then, cancelled)

    def ask_refund(self, parent: QWidget | None, decision: RefundDecision, amount: Money,
                   reason: str, sale_id: UUID | None, then: Callable[[Approval], None],
                   refused: Callable[[TillError], None]) -> None:
        """The refund screen's approval (``ui.refunds.dialog.ApproveFn``): ``refused``
        gets IT-437 when nobody approved, or why the dialog could not open."""
        kind = OverrideKind.REFUND_ABOVE_LIMIT
        try:
            self._open(OverrideDialog(self._service.get(), self._user(), kind, amount,
                                      reason, sale_id, decision, parent),
                       then, lambda: refused(not_approved(kind)))
        except TillError as exc:  # nobody signed in, or the staff services failed
            refused(exc)

    def _user(self) -> StaffMember:
        user = self._current_user()
        if user is None:
            raise AuthorisationError("Sign in first", code="IT-401")
        return user

    @staticmethod
    def _open(dialog: OverrideDialog, then: Callable[[Approval], None],
              cancelled: Callable[[], None] | None) -> OverrideDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(_result: int) -> None:
            if dialog.approval is not None:
                then(dialog.approval)
            elif cancelled is not None:
                cancelled()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog
