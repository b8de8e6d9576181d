"""The trading day on the till: checkout hooks, the Shift and Admin menus, the training
receipt on screen (``attach_trading_day``, from ``compose()``), and its worker jobs, the
printer and back-office status (``start_trading_day``, from ``attach_operations``).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ireti_till.composition.trading_day import TradingDay, jobs, read_settings, register_jobs
from ireti_till.domain.errors import TillError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ireti_till.composition.till import Till
    from ireti_till.domain.money import Money
    from ireti_till.domain.overrides import Approval, OverrideKind
    from ireti_till.services.health import CheckResult
    from ireti_till.services.refund_ports import RefundRecord
    from ireti_till.ui.shift.menu import ShiftMenu
    from ireti_till.ui.staff.attach import StaffUi

log = logging.getLogger("ireti_till.app")


def attach_trading_day(till: Till, staff: StaffUi, day: TradingDay) -> ShiftMenu:
    """Before the first sale: shifts gate the checkout, receipts are queued with the sale,
    no sale goes through the shift, the Shift menu; training opens a shift at sign-in."""
    from ireti_till.domain.staff import Permission
    from ireti_till.ui.shift.menu import ShiftActions, ShiftMenu

    window, controller = till.window, till.window.controller
    controller.checkout.attach_trading_day(day.require_open_shift, day.queue)

    def actor() -> str | None:
        member = staff.current
        return None if member is None else member.user_id

    def no_sale(approval: Approval) -> object:
        return day.shifts.no_sale(actor() or "system", approval.reason or "no sale", approval)

    controller.record_no_sale = no_sale
    if till.training:
        def training_shift(member: Any, _service: object) -> None:
            try:
                day.shifts.ensure_training_shift(member.user_id)
            except TillError as exc:
                controller.refuse(exc)

        staff.session.cashier_changed.connect(training_shift)
    if day.virtual is not None:
        from ireti_till.ui.printing.virtual_view import VirtualReceiptView

        view = VirtualReceiptView(day.settings.printer.width, day.settings.printer.logo)
        day.virtual.listener = view.deliver
        window.add_side_panel(view)
    menu = ShiftMenu(window, ShiftActions(
        shifts=day.shifts, actor=actor, require=_asker(till, staff),
        print_report=day.queue.report, reprint=day.queue.reprint,
        pdf_dir=till.data_dir / "reports", can_admin=lambda: staff.can(
            Permission.CHANGE_SETTINGS),
        printer_dialog=lambda parent: _printer_dialog(till, day, parent),
        reconcile=lambda done: _reconcile(till, day, done)))
    staff.role_changed.append(menu.follow_role)
    return menu


def _asker(till: Till, staff: StaffUi) -> Callable[..., None]:
    """The shift dialogs' ``require``: the override gate's ``ask`` (``open()``, no nested
    event loop), for the role the config names for that kind."""
    from ireti_till.domain.overrides import ApprovalRequired

    def ask(kind: OverrideKind, amount: Money | None, reason: str,
            then: Callable[[Approval], None], refused: Callable[[TillError], None]) -> None:
        role = till.config.staff.overrides.role_for(kind)
        staff.gate.ask(ApprovalRequired(kind, role, amount), reason, None, then, refused)

    return ask


def _printer_dialog(till: Till, day: TradingDay, parent: QWidget) -> QWidget:
    from ireti_till.adapters.config_trading_day import save_printer
    from ireti_till.ui.printing.admin import PrinterAdminDialog

    try:
        current = tomllib.loads(till.config.path.read_text(encoding="utf-8-sig")).get(
            "printer", {})
    except (OSError, tomllib.TOMLDecodeError):
        current = {}

    def apply(table: dict[str, Any]) -> object:
        saved = save_printer(till.config.path, table)  # IT-623/IT-213: nothing written
        day.use_printer(read_settings(till.config), till.training)
        log.info("printer set to %s", saved.kind)
        return saved

    return PrinterAdminDialog(current=current, apply=apply, status=day.queue.status,
                              test_print=day.queue.test_print, jobs=day.queue.jobs,
                              parent=parent)


def _reconcile(till: Till, day: TradingDay,
               done: Callable[[tuple[str, ...]], None]) -> None:
    """Stripe's side of the open shift for its Z, on a pool thread; ``done`` on the GUI
    thread (no lines when card payments are not running or Stripe cannot be asked)."""
    from ireti_till.ui.tasks import runner

    def finish(lines: object) -> None:
        done(lines if isinstance(lines, tuple) else ())

    runner().run(lambda: reconciliation_lines(till, day), finish, lambda _error: finish(()),
                 owner=till.window, what="the Z's reconciliation with Stripe")


def reconciliation_lines(till: Till, day: TradingDay) -> tuple[str, ...]:
    """Pool thread: ``reconcile_day.reconcile`` for the open shift, as the Z's lines."""
    runtime = till.payments.peek()
    core = runtime.core if runtime is not None else None
    shift = day.shifts.current()
    if core is None or shift is None:
        return ()
    from ireti_till.services.reconcile_day import reconcile

    try:
        result = reconcile(till.ledger.read_uow, core.ctx.gateway,  # type: ignore[arg-type]
                           till.config.store.till_id, start=shift.opened_at,
                           end=datetime.now(UTC), shift_id=shift.shift_id)
    except TillError as exc:
        log.warning("reconciliation for the Z not done: %s", exc.code)
        return (f"Stripe not checked ({exc.code}): run 'ireti-till reconcile' later",)
    return tuple(result.lines())


