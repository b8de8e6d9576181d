"""The admin users screen: add, disable/enable, reset a PIN, unlock.

    screen = UsersScreen(staff_service, actor=session.current)   # an admin
    main_window.show_panel(screen)

Every action goes through ``StaffService`` (which checks the actor's role, the PIN policy
and uniqueness, and audits it); errors appear in the screen's error line with their code.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import InputError, TillError
from ireti_till.domain.staff import Role, StaffMember
from ireti_till.services.staff import StaffService
from ireti_till.ui.dialogs.base import TillDialog
from ireti_till.ui.theme import name, set_role

COLUMNS = ("Name", "Role", "Status", "Lock")


def _pin_field(parent: QWidget, object_name: str, hint: str) -> QLineEdit:
    field = QLineEdit(parent)
    name(field, object_name, hint)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(hint)
    field.setMaxLength(12)
    return field


def _same_pins(a: QLineEdit, b: QLineEdit) -> str:
    pin, again = a.text(), b.text()
    a.clear()
    b.clear()
    if pin != again:
        raise InputError("The two PINs differ: type them again", code="IT-415")
    return pin


class AddUserDialog(TillDialog):
    def __init__(self, staff: StaffService, actor: StaffMember,
                 parent: QWidget | None = None) -> None:
        super().__init__("add_user_dialog", "Add a user", parent)
        self.member: StaffMember | None = None
        self.user_name = QLineEdit(self)
        name(self.user_name, "add_user_name", "Name")
        self.user_name.setPlaceholderText("Name")
        self.role = QComboBox(self)
        name(self.role, "add_user_role", "Role")
        for role in Role:
            self.role.addItem(role.label, role)
        self.pin = _pin_field(self, "add_user_pin", "PIN (cashier 4+, supervisor/admin 6+)")
        self.pin2 = _pin_field(self, "add_user_pin2", "PIN again")
        for w in (self.user_name, self.role, self.pin, self.pin2):
            self.body.addWidget(w)
        self.add_cancel_button()

        def ok() -> None:
            def work() -> StaffMember:
                pin = _same_pins(self.pin, self.pin2)
                role = Role(self.role.currentData())
                return staff.add_user(actor, self.user_name.text(), role, pin)

            self.member = self.attempt(work)
            if self.member is not None:
                self.accept()

        self.add_button("add_user_ok", "Add\nEnter", "primary", ok)
        self.pin2.returnPressed.connect(ok)
        self.user_name.setFocus()


class ResetPinDialog(TillDialog):
    def __init__(self, staff: StaffService, actor: StaffMember, target: StaffMember,
                 parent: QWidget | None = None) -> None:
        super().__init__("reset_pin_dialog", f"New PIN for {target.name}", parent)
        self.pin = _pin_field(self, "reset_pin_pin", "New PIN")
        self.pin2 = _pin_field(self, "reset_pin_pin2", "New PIN again")
        self.body.addWidget(self.pin)
        self.body.addWidget(self.pin2)
        self.add_cancel_button()

        def reset() -> bool:
            staff.reset_pin(actor, target.user_id, _same_pins(self.pin, self.pin2))
            return True

        def ok() -> None:
            if self.attempt(reset):
                self.accept()

        self.add_button("reset_pin_ok", "Set PIN\nEnter", "primary", ok)
        self.pin2.returnPressed.connect(ok)
        self.pin.setFocus()


class UsersScreen(QWidget):
    def __init__(self, staff: StaffService, actor: StaffMember,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "users_screen")
        self._staff = staff
        self.actor = actor
        self._members: list[StaffMember] = []
        self.table = QTableWidget(0, len(COLUMNS), self)
        name(self.table, "users_table", "Staff")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.error = QLabel("", self)
        name(self.error, "users_error")
        set_role(self.error, "dialog-error")
        self.error.setWordWrap(True)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text in (("add", "Add user"), ("toggle", "Disable / enable"),
                          ("reset", "Reset PIN"), ("unlock", "Unlock")):
            button = QPushButton(text, self)
            name(button, f"users_{key}")
            button.clicked.connect(lambda _c=False, k=key: self._action(k))
            buttons.addWidget(button)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        self._members = self._staff.users()
        self.table.setRowCount(len(self._members))
        for row, m in enumerate(self._members):
            lock = self._staff.lock_state(m.user_id)
            cells = (m.name, m.role.label, "active" if m.active else "disabled",
                     f"locked ({lock.failures} wrong PINs)" if lock.locked
                     else (f"{lock.failures} wrong PINs" if lock.failures else ""))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, m.user_id)
                self.table.setItem(row, col, item)

    def select_user(self, user_id: str) -> None:
        for row, m in enumerate(self._members):
            if m.user_id == user_id:
                self.table.selectRow(row)

    def selected(self) -> StaffMember | None:
        rows = self.table.selectionModel().selectedRows()
        return self._members[rows[0].row()] if rows else None

    def _action(self, key: str) -> None:
        target = self.selected()
        try:
            if key == "add":
                self.open_dialog(AddUserDialog(self._staff, self.actor, self), None)
                return
            elif target is None:
                raise InputError("Choose a person in the list first", code="IT-405")
            elif key == "toggle":
                self._staff.set_active(self.actor, target.user_id, not target.active)
            elif key == "reset":
                self.open_dialog(ResetPinDialog(self._staff, self.actor, target, self), target)
                return
            elif key == "unlock":
                self._staff.unlock(self.actor, target.user_id)
        except TillError as exc:
            self.error.setText(str(exc))
            return
        self._changed(target)

    def open_dialog(self, dialog: TillDialog, target: StaffMember | None) -> None:
        """Show ``dialog`` with ``open()`` (no nested event loop); the list refreshes when
        it closes."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._changed(target))
        dialog.open()

    def _changed(self, target: StaffMember | None) -> None:
        self.error.clear()
        self.refresh()
        if target is not None:
            self.select_user(target.user_id)
