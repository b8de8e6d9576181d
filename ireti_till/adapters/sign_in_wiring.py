"""The staff services behind the sign-in screen (``ui.staff.wiring.wire_staff``).

On a fast start the screen is built at once on ``EarlyStaffService`` (the stdlib staff
list, ``FastStaffReads``); once the window is shown (or the first call that has to wait)
the ledger opens and a helper thread resolves the real services (``prepare_staff``,
run on the ledger thread by ``StaffPrep`` when ``app.main`` gave one). If they fail, every
sign-in raises the error and ``failed(error)`` is told. Otherwise the services are built
(or taken from ``StaffPrep``) before the screen. Nothing here imports SQLAlchemy until
the ledger is open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ireti_till.adapters.config_file import AppConfig
from ireti_till.services.deferred import Deferred

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.db.opener import LedgerOpener
    from ireti_till.adapters.staff_wiring import StaffContext
    from ireti_till.services.audit import AuditLog
    from ireti_till.services.overrides import OverrideService
    from ireti_till.services.staff import StaffService

log = logging.getLogger("ireti_till.app")


class StaffPrep:
    """A ``prepare_ledger(then=...)`` step: ``ctx`` is set once the ledger thread ran it."""

    def __init__(self, data_dir: Path, config: AppConfig, training: bool) -> None:
        self.data_dir, self.config, self.training = data_dir, config, training
        self.ctx: StaffContext | None = None

    def __call__(self, ledger: Ledger) -> None:
        from ireti_till.adapters.staff_wiring import prepare_staff

        self.ctx = prepare_staff(ledger, self.data_dir, self.config, self.training)


def sign_in_services(opener: LedgerOpener, data_dir: Path, config: AppConfig,
                     training: bool, prep: StaffPrep | None, *, fast: bool,
                     failed: Callable[[BaseException], None],
                     ) -> tuple[StaffService, Deferred[AuditLog], Deferred[OverrideService]]:
    """``(staff, audit, overrides)`` for ``ui.staff.attach.StaffServices``."""
    started = threading.Lock()

    def begin() -> None:  # fast start: open the ledger, then the staff services
        opener.start_now()
        if started.acquire(blocking=False):
            threading.Thread(target=finish, name="open-staff", daemon=True).start()

    audit: Deferred[AuditLog] = Deferred("audit log", on_wait=begin)
    overrides: Deferred[OverrideService] = Deferred("overrides", on_wait=begin)
    if not fast:
        from ireti_till.adapters.staff_wiring import prepare_staff

        ctx = (prep.ctx if prep is not None else None) or prepare_staff(
            opener.result(), data_dir, config, training)
        audit.resolve(ctx.audit)
        overrides.resolve(ctx.overrides)
        return ctx.staff, audit, overrides
    assert opener.reads is not None
    from ireti_till.adapters.db.fast_read_staff import FastStaffReads
    from ireti_till.services.staff_early import EarlyStaffService

    # The sign-in screen's reads are answered early; every other call waits.
    early = EarlyStaffService(FastStaffReads(opener.reads), training=training,
                              till_id=config.store.till_id, on_wait=begin)

    def finish() -> None:  # on the "open-staff" thread: SQLAlchemy loads here
        from ireti_till.adapters.staff_wiring import prepare_staff

        try:
            ledger = opener.result()  # runs the StaffPrep on the ledger thread, if given
            ctx = (prep.ctx if prep is not None else None) or prepare_staff(
                ledger, data_dir, config, training)
        except BaseException as exc:  # every sign-in now shows this error
            log.exception("staff services did not start")
            for part in (early, audit, overrides):
                part.fail(exc)
            failed(exc)
            return
        audit.resolve(ctx.audit)
        overrides.resolve(ctx.overrides)
        early.attach(ctx.staff)

    opener.when_shown(begin)
    return cast("StaffService", early), audit, overrides
