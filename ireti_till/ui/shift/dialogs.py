"""Shift dialogs: open (count the float, or take the previous close's), paid in / paid out,
and close with a blind count (the expected amount is never shown before the count).

They take the ``ShiftService`` and a ``require`` callback (the override gate's ``ask``:
``require(kind, amount, reason, then, refused)`` opens the supervisor's PIN dialog with
``open()``, no nested event loop, and later calls ``then(approval)`` or ``refused(error)``;
meanwhile the dialog stays open quietly) through their constructors; ``ui.shift.menu``
puts them in the Shift menu.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money, parse_amount
from ireti_till.domain.overrides import Approval, OverrideKind
from ireti_till.domain.shift import ApprovalNeeded, MovementKind, Shift
from ireti_till.domain.zreport import ZReport
from ireti_till.services.shifts import ShiftService
from ireti_till.ui.dialogs.base import StillOpen, TillDialog
from ireti_till.ui.shift.count_widget import CountWidget
from ireti_till.ui.theme import big_font, name


def shortcut(parent: QWidget, keys: str, slot: Callable[[], object]) -> None:
    QShortcut(QKeySequence(keys), parent, lambda: slot(),
              context=Qt.ShortcutContext.WidgetWithChildrenShortcut)


Require = Callable[[OverrideKind, Money | None, str, Callable[[Approval], None],
                    Callable[[TillError], None]], None]


class OpenShiftDialog(TillDialog):
    def __init__(self, shifts: ShiftService, actor: str, parent: QWidget | None = None) -> None:
        super().__init__("open_shift_dialog", "Open shift: count the float", parent)
        self._shifts = shifts
        self._actor = actor
        self.counter = CountWidget(shifts.settings, self)
        self.body.addWidget(self.counter)
        self.add_cancel_button()
        previous = shifts.previous_float()
        if previous is not None:
            self.add_button("open_previous", f"Use last close's float\n"
                            f"{previous.total.format()}  F6", slot=self._carry_over)
        self.add_button("open_ok", "Open shift\nCtrl+Enter", "primary", self._open)
        shortcut(self, "Ctrl+Return", self._open)
        shortcut(self, "F6", self._carry_over)
        self.shift: Shift | None = None
        first = next(iter(self.counter.fields.values()))
        first.setFocus()

    def _open(self) -> None:
        shift = self.attempt(lambda: self._shifts.open(self._actor, self.counter.count()))
        if shift is not None:
            self.shift = shift
            self.accept()

    def _carry_over(self) -> None:
        shift = self.attempt(lambda: self._shifts.open(self._actor, carry_over=True))
        if shift is not None:
            self.shift = shift
            self.accept()


class PaidDialog(TillDialog):
    """Paid in or paid out: amount, reason; a supervisor above the limit."""

    def __init__(self, shifts: ShiftService, actor: str, kind: MovementKind, require: Require,
                 parent: QWidget | None = None) -> None:
        title = "Paid in" if kind is MovementKind.PAID_IN else "Paid out"
        super().__init__(f"{kind.value}_dialog", title, parent)
        self._shifts, self._actor, self._kind, self._require = shifts, actor, kind, require
        self.amount = QLineEdit(self)
        name(self.amount, "paid_amount", f"{title} amount")
        self.amount.setFont(big_font(20, bold=False))
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setMaxLength(12)
        self.reason = QLineEdit(self)
        name(self.reason, "paid_reason", f"Reason for the {title.lower()}")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("e.g. window cleaner, change from the bank")
        self.reason.setMinimumHeight(40)
        for caption, field in (("Amount", self.amount), ("Reason", self.reason)):
            label = QLabel(caption, self)
            label.setBuddy(field)
            self.body.addWidget(label)
            self.body.addWidget(field)
        self.amount.returnPressed.connect(self.reason.setFocus)
        self.reason.returnPressed.connect(self._save)
        self.add_cancel_button()
        self.add_button("paid_ok", f"Record {title.lower()}\nEnter", "primary", self._save)
        self.movement: object | None = None
        self.amount.setFocus()

    def _save(self, approval: Approval | None = None) -> None:
        def record() -> object:
            amount = parse_amount(self.amount.text(), self._shifts.settings.currency)
            call = (self._shifts.paid_in if self._kind is MovementKind.PAID_IN
                    else self._shifts.paid_out)
            try:
                return call(self._actor, amount, self.reason.text(), approval)
            except ApprovalNeeded:
                if approval is not None:
                    raise
                self._require(OverrideKind.PAID_ABOVE_LIMIT, amount, self.reason.text(),
                              self._save, self.show_error)
                raise StillOpen() from None

        movement = self.attempt(record)
        if movement is not None:
            self.movement = movement
            self.accept()


class CloseShiftDialog(TillDialog):
    """Blind count, then the Z. The expected cash is shown only on the Z, after the count."""

    def __init__(self, shifts: ShiftService, actor: str, require: Require,
                 parent: QWidget | None = None, *, reconciliation: tuple[str, ...] = ()) -> None:
        super().__init__("close_shift_dialog", "Close shift: count the drawer", parent)
        self._shifts, self._actor, self._require = shifts, actor, require
        self._reconciliation = reconciliation  # Stripe's side of the shift, for the Z
        hint = QLabel("Count every note and coin in the drawer. The till does not show what "
                      "it expects until you have counted.", self)
        hint.setWordWrap(True)
        self.body.addWidget(hint)
        self.counter = CountWidget(shifts.settings, self)
        self.body.addWidget(self.counter)
        self.reason = QLineEdit(self)
        name(self.reason, "close_reason", "Reason if the count is over or short")
        self.reason.setPlaceholderText("Reason if over/short (asked when needed)")
        self.reason.setVisible(False)
        self.body.addWidget(self.reason)
        self.add_button("close_cancel", "Back to selling\nEsc", slot=self._back)
        self.add_button("close_ok", "Close shift\nCtrl+Enter", "primary", self._close)
        shortcut(self, "Ctrl+Return", self._close)
        self.z: ZReport | None = None
        self._began = self.attempt(lambda: shifts.begin_close(actor)) is not None
        next(iter(self.counter.fields.values())).setFocus()

    def _back(self) -> None:
        self.reject()

    def reject(self) -> None:
        """Back to selling (the button, Esc, the window closed): the shift reopens."""
        if self._began and self.z is None:
            self._began = False
            self.attempt(lambda: self._shifts.cancel_close(self._actor))
        super().reject()

    def _close(self) -> None:
        self._approvals: dict[str, Approval | None] = {"over_short": None, "queued": None}
        self._try_close()

    def _try_close(self) -> None:
        approvals = self._approvals

        def close() -> ZReport:
            try:
                return self._shifts.close(
                    self._actor, self.counter.count(), reason=self.reason.text(),
                    approval=approvals["over_short"], card_queued_approval=approvals["queued"],
                    reconciliation=self._reconciliation)
            except ApprovalNeeded as exc:
                key, kind = (("queued", OverrideKind.CLOSE_CARD_QUEUED) if exc.code == "IT-610"
                             else ("over_short", OverrideKind.CASH_OVER_SHORT))
                if approvals[key] is not None:
                    raise

                def granted(approval: Approval) -> None:
                    approvals[key] = approval
                    self._try_close()

                self._require(kind, None, self.reason.text() or exc.message, granted,
                              self.show_error)
                raise StillOpen() from None
            except TillError as exc:
                if exc.code == "IT-609":
                    self.reason.setVisible(True)
                    self.reason.setFocus()
                raise

        z = self.attempt(close)
        if z is not None:
            self.z = z
            self.accept()
