"""Put the F8 refund screen on the sale window (``composition.operations.wire_refunds``).

F8 is available while the basket is empty (the key's tooltip says why otherwise). The
screen opens as the controller's one dialog (the service is asked for then: it is built on
the first F8, once the ledger is open), for whoever is signed in; the supervisor PIN
is asked through the override prompt (``OverridePrompt.ask_refund``).
``remote`` (None until the till is enrolled with a back office) lets the screen refund a sale
rung on another till of the store (``ui/refunds/remote.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ireti_till.domain.errors import AuthorisationError
from ireti_till.domain.settings import StoreSettings
from ireti_till.domain.staff import StaffMember
from ireti_till.services.refund_remote import RemoteRefunds
from ireti_till.services.refunds import RefundService
from ireti_till.ui.main_window import MainWindow
from ireti_till.ui.refunds.dialog import ApproveFn, RefundDialog
from ireti_till.ui.refunds.remote import RemoteBranch

RemoteFn = Callable[[], RemoteRefunds | None]


class RefundScreen(QObject):
    opened = Signal(object)  # the RefundDialog
    refunded = Signal(object)  # the RefundRecord, once committed

    def __init__(self, window: MainWindow, service: Callable[[], RefundService],
                 approve: ApproveFn,
                 current: Callable[[], StaffMember | None], store: StoreSettings,
                 receipts_dir: Path | None = None, remote: RemoteFn | None = None) -> None:
        super().__init__(window)
        self.remote = remote
        self.window, self.service, self.approve = window, service, approve
        self.current, self.store, self.receipts_dir = current, store, receipts_dir
        self.dialog: RefundDialog | None = None
        window.controller.enable_refunds(self.open)

    def open(self) -> None:
        member = self.current()
        controller = self.window.controller
        if member is None:
            controller.refuse(AuthorisationError("Sign in first", code="IT-401"))
            return
        dialog = RefundDialog(self.service(), self.approve, member, self.store, self.window)
        remote = self.remote() if self.remote is not None else None
        if remote is not None:
            dialog.remote = RemoteBranch(dialog, remote)
        self.dialog = dialog

        def closed() -> None:
            if dialog.record is not None:
                self.refunded.emit(dialog.record)
                controller.inform(f"Refund {dialog.record.code} recorded: "
                                           f"{dialog.record.amount.format()}")
            self.dialog = None

        controller.open_dialog(dialog, closed, closed)
        self.opened.emit(dialog)


def attach_refund_screen(window: MainWindow, service: Callable[[], RefundService],
                         approve: ApproveFn,
                         current: Callable[[], StaffMember | None], store: StoreSettings,
                         receipts_dir: Path | None = None,
                         remote: RemoteFn | None = None) -> RefundScreen:
    return RefundScreen(window, service, approve, current, store, receipts_dir, remote)
