"""The sign-in and lock screen: choose your name (or not), type your PIN.

- Choosing a name first checks one PIN and counts a wrong one against that person's
  lockout; "Anyone (PIN only)" finds the person by PIN alone (each PIN is unique).
- In training mode the demo staff and their PINs are listed on the screen.
- On a live till's first start (no users yet) it asks for the administrator instead.
- ``lock(member)`` turns it into the lock screen: the same person resumes, or another
  signs in (the caller parks the first one's basket; see ``StaffSession``).

It emits ``signed_in(StaffMember)``; it never keeps a PIN. PINs are checked on the thread
pool (``ui.tasks.Task``, one at a time): scrypt never freezes the screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ireti_till.domain.errors import AuthorisationError, TillError
from ireti_till.domain.staff import StaffMember
from ireti_till.services.staff import StaffService
from ireti_till.ui.staff.pin_pad import PinPad
from ireti_till.ui.tasks import Task
from ireti_till.ui.theme import big_font, name, set_role

log = logging.getLogger("ireti_till.ui")
T = TypeVar("T")
ANYONE = "Anyone (PIN only)"


def _pin_not_checked(_exc: Exception) -> TillError:
    return AuthorisationError("The PIN could not be checked; try again", code="IT-400")


def pin_check(parent: QWidget, done: Callable[[T], None],
              refused: Callable[[TillError], None]) -> Task[T]:
    """A PIN check on the pool: one at a time; an unexpected failure reads as IT-400."""
    return Task(parent, done, refused, what="the PIN check", when_busy="refuse",
                unexpected=_pin_not_checked)


class FirstAdminForm(QWidget):
    created = Signal(object)

    def __init__(self, staff: StaffService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._staff = staff
        name(self, "first_admin")
        layout = QVBoxLayout(self)
        intro = QLabel("First start: create the administrator. Their PIN needs at least 6 "
                       "digits and must not be easy to guess.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.admin_name = QLineEdit(self)
        name(self.admin_name, "first_admin_name", "Administrator's name")
        self.admin_name.setPlaceholderText("Name")
        self.pin = QLineEdit(self)
        name(self.pin, "first_admin_pin", "PIN")
        self.pin2 = QLineEdit(self)
        name(self.pin2, "first_admin_pin2", "PIN again")
        for field, hint in ((self.pin, "PIN"), (self.pin2, "PIN again")):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setPlaceholderText(hint)
        self.error = QLabel("", self)
        name(self.error, "first_admin_error")
        set_role(self.error, "dialog-error")
        self.error.setWordWrap(True)
        create = QPushButton("Create administrator\nEnter", self)
        name(create, "first_admin_create")
        set_role(create, "primary")
        create.clicked.connect(self._create)
        self.pin2.returnPressed.connect(self._create)
        for w in (self.admin_name, self.pin, self.pin2, self.error, create):
            layout.addWidget(w)
        layout.addStretch(1)

    def _create(self) -> None:
        pin, pin2 = self.pin.text(), self.pin2.text()
        self.pin.clear()
        self.pin2.clear()
        if pin != pin2:
            self.error.setText("The two PINs differ: type them again (IT-415)")
            return
        try:
            member = self._staff.create_first_admin(self.admin_name.text(), pin)
        except TillError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self.created.emit(member)


class SignInScreen(QWidget):
    signed_in = Signal(object)  # StaffMember

    def __init__(self, staff: StaffService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._staff = staff
        name(self, "sign_in_screen")
        self.title = QLabel("Sign in", self)
        name(self.title, "sign_in_title")
        self.title.setFont(big_font(18))
        self.title.setWordWrap(True)  # the lock message must never widen the window
        self.users = QListWidget(self)
        name(self.users, "sign_in_users", "Choose your name, or Anyone to sign in by PIN")
        self.users.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.users.setFont(big_font(14))
        # Names are touch targets too: at least 48 px a row, like every button.
        self.users.setStyleSheet("QListWidget::item { min-height: 48px; padding: 0 12px; }")
        self.pad = PinPad("sign_in_pin", self)
        self.pad.submitted.connect(self._submit)
        self._check: Task[StaffMember] = pin_check(self, self._accepted, self._refused)
        self.error = QLabel("", self)
        name(self.error, "sign_in_error")
        set_role(self.error, "dialog-error")
        self.error.setWordWrap(True)
        self.demo = QLabel("", self)
        name(self.demo, "sign_in_demo", "Training staff and their PINs")
        self.demo.setWordWrap(True)
        set_role(self.demo, "muted")

        form = QWidget(self)
        row = QHBoxLayout(form)
        row.addWidget(self.users, 1)
        right = QVBoxLayout()
        right.addWidget(self.pad)
        right.addWidget(self.error)
        right.addWidget(self.demo)
        right.addStretch(1)
        row.addLayout(right, 1)
        self.first_admin = FirstAdminForm(staff, self)
        self.first_admin.created.connect(lambda _m: self.refresh())
        self.pages = QStackedWidget(self)
        self.pages.addWidget(form)
        self.pages.addWidget(self.first_admin)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.pages, 1)
        self.refresh()

    def refresh(self, preselect: str | None = None) -> None:
        if self._staff.needs_first_admin() and not self._staff.training:
            self.pages.setCurrentWidget(self.first_admin)
            self.first_admin.admin_name.setFocus()
            return
        self.pages.setCurrentIndex(0)
        self.users.clear()
        anyone = QListWidgetItem(ANYONE)
        anyone.setData(Qt.ItemDataRole.UserRole, None)
        self.users.addItem(anyone)
        self.users.setCurrentItem(anyone)
        for member in self._staff.users(include_inactive=False):
            if member.demo and not self._staff.training:
                continue  # training staff never sign in on a live till
            item = QListWidgetItem(f"{member.name} · {member.role.label}")
            item.setData(Qt.ItemDataRole.UserRole, member.user_id)
            self.users.addItem(item)
            if member.user_id == preselect:
                self.users.setCurrentItem(item)
        demo = self._staff.demo_credentials()
        self.demo.setVisible(bool(demo))
        self.demo.setText("Training staff (practice only):\n" + "\n".join(
            f"{d.name}, {d.role.value}: PIN {d.pin}" for d in demo))
        self.pad.focus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.pages.currentIndex() == 0:
            self.pad.focus()

    def lock(self, member: StaffMember | None) -> None:
        """Show as the lock screen for ``member`` (None: plain sign-in)."""
        self.error.clear()
        if member is None:
            self.title.setText("Sign in")
        else:
            self.title.setText(f"Till locked. {member.name}: type your PIN to carry on. "
                               "Someone else can sign in too; the basket is kept.")
        self.refresh(preselect=None if member is None else member.user_id)

    def selected_user_id(self) -> str | None:
        item = self.users.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _submit(self, pin: str) -> None:
        user_id = self.selected_user_id()
        if self._check.start(lambda: self._staff.sign_in(pin, user_id)):
            self.error.setText("Checking…")

    def _refused(self, exc: TillError) -> None:
        self.error.setText(str(exc))
        log.info("sign-in refused: %s", exc.code)
        self.pad.focus()

    def _accepted(self, member: StaffMember) -> None:
        self.error.clear()
        self.signed_in.emit(member)
