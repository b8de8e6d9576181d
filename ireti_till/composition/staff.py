"""The staff phase: sign-in, overrides and the audit trail on the main window.

The services come from ``adapters.sign_in_wiring`` (on a fast start the sign-in screen
reads the stdlib staff list and the real services follow once the window is shown); if
they fail, the blocking error screen replaces the till window (``FailureRelay``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.adapters.config_file import AppConfig
from ireti_till.adapters.sign_in_wiring import StaffPrep

if TYPE_CHECKING:
    from ireti_till.composition.ledger import LedgerOpener
    from ireti_till.services.selling import SaleService
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.staff.attach import StaffUi

__all__ = ["StaffPrep", "wire_staff"]


def wire_staff(window: MainWindow, opener: LedgerOpener, data_dir: Path, config: AppConfig,
               training: bool, make_sale_service: Callable[[object], SaleService],
               prep: StaffPrep | None, *, fast: bool) -> StaffUi:
    from ireti_till.adapters.sign_in_wiring import sign_in_services
    from ireti_till.ui.application import FailureRelay
    from ireti_till.ui.staff.attach import StaffServices, attach_staff

    relay = FailureRelay(window, data_dir)  # queued: the error screen opens on the GUI
    staff, audit, overrides = sign_in_services(  # thread
        opener, data_dir, config, training, prep, fast=fast,
        failed=lambda exc: relay.failed.emit(exc))
    return attach_staff(window, StaffServices(staff, audit, overrides, config.staff.overrides),
                        make_sale_service, config.staff.idle_lock_minutes)
