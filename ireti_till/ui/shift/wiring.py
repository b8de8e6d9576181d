"""The trading day on the sale window: the Shift and Admin menus, the training receipt
view and the status bar's printer field (``composition.trading_day`` calls these once the
first screen takes input). Everything comes in as services and plain callables: this
module never sees an adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ireti_till.domain.errors import TillError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ireti_till.domain.money import Money
    from ireti_till.domain.overrides import Approval, OverrideKind
    from ireti_till.domain.print_doc import Op
    from ireti_till.domain.staff import Role
    from ireti_till.services.health import CheckResult
    from ireti_till.services.printing import PrintQueue
    from ireti_till.services.shifts import ShiftService
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.printing.status_relay import StatusRelay
    from ireti_till.ui.staff.attach import StaffUi


@dataclass(frozen=True)
class DayScreen:
    """What the menus need of the trading day."""

    shifts: ShiftService
    queue: PrintQueue
    role_for: Callable[[OverrideKind], Role]  # who approves each override kind (config)
    pdf_dir: Path
    printer_table: Callable[[], dict[str, Any]]  # the [printer] table as saved now
    apply_printer: Callable[[dict[str, Any]], object]  # save it; the next job uses it
    reconcile_lines: Callable[[], tuple[str, ...]]  # Stripe's side of the Z (pool thread)


def install_shift_menu(window: MainWindow, staff: StaffUi, day: DayScreen) -> None:
    """The Shift and Admin menus, following the signed-in person's role."""
    from ireti_till.domain.overrides import ApprovalRequired
    from ireti_till.domain.staff import Permission
    from ireti_till.ui.printing.admin import PrinterAdminDialog
    from ireti_till.ui.shift.menu import ShiftActions, ShiftMenu
    from ireti_till.ui.tasks import runner

    def actor() -> str | None:
        member = staff.current
        return None if member is None else member.user_id

    def ask(kind: OverrideKind, amount: Money | None, reason: str,
            then: Callable[[Approval], None], refused: Callable[[TillError], None]) -> None:
        # the override gate's ask (``open()``, no nested event loop)
        staff.gate.ask(ApprovalRequired(kind, day.role_for(kind), amount), reason, None,
                       then, refused)

    def printer_dialog(parent: QWidget) -> QWidget:
        queue = day.queue
        return PrinterAdminDialog(current=day.printer_table(), apply=day.apply_printer,
                                  status=queue.status, test_print=queue.test_print,
                                  jobs=queue.jobs, parent=parent)

    def reconcile(done: Callable[[tuple[str, ...]], None]) -> None:
        def finish(lines: object) -> None:  # no lines when Stripe cannot be asked
            done(lines if isinstance(lines, tuple) else ())

        runner().run(day.reconcile_lines, finish, lambda _error: finish(()), owner=window,
                     what="the Z's reconciliation with Stripe")

    menu = ShiftMenu(window, ShiftActions(
        shifts=day.shifts, actor=actor, require=ask, print_report=day.queue.report,
        reprint=day.queue.reprint, pdf_dir=day.pdf_dir,
        can_admin=lambda: staff.can(Permission.CHANGE_SETTINGS),
        printer_dialog=printer_dialog, reconcile=reconcile))
    staff.role_changed.append(menu.follow_role)


def show_virtual_receipts(window: MainWindow, width: int, logo: Path | None,
                          ) -> Callable[[list[Op], bool], None]:
    """Training (or a virtual printer): receipts on a side panel; returns its ``deliver``."""
    from ireti_till.ui.printing.virtual_view import VirtualReceiptView

    view = VirtualReceiptView(width, logo)
    window.add_side_panel(view)
    return view.deliver


def printer_status(window: MainWindow) -> tuple[StatusRelay, Callable[[CheckResult], None]]:
    """The status bar's relay and the printer check's listener (called on the worker)."""
    from ireti_till.services.health import Status
    from ireti_till.ui.printing.status_relay import StatusRelay

    relay = StatusRelay(window.status)

    def show_printer(check: CheckResult) -> None:
        text = check.summary[:1].upper() + check.summary[1:]
        relay.note("printer", text, check.fix, check.status >= Status.FAIL)

    return relay, show_printer
