"""The Shift menu (open shift, paid in, paid out, X report, close shift, reprint receipt)
and Admin > Printer, on the main window.

Each entry opens its dialog through ``SaleController.open_dialog`` (``open()``, one dialog
at a time, no nested event loop). The menu takes plain callables (``ShiftActions``), so
it never sees an adapter; the composition root (``ui.shift.wiring``) builds
them. Anything slow (the X/Z with Stripe's side of the day) runs on a pool thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from ireti_till.domain.errors import TillError
from ireti_till.domain.shift import MovementKind
from ireti_till.domain.zreport import ZReport
from ireti_till.services.printing_ports import PrintJob
from ireti_till.services.shifts import ShiftService
from ireti_till.ui.main_window import MainWindow
from ireti_till.ui.shift.dialogs import CloseShiftDialog, OpenShiftDialog, PaidDialog, Require
from ireti_till.ui.shift.report_view import ReportDialog

#: (text, object name, keys) of each Shift menu entry, in order
ENTRIES = (("Open shift…", "action_open_shift", "Ctrl+Shift+O"),
           ("Paid in…", "action_paid_in", "Ctrl+Shift+I"),
           ("Paid out…", "action_paid_out", "Ctrl+Shift+U"),
           ("X report", "action_x_report", "Ctrl+Shift+X"),
           ("Close shift…", "action_close_shift", "Ctrl+Shift+C"),
           ("Reprint receipt…", "action_reprint", "Ctrl+R"))


@dataclass(frozen=True)
class ShiftActions:
    shifts: ShiftService
    actor: Callable[[], str | None]  # who is signed in (None: locked)
    require: Require  # the override gate's ask (kind, amount, reason, then, refused)
    print_report: Callable[[ZReport], PrintJob]
    reprint: Callable[[str, str], PrintJob]  # (receipt number text, actor)
    pdf_dir: Path
    can_admin: Callable[[], bool]  # Admin > Printer is shown to admins only
    printer_dialog: Callable[[QWidget], QWidget]  # the printer settings screen
    #: closing: ``reconcile(done)`` asks Stripe on a pool thread, then calls
    #: ``done(lines)`` on the GUI thread (empty when offline or in training)
    reconcile: Callable[[Callable[[tuple[str, ...]], None]], None] | None = None


class ShiftMenu:
    def __init__(self, window: MainWindow, actions: ShiftActions) -> None:
        self.window, self.a = window, actions
        bar = window.menuBar()
        self.menu = QMenu("S&hift", window)
        self.menu.setObjectName("menu_shift")
        bar.insertMenu(bar.actions()[1] if len(bar.actions()) > 1 else None,  # type: ignore[arg-type]
                       self.menu)
        slots: list[Callable[[], None]] = [self.open_shift, self.paid_in, self.paid_out,
                                           self.x_report, self.close_shift, self.reprint]
        self.actions: dict[str, QAction] = {}
        for (text, object_name, keys), slot in zip(ENTRIES, slots, strict=True):
            self.actions[object_name] = self._action(self.menu, text, object_name, keys, slot)
        self.admin = bar.addMenu("&Admin")
        self.admin.setObjectName("menu_admin")
        self.printer_action = self._action(self.admin, "Printer…", "action_printer", None,
                                           self.printer)
        self.follow_role()

    @staticmethod
    def _action(menu: QMenu, text: str, object_name: str, keys: str | None,
                slot: Callable[[], None]) -> QAction:
        action = QAction(text, menu)
        action.setObjectName(object_name)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def follow_role(self, _role: object = None) -> None:
        signed_in = self.a.actor() is not None
        for action in self.actions.values():
            action.setEnabled(signed_in)
        admin = self.a.can_admin()
        self.printer_action.setEnabled(admin)
        self.admin.menuAction().setVisible(admin)

    # the entries ------------------------------------------------------------------------
    def _who(self) -> str | None:
        actor = self.a.actor()
        controller = self.window.controller
        if actor is None or controller.dialog is not None:
            return None
        return actor

    def _open(self, dialog: Any, on_accept: Callable[[], None]) -> None:
        self.window.controller.open_dialog(dialog, on_accept)

    def open_shift(self) -> None:
        actor = self._who()
        if actor is None:
            return
        try:
            dialog = OpenShiftDialog(self.a.shifts, actor, self.window)
        except TillError as exc:
            self.window.controller.refuse(exc)
            return
        self._open(dialog, lambda: self.window.controller.inform(
            f"Shift open: float {dialog.shift.float_amount.format()}"
            if dialog.shift is not None else "Shift open"))

    def _paid(self, kind: MovementKind) -> None:
        actor = self._who()
        if actor is not None:
            dialog = PaidDialog(self.a.shifts, actor, kind, self.a.require, self.window)
            self._open(dialog, lambda: self.window.controller.inform(
                f"{dialog.windowTitle() or 'Paid'} recorded: the drawer opens"))

    def paid_in(self) -> None:
        self._paid(MovementKind.PAID_IN)

    def paid_out(self) -> None:
        self._paid(MovementKind.PAID_OUT)

    def x_report(self) -> None:
        if self._who() is None:
            return
        try:
            report = self.a.shifts.x_report()
        except TillError as exc:
            self.window.controller.refuse(exc)
            return
        self.show_report(report)

    def show_report(self, report: ZReport) -> None:
        self._open(ReportDialog(report, self.a.print_report, self.window,
                                pdf_dir=self.a.pdf_dir), lambda: None)

    def close_shift(self) -> None:
        actor = self._who()
        if actor is None:
            return
        if self.a.reconcile is None:
            self._close(actor, ())
            return
        self.window.controller.inform("Checking today's card payments with Stripe…")
        self.a.reconcile(lambda lines: self._close(actor, lines))

    def _close(self, actor: str, lines: tuple[str, ...]) -> None:
        if self.window.controller.dialog is not None:
            return
        dialog = CloseShiftDialog(self.a.shifts, actor, self.a.require, self.window,
                                  reconciliation=lines)
        self._open(dialog, lambda: self._closed(dialog))

    def _closed(self, dialog: CloseShiftDialog) -> None:
        if dialog.z is not None:
            self.window.controller.inform(f"Shift closed: Z {dialog.z.z_no}")
            self.show_report(dialog.z)

    def reprint(self) -> None:
        actor = self._who()
        if actor is None:
            return
        from ireti_till.ui.printing.admin import ReprintDialog

        self._open(ReprintDialog(lambda text: self.a.reprint(text, actor), self.window),
                   lambda: self.window.controller.inform("Receipt copy sent to the printer"))

    def printer(self) -> None:
        if self._who() is not None and self.a.can_admin():
            self._open(self.a.printer_dialog(self.window), lambda: None)
