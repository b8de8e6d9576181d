"""Staff sign-in, overrides and the audit trail, built on the open ledger."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.clock import SystemClock
from ireti_till.adapters.config_file import AppConfig
from ireti_till.adapters.staff_wiring import build_staff_context
from ireti_till.services.selling import SaleService
from ireti_till.ui.staff.attach import StaffServices, StaffUi, attach_staff

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.ui.main_window import MainWindow


def wire_staff(window: MainWindow, ledger: Ledger, data_dir: Path, config: AppConfig,
               training: bool) -> StaffUi:
    """Demo staff (training), ``start`` in the audit trail, sign-in screen shown first."""
    clock = SystemClock()
    till_id = config.store.till_id
    ctx = build_staff_context(ledger.engine, data_dir, training=training, till_id=till_id,
                              clock=clock, lockout=config.staff.lockout,
                              rules=config.staff.overrides)
    ctx.staff.ensure_demo_staff()
    ctx.audit.record("start", "system", {"till_id": till_id, "training": int(training)})
    ctx.audit.checkpoint()

    def make_sale_service(member: object) -> SaleService:
        return SaleService(ledger.uow_factory, config.store, clock,
                           str(getattr(member, "name", member)), training)

    return attach_staff(window, StaffServices(ctx.staff, ctx.audit, ctx.overrides,
                                              config.staff.overrides),
                        make_sale_service, config.staff.idle_lock_minutes)
