"""The sign-in screen on the till window (phase 4 of ``composition.compose``). The staff
services come in as a callable (``adapters.sign_in_wiring.sign_in_services`` in the till):
this module never sees an adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ireti_till.domain.overrides import OverrideRules
    from ireti_till.services.audit import AuditLog
    from ireti_till.services.deferred import Deferred
    from ireti_till.services.overrides import OverrideService
    from ireti_till.services.selling import SaleService
    from ireti_till.services.staff import StaffService
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.staff.attach import StaffUi

#: ``open_services(failed)``: ``(staff, audit, overrides)``; ``failed(exc)``, from any
#: thread, when the real services cannot be built after a fast start
OpenServices = Callable[[Callable[[BaseException], None]],
                        tuple["StaffService", "Deferred[AuditLog]", "Deferred[OverrideService]"]]


def wire_staff(window: MainWindow, data_dir: Path, open_services: OpenServices,
               rules: OverrideRules, make_sale_service: Callable[[object], SaleService],
               idle_minutes: int) -> StaffUi:
    """Phase 4: the sign-in screen on ``open_services`` (on a fast start the stdlib staff
    list first); if the real services fail, the blocking error screen replaces the till
    window (``FailureRelay``, queued onto the GUI thread)."""
    from ireti_till.ui.application import FailureRelay
    from ireti_till.ui.staff.attach import StaffServices, attach_staff

    relay = FailureRelay(window, data_dir)
    staff, audit, overrides = open_services(lambda exc: relay.failed.emit(exc))
    return attach_staff(window, StaffServices(staff, audit, overrides, rules),
                        make_sale_service, idle_minutes)
