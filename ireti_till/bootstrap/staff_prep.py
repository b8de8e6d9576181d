"""The staff context (keyring secrets, demo staff, ``start`` in the audit trail), prepared
on the ledger thread while Qt builds the screen (no Qt here)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig

if TYPE_CHECKING:
    from ireti_till.adapters.db.ledger import Ledger
    from ireti_till.adapters.staff_wiring import StaffContext


def prepare_staff(ledger: Ledger, data_dir: Path, config: AppConfig,
                  training: bool) -> StaffContext:
    from ireti_till.adapters.clock import SystemClock
    from ireti_till.adapters.staff_wiring import build_staff_context

    till_id = config.store.till_id
    ctx = build_staff_context(ledger.engine, data_dir, training=training, till_id=till_id,
                              clock=SystemClock(), lockout=config.staff.lockout,
                              rules=config.staff.overrides)
    ctx.staff.ensure_demo_staff()
    ctx.audit.record("start", "system", {"till_id": till_id, "training": int(training)})
    ctx.audit.checkpoint()
    return ctx


class StaffPrep:
    """A ``LedgerOpener`` prepare step: ``ctx`` is set once the ledger thread ran it."""

    def __init__(self, data_dir: Path, config: AppConfig, training: bool) -> None:
        self.data_dir, self.config, self.training = data_dir, config, training
        self.ctx: StaffContext | None = None

    def __call__(self, ledger: Ledger) -> None:
        self.ctx = prepare_staff(ledger, self.data_dir, self.config, self.training)
