"""F8 on the sale window (``composition.operations.wire_refunds`` calls it): the refund
screen, its supervisor approval through the override prompt, as the signed-in person."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ireti_till.domain.settings import StoreSettings
    from ireti_till.services.refunds import RefundService
    from ireti_till.ui.main_window import MainWindow
    from ireti_till.ui.refunds.attach import RefundScreen, RemoteFn
    from ireti_till.ui.staff.attach import StaffUi


def install_refunds(window: MainWindow, staff: StaffUi, service: Callable[[], RefundService],
                    store: StoreSettings, receipts_dir: Path,
                    remote: RemoteFn | None = None) -> RefundScreen:
    from ireti_till.ui.refunds.attach import attach_refund_screen
    from ireti_till.ui.staff.override_dialog import OverridePrompt

    prompt = OverridePrompt(staff.services.overrides, lambda: staff.current)
    return attach_refund_screen(window, service, prompt.ask_refund,
                                lambda: staff.current, store, receipts_dir, remote)
