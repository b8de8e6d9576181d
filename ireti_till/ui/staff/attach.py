"""Put staff sign-in, locking, overrides and the staff menus on the main window.

The composition root builds the services (``adapters.staff_wiring``) and calls::

    staff_ui = attach_staff(window, StaffServices(staff, audit, overrides, rules),
                            make_sale_service, idle_minutes=5)

That shows the sign-in screen first (the sale keys stop until someone signs in), switches
to the signed-in cashier's own (parked) basket, locks on Ctrl+L and after
``idle_minutes`` without input (never while a dialog is open), asks for a supervisor at
the point of action (``OverrideGate`` on the sale controller), adds "Till > No sale…",
"Staff > Users…" (admins) and "Staff > Audit log…" (supervisors and admins), and records
``start`` / ``stop`` and a checkpoint of the audit chain every few minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from ireti_till.domain.errors import TillError
from ireti_till.domain.overrides import ApprovalRequired, OverrideKind, OverrideRules
from ireti_till.domain.staff import Permission, Role, StaffMember, has_permission
from ireti_till.services.audit import AuditLog
from ireti_till.services.deferred import Deferred
from ireti_till.services.overrides import OverrideService
from ireti_till.services.selling import SaleService
from ireti_till.services.staff import StaffService
from ireti_till.ui.main_window import MainWindow
from ireti_till.ui.staff.audit_viewer import AuditViewer
from ireti_till.ui.staff.gate import OverrideGate
from ireti_till.ui.staff.idle import IdleWatcher
from ireti_till.ui.staff.override_dialog import OverridePrompt
from ireti_till.ui.staff.session import StaffSession
from ireti_till.ui.staff.sign_in import SignInScreen
from ireti_till.ui.staff.users_screen import UsersScreen

log = logging.getLogger("ireti_till.ui")
CHECKPOINT_MS = 5 * 60_000


@dataclass(frozen=True, slots=True)
class StaffServices:
    """The audit log and the override service exist once the ledger is open (on a fast
    start, shortly after the sign-in screen is shown): ``get()`` waits for them."""

    staff: StaffService
    audit: Deferred[AuditLog]
    overrides: Deferred[OverrideService]
    rules: OverrideRules


class StaffUi(QObject):
    def __init__(self, window: MainWindow, services: StaffServices,
                 make_sale_service: Callable[[StaffMember], SaleService],
                 idle_minutes: int) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.session: StaffSession[SaleService] = StaffSession(services.staff,
                                                               make_sale_service, self)
        self.sign_in = SignInScreen(services.staff)
        window.set_lock_screen(self.sign_in)
        self.sign_in.signed_in.connect(self.session.sign_in)
        self.session.cashier_changed.connect(self._on_cashier)
        self.session.locked.connect(self._on_locked)
        self.gate = OverrideGate(OverridePrompt(services.overrides, lambda: self.session.current),
                                 lambda: window, self.record, services.rules)
        window.controller.set_gate(self.gate)
        self.idle: IdleWatcher | None = None
        if idle_minutes > 0:
            self.idle = IdleWatcher(idle_minutes, self)
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self.idle)
            self.idle.idle_timeout.connect(self._idle)
        self.checkpoint_timer = QTimer(self)
        self.checkpoint_timer.setInterval(CHECKPOINT_MS)
        self.checkpoint_timer.timeout.connect(self._checkpoint)
        self.checkpoint_timer.start()
        self._windows: list[QWidget] = []
        #: how many payment operations wait to be sent (set when card payments are wired)
        self.unsent_work: Callable[[], int] = lambda: 0
        self._build_menus()
        self.role_changed: list[Callable[[Role | None], None]] = []
        window.show_lock_screen()

    # who is at the till ---------------------------------------------------------------
    @property
    def current(self) -> StaffMember | None:
        return None if self.session.is_locked else self.session.current

    def role(self) -> Role | None:
        member = self.current
        return None if member is None else member.role

    def can(self, permission: Permission) -> bool:
        role = self.role()
        return role is not None and has_permission(role, permission)

    def _on_cashier(self, member: StaffMember, service: SaleService) -> None:
        self.window.set_cashier(member, service)
        self.window.bridge.publish_cashier(member.name)
        self.window.show_sale_page()
        self._update_menus()
        log.info("%s (%s) at the till", member.user_id, member.role.value)

    def _on_locked(self, member: StaffMember | None) -> None:
        self.window.show_lock_screen(member)
        self.sign_in.lock(member)  # after it is shown, so its PIN field takes the focus
        self.window.bridge.publish_cashier("till locked" if member is None
                                           else f"{member.name} (locked)")
        self._update_menus()

    def lock(self, reason: str = "lock") -> None:
        if self.session.is_locked or self.window.controller.dialog is not None:
            return
        self.session.lock(reason)

    def sign_out(self) -> bool:
        """End this person's session (their basket must be empty); True if it ended now.
        With card operations still waiting to be sent, a supervisor approves first (DESIGN
        §6): the PIN dialog opens (no nested event loop) and the session ends once someone
        approves (False until then)."""
        member = self.current
        controller = self.window.controller
        if member is None or controller.dialog is not None:
            return False
        if not controller.service.view().is_empty:
            controller.unavailable("Finish or cancel the sale before signing out "
                                    "(Lock till, Ctrl+L, keeps it for you)")
            return False
        unsent = self.unsent_work()
        if unsent:
            kind = OverrideKind.SIGN_OUT_UNSENT
            need = ApprovalRequired(kind, self.services.rules.role_for(kind), None)
            self.gate.ask(need, f"{unsent} card operation(s) not sent yet", None,
                          lambda _approval: self._end_session(member), controller.refuse)
            return False
        self._end_session(member)
        return True

    def _end_session(self, member: StaffMember) -> None:
        current = self.current
        if current is None or current.user_id != member.user_id:
            return  # locked, or someone else meanwhile
        self.session.sign_out(member)
        self.sign_in.lock(None)  # a plain sign-in screen, nobody preselected
        self.window.bridge.publish_cashier("Not signed in")

    def _idle(self) -> None:
        if self.window.controller.dialog is not None or QApplication.activeModalWidget():
            if self.idle is not None:
                self.idle.reset()  # a dialog (a card on the reader, a receipt) is open
            return
        self.lock("idle")

    # audit --------------------------------------------------------------------------
    def record(self, kind: str, details: Mapping[str, str | int]) -> None:
        member = self.session.current
        try:
            self.services.audit.get().record(kind, member.user_id if member else "system", details)
        except TillError as exc:  # the action happened: say so in the log, keep trading
            log.error("audit %s not recorded: %s", kind, exc)

    def _checkpoint(self) -> None:
        try:
            self.services.audit.get().checkpoint()
        except Exception:
            log.exception("audit checkpoint failed")

    def close(self, details: Mapping[str, str | int]) -> None:
        self.checkpoint_timer.stop()
        app = QApplication.instance()
        if self.idle is not None and app is not None:
            app.removeEventFilter(self.idle)
        self.services.audit.get().record("stop", "system", details)
        self.services.audit.get().checkpoint()

    # menus ----------------------------------------------------------------------------
    def _action(self, menu: QMenu, text: str, object_name: str, keys: str | None,
                slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(object_name)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        till = self.window.findChild(QMenu, "menu_till")
        first = till.actions()[0] if till is not None and till.actions() else None
        extra = QMenu(self.window)  # collect, then insert at the top of the Till menu
        self.lock_action = self._action(extra, "Lock till", "action_lock", "Ctrl+L",
                                        lambda: self.lock("lock"))
        self.sign_out_action = self._action(extra, "Sign out", "action_sign_out", None,
                                            self.sign_out)
        self.no_sale_action = self._action(extra, "No sale (open drawer)…", "action_no_sale",
                                           "Ctrl+D", self.window.controller.no_sale)
        if till is not None:
            till.insertActions(first, extra.actions())  # type: ignore[arg-type]
            till.insertSeparator(first)  # type: ignore[arg-type]
        staff_menu = self.window.menuBar().addMenu("&Staff")
        staff_menu.setObjectName("menu_staff")
        self.users_action = self._action(staff_menu, "Users…", "action_users", None,
                                         self.open_users)
        self.audit_action = self._action(staff_menu, "Audit log…", "action_audit", None,
                                         self.open_audit)
        self.staff_menu = staff_menu
        self._update_menus()

    def _update_menus(self) -> None:
        signed_in = self.current is not None
        self.lock_action.setEnabled(signed_in)
        self.sign_out_action.setEnabled(signed_in)
        self.no_sale_action.setEnabled(signed_in)
        self.users_action.setVisible(self.can(Permission.MANAGE_USERS))
        self.audit_action.setVisible(self.can(Permission.VIEW_AUDIT))
        self.staff_menu.menuAction().setVisible(self.users_action.isVisible()
                                                or self.audit_action.isVisible())
        for hook in getattr(self, "role_changed", ()):
            hook(self.role())

    def _open(self, make: Callable[[StaffMember], QWidget], title: str) -> QWidget | None:
        member = self.current
        if member is None:
            return None
        try:
            widget = make(member)
        except TillError as exc:
            self.window.messages.error(exc)
            return None
        widget.setParent(self.window, Qt.WindowType.Window)
        widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        widget.setWindowTitle(title)
        widget.resize(900, 560)
        widget.show()
        widget.raise_()
        return widget

    def open_users(self) -> QWidget | None:
        return self._open(lambda m: UsersScreen(self.services.staff, actor=m), "Users")

    def open_audit(self) -> QWidget | None:
        return self._open(lambda m: AuditViewer(self.services.audit.get(), self.services.staff,
                                                actor=m), "Audit log")


def attach_staff(window: MainWindow, services: StaffServices,
                 make_sale_service: Callable[[StaffMember], SaleService],
                 idle_minutes: int) -> StaffUi:
    return StaffUi(window, services, make_sale_service, idle_minutes)
