"""Staff sign-in, overrides and the audit trail on the main window."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.config_file import AppConfig
from ireti_till.bootstrap.staff_prep import prepare_staff
from ireti_till.services.selling import SaleService
from ireti_till.ui.staff.attach import StaffServices, StaffUi, attach_staff

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.staff_wiring import StaffContext
    from ireti_till.ui.main_window import MainWindow


def wire_staff(window: MainWindow, ledger: Ledger, data_dir: Path, config: AppConfig,
               training: bool, ctx: StaffContext | None = None) -> StaffUi:
    """Sign-in screen shown first; ``ctx`` from ``StaffPrep`` (the ledger thread) or built
    here (demo staff in training, ``start`` in the audit trail)."""
    if ctx is None:
        ctx = prepare_staff(ledger, data_dir, config, training)
    clock = SystemClock()

    def make_sale_service(member: object) -> SaleService:
        return SaleService(ledger.uow_factory, config.store, clock,
                           str(getattr(member, "name", member)), training)

    return attach_staff(window, StaffServices(ctx.staff, ctx.audit, ctx.overrides,
                                              config.staff.overrides),
                        make_sale_service, config.staff.idle_lock_minutes)
