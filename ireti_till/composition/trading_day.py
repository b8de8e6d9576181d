"""The trading day in the till (issue 12): the checkout is gated on it from the start
(``defer_trading_day``, from ``compose()``); the services (``adapters.trading_day_wiring``)
and the menus (``ui.shift.wiring``) are built after the first screen takes input; the
worker jobs, the printer and back-office status start with operations
(``start_trading_day``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ireti_till.domain.errors import TillError
from ireti_till.services.checkout import LaterReceipts

if TYPE_CHECKING:
    from ireti_till.adapters.config_trading_day import TradingDaySettings
    from ireti_till.adapters.trading_day_wiring import TradingDay
    from ireti_till.composition.till import Till
    from ireti_till.domain.overrides import Approval
    from ireti_till.ui.staff.attach import StaffUi

log = logging.getLogger("ireti_till.app")



def defer_trading_day(till: Till, staff: StaffUi, settings: TradingDaySettings, *,
                      now: bool) -> None:
    """The checkout is gated on the trading day at once; the day itself (shifts, print
    queue, printer: ``build_trading_day``) and its menus are built in the first
    ``lifecycle`` start step (after the first screen takes input), or ``now``, or by the
    first sale or shift action that needs it before then (it waits for the build)."""
    def day() -> TradingDay:
        from ireti_till.adapters.trading_day_wiring import build_trading_day

        return till.trading_day.build_once(lambda: build_trading_day(
            till.opener, till.data_dir, till.config, till.training, settings,
            staff.services.audit))

    def no_sale(approval: Approval) -> object:
        member = staff.current
        return day().shifts.no_sale(member.user_id if member is not None else "system",
                                    approval.reason or "no sale", approval)

    controller = till.window.controller
    controller.checkout.attach_trading_day(lambda: day().require_open_shift(),
                                           LaterReceipts(lambda: day().queue))
    controller.set_no_sale_recorder(no_sale)
    if till.training:  # a shift opens at sign-in (the day is built then if not yet)
        def training_shift(member: Any, _service: object) -> None:
            try:
                day().shifts.ensure_training_shift(member.user_id)
            except TillError as exc:
                controller.refuse(exc)

        staff.session.cashier_changed.connect(training_shift)
    if now:
        attach_trading_day(till, staff, day())
    else:  # with the late start (``Till.start_background``), before operations
        till.lifecycle.on_start(lambda: attach_trading_day(till, staff, day()))


def attach_trading_day(till: Till, staff: StaffUi, day: TradingDay) -> None:
    """The Shift and Admin menus and, in training, the receipt on screen."""
    from ireti_till.adapters.trading_day_wiring import printer_table, reconciliation_lines
    from ireti_till.ui.shift.wiring import DayScreen, install_shift_menu, show_virtual_receipts

    config = till.config

    def lines() -> tuple[str, ...]:
        core = till.payments_core()
        if core is None:  # card payments are not running: nothing to ask Stripe
            return ()
        return reconciliation_lines(till.ledger.read_uow, core.ctx.gateway,
                                    config.store.till_id, day.shifts)

    if day.virtual is not None:
        printer = day.settings.printer
        day.virtual.listener = show_virtual_receipts(till.window, printer.width, printer.logo)
    install_shift_menu(till.window, staff, DayScreen(
        day.shifts, day.queue, config.staff.overrides.role_for, till.data_dir / "reports",
        lambda: printer_table(config),
        lambda table: day.save_printer(config, table, till.training), lines))


def start_trading_day(till: Till, day: TradingDay) -> None:
    """With operations: the print queue and printer status on the worker, the status
    bar's printer and back-office fields, the back office's sync when enrolled."""
    try:
        _start(till, day)
    except Exception:  # receipts stay queued (durable); selling goes on
        log.exception("print queue not started")


def _start(till: Till, day: TradingDay) -> None:
    from ireti_till.adapters.trading_day_wiring import enrolled_backoffice, jobs
    from ireti_till.ui.shift.wiring import printer_status

    ops = till.ops.peek()
    if ops is None:
        log.warning("no operations scheduler: receipts stay queued until the next start")
        return
    relay, show_printer = printer_status(till.window)
    day.on_status.append(show_printer)
    till.cards.then(lambda cards: cards.on_queue_panel.append(
        lambda panel: relay.follow("backoffice", panel.show_backoffice)))
    scheduler = ops.jobs.scheduler

    def start_backoffice() -> None:  # worker thread, once
        ledger, staff = till.ledger, till.staff
        audit = (lambda kind, actor, details: staff.services.audit.get().record(
            kind, actor, details)) if staff is not None else None  # tax-rate changes
        found = enrolled_backoffice(ledger, till.data_dir, till.training, relay.note, audit)
        if found is not None:
            scheduler.register(found[1], lane="bo")
            till.lifecycle.on_close(found[0].prune.stop)  # a prune ends at its next batch
            till.backoffice.resolve(found[0])

    run_now = scheduler.register([*jobs(day), ("backoffice-start", start_backoffice, 0)],
                                 lane="trading-day")
    day.queue.wake = lambda: run_now("print-queue")