def refund_printed(day: TradingDay, record: RefundRecord) -> None:
    """After a refund commits: its slip, and the drawer when cash went out."""
    from ireti_till.domain.refund_policy import LegAction

    cash = any(leg.action is LegAction.CASH_OUT for leg in record.legs)
    legs = [("cash" if leg.action is LegAction.CASH_OUT else
             f"card {leg.card_brand or ''} {leg.card_last4 or ''}".rstrip())
            + f" {leg.amount.format()}" for leg in record.legs]
    try:
        day.queue.refund(record.code, None, record.amount.format(), legs, cash=cash)
    except TillError as exc:  # the refund stands; the slip can be reprinted
        log.error("refund slip of %s not queued (%s)", record.code, exc.code)


def start_trading_day(till: Till, day: TradingDay) -> None:
    """Once the window is shown: the print queue and printer status on the worker, the
    status bar's printer and back-office fields, the back office's sync when enrolled."""
    from ireti_till.services.health import Status
    from ireti_till.ui.printing.status_relay import StatusRelay

    ops = till.ops.peek()
    if ops is None:
        log.warning("no operations scheduler: receipts stay queued until the next start")
        return
    relay = StatusRelay(till.window.status)

    def show_printer(check: CheckResult) -> None:
        text = check.summary[:1].upper() + check.summary[1:]
        relay.note("printer", text, check.fix, check.status >= Status.FAIL)

    day.on_status.append(show_printer)
    till.cards.then(lambda cards: cards.on_queue_panel.append(
        lambda panel: relay.follow("backoffice", panel.show_backoffice)))
    run_now = register_jobs(ops.jobs, [
        *jobs(day), ("backoffice-start", lambda: _start_backoffice(till, ops.jobs, relay), 0)])
    day.queue.wake = lambda: run_now("print-queue")


def _start_backoffice(till: Till, ops: Any, relay: Any) -> None:
    """Worker thread, once: when this till is enrolled, sync and catalog jobs and the
    status field ("back office: n waiting, oldest ..."); otherwise nothing runs."""
    from ireti_till.adapters.backoffice_retention import retention_days_or_default
    from ireti_till.adapters.backoffice_wiring import make_backoffice
    from ireti_till.adapters.secrets import SecretStore

    ledger, staff = till.ledger, till.staff
    audit = (lambda kind, actor, details: staff.services.audit.get().record(
        kind, actor, details)) if staff is not None else None  # tax-rate changes (issue 14)
    bo = make_backoffice(ledger.engine, SecretStore(till.data_dir, training=till.training),
                         ledger.uow_factory, audit=audit,
                         retention_days=retention_days_or_default(till.data_dir))
    if not bo.factory.enrolled():
        log.info("back office: not enrolled (nothing to sync)")
        return

    def status() -> None:
        state = bo.status()
        late = (state.oldest_age_s or 0.0) > 600  # ten minutes behind: say it in red
        relay.note("backoffice", state.text().capitalize(), state.last_error or "", late)

    register_jobs(ops, [*bo.jobs(), ("backoffice-status", status, 5.0)], lane="bo")
    till.lifecycle.on_close(bo.prune.stop)  # a prune under way ends at its next batch
    till.backoffice.resolve(bo)
