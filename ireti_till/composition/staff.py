"""The staff phase: sign-in, overrides and the audit trail on the main window.

On a fast start (``fast=True``) the sign-in screen is built at once on
``EarlyStaffService`` (the stdlib staff list) and ``finish()`` (on a helper thread, once
the window is shown) waits for the ledger and resolves the real services; if they fail,
every sign-in raises the error and the blocking error screen replaces the till window.
Otherwise the services are built (or taken from ``StaffPrep``, which ran on the ledger
thread) and the screen gets them resolved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ireti_till.adapters.config_file import AppConfig
from ireti_till.services.audit import AuditLog
from ireti_till.services.deferred import Deferred
from ireti_till.services.overrides import OverrideService
from ireti_till.services.staff import StaffService

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.staff_wiring import StaffContext
    from ireti_till.composition.ledger import LedgerOpener
    from ireti_till.services.selling import SaleService
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.staff.attach import StaffUi

log = logging.getLogger("ireti_till.app")


class StaffPrep:
    """A ``prepare_ledger(then=...)`` step: ``ctx`` is set once the ledger thread ran it."""

    def __init__(self, data_dir: Path, config: AppConfig, training: bool) -> None:
        self.data_dir, self.config, self.training = data_dir, config, training
        self.ctx: StaffContext | None = None

    def __call__(self, ledger: Ledger) -> None:
        from ireti_till.adapters.staff_wiring import prepare_staff

        self.ctx = prepare_staff(ledger, self.data_dir, self.config, self.training)


def wire_staff(window: MainWindow, opener: LedgerOpener, data_dir: Path, config: AppConfig,
               training: bool, make_sale_service: Callable[[object], SaleService],
               prep: StaffPrep | None, *, fast: bool) -> StaffUi:
    from ireti_till.ui.staff.attach import StaffServices, attach_staff

    started = threading.Lock()

    def begin() -> None:  # fast start: open the ledger, then the staff services
        opener.start_now()
        if started.acquire(blocking=False):
            threading.Thread(target=finish, name="open-staff", daemon=True).start()

    audit: Deferred[AuditLog] = Deferred("audit log", on_wait=begin)
    overrides: Deferred[OverrideService] = Deferred("overrides", on_wait=begin)
    staff: StaffService
    if fast:
        assert opener.reads is not None
        from ireti_till.adapters.db.fast_read_staff import FastStaffReads
        from ireti_till.services.staff_early import EarlyStaffService

        early = EarlyStaffService(FastStaffReads(opener.reads), training=training,
                                  till_id=config.store.till_id, on_wait=begin)
        # The sign-in screen's reads are answered early; every other call waits.
        staff = cast(StaffService, early)
    else:
        from ireti_till.adapters.staff_wiring import prepare_staff

        ctx = (prep.ctx if prep is not None else None) or prepare_staff(
            opener.result(), data_dir, config, training)
        audit.resolve(ctx.audit)
        overrides.resolve(ctx.overrides)
        staff = ctx.staff
    ui = attach_staff(window, StaffServices(staff, audit, overrides, config.staff.overrides),
                      make_sale_service, config.staff.idle_lock_minutes)
    if not fast:
        return ui
    from ireti_till.ui.application import FailureRelay

    relay = FailureRelay(window, data_dir)

    def finish() -> None:
        from ireti_till.adapters.staff_wiring import prepare_staff

        try:
            ledger = opener.result()  # runs the StaffPrep on the ledger thread, if given
            ctx = (prep.ctx if prep is not None else None) or prepare_staff(
                ledger, data_dir, config, training)
        except BaseException as exc:  # every sign-in now shows this error
            log.exception("staff services did not start")
            for part in (early, audit, overrides):
                part.fail(exc)
            relay.failed.emit(exc)  # queued: the error screen opens on the GUI thread
            return
        audit.resolve(ctx.audit)
        overrides.resolve(ctx.overrides)
        early.attach(ctx.staff)

    opener.when_shown(begin)
    return ui
